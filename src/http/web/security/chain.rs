//! The tier-change chain (proposed → reviewed by HR → approved by security) and the
//! extensions of declassification periods waiting for security.

use crate::db::listing::{Page, Window};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Serialize;

use super::super::{lists, page_language, render_page};
use super::{ALL_ROWS, label, local, local_opt};
use crate::db::audit;
use crate::db::clearance::{self, ClearanceChange};
use crate::db::extensions::{self, Extension};
use crate::db::names::{self, EmployeeName, ObligationSummary, UserName};
use crate::db::users::User;
use crate::domain::clearance::ChangeStatus;
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::clearance::ChangeQuery;
use crate::http::api::extensions::ExtensionQuery;
use crate::http::extract::{AnyRole, AuditReaders, Authorized, Overseers, QueryParams, RoleSet};

/// A tier change as its list shows it, with the names of everyone in its chain and what the
/// reader may do with it.
#[derive(Serialize)]
struct ChangeRow {
    #[serde(flatten)]
    change: ClearanceChange,
    employee: Option<EmployeeName>,
    proposer: Option<UserName>,
    reviewer: Option<UserName>,
    approver: Option<UserName>,
    can_review: bool,
    can_approve: bool,
}

/// The rows of tier changes, with their names loaded for all of them at once and what
/// `me` may do with each.
fn change_rows(
    conn: &mut crate::db::DbConnection,
    me: &User,
    changes: Vec<ClearanceChange>,
) -> Result<Vec<ChangeRow>, Error> {
    let people = names::employees(conn, changes.iter().map(|c| c.employee_id.clone()))?;
    let users = names::users(
        conn,
        changes.iter().flat_map(|c| {
            [
                Some(c.proposed_by.clone()),
                c.reviewed_by.clone(),
                c.decided_by.clone(),
            ]
            .into_iter()
            .flatten()
        }),
    )?;
    Ok(changes
        .into_iter()
        .map(|change| {
            let employee = people.get(&change.employee_id).cloned();
            let own_record = employee
                .as_ref()
                .is_some_and(|e| me.employee_no.as_deref() == Some(e.employee_no.as_str()));
            let may_act = change.proposed_by != me.id && !own_record;
            ChangeRow {
                can_review: may_act
                    && change.status == ChangeStatus::Proposed
                    && me.roles.contains(&Role::Hr),
                can_approve: may_act
                    && change.status == ChangeStatus::Reviewed
                    && me.roles.contains(&Role::Security),
                proposer: users.get(&change.proposed_by).cloned(),
                reviewer: change
                    .reviewed_by
                    .as_ref()
                    .and_then(|u| users.get(u).cloned()),
                approver: change
                    .decided_by
                    .as_ref()
                    .and_then(|u| users.get(u).cloned()),
                employee,
                change,
            }
        })
        .collect())
}

/// `/clearance-changes`: every change for HR, security and admin (each change's page has
/// the review or approval form for the step the reader may take); a manager sees only their
/// own proposals.
pub async fn clearance_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    query: QueryParams<ChangeQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let q = query.0;
    let shown = context! { status => q.status.clone(), sort => q.sort.clone() };
    let (mut filter, window) = q.parse()?;
    let sees_all = user.has_any_role(Overseers::ROLES);
    if !sees_all {
        filter.proposed_by = Some(user.id.clone());
    }
    let csv = lists::wants_csv(&req);
    let (offset, limit) = if csv {
        (0, ALL_ROWS)
    } else {
        (window.offset, window.limit)
    };
    let me = user.clone();
    let (rows, total) = state
        .db(move |conn| {
            let Page {
                rows: changes,
                total,
            } = clearance::list(
                conn,
                &filter,
                Window {
                    offset,
                    limit,
                    ..window
                },
            )?;
            Ok((change_rows(conn, &me, changes)?, total))
        })
        .await?;
    if csv {
        return Ok(changes_csv(&state, &req, &user, &rows));
    }
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_clearance.html",
        context! {
            changes => rows, total, page => window.page, per_page => window.per_page,
            shown, own_only => !sees_all,
            ..lists::links(&req)
        },
    )
}

/// `/clearance-changes/{id}`: one change with its chain, the form of the step the reader may
/// take, the employee's other tier changes and the change's record in the audit trail.
pub async fn change_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let sees_all = user.has_any_role(Overseers::ROLES);
    let reads_audit = user.has_any_role(AuditReaders::ROLES);
    let (id, me) = (id.into_inner(), user.clone());
    let (row, others, record) = state
        .db(move |conn| {
            let change = clearance::find(conn, &id)?;
            // A manager sees only what they proposed.
            if !sees_all && change.proposed_by != me.id {
                return Err(Error::Forbidden);
            }
            let employee_id = change.employee_id.clone();
            let row = change_rows(conn, &me, vec![change])?
                .pop()
                .ok_or(Error::NotFound)?;
            let others = if sees_all {
                let all = clearance::history(conn, &employee_id)?.changes;
                let all = all.into_iter().filter(|c| c.id != id).collect();
                change_rows(conn, &me, all)?
            } else {
                Vec::new()
            };
            let record = if reads_audit {
                let events = audit::of_subject(conn, "clearance_change", &id)?;
                history_rows(conn, events)?
            } else {
                Vec::new()
            };
            Ok((row, others, record))
        })
        .await?;
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_change.html",
        context! { c => row, others, record },
    )
}

/// Audit events as a detail page's record shows them: when, what, who.
fn history_rows(
    conn: &mut crate::db::DbConnection,
    events: Vec<audit::AuditEvent>,
) -> Result<Vec<minijinja::Value>, Error> {
    let users = names::users(conn, events.iter().filter_map(|e| e.actor_id.clone()))?;
    Ok(events
        .into_iter()
        .map(|e| {
            let actor = e.actor_id.as_ref().and_then(|a| users.get(a).cloned());
            context! {
                at => e.at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                action => e.action, actor_type => e.actor_type, actor,
            }
        })
        .collect())
}

fn person(e: &Option<EmployeeName>) -> String {
    e.as_ref()
        .map(|e| format!("{} {}", e.employee_no, e.name))
        .unwrap_or_default()
}

fn user_name(u: &Option<UserName>) -> String {
    u.as_ref().map(|u| u.name.clone()).unwrap_or_default()
}

fn changes_csv(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    rows: &[ChangeRow],
) -> HttpResponse {
    let lang = page_language(req, Some(user));
    let header: Vec<String> = [
        "sec.change.employee",
        "sec.change.from_tier",
        "sec.change.to_tier",
        "sec.change.status",
        "sec.change.proposed_by",
        "sec.change.proposed_at",
        "sec.change.proposal_reason",
        "sec.change.reviewed_by",
        "sec.change.reviewed_at",
        "sec.change.review_reason",
        "sec.change.decided_by",
        "sec.change.decided_at",
        "sec.change.decision_reason",
        "sec.change.effective_on",
    ]
    .iter()
    .map(|k| state.pages.text(lang, k))
    .collect();
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let c = &r.change;
            vec![
                person(&r.employee),
                label(state, lang, "sec.tier", c.from_tier.as_str()),
                label(state, lang, "sec.tier", c.to_tier.as_str()),
                label(state, lang, "sec.change_status", c.status.as_str()),
                user_name(&r.proposer),
                local(state, c.proposed_at),
                c.proposal_reason.clone(),
                user_name(&r.reviewer),
                local_opt(state, c.reviewed_at),
                c.review_reason.clone().unwrap_or_default(),
                user_name(&r.approver),
                local_opt(state, c.decided_at),
                c.decision_reason.clone().unwrap_or_default(),
                c.effective_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    lists::csv_file("tier-changes", &header, &lines)
}

/// An extension request as its list shows it.
#[derive(Serialize)]
struct ExtensionRow {
    #[serde(flatten)]
    extension: Extension,
    obligation: Option<ObligationSummary>,
    employee: Option<EmployeeName>,
    requester: Option<UserName>,
    decider: Option<UserName>,
    can_decide: bool,
}

/// The rows of extension requests, with their obligations and names loaded for all of them
/// at once and whether `me` may decide each.
fn extension_rows(
    conn: &mut crate::db::DbConnection,
    me: &User,
    exts: Vec<Extension>,
) -> Result<Vec<ExtensionRow>, Error> {
    let owed = names::obligations(conn, exts.iter().map(|e| e.obligation_id.clone()))?;
    let people = names::employees(conn, owed.values().map(|o| o.employee_id.clone()))?;
    let users = names::users(
        conn,
        exts.iter().flat_map(|e| {
            [Some(e.requested_by.clone()), e.decided_by.clone()]
                .into_iter()
                .flatten()
        }),
    )?;
    Ok(exts
        .into_iter()
        .map(|extension| {
            let obligation = owed.get(&extension.obligation_id).cloned();
            ExtensionRow {
                employee: obligation
                    .as_ref()
                    .and_then(|o| people.get(&o.employee_id).cloned()),
                obligation,
                requester: users.get(&extension.requested_by).cloned(),
                decider: extension
                    .decided_by
                    .as_ref()
                    .and_then(|u| users.get(u).cloned()),
                can_decide: extension.status == ChangeStatus::Proposed
                    && extension.requested_by != me.id
                    && me.roles.contains(&Role::Security),
                extension,
            }
        })
        .collect())
}

/// `/extensions`: requests to extend a declassification period; security decides each on
/// its page (never its own request).
pub async fn extensions_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: QueryParams<ExtensionQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let q = query.0;
    let shown = context! { status => q.status.clone(), sort => q.sort.clone() };
    let (status, sort, window) = q.parse()?;
    let csv = lists::wants_csv(&req);
    let (offset, limit) = if csv {
        (0, ALL_ROWS)
    } else {
        (window.offset, window.limit)
    };
    let me = user.clone();
    let (rows, total) = state
        .db(move |conn| {
            let Page { rows: exts, total } = extensions::list(
                conn,
                status,
                sort,
                Window {
                    offset,
                    limit,
                    ..window
                },
            )?;
            Ok((extension_rows(conn, &me, exts)?, total))
        })
        .await?;
    if csv {
        let lang = page_language(&req, Some(&user));
        let header: Vec<String> = [
            "sec.ext.employee",
            "sec.ext.obligation",
            "sec.ext.current_end",
            "sec.ext.new_end",
            "sec.ext.reason",
            "sec.ext.status",
            "sec.ext.requested_by",
            "sec.ext.requested_at",
            "sec.ext.decided_by",
            "sec.ext.decided_at",
            "sec.ext.decision_reason",
        ]
        .iter()
        .map(|k| state.pages.text(lang, k))
        .collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let e = &r.extension;
                vec![
                    person(&r.employee),
                    r.obligation
                        .as_ref()
                        .map(|o| label(&state, lang, "obligation", o.kind.as_str()))
                        .unwrap_or_default(),
                    r.obligation
                        .as_ref()
                        .and_then(|o| o.ends_on)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    e.new_end.to_string(),
                    e.reason.clone(),
                    label(&state, lang, "sec.ext_status", e.status.as_str()),
                    user_name(&r.requester),
                    local(&state, e.requested_at),
                    user_name(&r.decider),
                    local_opt(&state, e.decided_at),
                    e.decision_reason.clone().unwrap_or_default(),
                ]
            })
            .collect();
        return Ok(lists::csv_file("extensions", &header, &lines));
    }
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_extensions.html",
        context! {
            extensions => rows, total, page => window.page, per_page => window.per_page,
            shown,
            ..lists::links(&req)
        },
    )
}

/// `/extensions/{id}`: one request, the decision form for security, and the obligation's
/// record in the audit trail (its whole history of ends and extensions).
pub async fn extension_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let reads_audit = user.has_any_role(AuditReaders::ROLES);
    let (id, me) = (id.into_inner(), user.clone());
    let (row, record) = state
        .db(move |conn| {
            let ext = extensions::find(conn, &id)?;
            let obligation_id = ext.obligation_id.clone();
            let row = extension_rows(conn, &me, vec![ext])?
                .pop()
                .ok_or(Error::NotFound)?;
            let record = if reads_audit {
                let events = audit::of_subject(conn, "obligation", &obligation_id)?;
                history_rows(conn, events)?
            } else {
                Vec::new()
            };
            Ok((row, record))
        })
        .await?;
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_extension.html",
        context! { e => row, record },
    )
}
