//! Liveness, readiness and metrics, for load balancers and Prometheus.

use std::sync::atomic::Ordering;

use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use serde::Serialize;

use crate::http::AppState;
use crate::http::routes::{ApiRoutes, Open};

/// Outside the API prefix, open to load balancers and Prometheus.
pub fn routes(r: &mut ApiRoutes) {
    r.service(Open, healthz);
    r.service(Open, readyz);
    r.service(Open, metrics);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// ok, ready or unavailable.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// 200 while the process runs.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        reason: None,
    })
}

/// 200 when the database is reachable and migrated, 503 otherwise.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let unavailable = |reason: String| {
        HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            reason: Some(reason),
        })
    };
    if !state.ready.load(Ordering::Acquire) {
        return unavailable("the database is not reachable or not migrated yet".into());
    }
    let pool = state.pool.clone();
    let checked = web::block(move || -> Result<(), String> {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        diesel::connection::SimpleConnection::batch_execute(&mut *conn, "SELECT 1")
            .map_err(|e| e.to_string())
    })
    .await;
    match checked {
        Ok(Ok(())) => HttpResponse::Ok().json(Health {
            status: "ready",
            reason: None,
        }),
        Ok(Err(e)) => unavailable(format!("database unreachable: {e}")),
        Err(e) => unavailable(e.to_string()),
    }
}

/// Prometheus text: requests by route and status, latency histogram, pool use. On the main
/// address only with `Authorization: Bearer <metrics_token>`; without the setting, or with
/// another token, 404 as if there were no such page (the `metrics_listen` address serves it
/// without a token).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, content_type = "text/plain", body = String),
        (status = 404, description = "no metrics token is set, or another one was sent")
    ),
    security(("metrics_token" = []))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !holds_metrics_token(&state, &req) {
        return crate::error::Error::NotFound.error_response();
    }
    metrics_text(state).await
}

/// Whether the request carries the configured metrics token (compared as digests, so the
/// time taken says nothing about how much of it matched).
fn holds_metrics_token(state: &AppState, req: &HttpRequest) -> bool {
    use sha2::{Digest, Sha256};
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return false;
    };
    let sent = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    Sha256::digest(sent.trim()) == Sha256::digest(expected)
}

/// The metrics themselves, for the main address (behind the token) and `metrics_listen`.
pub async fn metrics_text(state: web::Data<AppState>) -> HttpResponse {
    let mut text = state
        .metrics
        .render(state.pool.state(), state.pool.max_size());
    // The queue's states; failed jobs are what an operator alerts on. Left out while the
    // database is unreachable, so the metrics still answer.
    if let Ok(counts) = state.db(|conn| Ok(crate::db::jobs::counts(conn)?)).await {
        use std::fmt::Write;
        text.push_str("# HELP tuomi_jobs Jobs in the queue by state.\n# TYPE tuomi_jobs gauge\n");
        for s in crate::db::jobs::JobState::ALL {
            let n = counts
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(text, "tuomi_jobs{{state=\"{s}\"}} {n}");
        }
    }
    // How long the oldest message due has waited: a mail server down shows here first.
    let now = state.clock.now();
    if let Ok(oldest) = state
        .db(move |conn| Ok(crate::db::jobs::oldest_waiting_send(conn, now)?))
        .await
    {
        use std::fmt::Write;
        let age = oldest.map_or(0, |due| (now.naive_utc() - due).num_seconds().max(0));
        text.push_str(
            "# HELP tuomi_mail_oldest_waiting_seconds How long the oldest message due has \
             waited to be sent.\n# TYPE tuomi_mail_oldest_waiting_seconds gauge\n",
        );
        let _ = writeln!(text, "tuomi_mail_oldest_waiting_seconds {age}");
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
