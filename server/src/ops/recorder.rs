//! The process's `metrics` recorder: every measurement lands in this node's current window
//! (read and reset every second by [`super::window`]) and, with `--metrics-addr`, in the
//! Prometheus exporter too (metrics-util's fan-out layer feeds both).

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use metrics_util::layers::FanoutBuilder;
use metrics_util::registry::{AtomicStorage, Registry};
use std::sync::Arc;

/// What the windows read: every counter, gauge and histogram by key.
pub type Measurements = Registry<Key, AtomicStorage>;

/// The recorder behind the windows.
struct WindowRecorder(Arc<Measurements>);

impl Recorder for WindowRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        self.0
            .get_or_create_counter(key, |c| Counter::from_arc(c.clone()))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        self.0
            .get_or_create_gauge(key, |g| Gauge::from_arc(g.clone()))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        self.0
            .get_or_create_histogram(key, |h| Histogram::from_arc(h.clone()))
    }
}

/// The installed recorder's two ends.
pub struct Installed {
    pub measurements: Arc<Measurements>,
    /// Renders `/metrics` (with `--metrics-addr`).
    pub prometheus: Option<PrometheusHandle>,
}

/// Installs the process's recorder, with the Prometheus exporter when `prometheus`. Once per
/// process: a second call gets a recorder of its own that nothing feeds (and says so).
pub fn install(prometheus: bool) -> Installed {
    let measurements = Arc::new(Registry::atomic());
    let windows = WindowRecorder(measurements.clone());
    let (installed, handle) = if prometheus {
        let exporter = PrometheusBuilder::new().build_recorder();
        let handle = exporter.handle();
        let fanout = FanoutBuilder::default()
            .add_recorder(windows)
            .add_recorder(exporter)
            .build();
        (
            metrics::set_global_recorder(fanout).map_err(|e| e.to_string()),
            Some(handle),
        )
    } else {
        (
            metrics::set_global_recorder(windows).map_err(|e| e.to_string()),
            None,
        )
    };
    if let Err(e) = installed {
        tracing::warn!(error = %e, "a metrics recorder was installed already: the dashboard shows nothing");
    }
    Installed {
        measurements,
        prometheus: handle,
    }
}
