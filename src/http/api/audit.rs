//! The audit trail, for admin and security.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};

use crate::audit::{self, AuditEvent, AuditFilter};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::ErrorBody;
use crate::http::extract::{AuditReaders, Authorized, ListPage, Paging, QueryParams};

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    subject_type: Option<String>,
    subject_id: Option<String>,
    /// The acting user's id.
    actor: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    seq: i64,
    /// RFC 3339, UTC.
    at: String,
    /// A user id, or "system" / "anonymous".
    actor: String,
    action: String,
    subject_type: String,
    subject_id: String,
    details: serde_json::Value,
    hash: String,
    prev_hash: String,
}

impl From<AuditEvent> for AuditEntry {
    fn from(e: AuditEvent) -> AuditEntry {
        AuditEntry {
            seq: e.seq,
            at: e
                .at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            actor: e.actor_id.unwrap_or(e.actor_type),
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            hash: e.hash,
            prev_hash: e.prev_hash,
        }
    }
}

/// Events, newest first.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = ListPage<AuditEntry>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    _reader: Authorized<AuditReaders>,
    query: QueryParams<AuditQuery>,
) -> Result<web::Json<ListPage<AuditEntry>>, Error> {
    let q = query.0;
    let window = Paging {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    let filter = AuditFilter {
        subject_type: q.subject_type,
        subject_id: q.subject_id,
        actor: q.actor,
    };
    let (events, total) = state
        .db(move |conn| Ok(audit::list(conn, &filter, window.offset, window.limit)?))
        .await?;
    let entries = events.into_iter().map(AuditEntry::from).collect();
    Ok(web::Json(window.page((entries, total))))
}
