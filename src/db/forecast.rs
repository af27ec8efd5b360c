//! What the forecast of coming emails reads: the obligations still owed with their people, and
//! the notices already planned.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{employees, obligations, reminders};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::people::EmployeeStatus;
use crate::domain::reminders::ReminderKind;

/// An obligation still owed, with who owes it and where their mail goes.
pub struct Owed {
    pub employee_id: String,
    pub kind: ObligationKind,
    pub ends_on: Option<NaiveDate>,
    pub name: String,
    pub private_email: Option<String>,
    pub work_email: Option<String>,
    pub status: EmployeeStatus,
}

pub fn owed(conn: &mut DbConnection) -> QueryResult<Vec<Owed>> {
    type Row = (
        String,
        ObligationKind,
        Option<NaiveDate>,
        String,
        Option<String>,
        Option<String>,
        EmployeeStatus,
    );
    let rows: Vec<Row> = obligations::table
        .inner_join(employees::table)
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .select((
            obligations::employee_id,
            obligations::kind,
            obligations::ends_on,
            employees::name,
            employees::private_email,
            employees::work_email,
            employees::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(employee_id, kind, ends_on, name, private_email, work_email, status)| Owed {
                employee_id,
                kind,
                ends_on,
                name,
                private_email,
                work_email,
                status,
            },
        )
        .collect())
}

/// The unique keys of end and release notices planned (or sent) for periods from `first` on.
pub fn planned_notices(conn: &mut DbConnection, first: NaiveDate) -> QueryResult<Vec<String>> {
    reminders::table
        .filter(reminders::kind.eq_any([ReminderKind::Ending, ReminderKind::Released]))
        .filter(reminders::period.ge(first.to_string()))
        .select(reminders::unique_key)
        .load(conn)
}
