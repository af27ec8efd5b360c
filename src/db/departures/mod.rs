//! Departures: the checklist from the custody list and the standard lines, each line
//! confirmed by the manager or HR (a handover signed for by the successor), and completion,
//! which ends the employment and creates the obligations in the same transaction.
//!
//! This module holds the stored rows and the lookups its parts share; finding and listing
//! are in `query`, the checklist in `checklist`, completion in `completion`.

mod checklist;
mod completion;
mod query;

pub use checklist::*;
pub use completion::*;
pub use query::*;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{departure_lines, departures, employees as employees_table};
use super::{DbConnection, stored_instant};
use crate::domain::departures::{
    DepartureReason, DepartureStatus, LineKind, LineStatus, is_resolved,
};
use crate::domain::people::EmployeeStatus;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departures)]
pub struct Departure {
    pub id: String,
    pub employee_id: String,
    #[schema(value_type = String, format = Date)]
    pub notice_date: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub last_working_day: NaiveDate,
    pub reason: DepartureReason,
    pub successor_id: Option<String>,
    /// in_progress or completed.
    pub status: DepartureStatus,
    pub started_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    pub completed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departure_lines)]
pub struct DepartureLine {
    pub id: String,
    #[serde(skip)]
    pub departure_id: String,
    pub position: i32,
    /// carrier, secrets_handover, accounts_revoked, exit_pledge, exit_interview or custom.
    pub kind: LineKind,
    pub carrier_id: Option<String>,
    pub title: String,
    /// Copies the register says the person holds.
    pub expected_count: i32,
    /// open, returned, handed_over, destroyed, missing or done.
    pub status: LineStatus,
    pub counted: Option<i32>,
    pub note: String,
    pub handed_to_id: Option<String>,
    pub confirmed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<NaiveDateTime>,
    pub received_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<NaiveDateTime>,
}

impl DepartureLine {
    pub fn resolved(&self) -> bool {
        is_resolved(self.status, self.received_at.is_some())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartureDetail {
    #[serde(flatten)]
    pub departure: Departure,
    pub lines: Vec<DepartureLine>,
    /// Lines not yet resolved (a handover counts once signed for).
    pub open_lines: usize,
}

pub struct NewDeparture {
    pub employee_id: String,
    pub notice_date: NaiveDate,
    pub last_working_day: NaiveDate,
    pub reason: DepartureReason,
    pub successor_id: Option<String>,
}

fn find(conn: &mut DbConnection, id: &str) -> Result<Departure> {
    departures::table
        .find(id)
        .select(Departure::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

fn lines_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<DepartureLine>> {
    departure_lines::table
        .filter(departure_lines::departure_id.eq(id))
        .order(departure_lines::position.asc())
        .select(DepartureLine::as_select())
        .load(conn)
}

fn detail(conn: &mut DbConnection, departure: Departure) -> Result<DepartureDetail> {
    let lines = lines_of(conn, &departure.id)?;
    let open_lines = lines.iter().filter(|l| !l.resolved()).count();
    Ok(DepartureDetail {
        departure,
        lines,
        open_lines,
    })
}

fn in_progress(conn: &mut DbConnection, id: &str) -> Result<Departure> {
    let departure = find(conn, id)?;
    if departure.status != DepartureStatus::InProgress {
        return Err(Error::Conflict("the departure is already completed".into()));
    }
    Ok(departure)
}
fn set_employee_status(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: &str,
    status: EmployeeStatus,
) -> QueryResult<usize> {
    diesel::update(employees_table::table.find(id))
        .set((
            employees_table::status.eq(status.as_str()),
            employees_table::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)
}
