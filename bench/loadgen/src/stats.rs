//! What one run measured: counts and a latency histogram, merged from every connection.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// Per-connection (and, merged, per-run) results.
pub struct Stats {
    /// Delivery latency in microseconds.
    pub latency_us: Histogram<u64>,
    pub sent: u64,
    pub delivered: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            // 1 µs to 60 s at 3 significant figures.
            latency_us: Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds"),
            sent: 0,
            delivered: 0,
        }
    }
}

impl Stats {
    pub fn record_delivery(&mut self, latency_us: u64) {
        self.delivered += 1;
        self.latency_us.saturating_record(latency_us.max(1));
    }

    pub fn merge(&mut self, other: &Stats) {
        self.sent += other.sent;
        self.delivered += other.delivered;
        self.latency_us.add(&other.latency_us).expect("same bounds");
    }

    /// Latency at quantile `q` in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.latency_us.max() as f64 / 1000.0
    }
}

/// How a run's acknowledged requests ended: a count per outcome, `ok` or an error code (see
/// [`crate::conn::ack_outcome`]).
#[derive(Default)]
pub struct Outcomes(BTreeMap<String, u64>);

impl Outcomes {
    /// Counts the ack frame `frame` under its outcome.
    pub fn record(&mut self, frame: &str) {
        *self.0.entry(crate::conn::ack_outcome(frame)).or_default() += 1;
    }

    /// `{"ok": n, "<code>": n, …}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_counts_and_latencies() {
        let mut a = Stats::default();
        let mut b = Stats::default();
        a.sent = 2;
        for us in [1_000, 2_000, 3_000] {
            a.record_delivery(us);
        }
        b.sent = 1;
        b.record_delivery(100_000);
        a.merge(&b);
        assert_eq!((a.sent, a.delivered), (3, 4));
        assert!((a.ms(0.5) - 2.0).abs() < 0.01, "p50 {}", a.ms(0.5));
        assert!((a.max_ms() - 100.0).abs() < 0.1, "max {}", a.max_ms());
        a.record_delivery(0);
        assert_eq!(
            a.latency_us.min(),
            1,
            "zero is clamped to the lowest bucket"
        );
    }
}
