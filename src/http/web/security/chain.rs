//! The tier-change chain (proposed → reviewed by HR → approved by security) and the
//! extensions of declassification periods waiting for security.

use crate::db::listing::Page;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Serialize;

use super::super::lists::{self, Cell, Columns};
use super::super::render_page;
use super::{Found, ListPage, employee_cell, label_cell, row_cell, user_cell};
use crate::db::audit;
use crate::db::clearance::{self, ClearanceChange};
use crate::db::employees::{self, Scope};
use crate::db::extensions::{self, Extension};
use crate::db::names::{self, EmployeeName, ObligationSummary, UserName};
use crate::db::users::User;
use crate::domain::clearance::{ChangeStatus, Step, may_take};
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::clearance::ChangeQuery;
use crate::http::api::extensions::ExtensionQuery;
use crate::http::extract::{AnyRole, AuditReaders, Authorized, Overseers, QueryParams, RoleSet};
use chrono_tz::Tz;

/// A tier change as its list shows it, with the names of everyone in its chain and what the
/// reader may do with it: the step it waits for, and when the reader may not take it, why
/// (a key under `sec.clearance.why.`).
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
    /// review or approval, while the change is in its chain.
    next_step: Option<&'static str>,
    why_not: Option<&'static str>,
}

/// The rows of tier changes, with their names loaded for all of them at once and what
/// `me` may do with each (the chain's own rule, `may_take`).
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
    let mut rows = Vec::with_capacity(changes.len());
    for change in changes {
        let employee = people.get(&change.employee_id).cloned();
        let number = employee.as_ref().map(|e| e.employee_no.as_str());
        let step = change.status.next_step();
        let allowed = match step {
            Some(step) => {
                let decider = clearance::decider(conn, me, &change, number)?;
                Some(may_take(step, change.status, &decider))
            }
            None => None,
        };
        let may = |s: Step| step == Some(s) && allowed == Some(Ok(()));
        rows.push(ChangeRow {
            can_review: may(Step::Review),
            can_approve: may(Step::Approval),
            next_step: step.map(|s| match s {
                Step::Review => "review",
                Step::Approval => "approval",
            }),
            why_not: allowed.and_then(|a| a.err()).and_then(|r| r.why_key()),
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
        });
    }
    Ok(rows)
}

/// The columns of the tier-change list; the CSV spells out the chain a column a step.
fn change_columns(tz: Tz) -> Columns<ChangeRow> {
    Columns::<ChangeRow>::new()
        .col("employee", "sec.change.employee", |r, _| {
            employee_cell(r.employee.as_ref())
        })
        .col("tiers", "sec.change.tiers", |r, _| row_cell("", r))
        .page_only()
        .col("from_tier", "sec.change.from_tier", |r, t| {
            Cell::label(t, format!("sec.tier.{}", r.change.from_tier))
        })
        .csv_only()
        .col("to_tier", "sec.change.to_tier", |r, t| {
            Cell::label(t, format!("sec.tier.{}", r.change.to_tier))
        })
        .csv_only()
        .col("status", "sec.change.status", |r, t| {
            Cell::badge(t, "sec.change_status", r.change.status)
        })
        .col("proposed_by", "sec.change.proposed_by", |r, _| {
            user_cell(&r.proposer)
        })
        .csv_only()
        .col("proposed", "sec.change.proposed_at", move |r, _| {
            Cell::local(tz, Some(r.change.proposed_at))
        })
        .sortable()
        .col("proposal_reason", "sec.change.proposal_reason", |r, _| {
            Cell::text(&r.change.proposal_reason)
        })
        .csv_only()
        .col("reviewed_by", "sec.change.reviewed_by", |r, _| {
            user_cell(&r.reviewer)
        })
        .csv_only()
        .col("reviewed_at", "sec.change.reviewed_at", move |r, _| {
            Cell::local(tz, r.change.reviewed_at)
        })
        .csv_only()
        .col("review_reason", "sec.change.review_reason", |r, _| {
            Cell::text(r.change.review_reason.clone().unwrap_or_default())
        })
        .csv_only()
        .col("decided_by", "sec.change.decided_by", |r, _| {
            user_cell(&r.approver)
        })
        .csv_only()
        .col("decided_at", "sec.change.decided_at", move |r, _| {
            Cell::local(tz, r.change.decided_at)
        })
        .csv_only()
        .col("decision_reason", "sec.change.decision_reason", |r, _| {
            Cell::text(r.change.decision_reason.clone().unwrap_or_default())
        })
        .csv_only()
        .col("chain", "sec.clearance.chain", |r, _| row_cell("", r))
        .page_only()
        .col("effective", "sec.change.effective_on", |r, _| {
            Cell::date(r.change.effective_on)
        })
        .sortable()
}

/// `/clearance-changes`: every change for HR, security and admin (each change's page has
/// the review or approval form for the step the reader may take); a manager sees their own
/// proposals and the changes of the people below them in the reporting line (to review).
pub async fn clearance_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    query: QueryParams<ChangeQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let q = query.0;
    let shown = context! { status => q.status.clone(), sort => q.sort.clone() };
    let sort = q.sort.clone().unwrap_or_else(|| "proposed".into());
    let (mut filter, window) = q.parse()?;
    let sees_all = user.has_any_role(Overseers::ROLES);
    let (read, me) = (lists::window_for(&req, window), user.clone());
    let found = state
        .db(move |conn| {
            if !sees_all {
                filter.followed_by = Some((me.id.clone(), Scope::of(conn, &me)?));
            }
            let Page { rows, total } = clearance::list(conn, &filter, read)?;
            let rows = change_rows(conn, &me, rows)?;
            Ok(Page { rows, total })
        })
        .await?;
    let page = ListPage {
        columns: change_columns(state.config.timezone),
        csv: "tier-changes",
        template: "security_clearance.html",
        anchor: |r| Some(format!("change-{}", r.change.id)),
    };
    let (rows, sort) = (found, sort.as_str());
    let found = Found { rows, window, sort };
    let extra = context! { shown, own_only => !sees_all };
    page.answer(&state, &req, &user, found, extra)
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
            // A manager sees what they proposed, and the changes of their line.
            if !sees_all
                && change.proposed_by != me.id
                && !employees::above_in_line(conn, &me, &change.employee_id)?
            {
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

/// The columns of the extension list; the CSV spells out who requested and decided, when.
fn extension_columns(tz: Tz) -> Columns<ExtensionRow> {
    Columns::<ExtensionRow>::new()
        .col("employee", "sec.ext.employee", |r, _| {
            employee_cell(r.employee.as_ref())
        })
        .col("obligation", "sec.ext.obligation", |r, t| {
            label_cell(t, "obligation", r.obligation.as_ref().map(|o| o.kind))
        })
        .col("current_end", "sec.ext.current_end", |r, _| {
            Cell::date(r.obligation.as_ref().and_then(|o| o.ends_on))
        })
        .col("new_end", "sec.ext.new_end", |r, _| {
            Cell::date(Some(r.extension.new_end))
        })
        .sortable()
        .col("reason", "sec.ext.reason", |r, _| {
            Cell::text(&r.extension.reason)
        })
        .col("requested", "sec.ext.requested_at", |r, _| row_cell("", r))
        .sortable()
        .page_only()
        .col("status", "sec.ext.status", |r, t| {
            row_cell(t.t(&format!("sec.ext_status.{}", r.extension.status)), r)
        })
        .col("requested_by", "sec.ext.requested_by", |r, _| {
            user_cell(&r.requester)
        })
        .csv_only()
        .col("requested_at", "sec.ext.requested_at", move |r, _| {
            Cell::local(tz, Some(r.extension.requested_at))
        })
        .csv_only()
        .col("decided_by", "sec.ext.decided_by", |r, _| {
            user_cell(&r.decider)
        })
        .csv_only()
        .col("decided_at", "sec.ext.decided_at", move |r, _| {
            Cell::local(tz, r.extension.decided_at)
        })
        .csv_only()
        .col("decision_reason", "sec.ext.decision_reason", |r, _| {
            Cell::text(r.extension.decision_reason.clone().unwrap_or_default())
        })
        .csv_only()
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
    let sort = q.sort.clone().unwrap_or_else(|| "requested".into());
    let (status, order, window) = q.parse()?;
    let (read, me) = (lists::window_for(&req, window), user.clone());
    let found = state
        .db(move |conn| {
            let Page { rows, total } = extensions::list(conn, status, order, read)?;
            let rows = extension_rows(conn, &me, rows)?;
            Ok(Page { rows, total })
        })
        .await?;
    let page = ListPage {
        columns: extension_columns(state.config.timezone),
        csv: "extensions",
        template: "security_extensions.html",
        anchor: |r| Some(format!("extension-{}", r.extension.id)),
    };
    let (rows, sort) = (found, sort.as_str());
    let found = Found { rows, window, sort };
    page.answer(&state, &req, &user, found, context! { shown })
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
