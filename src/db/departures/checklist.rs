//! The checklist: drawn up when a departure starts (a line per carrier held, then the
//! standard lines), lines added, confirmed by the manager or HR, and signed for by the successor.

use crate::db::WriteTx;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{
    DepartureDetail, DepartureLine, LineTitle, NewDeparture, detail, find, in_progress,
    set_employee_status,
};
use crate::db::audit;
use crate::db::carriers::{self, Custody};
use crate::db::employees::{self, Employee, Scope};
use crate::db::schema::{departure_lines, departures};
use crate::db::users::User;
use crate::db::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::departures::{
    self as rules, Confirmer, DepartureStatus, HeldCarrier, LineKind, LineStatus, Outcome, Receipt,
    Start, Successor, checklist, may_start,
};
use crate::domain::people::EmployeeStatus;
use crate::domain::pledges::PledgeKind;
use crate::error::{Error, Result};

#[allow(clippy::too_many_arguments)]
fn insert_line(
    tx: &mut WriteTx,
    departure_id: &str,
    position: i32,
    kind: LineKind,
    carrier_id: Option<&str>,
    title: &LineTitle,
    expected_count: i32,
) -> QueryResult<usize> {
    diesel::insert_into(departure_lines::table)
        .values((
            departure_lines::id.eq(uuid::Uuid::now_v7().to_string()),
            departure_lines::departure_id.eq(departure_id),
            departure_lines::position.eq(position),
            departure_lines::kind.eq(kind.as_str()),
            departure_lines::carrier_id.eq(carrier_id),
            departure_lines::title.eq(&title.zh),
            departure_lines::title_en.eq(&title.en),
            departure_lines::expected_count.eq(expected_count),
            departure_lines::status.eq(LineStatus::Open),
            departure_lines::note.eq(""),
        ))
        .execute(tx.conn())
}

/// Starts a departure: the employee becomes departing and gets the checklist: a line per
/// carrier in their custody, then the standard lines.
pub fn start(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    new: &NewDeparture,
) -> Result<DepartureDetail> {
    crate::db::lock_row(tx, crate::db::Locked::Employee, &new.employee_id)?;
    let employee = employees::find(tx, &new.employee_id)?;
    let successor = match &new.successor_id {
        None => None,
        Some(s) => Some(Successor {
            is_the_person: employee.as_ref().is_some_and(|e| e.id == *s),
            exists: employees::find(tx, s)?.is_some(),
        }),
    };
    let start = Start {
        notice_date: new.notice_date,
        last_working_day: new.last_working_day,
        left_post_on: new.left_post_on,
        left_post_approved_by: new.left_post_approved_by.as_deref(),
        employee: employee.as_ref().map(|e| e.status),
        successor,
    };
    may_start(&start)?;
    let left_post_on = rules::left_post_on(&start)?;
    let approved_by = new
        .left_post_approved_by
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty() && left_post_on < new.last_working_day);
    let employee = employee.ok_or(Error::NotFound)?;
    let id = uuid::Uuid::now_v7().to_string();
    // The next register number of the year; the unique index backs the lock.
    crate::db::lock_sequence(tx, "departure_register_numbers")?;
    let highest: Option<i32> = departures::table
        .filter(departures::register_year.eq(new.register_year))
        .select(diesel::dsl::max(departures::register_seq))
        .first(tx.conn())?;
    diesel::insert_into(departures::table)
        .values((
            departures::id.eq(&id),
            departures::employee_id.eq(&employee.id),
            departures::notice_date.eq(new.notice_date),
            departures::last_working_day.eq(new.last_working_day),
            departures::left_post_on.eq(left_post_on),
            departures::left_post_approved_by.eq(approved_by),
            departures::reason.eq(new.reason.as_str()),
            departures::successor_id.eq(&new.successor_id),
            departures::status.eq(DepartureStatus::InProgress),
            departures::started_by.eq(&user.id),
            departures::started_at.eq(stored_instant(now)),
            departures::register_year.eq(new.register_year),
            departures::register_seq.eq(rules::next_register_seq(highest)),
        ))
        .execute(tx.conn())?;
    let held = carriers::custody_of(tx, &employee.id)?;
    let (_, policy) = crate::db::policy::current(tx)?;
    let held_carriers: Vec<HeldCarrier<'_>> = held
        .iter()
        .map(|c| HeldCarrier {
            id: &c.id,
            tag: &c.tag,
            description: &c.description,
            copies: c.copies,
        })
        .collect();
    let documents = crate::db::travel::documents::count_of(tx, &employee.id)?;
    let documents_line = rules::needs_travel_documents_line(employee.clearance_tier, documents);
    for line in checklist(&held_carriers, &policy.checklist, documents_line) {
        insert_line(
            tx,
            &id,
            line.position,
            line.kind,
            line.carrier_id,
            &LineTitle {
                zh: line.title,
                en: line.title_en,
            },
            line.expected_count,
        )?;
    }
    set_employee_status(tx, now, &employee.id, EmployeeStatus::Departing)?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "departure.started",
            subject_type: "departure",
            subject_id: &id,
            details: json!({
                "employee_id": employee.id, "notice_date": new.notice_date,
                "last_working_day": new.last_working_day, "reason": new.reason,
                "left_post_on": left_post_on, "left_post_approved_by": approved_by,
                "successor_id": new.successor_id, "carriers": held.len(),
            }),
        },
    )?;
    let departure = find(tx, &id)?;
    detail(tx, departure)
}

/// Adds a line to a departure in progress.
pub fn add_line(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    id: &str,
    title: &LineTitle,
) -> Result<DepartureDetail> {
    crate::db::lock_row(tx, crate::db::Locked::Departure, id)?;
    let departure = in_progress(tx, id)?;
    let last: Option<i32> = departure_lines::table
        .filter(departure_lines::departure_id.eq(id))
        .select(diesel::dsl::max(departure_lines::position))
        .first(tx.conn())?;
    insert_line(
        tx,
        id,
        last.unwrap_or(0) + 1,
        LineKind::Custom,
        None,
        title,
        1,
    )?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "departure.line_added",
            subject_type: "departure",
            subject_id: id,
            details: json!({ "title": title.zh, "title_en": title.en }),
        },
    )?;
    detail(tx, departure)
}
fn find_line(conn: &mut DbConnection, departure_id: &str, line_id: &str) -> Result<DepartureLine> {
    departure_lines::table
        .filter(departure_lines::departure_id.eq(departure_id))
        .filter(departure_lines::id.eq(line_id))
        .select(DepartureLine::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The departing person never confirms their own lines; HR confirms any, a manager their
/// reports'. Forbidden when this user may not.
pub fn may_confirm(conn: &mut DbConnection, user: &User, employee: &Employee) -> Result<()> {
    let scope = Scope::of(conn, user)?;
    let manages_the_person =
        matches!(scope, Scope::Team(_)) && employees::visible(conn, &scope, &employee.id)?;
    rules::may_confirm(&Confirmer {
        roles: &user.roles,
        is_the_person: user.employee_no.as_deref() == Some(employee.employee_no.as_str()),
        manages_the_person,
    })?;
    Ok(())
}

/// What the confirmer says of a line.
pub struct Confirmation<'a> {
    pub outcome: LineStatus,
    pub note: &'a str,
    pub count: Option<i32>,
    /// The exit pledge recorded on the spot, with the exit pledge line.
    pub pledge: Option<ExitPledge<'a>>,
}

/// An exit pledge recorded while confirming the exit pledge line.
pub struct ExitPledge<'a> {
    /// The text signed; the newest exit text when not given.
    pub pledge_text_id: Option<&'a str>,
    pub signature: crate::domain::pledges::Signature,
}

/// Confirms a line; the carrier register follows.
pub fn confirm(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    id: &str,
    line_id: &str,
    c: &Confirmation<'_>,
) -> Result<DepartureDetail> {
    crate::db::lock_row(tx, crate::db::Locked::Departure, id)?;
    let departure = in_progress(tx, id)?;
    let employee = employees::find(tx, &departure.employee_id)?.ok_or(Error::NotFound)?;
    may_confirm(tx, user, &employee)?;
    let line = find_line(tx, id, line_id)?;
    let carrier = match &line.carrier_id {
        Some(carrier_id) => Some(carriers::status_of(tx, carrier_id)?),
        None => None,
    };
    let exit_pledge_on_record = if line.kind == LineKind::ExitPledge {
        record_exit_pledge(tx, now, user, &employee, line.status, c.pledge.as_ref())?;
        crate::db::pledges::exit_pledge_on_record(tx, &employee.id, departure.notice_date)?
    } else if c.pledge.is_some() {
        return Err(Error::field(
            "pledge_method",
            crate::problem!("pledge_not_for_this_line"),
        ));
    } else {
        false
    };
    let confirmed = rules::confirm(
        &rules::Line {
            kind: line.kind,
            status: line.status,
            expected_count: line.expected_count,
            carrier,
            successor: departure.successor_id.as_deref(),
            exit_pledge_on_record,
        },
        &Outcome {
            status: c.outcome,
            count: c.count,
        },
    )?;
    if let Some(successor) = &confirmed.handed_to {
        // The successor signs for it, with their account or the link the email carries: one
        // email a departure and successor, listing what is handed over to them when it goes
        // out (the next worker run). Handed over after it went out: a follow-up, keyed by
        // the line, listing what still waits.
        use crate::db::reminders::{Recipient, plan_one};
        use crate::domain::reminders::ReminderKind::Handover;
        let to = || Recipient::Employee(successor);
        if plan_one(tx, now, to(), Handover, id, now)?.is_none()
            && crate::db::reminders::is_sent(tx, &format!("employee:{successor}:handover:{id}"))?
        {
            plan_one(tx, now, to(), Handover, line_id, now)?;
        }
    }
    if confirmed.returns_carrier
        && let Some(carrier_id) = &line.carrier_id
    {
        carriers::move_custody(tx, now, &user.id, carrier_id, &Custody::Return, c.note)?;
    }
    diesel::update(departure_lines::table.find(line_id))
        .set((
            departure_lines::status.eq(c.outcome.as_str()),
            departure_lines::counted.eq(c.count),
            departure_lines::note.eq(c.note),
            departure_lines::handed_to_id.eq(&confirmed.handed_to),
            departure_lines::confirmed_by.eq(&user.id),
            departure_lines::confirmed_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let action = if confirmed.loss {
        use crate::domain::users::Role;
        open_loss_case(
            tx,
            now,
            &employee,
            &line,
            c.note,
            &[Role::Hr, Role::Security],
        )?;
        "departure.loss_reported"
    } else {
        "departure.line_confirmed"
    };
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action,
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "line_id": line_id, "title": line.title.zh, "title_en": line.title.en,
                "carrier_id": line.carrier_id,
                "outcome": c.outcome, "count": c.count, "note": c.note,
            }),
        },
    )?;
    detail(tx, departure)
}

/// A loss (000 篇3 第八条; a secret not handed over is treated as one, 视同泄密): a breach
/// case (失密) opened at once, handled like any report; the users of the roles `told` are
/// emailed too (the notices planned in this same transaction). The case keeps only what was
/// typed (`note`) and the carrier's tag: pages say the rest from the line, in the reader's
/// language.
pub(super) fn open_loss_case(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    employee: &Employee,
    line: &DepartureLine,
    note: &str,
    told: &[crate::domain::users::Role],
) -> Result<()> {
    crate::db::reminders::plan_loss_notices(tx, now, &line.id, told)?;
    let lost = crate::db::letters::lost_line(tx.conn(), &line.id)?;
    let report = crate::domain::breaches::NewReport {
        person: employee.name.clone(),
        what: note.trim().to_string(),
        // The instant is the case's creation time; the company date is not known here.
        discovered_on: None,
        carriers: lost.carrier,
        contact: String::new(),
    };
    crate::db::breaches::open(
        tx,
        now,
        crate::db::breaches::Opening {
            source: crate::domain::breaches::CaseSource::Loss,
            reporter: None,
            employee_id: Some(&employee.id),
            departure_line_id: Some(&line.id),
            obligation_id: None,
        },
        &report,
    )?;
    Ok(())
}

/// Records the exit pledge given with the confirmation of the exit pledge line (still open):
/// the text named, or the newest exit text.
fn record_exit_pledge(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    employee: &Employee,
    line_status: LineStatus,
    pledge: Option<&ExitPledge<'_>>,
) -> Result<()> {
    let Some(pledge) = pledge else {
        return Ok(());
    };
    if line_status != LineStatus::Open {
        return Err(rules::ChecklistRefusal::AlreadyConfirmed(line_status).into());
    }
    let text_id = match pledge.pledge_text_id {
        Some(id) => id.to_string(),
        None => crate::db::pledges::latest_text_id(tx, PledgeKind::Exit)?.ok_or_else(|| {
            Error::field("pledge_text_id", crate::problem!("no_exit_pledge_text"))
        })?,
    };
    crate::db::pledges::record(tx, now, &user.id, &employee.id, &text_id, &pledge.signature)?;
    Ok(())
}

/// Who signs for a handover.
pub enum Receiver<'a> {
    /// The successor's own user account (linked by employee number).
    User(&'a User),
    /// The signed link emailed to the successor: whoever holds it is the successor.
    Link,
}

/// The successor signs for a handover (签收); a handed-over carrier passes into their custody.
pub fn receive(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    by: Receiver<'_>,
    id: &str,
    line_id: &str,
) -> Result<DepartureDetail> {
    crate::db::lock_row(tx, crate::db::Locked::Departure, id)?;
    let line = find_line(tx, id, line_id)?;
    let successor_id = line.handed_to_id.clone().unwrap_or_default();
    let successor = employees::find(tx, &successor_id)?;
    let departure = find(tx, id)?;
    let (actor, user_id, by_the_successor) = match by {
        Receiver::User(user) => (
            Actor::User(user.id.clone()),
            Some(user.id.clone()),
            successor
                .as_ref()
                .is_some_and(|s| user.employee_no.as_deref() == Some(s.employee_no.as_str())),
        ),
        // The link was addressed to the successor: they are the one who signs.
        Receiver::Link => (Actor::Employee(successor_id.clone()), None, false),
    };
    rules::receive(&Receipt {
        by_link: user_id.is_none(),
        by_the_successor,
        departure: departure.status,
        line: line.status,
        received: line.received_at.is_some(),
        successor_known: successor.is_some(),
    })?;
    if let Some(carrier_id) = &line.carrier_id {
        // The register names a user for each move: the successor's, or (by link) the one who
        // confirmed the handover, with a note saying how it was signed for.
        let (mover, note) = match &user_id {
            Some(u) => (u.clone(), "签收 · signed for"),
            None => (
                line.confirmed_by.clone().unwrap_or_default(),
                "签收（邮件链接）· signed for through the emailed link",
            ),
        };
        let change = Custody::Transfer {
            to: successor_id.clone(),
        };
        carriers::move_custody(tx, now, &mover, carrier_id, &change, note)?;
    }
    diesel::update(departure_lines::table.find(line_id))
        .set((
            departure_lines::received_by.eq(&user_id),
            departure_lines::received_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &actor,
            action: "departure.handover_received",
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "line_id": line_id, "title": line.title.zh, "title_en": line.title.en,
                "successor_id": successor_id,
                "through": if user_id.is_some() { "account" } else { "emailed link" },
            }),
        },
    )?;
    detail(tx, departure)
}

/// A line waiting for its successor's signature, with the departing person's name (for the
/// receipt page).
pub fn awaiting_receipt(
    conn: &mut DbConnection,
    line_id: &str,
) -> Result<Option<(DepartureLine, String, Employee)>> {
    let Some(line) = departure_lines::table
        .find(line_id)
        .select(DepartureLine::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let departure = find(conn, &line.departure_id)?;
    let leaver = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let successor_id = line.handed_to_id.clone().unwrap_or_default();
    let Some(successor) = employees::find(conn, &successor_id)? else {
        return Ok(None);
    };
    Ok(Some((line, leaver.name, successor)))
}

/// Security registered a travel document of the person: the documents line of their
/// departure in progress, if open, is done — by security, who holds the documents now.
pub fn documents_lodged(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    employee_id: &str,
) -> Result<()> {
    let open: Vec<(String, String, String, String)> = departure_lines::table
        .inner_join(departures::table)
        .filter(departures::employee_id.eq(employee_id))
        .filter(departures::status.eq(DepartureStatus::InProgress))
        .filter(departure_lines::kind.eq(LineKind::TravelDocuments))
        .filter(departure_lines::status.eq(LineStatus::Open))
        .select((
            departure_lines::id,
            departures::id,
            departure_lines::title,
            departure_lines::title_en,
        ))
        .load(tx.conn())?;
    for (line_id, departure_id, title, title_en) in open {
        diesel::update(departure_lines::table.find(&line_id))
            .set((
                departure_lines::status.eq(LineStatus::Done),
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
                subject_id: &departure_id,
                details: json!({
                    "line_id": line_id, "title": title, "title_en": title_en,
                    "outcome": LineStatus::Done, "by": "travel_document.registered",
                }),
            },
        )?;
    }
    Ok(())
}
