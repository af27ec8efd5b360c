//! Calendar feeds: the private token of a user's feed (created, replaced, revoked, found) and
//! the dates that concern the user, by role (`domain::calendar` draws them).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::employees::Scope;
use super::noncompete::running_books;
use super::users::{self, User};
use super::{DbConnection, WriteTx, audit, stored_instant};
use crate::auth::{random_token, token_hash};
use crate::db::schema::{
    breach_cases, calendar_feeds, clearance_changes, departure_lines, departures, employees,
    obligation_extensions, obligations,
};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::CaseStatus;
use crate::domain::calendar::{MOST_EVENTS, Window};
use crate::domain::clearance::ChangeStatus;
use crate::domain::departures::{DepartureStatus, LineStatus};
use crate::domain::noncompete::MonthStatus;
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::users::Role;
use crate::error::Result;

/// A date in a user's feed: what falls due, with what its page and its text need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// HR: an obligation's last day.
    ObligationEnds {
        obligation_id: String,
        name: String,
        kind: ObligationKind,
    },
    /// HR: a month of non-compete compensation falls due (unpaid).
    PaymentDue {
        obligation_id: String,
        name: String,
        month: u32,
    },
    /// Security: a tier change reviewed and waiting for approval.
    TierChangeAwaiting { change_id: String, name: String },
    /// Security: an extension asked for, to decide before the period ends.
    ExtensionAwaiting { extension_id: String, name: String },
    /// Security: a state-secret case to report to the secrecy administration.
    AuthorityReportDue { case_id: String, code: String },
    /// Managers: a report's last working day, with the checklist lines still open.
    LastWorkingDay {
        departure_id: String,
        name: String,
        open_lines: i64,
    },
}

/// Whether the user has a feed: when it was made and last read.
pub fn feed_of(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Option<(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)>> {
    calendar_feeds::table
        .find(user_id)
        .select((calendar_feeds::created_at, calendar_feeds::last_used_at))
        .first(conn)
        .optional()
}

/// A new feed for the user, replacing theirs (whose URL then stops working); the token is
/// returned once and only its hash kept.
pub fn create(tx: &mut WriteTx, now: DateTime<Utc>, user: &User) -> Result<String> {
    let token = random_token("cal");
    let replaced = diesel::delete(calendar_feeds::table.find(&user.id)).execute(tx.conn())? > 0;
    diesel::insert_into(calendar_feeds::table)
        .values((
            calendar_feeds::user_id.eq(&user.id),
            calendar_feeds::token_hash.eq(token_hash(&token)),
            calendar_feeds::created_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    record(
        tx,
        now,
        user,
        "calendar_feed.created",
        json!({ "replaced": replaced }),
    )?;
    Ok(token)
}

/// Ends the user's feed; false when they had none.
pub fn revoke(tx: &mut WriteTx, now: DateTime<Utc>, user: &User) -> Result<bool> {
    let gone = diesel::delete(calendar_feeds::table.find(&user.id)).execute(tx.conn())? > 0;
    if gone {
        record(tx, now, user, "calendar_feed.revoked", json!({}))?;
    }
    Ok(gone)
}

fn record(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    action: &str,
    details: serde_json::Value,
) -> Result<()> {
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action,
            subject_type: "user",
            subject_id: &user.id,
            details,
        },
    )?;
    Ok(())
}

/// The active user whose feed this token opens, if any.
pub fn owner(conn: &mut DbConnection, token: &str) -> QueryResult<Option<User>> {
    let user_id: Option<String> = calendar_feeds::table
        .filter(calendar_feeds::token_hash.eq(token_hash(token)))
        .select(calendar_feeds::user_id)
        .first(conn)
        .optional()?;
    match user_id {
        Some(id) => Ok(users::find(conn, &id)?.filter(|u| u.active)),
        None => Ok(None),
    }
}

/// Notes that the feed was read (what the settings page shows).
pub fn note_read(tx: &mut WriteTx, now: DateTime<Utc>, user_id: &str) -> Result<()> {
    diesel::update(calendar_feeds::table.find(user_id))
        .set(calendar_feeds::last_used_at.eq(stored_instant(now)))
        .execute(tx.conn())?;
    Ok(())
}

/// The dates in the window that concern the user, for each role they hold.
pub fn dues(
    conn: &mut DbConnection,
    user: &User,
    today: NaiveDate,
    window: Window,
) -> Result<Vec<(NaiveDate, Due)>> {
    let mut out = Vec::new();
    if user.roles.contains(&Role::Hr) {
        obligation_ends(conn, window, &mut out)?;
        payments_due(conn, today, window, &mut out)?;
    }
    if user.roles.contains(&Role::Security) {
        awaiting_security(conn, window, &mut out)?;
    }
    if user.roles.contains(&Role::Manager) {
        let team = Scope::team_of(conn, user)?;
        last_working_days(conn, &team, window, &mut out)?;
    }
    Ok(out)
}

fn obligation_ends(
    conn: &mut DbConnection,
    window: Window,
    out: &mut Vec<(NaiveDate, Due)>,
) -> Result<()> {
    let rows: Vec<(String, ObligationKind, Option<NaiveDate>, String)> = obligations::table
        .inner_join(employees::table)
        .filter(obligations::status.eq(ObligationStatus::Active))
        .filter(obligations::ends_on.between(window.from, window.to))
        .order(obligations::ends_on.asc())
        .limit(MOST_EVENTS as i64)
        .select((
            obligations::id,
            obligations::kind,
            obligations::ends_on,
            employees::name,
        ))
        .load(conn)?;
    for (obligation_id, kind, ends_on, name) in rows {
        if let Some(on) = ends_on {
            out.push((
                on,
                Due::ObligationEnds {
                    obligation_id,
                    name,
                    kind,
                },
            ));
        }
    }
    Ok(())
}

fn payments_due(
    conn: &mut DbConnection,
    today: NaiveDate,
    window: Window,
    out: &mut Vec<(NaiveDate, Due)>,
) -> Result<()> {
    let books = running_books(conn, today)?;
    let ids: Vec<&str> = books.iter().map(|(o, _)| o.employee_id.as_str()).collect();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String)> = employees::table
            .filter(employees::id.eq_any(chunk))
            .select((employees::id, employees::name))
            .load(conn)?;
        names.extend(found);
    }
    for (o, book) in &books {
        let name = names.get(&o.employee_id).cloned().unwrap_or_default();
        for line in book.lines.iter().filter(|l| {
            matches!(l.status, MonthStatus::Due | MonthStatus::Late) && window.holds(l.due_on)
        }) {
            out.push((
                line.due_on,
                Due::PaymentDue {
                    obligation_id: o.id.clone(),
                    name: name.clone(),
                    month: line.number,
                },
            ));
        }
    }
    Ok(())
}

fn awaiting_security(
    conn: &mut DbConnection,
    window: Window,
    out: &mut Vec<(NaiveDate, Due)>,
) -> Result<()> {
    let changes: Vec<(
        String,
        String,
        Option<NaiveDate>,
        Option<chrono::NaiveDateTime>,
    )> = clearance_changes::table
        .inner_join(employees::table)
        .filter(clearance_changes::status.eq(ChangeStatus::Reviewed))
        .limit(MOST_EVENTS as i64)
        .select((
            clearance_changes::id,
            employees::name,
            clearance_changes::effective_on,
            clearance_changes::reviewed_at,
        ))
        .load(conn)?;
    for (change_id, name, effective_on, reviewed_at) in changes {
        // The day it should take effect, else the day it came to security.
        if let Some(on) = effective_on.or(reviewed_at.map(|at| at.date()))
            && window.holds(on)
        {
            out.push((on, Due::TierChangeAwaiting { change_id, name }));
        }
    }
    let asked: Vec<(String, String)> = obligation_extensions::table
        .filter(obligation_extensions::status.eq(ChangeStatus::Proposed))
        .limit(MOST_EVENTS as i64)
        .select((
            obligation_extensions::id,
            obligation_extensions::obligation_id,
        ))
        .load(conn)?;
    let ends: HashMap<String, (String, Option<NaiveDate>)> = obligations::table
        .inner_join(employees::table)
        .filter(obligations::id.eq_any(asked.iter().map(|(_, o)| o)))
        .select((obligations::id, (employees::name, obligations::ends_on)))
        .load(conn)?
        .into_iter()
        .collect();
    for (extension_id, obligation_id) in asked {
        // To decide before the period it would extend has ended.
        if let Some((name, Some(on))) = ends.get(&obligation_id)
            && window.holds(*on)
        {
            let name = name.clone();
            out.push((*on, Due::ExtensionAwaiting { extension_id, name }));
        }
    }
    let cases: Vec<(String, String, Option<NaiveDate>)> = breach_cases::table
        .filter(breach_cases::state_secret.eq(true))
        .filter(breach_cases::status.ne(CaseStatus::Closed))
        .filter(breach_cases::authority_report_due.between(window.from, window.to))
        .limit(MOST_EVENTS as i64)
        .select((
            breach_cases::id,
            breach_cases::code,
            breach_cases::authority_report_due,
        ))
        .load(conn)?;
    for (case_id, code, due) in cases {
        if let Some(on) = due {
            out.push((on, Due::AuthorityReportDue { case_id, code }));
        }
    }
    Ok(())
}

fn last_working_days(
    conn: &mut DbConnection,
    team: &Scope,
    window: Window,
    out: &mut Vec<(NaiveDate, Due)>,
) -> Result<()> {
    let mut query = departures::table
        .inner_join(employees::table)
        .filter(departures::status.eq(DepartureStatus::InProgress))
        .filter(departures::last_working_day.between(window.from, window.to))
        .into_boxed();
    if let Some(condition) = team.condition("departures.employee_id") {
        query = query.filter(condition);
    }
    let rows: Vec<(String, String, NaiveDate)> = query
        .limit(MOST_EVENTS as i64)
        .select((
            departures::id,
            employees::name,
            departures::last_working_day,
        ))
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|(id, _, _)| id).collect();
    let open: HashMap<String, i64> = departure_lines::table
        .filter(departure_lines::departure_id.eq_any(ids))
        .filter(departure_lines::status.eq(LineStatus::Open))
        .group_by(departure_lines::departure_id)
        .select((departure_lines::departure_id, diesel::dsl::count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    for (departure_id, name, on) in rows {
        let open_lines = open.get(&departure_id).copied().unwrap_or(0);
        out.push((
            on,
            Due::LastWorkingDay {
                departure_id,
                name,
                open_lines,
            },
        ));
    }
    Ok(())
}
