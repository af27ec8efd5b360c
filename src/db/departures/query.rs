//! Finding and listing departures: one departure as its page loads it, the filtered and
//! sorted list, the rows a list shows, who ids name, and a manager's open team lines.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::{Departure, DepartureDetail, DepartureLine, detail, find};
use crate::db::employees::{self, Scope};
use crate::db::listing::{self, Page, Sort, Window};
use crate::db::schema::{departure_lines, departures, employees as employees_table, users};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::departures::{DepartureSortKey, DepartureStatus, LineStatus, is_resolved};
use crate::error::{Error, Result};

/// A departure the scope may see (a manager: their reports' departures).
pub fn get(conn: &mut DbConnection, scope: &Scope, id: &str) -> Result<DepartureDetail> {
    let departure = find(conn, id)?;
    if !employees::visible(conn, scope, &departure.employee_id)? {
        return Err(Error::Forbidden);
    }
    detail(conn, departure)
}

/// What a list of departures is filtered and sorted by.
#[derive(Debug, Clone, Default)]
pub struct DepartureFilter {
    pub status: Option<DepartureStatus>,
    /// Part of the departing person's name, number or email, any case.
    pub q: Option<String>,
    /// Only departures with a carrier confirmed missing whose loss case is not yet closed.
    pub open_loss: bool,
    /// None: soonest last working day first.
    pub sort: Option<DepartureSort>,
}

/// The order of a list of departures: a key, descending when written with a leading `-`
/// (`-notice_date`).
pub type DepartureSort = Sort<DepartureSortKey>;

/// `departures.id` of the departures with a line confirmed missing whose loss case is still
/// open (neither closed nor found unfounded).
const WITH_OPEN_LOSS: &str = "departures.id IN (SELECT l.departure_id FROM departure_lines l \
     JOIN breach_cases b ON b.departure_line_id = l.id \
     WHERE l.status = 'missing' AND b.status NOT IN ('closed', 'unfounded'))";

/// One page of the departures the scope may see, and how many match.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &DepartureFilter,
    window: Window,
) -> QueryResult<Page<Departure>> {
    // No join: the person's name and search text come from subqueries, so the count and the
    // default order run on the departures' own index whatever the number of people.
    let query = || {
        let mut q = departures::table.into_boxed::<MultiBackend>();
        if let Some(condition) = scope.condition("departures.employee_id") {
            q = q.filter(condition);
        }
        if let Some(s) = filter.status {
            q = q.filter(departures::status.eq(s.as_str()));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            q = q.filter(employees::matching("departures.employee_id", text));
        }
        if filter.open_loss {
            q = q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(WITH_OPEN_LOSS));
        }
        q
    };
    let sort = filter
        .sort
        .unwrap_or(Sort::asc(DepartureSortKey::LastWorkingDay));
    let d = sort.descending;
    listing::page(conn, window, query, |conn, q| {
        let sorted = match sort.key {
            DepartureSortKey::LastWorkingDay => {
                listing::order_by!(q, d, departures::last_working_day)
            }
            DepartureSortKey::NoticeDate => listing::order_by!(q, d, departures::notice_date),
            DepartureSortKey::StartedAt => listing::order_by!(q, d, departures::started_at),
            DepartureSortKey::Name => listing::order_by!(
                q,
                d,
                diesel::dsl::sql::<diesel::sql_types::Text>(
                    "(SELECT e.name FROM employees e WHERE e.id = departures.employee_id)",
                )
            ),
        };
        sorted
            .then_order_by(departures::id.asc())
            .select(Departure::as_select())
            .load(conn)
    })
}

/// Who an id names, for pages: an employee's number and name, or a user's name.
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    /// The employee number (empty for a user).
    pub no: String,
    pub name: String,
}

/// The employees with these ids, in one query.
pub fn employees_named(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, Named>> {
    let rows: Vec<(String, String, String)> = employees_table::table
        .filter(employees_table::id.eq_any(ids))
        .select((
            employees_table::id,
            employees_table::employee_no,
            employees_table::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, no, name)| (id.clone(), Named { id, no, name }))
        .collect())
}

/// The users with these ids, in one query.
pub fn users_named(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, Named>> {
    let rows: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| {
            (
                id.clone(),
                Named {
                    id,
                    no: String::new(),
                    name,
                },
            )
        })
        .collect())
}

/// The classification (密级) of these carriers, in one query: what the register prints for
/// each carrier line.
pub fn classifications_of(
    conn: &mut DbConnection,
    carrier_ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, String>> {
    use crate::db::schema::carriers;
    let rows: Vec<(String, String)> = carriers::table
        .filter(carriers::id.eq_any(carrier_ids))
        .select((carriers::id, carriers::classification))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// A departure as a list shows it: who leaves, who succeeds, and how far the checklist is.
#[derive(Debug, Serialize)]
pub struct DepartureRow {
    #[serde(flatten)]
    pub departure: Departure,
    pub employee: Option<Named>,
    pub successor: Option<Named>,
    pub lines: usize,
    pub open_lines: usize,
}

/// The rows of a list page, with two more queries whatever their number.
pub fn rows(conn: &mut DbConnection, found: Vec<Departure>) -> QueryResult<Vec<DepartureRow>> {
    let ids: Vec<&str> = found.iter().map(|d| d.id.as_str()).collect();
    let people: Vec<&str> = found
        .iter()
        .flat_map(|d| std::iter::once(d.employee_id.as_str()).chain(d.successor_id.as_deref()))
        .collect();
    let named = employees_named(conn, &people)?;
    let states: Vec<(String, String, Option<NaiveDateTime>)> = departure_lines::table
        .filter(departure_lines::departure_id.eq_any(&ids))
        .select((
            departure_lines::departure_id,
            departure_lines::status,
            departure_lines::received_at,
        ))
        .load(conn)?;
    let mut counts: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for (departure_id, status, received_at) in &states {
        let entry = counts.entry(departure_id.as_str()).or_default();
        entry.0 += 1;
        let status: LineStatus = status.parse().unwrap_or(LineStatus::Open);
        if !is_resolved(status, received_at.is_some()) {
            entry.1 += 1;
        }
    }
    let counts: std::collections::HashMap<String, (usize, usize)> = counts
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    Ok(found
        .into_iter()
        .map(|d| {
            let (lines, open_lines) = counts.get(&d.id).copied().unwrap_or_default();
            DepartureRow {
                employee: named.get(&d.employee_id).cloned(),
                successor: d.successor_id.as_ref().and_then(|s| named.get(s).cloned()),
                departure: d,
                lines,
                open_lines,
            }
        })
        .collect())
}

/// An open checklist line of a departure, with whom it concerns (for a manager's list).
#[derive(Debug, Serialize)]
pub struct TeamLine {
    #[serde(flatten)]
    pub line: DepartureLine,
    pub departure_id: String,
    pub employee_name: String,
    pub last_working_day: NaiveDate,
}

/// The open lines of the departures in progress of a manager's reports (direct or indirect),
/// soonest last working day first, at most `limit`, and how many there are.
pub fn open_lines_of_team(
    conn: &mut DbConnection,
    manager_employee_id: &str,
    limit: i64,
) -> QueryResult<(Vec<TeamLine>, i64)> {
    let team = Scope::Team(Some(manager_employee_id.to_string()));
    let query = || {
        let mut q = departure_lines::table
            .inner_join(departures::table.inner_join(employees_table::table))
            .filter(departures::status.eq(DepartureStatus::InProgress))
            .filter(departure_lines::status.eq(LineStatus::Open))
            .into_boxed::<MultiBackend>();
        if let Some(condition) = team.condition("departures.employee_id") {
            q = q.filter(condition);
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let found: Vec<(DepartureLine, String, NaiveDate)> = query()
        .order((
            departures::last_working_day.asc(),
            departures::id.asc(),
            departure_lines::position.asc(),
        ))
        .limit(limit)
        .select((
            DepartureLine::as_select(),
            employees_table::name,
            departures::last_working_day,
        ))
        .load(conn)?;
    Ok((
        found
            .into_iter()
            .map(|(line, employee_name, last_working_day)| TeamLine {
                departure_id: line.departure_id.clone(),
                line,
                employee_name,
                last_working_day,
            })
            .collect(),
        total,
    ))
}
