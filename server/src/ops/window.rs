//! Closing a window: what the measurements say about the second that just ended.

use super::record;
use super::recorder::Measurements;
use app::protocol::OpsWindow;
use std::collections::HashMap;
use std::sync::Arc;

/// What the sockets of this node were when the window closed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Connected {
    pub websocket: u64,
    pub polling: u64,
    pub users: u64,
}

/// Closes one window after another: counters are totals, so each window is the difference from
/// the one before; histograms are emptied as they are read.
pub struct Windows {
    measurements: Arc<Measurements>,
    totals: HashMap<&'static str, u64>,
}

impl Windows {
    pub fn new(measurements: Arc<Measurements>) -> Self {
        Self {
            measurements,
            totals: HashMap::new(),
        }
    }

    /// The window of `node` ending at `at` (ms since the epoch).
    pub fn close(&mut self, node: &str, at: i64, connected: Connected) -> OpsWindow {
        let counted = [
            record::MESSAGES_STORED,
            record::DELIVERIES,
            record::REQUESTS,
            record::REQUEST_ERRORS,
        ];
        let mut now: HashMap<&'static str, u64> = HashMap::new();
        self.measurements.visit_counters(|key, value| {
            if let Some(name) = counted.iter().find(|n| **n == key.name()) {
                *now.entry(name).or_insert(0) += value.load(std::sync::atomic::Ordering::Relaxed);
            }
        });
        let mut delta = |name: &'static str| {
            let total = now.get(name).copied().unwrap_or(0);
            let before = self.totals.insert(name, total).unwrap_or(0);
            total.saturating_sub(before)
        };
        let (messages_in, deliveries_out) =
            (delta(record::MESSAGES_STORED), delta(record::DELIVERIES));
        let (acks, errors) = (delta(record::REQUESTS), delta(record::REQUEST_ERRORS));

        let mut latencies = Vec::new();
        let mut batches = Vec::new();
        let mut commit_times = Vec::new();
        self.measurements.visit_histograms(|key, bucket| {
            let into = match key.name() {
                n if n == record::REQUEST_SECONDS => &mut latencies,
                n if n == record::COMMIT_MESSAGES => &mut batches,
                n if n == record::COMMIT_SECONDS => &mut commit_times,
                _ => return,
            };
            bucket.clear_with(|values| into.extend_from_slice(values));
        });
        let mean = |v: &[f64]| {
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        OpsWindow {
            node: node.to_owned(),
            at,
            sockets: connected.websocket + connected.polling,
            websocket: connected.websocket,
            polling: connected.polling,
            users: connected.users,
            messages_in,
            deliveries_out,
            acks,
            ack_p50_ms: quantile(&mut latencies, 0.50) * 1000.0,
            ack_p99_ms: quantile(&mut latencies, 0.99) * 1000.0,
            commits: batches.len() as u64,
            commit_batch: mean(&batches),
            commit_p99_ms: quantile(&mut commit_times, 0.99) * 1000.0,
            errors,
            rooms: record::take_stored_by_room(),
        }
    }
}

/// The `q` quantile (nearest rank) of `values`; 0 for none.
fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&mut v, 0.5), 50.0);
        assert_eq!(quantile(&mut v, 0.99), 99.0);
        assert_eq!(quantile(&mut [3.0], 0.99), 3.0);
        assert_eq!(quantile(&mut [], 0.5), 0.0);
    }
}
