//! Reading cases: one case with its course, the filtered and sorted list, counts by status,
//! the authority reports due, codes by id, and the outcomes HR sees.

use diesel::prelude::*;

use super::{Addition, Case, CaseDetail, Evidence, Outcome, Step, Task, find};
use crate::db::DbConnection;
use crate::db::listing::{self, Page, Sort, Window};
use crate::db::schema::{
    breach_additions, breach_cases, breach_evidence, breach_steps, remedial_tasks,
};
use crate::domain::breaches::{CaseSource, CaseStatus, Severity};
use crate::error::Result;

pub fn get(conn: &mut DbConnection, id: &str) -> Result<CaseDetail> {
    let case = find(conn, id)?;
    let steps = breach_steps::table
        .filter(breach_steps::case_id.eq(id))
        .order((breach_steps::at.asc(), breach_steps::id.asc()))
        .select(Step::as_select())
        .load(conn)?;
    let additions = breach_additions::table
        .filter(breach_additions::case_id.eq(id))
        .order(breach_additions::at.asc())
        .select(Addition::as_select())
        .load(conn)?;
    let evidence = breach_evidence::table
        .filter(breach_evidence::case_id.eq(id))
        .order(breach_evidence::added_at.asc())
        .select(Evidence::as_select())
        .load(conn)?;
    let tasks = remedial_tasks::table
        .filter(remedial_tasks::case_id.eq(id))
        .order(remedial_tasks::due_on.asc())
        .select(Task::as_select())
        .load(conn)?;
    Ok(CaseDetail {
        case,
        steps,
        additions,
        evidence,
        tasks,
    })
}

crate::string_enum! {
    /// The columns a list of cases can be sorted by.
    pub enum CaseSortKey ("a sort order") {
        Created = "created",
        Updated = "updated",
        Code = "code",
        Discovered = "discovered",
        Due = "due",
    }
}

/// The order of a list of cases (`-` for descending).
pub type CaseSort = Sort<CaseSortKey>;

/// Which cases a list shows; every part optional.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Any part of the code, of who it concerns, or of what happened (any case).
    pub q: Option<String>,
    pub status: Option<CaseStatus>,
    pub severity: Option<Severity>,
    pub source: Option<CaseSource>,
    /// Newest first when not given.
    pub sort: Option<CaseSort>,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// One page of the cases the filter lets through, newest first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    filter: &CaseFilter,
    window: Window,
) -> QueryResult<Page<Case>> {
    let query = || {
        let mut q = breach_cases::table.into_boxed();
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", crate::db::like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(breach_cases::code)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(breach_cases::person)
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(lower(breach_cases::what).like(pattern).escape('\\')),
            );
        }
        if let Some(s) = filter.status {
            q = q.filter(breach_cases::status.eq(s.as_str()));
        }
        if let Some(s) = filter.severity {
            q = q.filter(breach_cases::severity.eq(s.as_str()));
        }
        if let Some(s) = filter.source {
            q = q.filter(breach_cases::source.eq(s.as_str()));
        }
        q
    };
    let sort = filter.sort.unwrap_or(Sort::desc(CaseSortKey::Created));
    let d = sort.descending;
    listing::page(conn, window, query, |conn, q| {
        let sorted = match sort.key {
            CaseSortKey::Created => listing::order_by!(q, d, breach_cases::created_at),
            CaseSortKey::Updated => listing::order_by!(q, d, breach_cases::updated_at),
            CaseSortKey::Code => listing::order_by!(q, d, breach_cases::code),
            CaseSortKey::Discovered => listing::order_by!(q, d, breach_cases::discovered_on),
            CaseSortKey::Due => listing::order_by!(q, d, breach_cases::authority_report_due),
        };
        sorted
            .then_order_by(breach_cases::id.desc())
            .select(Case::as_select())
            .load(conn)
    })
}

/// How many cases are in each status.
pub fn count_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    breach_cases::table
        .group_by(breach_cases::status)
        .select((breach_cases::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Cases not yet closed that are due at the secrecy administration, soonest first.
pub fn authority_reports_due(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Case>> {
    breach_cases::table
        .filter(breach_cases::authority_report_due.is_not_null())
        .filter(breach_cases::status.ne(CaseStatus::Closed))
        .order((
            breach_cases::authority_report_due.asc(),
            breach_cases::id.asc(),
        ))
        .limit(limit)
        .select(Case::as_select())
        .load(conn)
}

/// The codes of cases by id (to name the case of a task without a query a row).
pub fn codes(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(breach_cases::table
        .filter(breach_cases::id.eq_any(ids))
        .select((breach_cases::id, breach_cases::code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// The outcomes of substantiated cases (still substantiated, or closed after it) for HR.
pub fn outcomes(conn: &mut DbConnection) -> QueryResult<Vec<Outcome>> {
    let substantiated = breach_steps::table
        .filter(breach_steps::to_status.eq(CaseStatus::Substantiated))
        .select(breach_steps::case_id);
    let rows: Vec<Case> = breach_cases::table
        .filter(breach_cases::id.eq_any(substantiated))
        .filter(breach_cases::employee_id.is_not_null())
        .order(breach_cases::updated_at.desc())
        .select(Case::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|c| Outcome {
            id: c.id,
            code: c.code,
            employee_id: c.employee_id,
            obligation_id: c.obligation_id,
            status: c.status,
            suggested: c.suggested,
            decision: c.decision,
        })
        .collect())
}
