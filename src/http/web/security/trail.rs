//! `/audit`: the audit trail with its filters, and the check of its chain (the same check as
//! `tuomi audit verify`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Serialize;

use super::super::lists::{self, Cell, Columns};
use super::super::render_page;
use super::{Found, ListPage, row_cell};
use crate::db::audit;
use crate::db::names::{self, UserName};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::audit::{AuditEntry, AuditQuery};
use crate::http::extract::{AuditReaders, Authorized, QueryParams};
use chrono::NaiveDateTime;
use chrono_tz::Tz;

#[derive(Serialize)]
struct EventRow {
    #[serde(flatten)]
    entry: AuditEntry,
    /// When, as stored (UTC).
    #[serde(skip)]
    at: NaiveDateTime,
    /// The acting user, when a user acted.
    user: Option<UserName>,
    /// The details, as indented JSON.
    details_text: String,
}

/// The columns of the trail; the page draws who, what and on what with links that filter
/// the trail, the CSV writes the stored values (and the local time to the second).
fn event_columns(tz: Tz) -> Columns<EventRow> {
    Columns::<EventRow>::new()
        .col("seq", "sec.audit.seq", |r, _| {
            Cell::text(r.entry.seq.to_string())
        })
        .col("at", "sec.audit.at", move |r, _| {
            let local = r.at.and_utc().with_timezone(&tz);
            Cell::instant(Some(r.at)).in_csv(local.format("%Y-%m-%d %H:%M:%S").to_string())
        })
        .sortable()
        .col("actor", "sec.audit.actor", |r, _| {
            let actor = match &r.user {
                Some(u) => format!("{} <{}>", u.name, u.email),
                None => r.entry.actor.clone(),
            };
            row_cell(actor, r)
        })
        .col("action", "sec.audit.action", |r, _| {
            row_cell(&r.entry.action, r)
        })
        .col("subject_type", "sec.audit.subject_type", |r, _| {
            row_cell(&r.entry.subject_type, r)
        })
        .col("subject_id", "sec.audit.subject_id", |r, _| {
            Cell::text(&r.entry.subject_id)
        })
        .csv_only()
        .col("details", "sec.audit.details", |r, _| {
            row_cell(r.entry.details.to_string(), r)
        })
        .col("hash", "sec.audit.hash", |r, _| Cell::text(&r.entry.hash))
        .csv_only()
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AuditReaders>,
    query: QueryParams<AuditQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let q = query.0;
    let shown = context! {
        subject_type => q.subject_type.clone(), subject_id => q.subject_id.clone(),
        actor => q.actor.clone(), sort => q.sort.clone(),
    };
    let sort = q.sort.clone().unwrap_or_else(|| "-at".into());
    let (filter, window) = q.parse()?;
    let read = lists::window_for(&req, window);
    let found = state
        .db(move |conn| {
            let found = audit::list(conn, &filter, read)?;
            let users = names::users(conn, found.rows.iter().filter_map(|e| e.actor_id.clone()))?;
            Ok(found.map(|e| {
                let user = e.actor_id.as_ref().and_then(|a| users.get(a).cloned());
                let at = e.at;
                let entry = AuditEntry::from(e);
                let details_text = serde_json::to_string_pretty(&entry.details).unwrap_or_default();
                EventRow {
                    entry,
                    at,
                    user,
                    details_text,
                }
            }))
        })
        .await?;
    let page = ListPage {
        columns: event_columns(state.config.timezone),
        csv: "audit",
        template: "security_audit.html",
        anchor: |r| Some(format!("event-{}", r.entry.seq)),
    };
    let (rows, sort) = (found, sort.as_str());
    let found = Found { rows, window, sort };
    page.answer(&state, &req, &user, found, context! { shown })
}

/// `/audit/verify`: checks every event of the chain and says what it found.
pub async fn verify_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AuditReaders>,
) -> Result<HttpResponse, Error> {
    let check = state.db(|conn| Ok(audit::check(conn)?)).await?;
    render_page(
        &state,
        &req,
        Some(&user.0),
        StatusCode::OK,
        "security_audit_verify.html",
        context! { check },
    )
}
