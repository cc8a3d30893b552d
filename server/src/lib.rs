//! Natter's server: one axum router serving the Leptos pages, the server functions and
//! Socket.IO on the same port.
// The room page's view type is deep; rendering it on the server needs more than the default.
#![recursion_limit = "256"]

pub mod admin_command;
pub mod auth;
pub mod chat;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod error;
pub mod events;
pub mod http;
pub mod markdown;
pub mod ops;
pub mod socket;
pub mod store;

use app::api::Backend;
use auth::Auth;
use axum::Router;
use chat::ChatService;
use config::{Config, Transport};
use error::Error;
use http::origin::AllowedOrigins;
use http::state::AppState;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use socketioxide::adapter::Adapter;
use socketioxide::layer::SocketIoLayer;
use socketioxide::SocketIo;
use socketioxide::TransportType;
use std::future::IntoFuture;
use std::sync::Arc;
use store::{Accounts, PostgresStore, SqliteStore, Store};
use tokio::net::TcpListener;

/// Opens the database `config` names: PostgreSQL for a `postgres://` URL, else SQLite.
pub(crate) async fn open_storage(
    config: &Config,
) -> Result<(Arc<dyn Store>, Arc<dyn Accounts>), Error> {
    let url = config.database_url();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pg = Arc::new(PostgresStore::open_with(&url, config.commit_batch).await?);
        Ok((pg.clone(), pg))
    } else {
        let sqlite = Arc::new(SqliteStore::open_with(&url, config.commit_batch).await?);
        Ok((sqlite.clone(), sqlite))
    }
}

/// Socket.IO for `config`, before its adapter is chosen.
fn socket_io(config: &Config) -> socketioxide::SocketIoBuilder {
    let builder = SocketIo::builder()
        // Packets queued per socket before an emit to it fails: room for bursts in busy rooms,
        // and with replies of at most MAX_REPLY_BYTES, a bound on what a client that stops
        // reading can make the server hold (`socket::adapter::stalled`).
        .max_buffer_size(socket::SOCKET_QUEUE)
        .ping_interval(std::time::Duration::from_millis(config.ping_interval_ms))
        .ping_timeout(std::time::Duration::from_millis(config.ping_timeout_ms))
        // Frames up to 1 MB are read and answered (`payload_too_large` above
        // MAX_EVENT_BYTES); Engine.IO closes connections that send bigger ones.
        .max_payload(1_000_000);
    let polling = config.transports.contains(&Transport::Polling);
    let websocket = config.transports.contains(&Transport::Websocket);
    match (polling, websocket) {
        (true, false) => builder.transports([TransportType::Polling]),
        (false, true) => builder.transports([TransportType::Websocket]),
        _ => builder,
    }
}

/// Opens storage and builds the chat service and the state for `config`, on `io`.
async fn build_state<A: Adapter>(
    config: &Config,
    io: SocketIo<A>,
    hub: Arc<ops::Hub>,
) -> Result<(AppState, ChatService<A>), Error> {
    let origins = config
        .public_url()
        .and_then(|public| AllowedOrigins::new(public, &config.allowed_origins))
        .map_err(Error::Config)?;
    tokio::fs::create_dir_all(&config.data_dir).await?;
    let (store, accounts) = open_storage(config).await?;
    chat::render_old_messages(&*store).await?;
    let auth = Auth::new(
        accounts,
        auth::Policy {
            secure_cookies: config.secure_cookies || config.https(),
            host_only_cookie: config.https(),
            registration: config.registration,
            registrations_per_hour: config.registrations_per_hour,
        },
    );
    let node = hub.node().into();
    let chat = ChatService::new(store, auth, io, chat::Settings::from_config(config), hub);
    let leptos_options = LeptosOptions::builder()
        .output_name("natter")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        // cargo-leptos writes the hashed names beside the binary (`hash-files`); a binary
        // without that file (built by `cargo build` alone) serves the plain names.
        .hash_files(hashed_names())
        .site_addr(config.addr)
        .build();
    let state = AppState {
        leptos_options,
        chat: Arc::new(chat.clone()),
        origins: Arc::new(origins),
        proxies: Arc::new(http::client_addr::TrustedProxies::new(
            config.trusted_proxies.clone(),
        )),
        node,
    };
    Ok((state, chat))
}

/// True when the binary was built with `hash-files`: cargo-leptos wrote `hash.txt` beside it.
fn hashed_names() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|file| file.exists())
}

/// The whole app: pages, server functions, static files and Socket.IO.
pub fn router<A: Adapter>(state: AppState, socket_layer: SocketIoLayer<A>) -> Router {
    let routes = generate_route_list(app::App);
    let backend: Arc<dyn Backend> = state.chat.clone();
    let shell_options = state.leptos_options.clone();
    let origins = state.origins.clone();
    let assets = http::assets::router(
        &state.leptos_options.site_root,
        &state.leptos_options.site_pkg_dir,
    );
    let app = Router::new()
        .merge(assets)
        .merge(http::auth::router())
        .route("/healthz", axum::routing::get(http::health::check))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || app::shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(axum::middleware::from_fn(http::redirect::pages))
        .layer(http::compression::layer());
    http::headers::secure(app)
        .layer(socket_layer)
        // Outside the Socket.IO layer, so it sees the handshake first.
        .layer(axum::middleware::from_fn_with_state(
            origins,
            http::origin::guard,
        ))
        .with_state(state)
}

/// How long a connection may leave what the server sent it unread before the kernel drops it.
pub const WRITE_STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// A client that stops reading leaves the server's writes waiting forever, and with them the
/// packets queued for it (Engine.IO cannot close a connection whose write is blocked). With
/// `TCP_USER_TIMEOUT` the kernel resets a connection whose sent data (or window probes) go
/// unacknowledged for [`WRITE_STALL`]; the blocked write then fails and everything is freed.
fn drop_stalled_readers(tcp: &mut tokio::net::TcpStream) {
    if let Err(e) = socket2::SockRef::from(&*tcp).set_tcp_user_timeout(Some(WRITE_STALL)) {
        tracing::debug!(error = %e, "TCP_USER_TIMEOUT not set");
    }
}

/// Why the server stops.
enum Stop {
    /// SIGTERM or Ctrl+C: exit 0.
    Asked,
    /// Messages can no longer be stored: exit non-zero, for a supervisor to restart it.
    StorageDown(String),
}

/// The most a graceful stop takes: then the process exits whatever is still open.
const STOP_WITHIN: std::time::Duration = std::time::Duration::from_millis(4500);

/// Serves until the process is stopped (Ctrl+C or SIGTERM), or until storing fails for good.
///
/// A stop: accepting ends; every socket is closed, so clients reconnect (to another node, or
/// to this one once restarted) and catch up by seq; open requests finish; the writer commits
/// what is queued. All of it within [`STOP_WITHIN`], however many clients are connected.
pub async fn serve(config: Config, listener: TcpListener) -> Result<(), Error> {
    let node = config.node_name(listener.local_addr()?.port());
    let measured = ops::recorder::install(config.metrics_addr.is_some());
    if let (Some(addr), Some(handle)) = (config.metrics_addr, measured.prometheus.clone()) {
        serve_metrics(addr, handle).await?;
    }
    let hub = Arc::new(ops::Hub::new(&node));
    match config.redis_url.clone() {
        None => {
            let (layer, io) = socket_io(&config).build_layer();
            let (state, chat) = build_state(&config, io.clone(), hub.clone()).await?;
            socket::mount(&io, chat.clone());
            tokio::spawn(ops::hub::run(hub, io, chat.auth().clone(), measured, None));
            serve_on(config, listener, state, chat, layer).await
        }
        Some(url) => {
            let (adapter, driver) = cluster::connect(&url).await?;
            let (layer, io) = socket_io(&config)
                .with_adapter::<cluster::RedisCluster>(adapter)
                .build_layer();
            let (state, chat) = build_state(&config, io.clone(), hub.clone()).await?;
            socket::mount(&io, chat.clone())
                .await
                .map_err(|e| Error::Config(format!("joining the cluster through Redis: {e}")))?;
            tokio::spawn(ops::hub::run(
                hub,
                io.clone(),
                chat.auth().clone(),
                measured,
                Some(driver.clone()),
            ));
            tokio::spawn(cluster::watch_link(driver, io));
            tracing::info!("in a cluster: sockets on every node sharing {url} hear each other");
            serve_on(config, listener, state, chat, layer).await
        }
    }
}

/// `GET /metrics` on `addr` (and nothing else there), for Prometheus.
async fn serve_metrics(
    addr: std::net::SocketAddr,
    handle: metrics_exporter_prometheus::PrometheusHandle,
) -> Result<(), Error> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Config(format!("--metrics-addr {addr}: {e}")))?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let app = Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// [`serve`], once the adapter is chosen.
async fn serve_on<A: Adapter>(
    _config: Config,
    listener: TcpListener,
    state: AppState,
    chat: ChatService<A>,
    layer: SocketIoLayer<A>,
) -> Result<(), Error> {
    let app = router(state, layer);
    tracing::info!("Natter listening on http://{}", listener.local_addr()?);
    // Handlers see the client's address (per-address limits).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = axum::serve::ListenerExt::tap_io(listener, drop_stalled_readers);
    let (stop_accepting, accepting_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = accepting_stopped.await;
            })
            .into_future(),
    );
    let stop = tokio::select! {
        () = shutdown_signal() => Stop::Asked,
        why = chat.store().failed() => Stop::StorageDown(why),
        ended = &mut server => {
            // The listener failed on its own.
            return match ended {
                Ok(result) => result.map_err(Error::from),
                Err(e) => Err(Error::Io(std::io::Error::other(e))),
            };
        }
    };
    let deadline = tokio::time::Instant::now() + STOP_WITHIN;
    match &stop {
        Stop::Asked => tracing::info!("stopping: closing connections, then storing what is queued"),
        Stop::StorageDown(why) => {
            tracing::error!(reason = %why, "stopping: messages cannot be stored")
        }
    }
    let _ = stop_accepting.send(());
    // Requests being served are answered (a send in flight gets its ack); new ones are refused.
    let answering = deadline - std::time::Duration::from_millis(3000);
    if tokio::time::timeout_at(answering, chat.finish_requests())
        .await
        .is_err()
    {
        tracing::warn!("some requests were not answered in time");
    }
    // What those requests changed reaches the sockets before they close.
    let telling = deadline - std::time::Duration::from_millis(2500);
    if tokio::time::timeout_at(telling, chat.flush_events())
        .await
        .is_err()
    {
        tracing::warn!("some events were not sent before the sockets closed");
    }
    let closing = deadline - std::time::Duration::from_millis(2000);
    if tokio::time::timeout_at(closing, chat.io().close())
        .await
        .is_err()
    {
        tracing::warn!("some sockets did not close in time");
    }
    let finishing = deadline - std::time::Duration::from_millis(1000);
    if tokio::time::timeout_at(finishing, &mut server)
        .await
        .is_err()
    {
        tracing::warn!("some requests were still open at shutdown");
        server.abort();
    }
    if tokio::time::timeout_at(deadline, chat.store().drain())
        .await
        .is_err()
    {
        tracing::error!("the writer did not finish its queue in time");
    }
    match stop {
        Stop::Asked => {
            tracing::info!("stopped");
            Ok(())
        }
        Stop::StorageDown(why) => Err(Error::StorageDown(why)),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
