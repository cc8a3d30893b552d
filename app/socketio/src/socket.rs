//! A Socket.IO v5 client over Engine.IO v4, for the browser: a WebSocket, or HTTP long-polling
//! (upgraded to a WebSocket when possible) where WebSockets fail.
//!
//! It keeps one connection to the default namespace alive: it answers the server's pings,
//! notices a silent server (no packet within ping interval + ping timeout), and reconnects with
//! exponential backoff and jitter. Acks time out. It knows nothing of chat: it hands events and
//! connection changes to the callbacks it was built with.

use crate::backoff::backoff_ms;
use crate::packet::{EnginePacket, Handshake, SocketPacket};
use crate::timer::Timeout;
use crate::transport::{http, Conn, PollingConn, WsConn};
use crate::Transport;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

/// What the socket tells its owner.
pub enum SocketEvent {
    /// Connected to the namespace (first time or after a loss), over `transport`.
    Connected { transport: Transport },
    /// The connection moved from long-polling to a WebSocket.
    Upgraded,
    /// The connection was lost; the next attempt starts in `retry_in_ms`.
    Disconnected { retry_in_ms: u32 },
    /// A reconnection attempt started.
    Reconnecting { attempt: u32 },
    /// The server emitted an event.
    Event { name: String, data: Value },
    /// The server refused the connection (`connect_error`); `message` says why.
    Refused { message: String },
}

/// Why an ack did not arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckError {
    NotConnected,
    Timeout,
    Disconnected,
}

type AckCallback = Box<dyn FnOnce(Result<Value, AckError>)>;

struct PendingAck {
    callback: AckCallback,
    timer: Option<Timeout>,
}

struct Inner {
    /// The Engine.IO endpoint, without `transport` (e.g. `ws://host/socket.io/?EIO=4`).
    ws_url: String,
    http_url: String,
    conn: Option<Conn>,
    /// A WebSocket opened to upgrade a long-polling session.
    probe: Option<WsConn>,
    /// True between the namespace's CONNECT and the loss of the connection.
    connected: bool,
    /// Incremented on every new connection; callbacks of older ones are ignored.
    generation: u64,
    /// Failed attempts since the last successful connection.
    attempt: u32,
    next_ack_id: u64,
    acks: HashMap<u64, PendingAck>,
    watchdog: Option<Timeout>,
    retry_timer: Option<Timeout>,
    handshake: Option<Handshake>,
    /// The payload of every CONNECT sent from now on (Socket.IO's `auth`).
    auth: Option<Value>,
    on_event: Rc<dyn Fn(SocketEvent)>,
}

/// A cheap handle to the one connection.
#[derive(Clone)]
pub struct Socket(Rc<RefCell<Inner>>);

impl Socket {
    /// A socket for the page's own origin; call [`Socket::connect`] to start.
    pub fn new(on_event: impl Fn(SocketEvent) + 'static) -> Self {
        let loc = web_sys::window().expect("a browser window").location();
        let secure = loc.protocol().as_deref() == Ok("https:");
        let host = loc.host().unwrap_or_default();
        let path = "/socket.io/?EIO=4";
        Socket(Rc::new(RefCell::new(Inner {
            ws_url: format!("{}://{host}{path}", if secure { "wss" } else { "ws" }),
            http_url: format!("{}://{host}{path}", if secure { "https" } else { "http" }),
            conn: None,
            probe: None,
            connected: false,
            generation: 0,
            attempt: 0,
            next_ack_id: 0,
            acks: HashMap::new(),
            watchdog: None,
            retry_timer: None,
            handshake: None,
            auth: None,
            on_event: Rc::new(on_event),
        })))
    }

    pub fn is_connected(&self) -> bool {
        self.0.borrow().connected
    }

    /// Sets the payload the next connections send with their CONNECT (the server reads it
    /// before it answers, so it holds from the connection's first moment).
    pub fn set_auth(&self, auth: Value) {
        self.0.borrow_mut().auth = Some(auth);
    }

    /// Connects now (dropping any previous connection): by WebSocket, else by long-polling.
    pub fn connect(&self) {
        let (url, generation) = {
            let mut inner = self.0.borrow_mut();
            if let Some(t) = inner.retry_timer.take() {
                t.clear();
            }
            if let Some(Conn::Polling(p)) = &inner.conn {
                p.closed.set(true);
            }
            inner.conn = None;
            inner.probe = None;
            inner.generation += 1;
            (
                format!("{}&transport=websocket", inner.ws_url),
                inner.generation,
            )
        };
        let (this, this2) = (self.clone(), self.clone());
        let ws = WsConn::open(
            &url,
            || {},
            move |text| this.on_frame(generation, &text),
            move || this2.websocket_closed(generation),
        );
        match ws {
            Ok(ws) => self.0.borrow_mut().conn = Some(Conn::Ws(ws)),
            Err(_) => return self.connect_polling(generation),
        }
        // A server that never answers the handshake counts as lost after a while.
        self.arm_watchdog(generation, 20_000);
    }

    /// A WebSocket closed: lost, or (if it never opened a session) blocked, so try polling.
    fn websocket_closed(&self, generation: u64) {
        let never_opened = {
            let inner = self.0.borrow();
            inner.generation == generation && inner.handshake.is_none()
        };
        if never_opened {
            self.connect_polling(generation);
        } else {
            self.lost(generation);
        }
    }

    /// Opens an Engine.IO long-polling session for `generation`.
    fn connect_polling(&self, generation: u64) {
        let url = {
            let mut inner = self.0.borrow_mut();
            if inner.generation != generation {
                return;
            }
            // Called from the WebSocket's own callback: free it a moment later.
            if let Some(old) = inner.conn.take() {
                drop_later(old);
            }
            format!("{}&transport=polling", inner.http_url)
        };
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let handshake = match http("GET", &format!("{url}&t={}", cache_buster()), None).await {
                Ok(body) => body,
                Err(_) => return this.lost(generation),
            };
            let packets = EnginePacket::decode_payload(&handshake).unwrap_or_default();
            let sid = match packets.first() {
                Some(EnginePacket::Open(h)) => h.sid.clone(),
                _ => return this.lost(generation),
            };
            let polling = PollingConn::new(format!("{url}&sid={sid}"));
            {
                let mut inner = this.0.borrow_mut();
                if inner.generation != generation {
                    return;
                }
                inner.conn = Some(Conn::Polling(polling.clone()));
            }
            for p in packets {
                this.on_engine_packet(generation, p);
            }
            this.poll(generation, polling);
        });
    }

    /// The long-polling loop: one GET at a time, each returning the packets the server has.
    fn poll(&self, generation: u64, polling: Rc<PollingConn>) {
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while !polling.closed.get() && !polling.paused.get() {
                let url = format!("{}&t={}", polling.url, cache_buster());
                match http("GET", &url, None).await {
                    Ok(body) => match EnginePacket::decode_payload(&body) {
                        Ok(packets) => {
                            // While a WebSocket probe is under way the server ends the pending
                            // GET with a noop and then refuses new ones (400): wait for the
                            // probe, which resumes polling if it fails.
                            let only_noop = !packets.is_empty()
                                && packets.iter().all(|p| matches!(p, EnginePacket::Noop));
                            if only_noop && this.0.borrow().probe.is_some() {
                                polling.paused.set(true);
                                return;
                            }
                            for packet in packets {
                                if polling.closed.get() {
                                    return;
                                }
                                this.on_engine_packet(generation, packet);
                            }
                        }
                        Err(e) => {
                            crate::warn(&format!("socketio: ignoring a polling payload: {e}"))
                        }
                    },
                    Err(_) => {
                        if !polling.closed.get() {
                            this.lost(generation);
                        }
                        return;
                    }
                }
            }
        });
    }

    /// Tries to move a long-polling session to a WebSocket (Engine.IO's probe and upgrade).
    fn start_probe(&self, generation: u64) {
        let (url, polling) = {
            let inner = self.0.borrow();
            let (Some(Conn::Polling(p)), Some(h)) = (&inner.conn, &inner.handshake) else {
                return;
            };
            if !h.upgrades.iter().any(|u| u == "websocket") {
                return;
            }
            (
                format!("{}&transport=websocket&sid={}", inner.ws_url, h.sid),
                p.clone(),
            )
        };
        let upgraded = Rc::new(std::cell::Cell::new(false));
        let (this_open, this_text, this_close) = (self.clone(), self.clone(), self.clone());
        let (up_text, up_close) = (upgraded.clone(), upgraded.clone());
        let polling_text = polling.clone();
        let probe = WsConn::open(
            &url,
            move || {
                if let Some(ws) = &this_open.0.borrow().probe {
                    ws.send(&EnginePacket::Ping("probe".into()).encode());
                }
            },
            move |text| {
                if up_text.get() {
                    this_text.on_frame(generation, &text);
                } else if text == EnginePacket::Pong("probe".into()).encode() {
                    polling_text.paused.set(true);
                    this_text.finish_upgrade(generation, polling_text.clone(), up_text.clone());
                }
            },
            move || {
                if up_close.get() {
                    this_close.lost(generation);
                } else {
                    this_close.probe_failed(generation);
                }
            },
        );
        if let Ok(probe) = probe {
            self.0.borrow_mut().probe = Some(probe);
        }
    }

    /// Sends the upgrade packet once no POST is under way, then uses the WebSocket.
    fn finish_upgrade(
        &self,
        generation: u64,
        polling: Rc<PollingConn>,
        upgraded: Rc<std::cell::Cell<bool>>,
    ) {
        if self.0.borrow().generation != generation {
            return;
        }
        if !polling.idle() {
            let this = self.clone();
            let _ = Timeout::start(10, move || {
                this.finish_upgrade(generation, polling, upgraded)
            });
            return;
        }
        let on_event = {
            let mut inner = self.0.borrow_mut();
            let Some(ws) = inner.probe.take() else { return };
            ws.send(&EnginePacket::Upgrade.encode());
            for packet in polling.take_queue() {
                ws.send(&packet);
            }
            polling.closed.set(true);
            upgraded.set(true);
            inner.conn = Some(Conn::Ws(ws));
            inner.on_event.clone()
        };
        on_event(SocketEvent::Upgraded);
    }

    /// The upgrade did not work: stay on long-polling.
    fn probe_failed(&self, generation: u64) {
        let polling = {
            let mut inner = self.0.borrow_mut();
            if let Some(old) = inner.probe.take() {
                drop_later(old);
            }
            match (&inner.conn, inner.generation == generation) {
                (Some(Conn::Polling(p)), true) => p.clone(),
                _ => return,
            }
        };
        if polling.paused.replace(false) {
            self.poll(generation, polling.clone());
            let this = self.clone();
            polling.flush(Rc::new(move || this.lost(generation)));
        }
    }

    /// Reconnects at once if the socket is waiting for its next attempt (e.g. the browser came
    /// back online).
    pub fn connect_now_if_waiting(&self) {
        let waiting = self.0.borrow().retry_timer.is_some();
        if waiting {
            self.connect();
        }
    }

    /// Emits an event without an ack. Returns false when not connected.
    pub fn emit(&self, name: &str, data: Value) -> bool {
        self.send_packet(SocketPacket::event(name, data, None))
    }

    /// Emits an event and calls `callback` with the ack's first argument, or an error after
    /// `timeout` or when the connection is lost first.
    pub fn emit_with_ack(&self, name: &str, data: Value, timeout: Duration, callback: AckCallback) {
        if !self.is_connected() {
            return callback(Err(AckError::NotConnected));
        }
        let id = {
            let mut inner = self.0.borrow_mut();
            inner.next_ack_id += 1;
            inner.next_ack_id
        };
        let this = self.clone();
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        let timer = Timeout::start(ms, move || {
            let pending = this.0.borrow_mut().acks.remove(&id);
            if let Some(p) = pending {
                (p.callback)(Err(AckError::Timeout));
            }
        });
        self.0
            .borrow_mut()
            .acks
            .insert(id, PendingAck { callback, timer });
        if !self.send_packet(SocketPacket::event(name, data, Some(id))) {
            let pending = self.0.borrow_mut().acks.remove(&id);
            if let Some(p) = pending {
                if let Some(t) = p.timer {
                    t.clear();
                }
                (p.callback)(Err(AckError::NotConnected));
            }
        }
    }

    /// [`Socket::emit_with_ack`] as a future: the ack's first argument, or why none came.
    pub async fn request(
        &self,
        name: &str,
        data: Value,
        timeout: Duration,
    ) -> Result<Value, AckError> {
        let (tx, rx) = futures_channel::oneshot::channel();
        let settle = move |answer| {
            let _ = tx.send(answer);
        };
        self.emit_with_ack(name, data, timeout, Box::new(settle));
        // Every path of `emit_with_ack` calls back once; a dropped sender means the socket
        // itself went away.
        rx.await.unwrap_or(Err(AckError::Disconnected))
    }

    fn send_packet(&self, packet: SocketPacket) -> bool {
        if !self.is_connected() {
            return false;
        }
        self.send_raw(EnginePacket::Message(packet.encode()))
    }

    fn send_raw(&self, packet: EnginePacket) -> bool {
        let (text, generation) = (packet.encode(), self.0.borrow().generation);
        let polling = match &self.0.borrow().conn {
            Some(Conn::Ws(ws)) => return ws.send(&text),
            Some(Conn::Polling(p)) => p.clone(),
            None => return false,
        };
        let this = self.clone();
        polling.send(text, Rc::new(move || this.lost(generation)));
        true
    }

    /// One WebSocket text frame.
    fn on_frame(&self, generation: u64, text: &str) {
        match EnginePacket::decode(text) {
            Ok(packet) => self.on_engine_packet(generation, packet),
            Err(e) => crate::warn(&format!("socketio: ignoring an Engine.IO frame: {e}")),
        }
    }

    fn on_engine_packet(&self, generation: u64, packet: EnginePacket) {
        if self.0.borrow().generation != generation {
            return;
        }
        if let EnginePacket::Open(handshake) = &packet {
            self.0.borrow_mut().handshake = Some(handshake.clone());
        }
        // Any packet proves the connection alive until interval + timeout from now.
        let silence = self
            .0
            .borrow()
            .handshake
            .as_ref()
            .map_or(20_000, |h| h.ping_interval + h.ping_timeout);
        self.arm_watchdog(generation, silence);
        match packet {
            EnginePacket::Open(_) => {
                let data = self.0.borrow().auth.clone();
                self.send_raw(EnginePacket::Message(
                    SocketPacket::Connect {
                        nsp: "/".into(),
                        data,
                    }
                    .encode(),
                ));
            }
            EnginePacket::Ping(data) => {
                self.send_raw(EnginePacket::Pong(data));
            }
            EnginePacket::Close => self.lost(generation),
            EnginePacket::Message(m) => match SocketPacket::decode(&m) {
                Ok(p) => self.on_packet(generation, p),
                Err(e) => crate::warn(&format!("socketio: ignoring a Socket.IO packet: {e}")),
            },
            EnginePacket::Pong(_) | EnginePacket::Upgrade | EnginePacket::Noop => {}
        }
    }

    fn on_packet(&self, generation: u64, packet: SocketPacket) {
        match packet {
            SocketPacket::Connect { .. } => {
                let (on_event, transport) = {
                    let mut inner = self.0.borrow_mut();
                    inner.connected = true;
                    inner.attempt = 0;
                    let transport = inner
                        .conn
                        .as_ref()
                        .map_or(Transport::Websocket, Conn::transport);
                    (inner.on_event.clone(), transport)
                };
                on_event(SocketEvent::Connected { transport });
                if transport == Transport::Polling {
                    self.start_probe(generation);
                }
            }
            SocketPacket::Event { mut args, .. } => {
                let name = match args.first() {
                    Some(Value::String(s)) => s.clone(),
                    _ => return,
                };
                let data = if args.len() > 1 {
                    args.swap_remove(1)
                } else {
                    Value::Null
                };
                let on_event = self.0.borrow().on_event.clone();
                on_event(SocketEvent::Event { name, data });
            }
            SocketPacket::Ack { id, mut args, .. } => {
                let pending = self.0.borrow_mut().acks.remove(&id);
                if let Some(p) = pending {
                    if let Some(t) = p.timer {
                        t.clear();
                    }
                    let data = if args.is_empty() {
                        Value::Null
                    } else {
                        args.swap_remove(0)
                    };
                    (p.callback)(Ok(data));
                }
            }
            SocketPacket::ConnectError { data, .. } => {
                let message = data
                    .as_ref()
                    .and_then(|d| d.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let on_event = self.0.borrow().on_event.clone();
                on_event(SocketEvent::Refused { message });
                self.lost(generation)
            }
            SocketPacket::Disconnect { .. } => self.lost(generation),
        }
    }

    /// (Re)arms the timer that declares the connection dead after `ms` of silence.
    fn arm_watchdog(&self, generation: u64, ms: u32) {
        let this = self.clone();
        let timer = Timeout::start(ms, move || this.lost(generation));
        if let Some(old) = std::mem::replace(&mut self.0.borrow_mut().watchdog, timer) {
            old.clear();
        }
    }

    /// The connection of `generation` is gone: fail its acks and schedule the next attempt.
    fn lost(&self, generation: u64) {
        let (acks, on_event, delay, attempt) = {
            let mut inner = self.0.borrow_mut();
            if inner.generation != generation || inner.retry_timer.is_some() {
                return;
            }
            inner.generation += 1;
            if let Some(old) = inner.conn.take() {
                if let Conn::Polling(p) = &old {
                    p.closed.set(true);
                }
                drop_later(old);
            }
            if let Some(old) = inner.probe.take() {
                drop_later(old);
            }
            inner.connected = false;
            inner.handshake = None;
            if let Some(t) = inner.watchdog.take() {
                t.clear();
            }
            inner.attempt += 1;
            let acks: Vec<PendingAck> = inner.acks.drain().map(|(_, a)| a).collect();
            let delay = backoff_ms(inner.attempt, js_sys::Math::random());
            (acks, inner.on_event.clone(), delay, inner.attempt)
        };
        for a in acks {
            if let Some(t) = a.timer {
                t.clear();
            }
            (a.callback)(Err(AckError::Disconnected));
        }
        let this = self.clone();
        let timer = Timeout::start(delay, move || {
            this.0.borrow_mut().retry_timer = None;
            let on_event = this.0.borrow().on_event.clone();
            on_event(SocketEvent::Reconnecting { attempt });
            this.connect();
        });
        self.0.borrow_mut().retry_timer = timer;
        on_event(SocketEvent::Disconnected { retry_in_ms: delay });
    }
}

/// A query value that keeps caches from answering a poll.
fn cache_buster() -> String {
    format!("{:x}", (js_sys::Math::random() * 4_294_967_296.0) as u64)
}

/// Drops `value` after the current callback: a connection's closures may be running right now.
fn drop_later<T: 'static>(value: T) {
    let _ = Timeout::start(0, move || drop(value));
}
