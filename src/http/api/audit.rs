//! The audit trail, for admin and security.

use actix_web::{get, web};
use serde::Serialize;

use crate::db::audit::{self, AuditEvent, AuditFilter};
use crate::domain::FieldErrors;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::InputErrors;
use crate::http::extract::list_query;
use crate::http::extract::{AuditReaders, Authorized, ListPage, QueryParams, Window, given};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(AuditReaders, list);
}

list_query! {
    pub struct AuditQuery {
        pub subject_type: Option<String>,
        pub subject_id: Option<String>,
        /// The acting user's id.
        pub actor: Option<String>,
        /// at (oldest first) or -at (newest first, the default).
        pub sort: Option<String>,
    }
}

impl AuditQuery {
    /// The filter and the window of rows asked for, checked (the API list and the page).
    pub fn parse(self) -> Result<(AuditFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let filter = AuditFilter {
            subject_type: given(self.subject_type),
            subject_id: given(self.subject_id),
            actor: given(self.actor),
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// A user id, or "system" / "anonymous".
    pub actor: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub details: serde_json::Value,
    pub hash: String,
    pub prev_hash: String,
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
        InputErrors
    )
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    _reader: Authorized<AuditReaders>,
    query: QueryParams<AuditQuery>,
) -> Result<web::Json<ListPage<AuditEntry>>, Error> {
    let (filter, window) = query.0.parse()?;
    let events = state
        .db(move |conn| Ok(audit::list(conn, &filter, window)?))
        .await?;
    Ok(web::Json(window.page(events.map(AuditEntry::from))))
}
