//! The exit interview record (离职保密谈话记录): one a departure, recorded by HR; recording it
//! confirms the checklist's exit-interview line. Security reads it; a manager of the person
//! learns only that it was held.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::db::schema::{departure_lines, exit_interviews};
use crate::db::users::User;
use crate::db::{DbConnection, Locked, WriteTx, audit, lock_row, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::departures::{LineKind, LineStatus};
use crate::domain::interview::{NewInterview, may_record_exit_interview};
use crate::domain::policy::RuleText;
use crate::error::{Error, Result};

#[derive(Queryable, Selectable)]
#[diesel(table_name = exit_interviews)]
struct Row {
    departure_id: String,
    held_by: String,
    held_on: NaiveDate,
    topics: String,
    statement: String,
    signed: bool,
    recorded_by: String,
    recorded_at: NaiveDateTime,
}

/// An exit interview as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExitInterview {
    pub departure_id: String,
    /// When it was held.
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
    /// Who held it, the topics, the statement and the signature: for HR and security only
    /// (a manager of the person learns only that it was held).
    pub details: Option<InterviewDetails>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterviewDetails {
    /// Who held it, as HR named them.
    pub held_by: String,
    /// The topics covered, worded as the policy worded them that day.
    pub topics: Vec<RuleText>,
    /// What the person said.
    pub statement: String,
    /// Whether the person signed the record.
    pub signed: bool,
    /// The user who recorded it.
    pub recorded_by: String,
}

impl From<Row> for ExitInterview {
    fn from(row: Row) -> ExitInterview {
        ExitInterview {
            departure_id: row.departure_id,
            held_on: row.held_on,
            recorded_at: row.recorded_at,
            details: Some(InterviewDetails {
                held_by: row.held_by,
                topics: serde_json::from_str(&row.topics).unwrap_or_default(),
                statement: row.statement,
                signed: row.signed,
                recorded_by: row.recorded_by,
            }),
        }
    }
}

impl ExitInterview {
    /// What a manager of the person sees: that it was held, and when.
    pub fn held_only(mut self) -> ExitInterview {
        self.details = None;
        self
    }
}

/// The record of a departure's exit interview, if one was recorded.
pub fn of_departure(conn: &mut DbConnection, departure_id: &str) -> Result<Option<ExitInterview>> {
    Ok(exit_interviews::table
        .find(departure_id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(ExitInterview::from))
}

/// HR records the exit interview of a departure in progress (once: a second is refused), on
/// a day from the notice to `today` (company date), covering the policy's topics named; the
/// exit-interview line of the checklist, still open, is confirmed with it. Both audited.
pub fn record(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    user: &User,
    departure_id: &str,
    new: &NewInterview<'_>,
) -> Result<ExitInterview> {
    lock_row(tx, Locked::Departure, departure_id)?;
    let departure = crate::db::departures::find(tx, departure_id)?;
    crate::domain::departures::in_progress(departure.status)?;
    let employee =
        crate::db::employees::find(tx, &departure.employee_id)?.ok_or(Error::NotFound)?;
    crate::db::departures::may_confirm(tx, user, &employee)?;
    if of_departure(tx, departure_id)?.is_some() {
        return Err(Error::refused(crate::problem!(
            "exit_interview_already_recorded"
        )));
    }
    let (_, policy) = crate::db::policy::current(tx)?;
    let topics =
        may_record_exit_interview(new, &policy.interview_topics, departure.notice_date, today)
            .map_err(Error::Validation)?;
    diesel::insert_into(exit_interviews::table)
        .values((
            exit_interviews::departure_id.eq(departure_id),
            exit_interviews::held_by.eq(new.held_by.trim()),
            exit_interviews::held_on.eq(new.held_on),
            exit_interviews::topics.eq(serde_json::to_string(&topics).unwrap_or_default()),
            exit_interviews::statement.eq(new.statement.trim()),
            exit_interviews::signed.eq(new.signed),
            exit_interviews::recorded_by.eq(&user.id),
            exit_interviews::recorded_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "departure.exit_interview_recorded",
            subject_type: "departure",
            subject_id: departure_id,
            details: json!({
                "held_by": new.held_by.trim(), "held_on": new.held_on,
                "topics": topics, "signed": new.signed,
            }),
        },
    )?;
    confirm_line(tx, now, user, departure_id)?;
    of_departure(tx, departure_id)?.ok_or(Error::NotFound)
}

/// Confirms the departure's open exit-interview lines as done, as the confirm action does.
fn confirm_line(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    departure_id: &str,
) -> Result<()> {
    let open: Vec<(String, String, String)> = departure_lines::table
        .filter(departure_lines::departure_id.eq(departure_id))
        .filter(departure_lines::kind.eq(LineKind::ExitInterview.as_str()))
        .filter(departure_lines::status.eq(LineStatus::Open))
        .select((
            departure_lines::id,
            departure_lines::title,
            departure_lines::title_en,
        ))
        .load(tx.conn())?;
    for (line_id, title, title_en) in open {
        diesel::update(departure_lines::table.find(&line_id))
            .set((
                departure_lines::status.eq(LineStatus::Done.as_str()),
                departure_lines::note.eq(""),
                departure_lines::confirmed_by.eq(&user.id),
                departure_lines::confirmed_at.eq(stored_instant(now)),
            ))
            .execute(tx.conn())?;
        audit::record(
            tx,
            now,
            NewEvent {
                actor: &Actor::User(user.id.clone()),
                action: "departure.line_confirmed",
                subject_type: "departure",
                subject_id: departure_id,
                details: json!({
                    "line_id": line_id, "title": title, "title_en": title_en,
                    "carrier_id": null, "outcome": LineStatus::Done, "count": null,
                    "note": "", "through": "exit interview record",
                }),
            },
        )?;
    }
    Ok(())
}
