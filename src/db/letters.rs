//! What the reminders are made of, read when each is sent (so a message lists things as they
//! stand), and the plans that need more than one statement: managers' nudges, HR's digests.

use crate::db::WriteTx;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::departures::LineTitle;
use super::obligations::Obligation;
use super::reminders::{Recipient, plan_one};
use super::schema::{
    breach_cases, carriers, departure_lines, departures, employees, obligations, reminders,
};
use super::users::User;
use super::{DbConnection, stored_instant};
use crate::domain::departures::{DepartureStatus, LineStatus};
use crate::domain::noncompete::{MonthStatus, PaymentAlert, payment_alert, to_pay};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::reminders::{ReminderKind, ReminderStatus};
use crate::domain::users::Role;

/// Rows listed in one digest section at most.
pub const DIGEST_ROWS: i64 = 200;
/// The digest lists obligations ending within this many days.
const DIGEST_ENDING_DAYS: u64 = 30;

/// What a former employee's notice lists: what they still owe, ordered by end, and for a
/// release notice also what ended on `released_on`.
pub fn notice_obligations(
    conn: &mut DbConnection,
    employee_id: &str,
    released_on: Option<NaiveDate>,
) -> QueryResult<Vec<Obligation>> {
    obligations::table
        .filter(obligations::employee_id.eq(employee_id))
        .filter(
            obligations::status
                .eq_any(ObligationStatus::OWED)
                .or(obligations::status
                    .eq(ObligationStatus::Ended)
                    .and(obligations::ends_on.nullable().eq(released_on))),
        )
        .order((obligations::ends_on.asc(), obligations::kind.asc()))
        .select(Obligation::as_select())
        .load(conn)
}

/// The code of a breach case (all a "report arrived" email may tell).
pub fn case_code(conn: &mut DbConnection, case_id: &str) -> QueryResult<String> {
    breach_cases::table
        .find(case_id)
        .select(breach_cases::code)
        .first(conn)
}

/// A checklist line still waiting: open, or handed over and not yet signed for.
#[diesel::dsl::auto_type(no_type_alias)]
fn waiting_line() -> _ {
    let open: LineStatus = LineStatus::Open;
    let handed_over: LineStatus = LineStatus::HandedOver;
    departure_lines::status.eq(open).or(departure_lines::status
        .eq(handed_over)
        .and(departure_lines::received_at.is_null()))
}

/// A line a manager is nudged about.
pub struct WaitingLine {
    pub departure_id: String,
    pub employee_name: String,
    pub title: LineTitle,
    /// When the departure started.
    pub since: NaiveDateTime,
}

/// Lines waiting in the in-progress departures of a manager's direct reports, started at
/// least `days` days before `at`.
pub fn open_lines_of_manager(
    conn: &mut DbConnection,
    manager: &User,
    at: DateTime<Utc>,
    days: u32,
) -> QueryResult<Vec<WaitingLine>> {
    let Some(no) = &manager.employee_no else {
        return Ok(Vec::new());
    };
    let Some(me) = super::employees::find_by_no(conn, no)? else {
        return Ok(Vec::new());
    };
    let before = stored_instant(at - chrono::Duration::days(i64::from(days)));
    let rows: Vec<(String, String, LineTitle, NaiveDateTime)> = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(employees::manager_id.eq(&me.id))
        .filter(departures::status.eq(DepartureStatus::InProgress))
        .filter(departures::started_at.le(before))
        .filter(waiting_line())
        .order((
            departures::started_at.asc(),
            departure_lines::position.asc(),
        ))
        .select((
            departures::id,
            employees::name,
            LineTitle::as_select(),
            departures::started_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(departure_id, employee_name, title, since)| WaitingLine {
            departure_id,
            employee_name,
            title,
            since,
        })
        .collect())
}

/// Nudges for the managers whose reports' departures have lines open too long, one per
/// manager per day. Returns how many are new.
pub fn plan_nudges(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    days: u32,
    due: DateTime<Utc>,
) -> QueryResult<usize> {
    let before = stored_instant(due - chrono::Duration::days(i64::from(days)));
    let managers: Vec<Option<String>> = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(departures::status.eq(DepartureStatus::InProgress))
        .filter(departures::started_at.le(before))
        .filter(waiting_line())
        .select(employees::manager_id)
        .distinct()
        .load(tx.conn())?;
    let mut planned = 0;
    for manager_id in managers.into_iter().flatten() {
        let Some(manager) = super::employees::find(tx, &manager_id)? else {
            continue;
        };
        let Some(user) = super::users::find_by_employee_no(tx, &manager.employee_no)? else {
            continue;
        };
        let period = today.to_string();
        planned += usize::from(
            plan_one(
                tx,
                now,
                Recipient::User(&user.id),
                ReminderKind::Nudge,
                &period,
                due,
            )?
            .is_some(),
        );
    }
    Ok(planned)
}

/// The weekly digest for every HR user.
pub fn plan_digests(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    period: &str,
    due: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut planned = 0;
    for user in super::users::active_with_roles(tx, &[Role::Hr])? {
        planned += usize::from(
            plan_one(
                tx,
                now,
                Recipient::User(&user.id),
                ReminderKind::Digest,
                period,
                due,
            )?
            .is_some(),
        );
    }
    Ok(planned)
}

/// A line confirmed missing — or left open when the departure was completed, treated as a
/// leak (视同泄密) — as a loss notice tells it.
pub struct LostLine {
    pub departure_id: String,
    pub employee_name: String,
    pub title: LineTitle,
    /// The carrier's tag; empty for a line without a carrier.
    pub carrier: String,
    pub confirmed_at: Option<NaiveDateTime>,
    /// Never confirmed: still open when the departure was completed.
    pub not_handed_over: bool,
}

pub fn lost_line(conn: &mut DbConnection, line_id: &str) -> QueryResult<LostLine> {
    lost_lines(conn, &[line_id.to_string()])?
        .remove(line_id)
        .ok_or(diesel::result::Error::NotFound)
}

/// The lost lines of these ids (a page of loss cases), in two statements whatever their number.
pub fn lost_lines(
    conn: &mut DbConnection,
    line_ids: &[String],
) -> QueryResult<std::collections::HashMap<String, LostLine>> {
    type Row = (
        String,
        String,
        String,
        LineTitle,
        Option<String>,
        Option<NaiveDateTime>,
        LineStatus,
    );
    let rows: Vec<Row> = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(departure_lines::id.eq_any(line_ids))
        .select((
            departure_lines::id,
            departures::id,
            employees::name,
            LineTitle::as_select(),
            departure_lines::carrier_id,
            departure_lines::confirmed_at,
            departure_lines::status,
        ))
        .load(conn)?;
    let carrier_ids: Vec<&String> = rows.iter().filter_map(|r| r.4.as_ref()).collect();
    let tags: std::collections::HashMap<String, String> = carriers::table
        .filter(carriers::id.eq_any(carrier_ids))
        .select((carriers::id, carriers::tag))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(
            |(id, departure_id, employee_name, title, carrier_id, confirmed_at, status)| {
                let carrier = carrier_id
                    .and_then(|c| tags.get(&c).cloned())
                    .unwrap_or_default();
                let line = LostLine {
                    departure_id,
                    employee_name,
                    title,
                    carrier,
                    confirmed_at,
                    not_handed_over: status == LineStatus::Open,
                };
                (id, line)
            },
        )
        .collect())
}

/// An item a successor said is not as described, as HR's notice tells it: read from the
/// audit event that recorded it (the line's note may change after).
pub struct DisputedLine {
    pub departure_id: String,
    pub employee_name: String,
    pub successor_name: String,
    pub title: LineTitle,
    pub note: String,
    pub at: NaiveDateTime,
}

pub fn disputed_line(conn: &mut DbConnection, event: &str) -> anyhow::Result<DisputedLine> {
    use super::schema::audit_events;
    let seq: i64 = event.parse()?;
    let (departure_id, details, at): (String, String, NaiveDateTime) = audit_events::table
        .find(seq)
        .filter(audit_events::action.eq("departure.handover_disputed"))
        .select((
            audit_events::subject_id,
            audit_events::details,
            audit_events::at,
        ))
        .first(conn)?;
    let details: serde_json::Value = serde_json::from_str(&details)?;
    let text = |k: &str| details[k].as_str().unwrap_or_default().to_string();
    let employee_name: String = departures::table
        .inner_join(employees::table)
        .filter(departures::id.eq(&departure_id))
        .select(employees::name)
        .first(conn)?;
    let successor_name: String = employees::table
        .find(text("successor_id"))
        .select(employees::name)
        .first(conn)
        .optional()?
        .unwrap_or_default();
    Ok(DisputedLine {
        departure_id,
        employee_name,
        successor_name,
        title: LineTitle {
            zh: text("title"),
            en: text("title_en"),
        },
        note: text("note"),
        at,
    })
}

/// What HR should look at, each section at most [`DIGEST_ROWS`] rows.
pub struct Digest {
    /// (person, kind, last day) of obligations ending within 30 days.
    pub ending: Vec<(String, ObligationKind, Option<NaiveDate>)>,
    /// (person, when their latest reminder was sent) for people who acknowledged nothing
    /// sent before the escalation cut-off, newest first.
    pub unacknowledged: Vec<(String, Option<NaiveDateTime>)>,
    /// (person, term month, due date, state) of non-compete months late, or ended and due.
    pub payments: Vec<(String, u32, NaiveDate, MonthStatus)>,
    /// (person, late months, whether they may rescind already) of running non-competes one
    /// month short of the grace or past it (SPC Interpretation (I) art. 38).
    pub rescission: Vec<(String, usize, bool)>,
    /// (person, address, last error) of reminders that failed.
    pub failed: Vec<(Option<String>, Option<String>, Option<String>)>,
    /// Emails a mail server turned away for now, and the oldest one's due time.
    pub waiting: i64,
    pub waiting_since: Option<NaiveDateTime>,
    /// (person, line) of lines confirmed missing.
    pub losses: Vec<(String, LineTitle)>,
    /// Trips not reported back and travel documents not back with security.
    pub travel: super::travel::late::LateTravel,
}

pub fn digest(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    escalate_days: u32,
    grace_months: usize,
) -> crate::error::Result<Digest> {
    let ending = obligations::table
        .inner_join(employees::table)
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .filter(
            obligations::ends_on.between(
                today,
                today
                    .checked_add_days(Days::new(DIGEST_ENDING_DAYS))
                    .unwrap_or(NaiveDate::MAX),
            ),
        )
        .order(obligations::ends_on.asc())
        .limit(DIGEST_ROWS)
        .select((employees::name, obligations::kind, obligations::ends_on))
        .load(conn)?;

    let cutoff = stored_instant(now - chrono::Duration::days(i64::from(escalate_days)));
    let former_kinds: Vec<ReminderKind> = ReminderKind::ALL
        .iter()
        .copied()
        .filter(|k| k.to_former_employee())
        .collect();
    // One row per person (their latest unacknowledged reminder), newest first.
    let mut latest: Vec<(String, String, Option<NaiveDateTime>)> = reminders::table
        .inner_join(employees::table)
        .filter(reminders::status.eq(ReminderStatus::Sent))
        .filter(reminders::kind.eq_any(former_kinds))
        .filter(reminders::sent_at.lt(cutoff))
        .group_by((employees::id, employees::name))
        .select((
            employees::id,
            employees::name,
            diesel::dsl::max(reminders::sent_at),
        ))
        .load(conn)?;
    latest.sort_by_key(|(_, _, sent)| std::cmp::Reverse(*sent));
    let unacknowledged = latest
        .into_iter()
        .take(DIGEST_ROWS as usize)
        .map(|(_, name, sent)| (name, sent))
        .collect();

    let mut payments = Vec::new();
    let mut rescission = Vec::new();
    let names: std::collections::HashMap<String, String> = employees::table
        .inner_join(obligations::table)
        .filter(obligations::status.eq(ObligationStatus::Active))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .select((employees::id, employees::name))
        .load(conn)?
        .into_iter()
        .collect();
    for (o, book) in super::noncompete::running_books(conn, today)? {
        let employee_id = o.employee_id;
        let name = names.get(&employee_id).cloned().unwrap_or(employee_id);
        for l in to_pay(&book, today) {
            if payments.len() < DIGEST_ROWS as usize {
                payments.push((name.clone(), l.number, l.due_on, l.status));
            }
        }
        let alert = match payment_alert(&book, grace_months) {
            Some(PaymentAlert::RescissionNear { late_months }) => Some((late_months, false)),
            Some(PaymentAlert::MayRescind { late_months }) => Some((late_months, true)),
            None => None,
        };
        if let Some((late, may)) = alert
            && rescission.len() < DIGEST_ROWS as usize
        {
            rescission.push((name, late, may));
        }
    }

    let failed = reminders::table
        .left_join(employees::table)
        .filter(reminders::status.eq(ReminderStatus::Failed))
        .order(reminders::updated_at.desc())
        .limit(DIGEST_ROWS)
        .select((
            employees::name.nullable(),
            reminders::to_address,
            reminders::last_error,
        ))
        .load(conn)?;

    let (waiting, waiting_since) = reminders::table
        .filter(reminders::status.eq(ReminderStatus::Scheduled))
        .filter(reminders::last_error.is_not_null())
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(reminders::due_at),
        ))
        .first(conn)?;

    let losses = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(departure_lines::status.eq(LineStatus::Missing))
        .order(departure_lines::confirmed_at.desc())
        .limit(DIGEST_ROWS)
        .select((employees::name, LineTitle::as_select()))
        .load(conn)?;

    let mut travel = super::travel::late::on(conn, today)?;
    travel.trips.truncate(DIGEST_ROWS as usize);
    travel.documents.truncate(DIGEST_ROWS as usize);

    Ok(Digest {
        ending,
        unacknowledged,
        payments,
        rescission,
        failed,
        waiting,
        waiting_since,
        losses,
        travel,
    })
}
