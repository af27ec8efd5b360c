//! The security officer's pages: the tier-change chain and extensions waiting for a decision,
//! breach cases from report to decision (with evidence and remedial tasks), one's own tasks,
//! and the audit trail with a check of its chain. Every action posts to the JSON API; only
//! uploads and the staff report (which shows its code and secret once) have handlers here.

mod cases;
mod chain;
mod tasks;
mod trail;

use crate::db::listing::{Page, Window};
use std::collections::BTreeMap;

use chrono::NaiveDate;
use minijinja::context;

use super::lists::{Cell, Texts};
pub(super) use super::lists::{Found, ListPage, whole};

use super::dashboard::Section;
use crate::db::breaches;
use crate::db::clearance::{self, ChangeFilter};
use crate::db::names::{EmployeeName, UserName};
use crate::db::users::User;
use crate::db::{DbConnection, extensions, names};
use crate::domain::breaches::CaseStatus;
use crate::domain::clearance::ChangeStatus;
use crate::domain::roles::{
    AnyRole, AuditReaders, CaseReaders, OutcomeReaders, Overseers, SecurityOnly,
};
use crate::domain::travel::TripStatus;
use crate::error::Result;
use crate::http::routes::PageRoutes;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/clearance-changes", AnyRole, chain::clearance_page);
    r.get("/clearance-changes/{id}", AnyRole, chain::change_page);
    r.get("/extensions", Overseers, chain::extensions_page);
    r.get("/extensions/{id}", Overseers, chain::extension_page);
    r.get("/breaches", OutcomeReaders, cases::list_page);
    r.get("/breaches/new", AnyRole, cases::report_page);
    r.post("/breaches/new", AnyRole, cases::report_submit);
    r.get("/breaches/{id}", CaseReaders, cases::case_page);
    r.post("/breaches/{id}/evidence", SecurityOnly, cases::upload);
    r.get("/tasks", AnyRole, tasks::page);
    r.get("/audit", AuditReaders, trail::page);
    r.get("/audit/verify", AuditReaders, trail::verify_page);
}

/// How many waiting items the start page names before "all …".
const FIRST_FEW: i64 = 5;

/// Case statuses in the order the start page counts them: open ones first.
const STATUS_ORDER: [CaseStatus; 6] = [
    CaseStatus::Reported,
    CaseStatus::Triaged,
    CaseStatus::Investigating,
    CaseStatus::Substantiated,
    CaseStatus::Unfounded,
    CaseStatus::Closed,
];

/// The security officer's section of the start page: tier changes and extensions waiting
/// for approval, cases by status, reports due at the secrecy administration, and one's own
/// remedial tasks.
pub fn dashboard(
    conn: &mut DbConnection,
    user: &User,
    today: NaiveDate,
) -> Result<Option<Section>> {
    let Page {
        rows: changes,
        total: changes_total,
    } = clearance::list(
        conn,
        &ChangeFilter {
            status: Some(ChangeStatus::Reviewed),
            ..ChangeFilter::default()
        },
        Window::top(FIRST_FEW),
    )?;
    let Page {
        rows: exts,
        total: exts_total,
    } = extensions::list(
        conn,
        Some(ChangeStatus::Proposed),
        None,
        Window::top(FIRST_FEW),
    )?;
    let obligations = names::obligations(conn, exts.iter().map(|e| e.obligation_id.clone()))?;
    let people = names::employees(
        conn,
        changes
            .iter()
            .map(|c| c.employee_id.clone())
            .chain(obligations.values().map(|o| o.employee_id.clone())),
    )?;
    let counts: BTreeMap<String, i64> = breaches::count_by_status(conn)?.into_iter().collect();
    let by_status: Vec<_> = STATUS_ORDER
        .iter()
        .map(|s| {
            context! {
                status => s.as_str(),
                count => counts.get(s.as_str()).copied().unwrap_or(0),
                open => !matches!(s, CaseStatus::Closed),
            }
        })
        .collect();
    let due: Vec<_> = breaches::authority_reports_due(conn, FIRST_FEW * 4)?
        .into_iter()
        .map(|c| {
            context! {
                id => c.id, code => c.code, status => c.status, severity => c.severity,
                due => c.authority_report_due.map(|d| d.to_string()),
                overdue => c.authority_report_due.is_some_and(|d| d < today),
            }
        })
        .collect();
    let open_tasks: Vec<_> = breaches::tasks_of(conn, &user.id)?
        .into_iter()
        .filter(|t| t.done_at.is_none())
        .collect();
    let tasks_total = open_tasks.len();
    let tasks: Vec<_> = open_tasks
        .into_iter()
        .take(FIRST_FEW as usize)
        .map(|t| {
            context! {
                id => t.id, title => t.title, due_on => t.due_on.to_string(),
                overdue => t.due_on < today,
            }
        })
        .collect();
    let changes: Vec<_> = changes
        .into_iter()
        .map(|c| {
            context! {
                id => c.id, from_tier => c.from_tier, to_tier => c.to_tier,
                employee => people.get(&c.employee_id),
            }
        })
        .collect();
    let exts: Vec<_> = exts
        .into_iter()
        .map(|e| {
            let o = obligations.get(&e.obligation_id);
            context! {
                id => e.id, new_end => e.new_end.to_string(),
                ends_on => o.and_then(|o| o.ends_on).map(|d| d.to_string()),
                employee => o.and_then(|o| people.get(&o.employee_id)),
            }
        })
        .collect();
    let trips_waiting = crate::db::travel::count_with_status(conn, TripStatus::Requested)?;
    let late = crate::db::travel::late::on(conn, today)?;
    let late_trips: Vec<_> = late
        .trips
        .iter()
        .take(FIRST_FEW as usize)
        .map(|l| {
            context! {
                id => l.item.id.clone(), employee => l.person.clone(), countries => l.item.countries.clone(),
                ends_on => l.item.ends_on.to_string(),
            }
        })
        .collect();
    let late_documents: Vec<_> = late
        .documents
        .iter()
        .take(FIRST_FEW as usize)
        .map(|l| {
            context! {
                trip_id => l.item.trip_id.clone(), employee => l.person.clone(), kind => l.item.kind,
                due_back_by => l.due_back_by.to_string(),
            }
        })
        .collect();
    Ok(Some(Section {
        template: "security_dashboard.html",
        data: context! {
            changes, changes_total, exts, exts_total, by_status, due, tasks, tasks_total,
            trips_waiting, late_trips, late_trips_total => late.trips.len(),
            late_documents, late_documents_total => late.documents.len(),
        },
    }))
}

/// An employee as these lists name them: "name (number)" on the page, "number name" in the
/// CSV.
fn employee_cell(e: Option<&EmployeeName>) -> Cell {
    match e {
        Some(e) => Cell::text(format!("{} ({})", e.name, e.employee_no))
            .in_csv(format!("{} {}", e.employee_no, e.name)),
        None => Cell::empty(),
    }
}

/// A user's name, or nothing.
fn user_cell(u: &Option<UserName>) -> Cell {
    Cell::text(u.as_ref().map(|u| u.name.clone()).unwrap_or_default())
}

/// The catalog text of a value that may be unset (`prefix.value`), or nothing.
fn label_cell(texts: &Texts, prefix: &str, value: Option<impl std::fmt::Display>) -> Cell {
    match value {
        Some(v) => Cell::label(texts, format!("{prefix}.{v}")),
        None => Cell::empty(),
    }
}

/// A cell the page's `{% call %}` block draws from the whole row.
fn row_cell(csv: impl Into<String>, row: &impl serde::Serialize) -> Cell {
    Cell::custom(csv, minijinja::Value::from_serialize(row))
}
