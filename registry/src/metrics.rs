//! Prometheus metrics in the text exposition format: requests and latency by
//! route, method and status; publishes by outcome; verification failures by
//! stage; publishes refused by a catalog budget, by code; and gauges of the
//! served catalog (its largest shard against the shard budget) and of the
//! verification slots (in use, most ever in use, how many). Hand-rolled: a handful of counters and one histogram family do not
//! justify the `prometheus` crate's dependency tree (protobuf, lazy statics).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    /// By route, then (method, status): looked up without allocating (a
    /// route has a handful of method and status pairs).
    latency: BTreeMap<String, Vec<(String, u16, Histogram)>>,
    publishes: BTreeMap<String, u64>,
    verification_failures: BTreeMap<String, u64>,
    budget_refusals: BTreeMap<String, u64>,
    connections_refused: BTreeMap<String, u64>,
}

/// Values read at scrape time from the served catalog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Bytes of the largest shard the served index names (`None` before the first signing).
    pub largest_shard_bytes: Option<u64>,
    /// The most bytes a publish may take a shard to.
    pub shard_budget_bytes: u64,
    /// Image verifications holding a slot now.
    pub verifications_running: u64,
    /// The most image verifications that ever held a slot at once.
    pub verifications_running_max: u64,
    /// Verification slots (`--verify-concurrency`).
    pub verification_slots: u64,
    /// `GET /v0.1/servers` answers served from a kept page, and read from
    /// the store while pages could be kept (`handlers::page_cache`).
    pub list_answers_kept: u64,
    /// See [`Self::list_answers_kept`].
    pub list_answers_read: u64,
}

/// The registry's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Records one answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if !inner.latency.contains_key(route) {
            inner.latency.insert(route.to_owned(), Vec::new());
        }
        let Some(pairs) = inner.latency.get_mut(route) else {
            return;
        };
        let at = match pairs
            .iter()
            .position(|(m, st, _)| m == method && *st == status)
        {
            Some(i) => i,
            None => {
                pairs.push((method.to_owned(), status, Histogram::default()));
                pairs.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
                pairs
                    .iter()
                    .position(|(m, st, _)| m == method && *st == status)
                    .unwrap_or_default()
            }
        };
        let h = &mut pairs[at].2;
        h.count += 1;
        h.sum += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                h.buckets[i] += 1;
            }
        }
    }

    /// Records the outcome of a publish attempt (`created`, `unchanged`, `conflict`, `invalid`, …).
    pub fn publish(&self, outcome: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner.publishes.entry(outcome.to_owned()).or_default() += 1;
        }
    }

    /// Records a verification failure at `stage`.
    pub fn verification_failure(&self, stage: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner
                .verification_failures
                .entry(stage.to_owned())
                .or_default() += 1;
        }
    }

    /// Records a publish refused by a catalog budget (`entry-too-large`,
    /// `server-budget-exceeded`, `namespace-budget-exceeded`,
    /// `namespace-shard-budget-exceeded`, `shard-budget-exceeded`).
    pub fn budget_refusal(&self, code: &str) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner.budget_refusals.entry(code.to_owned()).or_default() += 1;
        }
    }

    /// Records a connection refused because its client address held its
    /// cap (`--max-connections-per-ip`): `answered` with a 429, or closed
    /// unanswered past the refusals answered at once.
    pub fn connection_refused(&self, answered: bool) {
        if let Ok(mut inner) = self.inner.lock() {
            let how = if answered { "answered" } else { "closed" };
            *inner.connections_refused.entry(how.to_owned()).or_default() += 1;
        }
    }

    /// The text exposition format, with the catalog's `gauges`.
    pub fn render(&self, gauges: Gauges) -> String {
        let Ok(inner) = self.inner.lock() else {
            return String::new();
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP mcp_registry_http_requests_total HTTP requests answered."
        );
        let _ = writeln!(out, "# TYPE mcp_registry_http_requests_total counter");
        for (route, method, status, h) in inner
            .latency
            .iter()
            .flat_map(|(r, pairs)| pairs.iter().map(move |(m, st, h)| (r, m, st, h)))
        {
            let _ = writeln!(
                out,
                "mcp_registry_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                escape(method),
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP mcp_registry_http_request_duration_seconds Time to answer HTTP requests."
        );
        let _ = writeln!(
            out,
            "# TYPE mcp_registry_http_request_duration_seconds histogram"
        );
        for (route, method, status, h) in inner
            .latency
            .iter()
            .flat_map(|(r, pairs)| pairs.iter().map(move |(m, st, h)| (r, m, st, h)))
        {
            let labels = format!(
                "route=\"{}\",method=\"{}\",status=\"{status}\"",
                escape(route),
                escape(method)
            );
            for (le, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "mcp_registry_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "mcp_registry_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "mcp_registry_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "mcp_registry_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        counter_family(
            &mut out,
            "mcp_registry_publishes_total",
            "Publish attempts by outcome.",
            "outcome",
            &inner.publishes,
        );
        counter_family(
            &mut out,
            "mcp_registry_verification_failures_total",
            "Image verification failures by stage.",
            "stage",
            &inner.verification_failures,
        );
        counter_family(
            &mut out,
            "mcp_registry_publish_budget_refusals_total",
            "Publishes refused by a catalog budget, by problem code.",
            "code",
            &inner.budget_refusals,
        );
        counter_family(
            &mut out,
            "mcp_registry_connections_refused_total",
            "Connections refused because their client address held its cap (--max-connections-per-ip), answered 429 or closed unanswered.",
            "how",
            &inner.connections_refused,
        );
        if let Some(bytes) = gauges.largest_shard_bytes {
            let _ = writeln!(
                out,
                "# HELP mcp_registry_catalog_largest_shard_bytes Bytes of the largest shard of the served catalog (gateways refuse one over 8 MiB)."
            );
            let _ = writeln!(out, "# TYPE mcp_registry_catalog_largest_shard_bytes gauge");
            let _ = writeln!(out, "mcp_registry_catalog_largest_shard_bytes {bytes}");
        }
        let _ = writeln!(
            out,
            "# HELP mcp_registry_catalog_shard_budget_bytes The most bytes publishes may take one shard to."
        );
        let _ = writeln!(out, "# TYPE mcp_registry_catalog_shard_budget_bytes gauge");
        let _ = writeln!(
            out,
            "mcp_registry_catalog_shard_budget_bytes {}",
            gauges.shard_budget_bytes
        );
        let _ = writeln!(
            out,
            "# HELP mcp_registry_list_answers_total GET /v0.1/servers answers served from a kept page (kept) or read from the store while pages could be kept (read)."
        );
        let _ = writeln!(out, "# TYPE mcp_registry_list_answers_total counter");
        for (outcome, n) in [
            ("kept", gauges.list_answers_kept),
            ("read", gauges.list_answers_read),
        ] {
            let _ = writeln!(
                out,
                "mcp_registry_list_answers_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        for (name, help, value) in [
            (
                "mcp_registry_verifications_running",
                "Image verifications holding a slot now.",
                gauges.verifications_running,
            ),
            (
                "mcp_registry_verifications_running_max",
                "The most image verifications that held a slot at once since start.",
                gauges.verifications_running_max,
            ),
            (
                "mcp_registry_verification_slots",
                "Verification slots (--verify-concurrency).",
                gauges.verification_slots,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

/// One counter family with one label: its HELP and TYPE lines, then a line a value.
fn counter_family(
    out: &mut String,
    name: &str,
    help: &str,
    label: &str,
    counts: &BTreeMap<String, u64>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for (value, n) in counts {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::default();
        m.request("/v0.1/servers", "GET", 200, 0.003);
        m.publish("created");
        m.verification_failure("sig\"nature");
        m.budget_refusal("shard-budget-exceeded");
        let text = m.render(Gauges {
            largest_shard_bytes: Some(1234),
            shard_budget_bytes: 6 << 20,
            verifications_running: 1,
            verifications_running_max: 3,
            verification_slots: 4,
            list_answers_kept: 7,
            list_answers_read: 2,
        });
        assert!(text.contains("mcp_registry_list_answers_total{outcome=\"kept\"} 7\n"));
        assert!(text.contains("mcp_registry_list_answers_total{outcome=\"read\"} 2\n"));
        assert!(text.contains("mcp_registry_http_requests_total{route=\"/v0.1/servers\",method=\"GET\",status=\"200\"} 1"));
        assert!(text.contains("le=\"0.0025\"} 0"));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("mcp_registry_publishes_total{outcome=\"created\"} 1"));
        assert!(text.contains("stage=\"sig\\\"nature\"} 1"));
        assert!(text.contains(
            "mcp_registry_publish_budget_refusals_total{code=\"shard-budget-exceeded\"} 1"
        ));
        assert!(text.contains("mcp_registry_catalog_largest_shard_bytes 1234\n"));
        assert!(text.contains("mcp_registry_catalog_shard_budget_bytes 6291456\n"));
        assert!(text.contains("mcp_registry_verifications_running 1\n"));
        assert!(text.contains("mcp_registry_verifications_running_max 3\n"));
        assert!(text.contains("mcp_registry_verification_slots 4\n"));
    }
}
