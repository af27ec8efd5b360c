//! `/audit`: the audit trail with its filters, and the check of its chain (the same check as
//! `tuomi audit verify`).

use crate::db::listing::{Page, Window};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Serialize;

use super::super::{lists, page_language, render_page};
use super::ALL_ROWS;
use crate::db::audit;
use crate::db::names::{self, UserName};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::audit::{AuditEntry, AuditQuery};
use crate::http::extract::{AuditReaders, Authorized, QueryParams};

#[derive(Serialize)]
struct EventRow {
    #[serde(flatten)]
    entry: AuditEntry,
    /// The acting user, when a user acted.
    user: Option<UserName>,
    /// The details, as indented JSON.
    details_text: String,
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
    let (filter, window) = q.parse()?;
    let csv = lists::wants_csv(&req);
    let (offset, limit) = if csv {
        (0, ALL_ROWS)
    } else {
        (window.offset, window.limit)
    };
    let (rows, total) = state
        .db(move |conn| {
            let Page {
                rows: events,
                total,
            } = audit::list(
                conn,
                &filter,
                Window {
                    offset,
                    limit,
                    ..window
                },
            )?;
            let users = names::users(conn, events.iter().filter_map(|e| e.actor_id.clone()))?;
            let rows: Vec<EventRow> = events
                .into_iter()
                .map(|e| {
                    let user = e.actor_id.as_ref().and_then(|a| users.get(a).cloned());
                    let entry = AuditEntry::from(e);
                    let details_text =
                        serde_json::to_string_pretty(&entry.details).unwrap_or_default();
                    EventRow {
                        entry,
                        user,
                        details_text,
                    }
                })
                .collect();
            Ok((rows, total))
        })
        .await?;
    if csv {
        let lang = page_language(&req, Some(&user));
        let header: Vec<String> = [
            "sec.audit.seq",
            "sec.audit.at",
            "sec.audit.actor",
            "sec.audit.action",
            "sec.audit.subject_type",
            "sec.audit.subject_id",
            "sec.audit.details",
            "sec.audit.hash",
        ]
        .iter()
        .map(|k| state.pages.text(lang, k))
        .collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let e = &r.entry;
                let at = chrono::DateTime::parse_from_rfc3339(&e.at)
                    .map(|at| {
                        at.with_timezone(&state.config.timezone)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string()
                    })
                    .unwrap_or_else(|_| e.at.clone());
                let actor = match &r.user {
                    Some(u) => format!("{} <{}>", u.name, u.email),
                    None => e.actor.clone(),
                };
                vec![
                    e.seq.to_string(),
                    at,
                    actor,
                    e.action.clone(),
                    e.subject_type.clone(),
                    e.subject_id.clone(),
                    e.details.to_string(),
                    e.hash.clone(),
                ]
            })
            .collect();
        return Ok(lists::csv_file("audit", &header, &lines));
    }
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_audit.html",
        context! {
            events => rows, total, page => window.page, per_page => window.per_page,
            shown,
            ..lists::links(&req)
        },
    )
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
