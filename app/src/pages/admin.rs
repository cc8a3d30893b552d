//! The ops dashboard (`/admin`, administrators only; everyone else gets the not-found page):
//! every node's last five minutes, one window a second, live over the socket.
//!
//! The server HTML and the hydrating page draw the history the page was loaded with; then, in
//! the browser, the client asks for every node's windows (`ops_watch`) and adds each one that
//! arrives.

use crate::api::ops_overview;
use crate::client::{use_client, OpsUpdate};
use crate::pages::NotFound;
use crate::protocol::{ErrorCode, NodeHistory, OpsWindow, OPS_HISTORY};
use crate::state::ChatStoreFields;
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::{BTreeMap, VecDeque};

type Nodes = BTreeMap<String, VecDeque<OpsWindow>>;

#[component]
pub fn Admin() -> impl IntoView {
    let overview = Resource::new(|| (), |_| ops_overview());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(nodes) => view! { <Dashboard nodes/> }.into_any(),
                    Err(e) if e.code == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn by_node(nodes: Vec<NodeHistory>) -> Nodes {
    nodes
        .into_iter()
        .map(|n| (n.node, n.windows.into_iter().collect()))
        .collect()
}

#[component]
fn Dashboard(nodes: Vec<NodeHistory>) -> AnyView {
    let client = use_client();
    let held = RwSignal::new(by_node(nodes));
    // Browser only (effects): watch while on screen (asked again on every connection: a watch
    // lives as long as its socket), and take in what arrives.
    let status = client.state().status();
    Effect::new(move |_| {
        if status.get() == crate::state::ConnStatus::Connected {
            client.watch_ops(true);
        }
    });
    on_cleanup(move || client.watch_ops(false));
    Effect::new(move |_| {
        let updates = client.take_ops_updates();
        if updates.is_empty() {
            return;
        }
        held.update(|held| {
            for update in updates {
                match update {
                    OpsUpdate::History(nodes) => *held = by_node(nodes),
                    OpsUpdate::Window(w) => {
                        let windows = held.entry(w.node.clone()).or_default();
                        if windows.back().is_none_or(|last| last.at < w.at) {
                            windows.push_back(w);
                        }
                        while windows.len() > OPS_HISTORY {
                            windows.pop_front();
                        }
                    }
                }
            }
        });
    });
    let names = move || held.with(|h| h.keys().cloned().collect::<Vec<_>>());
    let newest =
        Memo::new(move |_| held.with(|h| h.values().filter_map(|w| w.back().map(|w| w.at)).max()));
    view! {
        <Title text="Ops · Natter"/>
        <section class="ops" aria-labelledby="ops-title">
            <h1 id="ops-title">"Ops"</h1>
            <p class="help">"Each node, one window a second; charts show the last 5 minutes."</p>
            <Show when=move || held.with(|h| h.is_empty())>
                <p class="notice-inline">"No node has reported yet: the first windows arrive within a second."</p>
            </Show>
            <For each=names key=|n| n.clone() let:node>
                <NodeCard node held newest/>
            </For>
        </section>
    }
    .into_any()
}

/// One node: its last second in numbers, and its last five minutes as charts.
#[component]
fn NodeCard(node: String, held: RwSignal<Nodes>, newest: Memo<Option<i64>>) -> AnyView {
    let name = node.clone();
    let series = move |f: fn(&OpsWindow) -> f64| {
        let node = name.clone();
        Signal::derive(move || {
            held.with(|h| {
                h.get(&node)
                    .map(|w| w.iter().map(f).collect::<Vec<_>>())
                    .unwrap_or_default()
            })
        })
    };
    let last = {
        let node = node.clone();
        Memo::new(move |_| held.with(|h| h.get(&node).and_then(|w| w.back().cloned())))
    };
    // Silent: its newest window is over 3 s older than the newest of any node.
    let silent = move || match (last.get(), newest.get()) {
        (Some(w), Some(n)) => n - w.at > 3000,
        _ => false,
    };
    let now =
        move |f: fn(&OpsWindow) -> String| move || last.get().map(|w| f(&w)).unwrap_or_default();
    let heading = format!(
        "ops-node-{}",
        node.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let labelled = heading.clone();
    view! {
        <article class="ops-node" aria-labelledby=labelled class:silent=silent>
            <h2 id=heading>{node.clone()}
                <Show when=silent><span class="tag">"silent"</span></Show>
            </h2>
            <dl class="ops-now">
                <div><dt>"Sockets"</dt><dd>{now(|w| format!("{} ({} WebSocket, {} polling)", w.sockets, w.websocket, w.polling))}</dd></div>
                <div><dt>"Users"</dt><dd>{now(|w| w.users.to_string())}</dd></div>
                <div><dt>"Messages in"</dt><dd>{now(|w| format!("{}/s", w.messages_in))}</dd></div>
                <div><dt>"Deliveries out"</dt><dd>{now(|w| format!("{}/s", w.deliveries_out))}</dd></div>
                <div><dt>"Acks"</dt><dd>{now(|w| format!("{}/s, p50 {} ms, p99 {} ms", w.acks, num(w.ack_p50_ms), num(w.ack_p99_ms)))}</dd></div>
                <div><dt>"Commits"</dt><dd>{now(|w| format!("{}/s, {} messages each, p99 {} ms", w.commits, num(w.commit_batch), num(w.commit_p99_ms)))}</dd></div>
                <div><dt>"Errors"</dt><dd>{now(|w| format!("{}/s", w.errors))}</dd></div>
            </dl>
            <div class="ops-charts">
                <Chart title="Sockets" unit="" values=series(|w| w.sockets as f64)/>
                <Chart title="Messages in" unit="/s" values=series(|w| w.messages_in as f64)/>
                <Chart title="Deliveries out" unit="/s" values=series(|w| w.deliveries_out as f64)/>
                <Chart title="Ack p99" unit=" ms" values=series(|w| w.ack_p99_ms)/>
                <Chart title="Commit batch" unit=" msgs" values=series(|w| w.commit_batch)/>
                <Chart title="Errors" unit="/s" values=series(|w| w.errors as f64)/>
            </div>
        </article>
    }
    .into_any()
}

/// A number for people: whole when it is, else one decimal.
fn num(v: f64) -> String {
    if v.fract() == 0.0 || v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

const CHART_W: f64 = 300.0;
const CHART_H: f64 = 48.0;

/// The polyline of `values` (one per second, newest at the right edge) scaled to `max`.
fn points(values: &[f64], max: f64) -> String {
    let step = CHART_W / (OPS_HISTORY - 1) as f64;
    let start = OPS_HISTORY.saturating_sub(values.len());
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = (start + i) as f64 * step;
            let y = CHART_H - (v / max).clamp(0.0, 1.0) * (CHART_H - 2.0) - 1.0;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A small line chart of the last five minutes, drawn by the app (SVG).
#[component]
fn Chart(title: &'static str, unit: &'static str, values: Signal<Vec<f64>>) -> AnyView {
    let max = move || values.with(|v| v.iter().copied().fold(0.0, f64::max));
    let scale = move || max().max(1.0);
    let last = move || values.with(|v| v.last().copied().unwrap_or(0.0));
    let label = move || {
        format!(
            "{title}: now {}{unit}, at most {}{unit} in the last 5 minutes",
            num(last()),
            num(max())
        )
    };
    view! {
        <figure class="chart">
            <figcaption>
                <span>{title}</span>
                <span class="chart-now">{move || format!("{}{unit}", num(last()))}</span>
            </figcaption>
            <svg viewBox="0 0 300 48" preserveAspectRatio="none" role="img" aria-label=label>
                <polyline
                    points=move || values.with(|v| points(v, scale()))
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.5"
                    vector-effect="non-scaling-stroke"
                />
            </svg>
            <span class="chart-max">{move || format!("max {}{unit}", num(max()))}</span>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_point_is_at_the_right_edge_and_values_scale_to_the_top() {
        let p = points(&[0.0, 5.0, 10.0], 10.0);
        let xs: Vec<&str> = p.split(' ').collect();
        assert_eq!(xs.len(), 3);
        assert!(xs[2].starts_with("300.0,1.0"), "{p}");
        assert!(xs[0].ends_with(",47.0"), "{p}");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(2.25), "2.2");
        assert_eq!(num(123.4), "123");
    }
}
