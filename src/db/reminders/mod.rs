//! Reminders: one row per recipient, occasion and period (the unique key), planned in bulk,
//! each with a send job; once sent, the exact bytes, their SHA-256 and the server's reply.
//!
//! This module holds the reminder row and the plain lookups; planning is in `planning`, the
//! sending state in `sending`, the list of reminders in `listing`.

mod listing;
mod planning;
mod sending;

pub use listing::*;
pub use planning::*;
pub use sending::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::Serialize;

use super::DbConnection;
use super::schema::{employees, reminders};
use crate::domain::obligations::ObligationStatus;
use crate::domain::reminders::{ReminderKind, ReminderStatus};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = reminders)]
pub struct Reminder {
    pub id: String,
    /// The former employee (or, for a nudge, the manager) it is for.
    pub employee_id: Option<String>,
    /// The staff user it is for (digest, loss, nudge).
    pub user_id: Option<String>,
    /// periodic, ending, released, on_request, nudge, digest or loss.
    pub kind: ReminderKind,
    /// Which slot or date of the occasion.
    pub period: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: NaiveDateTime,
    /// scheduled, sent, failed or acknowledged.
    pub status: ReminderStatus,
    pub to_address: Option<String>,
    /// Stable per reminder, so a receiver can drop a duplicate.
    pub message_id: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<NaiveDateTime>,
    /// The mail server's answer.
    pub server_reply: Option<String>,
    /// SHA-256 of the message exactly as sent (also in the audit trail).
    pub message_sha256: Option<String>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<NaiveDateTime>,
}

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Reminder>> {
    reminders::table
        .find(id)
        .select(Reminder::as_select())
        .first(conn)
        .optional()
}

/// The people with this private email who still owe an obligation (for a fresh link).
pub fn former_employees_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Vec<String>> {
    use super::schema::obligations;
    let email = email.trim().to_lowercase();
    employees::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(private_email) = ")
                .bind::<Text, _>(email),
        )
        .filter(diesel::dsl::exists(
            obligations::table
                .filter(obligations::employee_id.eq(employees::id))
                .filter(obligations::status.eq_any(ObligationStatus::OWED)),
        ))
        .select(employees::id)
        .load(conn)
}
