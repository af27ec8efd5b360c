//! Completing a departure, and what it creates: the person departed or retired, their
//! accounts disabled, the post-exit clearance record and the obligations. A completion is
//! recorded at once and takes effect at the end of the last working day (24:00 company
//! time): at once when that has passed, else by a scheduled job.

use crate::db::WriteTx;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{DepartureDetail, detail, find, lines_of, set_employee_status};
use crate::db::audit;
use crate::db::clearance::record_post_exit;
use crate::db::employees;
use crate::db::jobs::{self as queue, JobKind};
use crate::db::obligations::{self, Source};
use crate::db::schema::{departures, employees as employees_table, users};
use crate::db::stored_instant;
use crate::db::users::User;
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::departures::{self as rules, Completion, DepartureStatus};
use crate::domain::obligations::after_departure;
use crate::domain::people::ClearanceTier;
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

/// What HR says when completing a departure.
#[derive(Debug, Clone, Default)]
pub struct CompleteRequest<'a> {
    /// Needed only when lines are still open.
    pub override_reason: Option<&'a str>,
    /// The trade-secret duty is created (the default); unticked, a written reason is needed.
    pub trade_secret: bool,
    pub no_trade_secret_reason: Option<&'a str>,
}

/// Completes a departure: with every line resolved, or with an override reason (the open
/// lines stay visible). The completion is recorded in this transaction; it takes effect —
/// the person becomes departed (or retired), their user accounts are disabled, their
/// obligations are created — at the end of the last working day, company time (`tz`): here
/// when that day has ended, else by a job queued in this transaction for then.
#[allow(clippy::too_many_arguments)]
pub fn complete(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    policy: &Policy,
    tz: chrono_tz::Tz,
    id: &str,
    request: &CompleteRequest<'_>,
) -> Result<DepartureDetail> {
    crate::db::lock_row(tx, crate::db::Locked::Departure, id)?;
    let departure = find(tx, id)?;
    let lines = lines_of(tx, id)?;
    let open = lines.iter().filter(|l| !l.resolved()).count();
    let completed = rules::complete(&Completion {
        status: departure.status,
        reason: departure.reason,
        open_lines: open,
        override_reason: request.override_reason,
    })?;
    let no_trade_secret =
        rules::trade_secret_opt_out(request.trade_secret, request.no_trade_secret_reason)?;
    let employee = employees::find(tx, &departure.employee_id)?.ok_or(Error::NotFound)?;
    // Refused now, not when it takes effect: a non-compete term longer than the cap.
    crate::db::noncompete::owed_at_departure(tx, &employee.id, policy, departure.last_working_day)?;
    let effect_at = rules::takes_effect_at(departure.last_working_day, tz, now);
    let actor = Actor::User(user.id.clone());
    diesel::update(departures::table.find(id))
        .set((
            departures::status.eq(DepartureStatus::Completed),
            departures::completed_by.eq(&user.id),
            departures::completed_at.eq(stored_instant(now)),
            departures::override_reason.eq(completed.overridden),
            departures::no_trade_secret_reason.eq(no_trade_secret),
            departures::takes_effect_at.eq(stored_instant(effect_at)),
        ))
        .execute(tx.conn())?;
    // A secret not handed over is treated as a leak: a loss case for each such line, and a
    // notice to security at once (HR, completing it, knows: the form said so).
    let leaked = rules::treated_as_leaked(
        lines
            .iter()
            .map(|l| (l, l.kind, l.status, l.received_at.is_some())),
    );
    for line in &leaked {
        let told = [crate::domain::users::Role::Security];
        super::checklist::open_loss_case(tx, now, &employee, line, "", &told)?;
    }
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &actor,
            action: "departure.completed",
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "employee_id": employee.id, "status": completed.employee_status, "open_lines": open,
                "override_reason": completed.reason_given, "takes_effect_at": effect_at,
                "trade_secret": no_trade_secret.is_none(),
                "no_trade_secret_reason": no_trade_secret, "loss_cases": leaked.len(),
            }),
        },
    )?;
    if effect_at <= now {
        take_effect(tx, now, &actor, policy, id)?;
    } else {
        queue::enqueue(
            tx,
            now,
            JobKind::DepartureTakesEffect,
            id,
            &format!("departure_takes_effect:{id}"),
            effect_at,
        )?;
    }
    let departure = find(tx, id)?;
    detail(tx, departure)
}

/// A recorded completion takes effect: the person becomes departed (or retired), loses their
/// clearance tier and user accounts, and their obligations are created. Exactly once: a
/// departure in effect already (a job run again after its worker stopped) is left as it is,
/// and so is one not completed. Returns whether it took effect now.
pub fn take_effect(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    policy: &Policy,
    id: &str,
) -> Result<bool> {
    crate::db::lock_row(tx, crate::db::Locked::Departure, id)?;
    let taken = diesel::update(
        departures::table
            .find(id)
            .filter(departures::status.eq(DepartureStatus::Completed))
            .filter(departures::in_effect.eq(false)),
    )
    .set(departures::in_effect.eq(true))
    .execute(tx.conn())?;
    if taken == 0 {
        return Ok(false);
    }
    let departure = find(tx, id)?;
    let employee = employees::find(tx, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let tier_held = employee.clearance_tier;
    let final_status = rules::status_after(departure.reason);
    set_employee_status(tx, now, &employee.id, final_status)?;
    diesel::update(employees_table::table.find(&employee.id))
        .set(employees_table::clearance_tier.eq(ClearanceTier::None))
        .execute(tx.conn())?;
    let disabled =
        diesel::update(users::table.filter(users::employee_no.eq(&employee.employee_no)))
            .set(users::active.eq(false))
            .execute(tx.conn())?;
    let post_exit = if tier_held.is_classified() {
        Some(record_post_exit(
            tx,
            now,
            actor,
            &employee.id,
            departure.left_post_on,
            tier_held,
            ClearanceTier::None,
            "departure",
            None,
        )?)
    } else {
        None
    };
    let trade_secret = departure.no_trade_secret_reason.is_none();
    let mut owed = after_departure(
        policy,
        tier_held,
        departure.left_post_on,
        departure.last_working_day,
        trade_secret,
    );
    owed.extend(crate::db::noncompete::owed_at_departure(
        tx,
        &employee.id,
        policy,
        departure.last_working_day,
    )?);
    let source = Source {
        departure_id: Some(id),
        post_exit_id: post_exit.as_deref(),
    };
    obligations::create_all(tx, now, actor, &employee.id, &owed, source)?;
    crate::db::noncompete::open_ledger(tx, id, policy)?;
    crate::db::noncompete::apply_waiver_before_term(tx, now, &departure)?;
    // The exit notice goes out now, once per departure (its key), by a send job of this
    // transaction: a crash before it is sent leaves the job to be run. Someone with no
    // private address gets it on paper at the exit interview (the notice's print page).
    let has_private = employee
        .private_email
        .as_deref()
        .is_some_and(|e| !e.trim().is_empty());
    let exit_notice = if has_private {
        crate::db::reminders::plan_one(
            tx,
            now,
            crate::db::reminders::Recipient::Employee(&employee.id),
            crate::domain::reminders::ReminderKind::ExitNotice,
            id,
            now,
        )?
    } else {
        None
    };
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action: "departure.took_effect",
            subject_type: "departure",
            subject_id: id,
            details: json!({
                "employee_id": employee.id, "status": final_status, "users_disabled": disabled,
                "tier_held": tier_held, "trade_secret": trade_secret,
                "exit_notice": exit_notice,
            }),
        },
    )?;
    Ok(true)
}
