//! Every request: a request id, one log line (route pattern, never the raw path or query, which
//! may hold tokens), and the Prometheus counters behind `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use super::AppState;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// SQL statements run by the service's database pool.
    pub statements: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let mut latency = self.latency.lock().unwrap_or_else(|e| e.into_inner());
        let h = latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, pool: diesel::r2d2::State, pool_max: u32) -> String {
        let mut out = String::new();
        out.push_str("# HELP tuomi_sql_statements_total SQL statements run by the service.\n");
        out.push_str("# TYPE tuomi_sql_statements_total counter\n");
        let _ = writeln!(
            out,
            "tuomi_sql_statements_total {}",
            self.statements.load(std::sync::atomic::Ordering::Relaxed)
        );
        out.push_str(
            "# HELP tuomi_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE tuomi_http_requests_total counter\n");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "tuomi_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP tuomi_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE tuomi_http_request_duration_seconds histogram\n");
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "tuomi_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "tuomi_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 tuomi_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 tuomi_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = write!(
            out,
            "# HELP tuomi_db_pool_connections Database connections by state.\n\
             # TYPE tuomi_db_pool_connections gauge\n\
             tuomi_db_pool_connections{{state=\"idle\"}} {}\n\
             tuomi_db_pool_connections{{state=\"in_use\"}} {}\n\
             # HELP tuomi_db_pool_max_connections The pool's size.\n\
             # TYPE tuomi_db_pool_max_connections gauge\n\
             tuomi_db_pool_max_connections {pool_max}\n",
            pool.idle_connections,
            pool.connections - pool.idle_connections,
        );
        out
    }
}

/// The routes that report a breach, by staff or without an account, API or page, are counted
/// (and logged) as one: apart, their counts and times would single out an anonymous staff
/// reporter.
const BREACH_REPORTS: [&str; 4] = [
    "/api/v1/breaches",
    "/api/v1/public/breaches",
    "/breaches/new",
    "/report",
];

fn counted_as(method: &str, route: String) -> String {
    if method == "POST" && BREACH_REPORTS.contains(&route.as_str()) {
        "(breach report)".into()
    } else {
        route
    }
}

/// A short random id for a request, in its log lines and the `x-request-id` header.
pub struct RequestId(pub String);

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let request_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let route = counted_as(&method, route);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let span = tracing::info_span!("request", request_id = %request_id, %method, %route);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            latency_ms = (seconds * 1000.0).round() as u64,
            "request finished"
        )
    });
    if let Some(state) = state {
        state
            .metrics
            .observe(&method, &route, status.as_u16(), seconds);
    }
    result.map(|mut res| {
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            res.headers_mut()
                .insert(HeaderName::from_static("x-request-id"), value);
        }
        res
    })
}
