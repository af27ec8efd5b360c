//! What each reminder says and to whom, read from the database when it is sent (so it lists
//! the obligations as they stand), and the plans that need more than one statement.

use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::prelude::*;
use minijinja::{Value, context};

use super::Runner;
use crate::auth::LinkPurpose;
use crate::clock::company_date;
use crate::db::obligations::Obligation;
use crate::db::reminders::{Recipient, Reminder, plan_one};
use crate::db::schema::{
    breach_cases, carriers, departure_lines, departures, employees, obligations, reminders,
};
use crate::db::{self, DbConnection, stored_instant};
use crate::domain::departures::DepartureStatus;
use crate::domain::noncompete::MonthStatus;
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::reminders::{ReminderKind, ReminderStatus, written_date};
use crate::domain::users::{Language, Role};
use crate::mail::Rendered;

/// Rows listed in one digest section at most.
const DIGEST_ROWS: i64 = 200;
/// The digest lists obligations ending within this many days.
const DIGEST_ENDING_DAYS: u64 = 30;

pub struct Composed {
    /// None: nowhere to send it.
    pub to: Option<String>,
    pub rendered: Rendered,
}

pub fn letter(
    runner: &Runner,
    conn: &mut DbConnection,
    reminder: &Reminder,
) -> anyhow::Result<Composed> {
    let kind: ReminderKind = reminder.kind;
    if kind.to_former_employee() {
        return to_former_employee(runner, conn, reminder, kind);
    }
    if kind == ReminderKind::Handover {
        return to_successor(runner, conn, reminder);
    }
    let user_id = reminder
        .user_id
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("a {kind} reminder without a user"))?;
    let user = db::users::find(conn, user_id)?
        .ok_or_else(|| anyhow::anyhow!("user {user_id} does not exist"))?;
    let base = &runner.config.base_url;
    let tz = runner.config.timezone;
    let lang = user.language;
    let (template, ctx) = match kind {
        ReminderKind::Nudge => {
            let (_, policy) = db::policy::current(conn)?;
            let days = policy.reminders.nudge_after_days;
            let lines = open_lines_of_manager(conn, &user, reminder.due_at.and_utc(), days)?
                .into_iter()
                .map(|(departure_id, employee_name, title, since)| {
                    context! {
                        employee_name, title,
                        since => written_date(company_date(since.and_utc(), tz), lang),
                        url => base.join(&format!("departures/{departure_id}")).map(|u| u.to_string()).unwrap_or_default(),
                    }
                })
                .collect::<Vec<_>>();
            ("nudge", context! { name => user.name, days, lines })
        }
        ReminderKind::Loss => {
            let (departure_id, employee_name, title, carrier, on) = loss(conn, &reminder.period)?;
            (
                "loss",
                context! {
                    name => user.name, employee_name, title, carrier,
                    on => on.map(|at| written_date(company_date(at.and_utc(), tz), lang)),
                    url => base.join(&format!("departures/{departure_id}"))?.to_string(),
                },
            )
        }
        ReminderKind::BreachReported => {
            // Only that a report arrived and where to read it: nothing of its content or
            // of who sent it.
            let code: String = breach_cases::table
                .find(&reminder.period)
                .select(breach_cases::code)
                .first(conn)?;
            (
                "breach",
                context! {
                    name => user.name, code,
                    url => base.join(&format!("api/v1/breaches/{}", reminder.period))?.to_string(),
                },
            )
        }
        _ => ("digest", digest(runner, conn, &user.name, lang)?),
    };
    Ok(Composed {
        to: Some(user.email.clone()),
        rendered: runner.templates.render(lang, template, ctx)?,
    })
}

fn to_former_employee(
    runner: &Runner,
    conn: &mut DbConnection,
    reminder: &Reminder,
    kind: ReminderKind,
) -> anyhow::Result<Composed> {
    let employee_id = reminder
        .employee_id
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("a {kind} reminder without an employee"))?;
    let employee = db::employees::find(conn, employee_id)?
        .ok_or_else(|| anyhow::anyhow!("employee {employee_id} does not exist"))?;
    let lang: Language = employee.language;
    let still_employed = employee.status.is_employed();
    let to = employee
        .private_email
        .clone()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| employee.work_email.clone().filter(|_| still_employed));
    // The day the occasion is about: an end date for ending/released notices.
    let about: Option<NaiveDate> = reminder.period.parse().ok();
    let now = runner.clock.now();
    let list: Vec<Obligation> = obligations::table
        .filter(obligations::employee_id.eq(employee_id))
        .filter(
            obligations::status
                .eq_any(ObligationStatus::OWED)
                .or(obligations::status.eq(ObligationStatus::Ended).and(
                    obligations::ends_on
                        .nullable()
                        .eq(about.filter(|_| kind == ReminderKind::Released)),
                )),
        )
        .order((obligations::ends_on.asc(), obligations::kind.asc()))
        .select(Obligation::as_select())
        .load(conn)?;
    let (_, policy) = db::policy::current(conn)?;
    let restrictions = list
        .iter()
        .filter(|o| o.kind == ObligationKind::Declassification)
        .filter_map(|o| o.tier)
        .find_map(|tier| {
            policy
                .restrictions
                .iter()
                .find(|r| r.tier == tier)
                .map(|r| match lang {
                    Language::ZhCn => r.zh.clone(),
                    Language::En => r.en.clone(),
                })
        });
    let obligations: Vec<Value> = list
        .iter()
        .map(|o| {
            context! {
                kind => o.kind,
                starts_on => written_date(o.starts_on, lang),
                ends_on => o.ends_on.map(|d| written_date(d, lang)),
                ending_soon => kind == ReminderKind::Ending && o.ends_on == about,
                ends_today => kind == ReminderKind::Released && o.ends_on == about,
            }
        })
        .collect();
    let expires = now + chrono::Duration::days(i64::from(policy.reminders.link_valid_days));
    let token = runner
        .links
        .sign(LinkPurpose::Acknowledge, &reminder.id, expires);
    let base = &runner.config.base_url;
    let ctx = context! {
        name => employee.name,
        occasion => kind.as_str(),
        obligations,
        restrictions,
        ack_url => base.join(&format!("ack/{token}"))?.to_string(),
        report_url => base.join("report")?.to_string(),
        company => runner.mailer.sender_name(),
    };
    Ok(Composed {
        to,
        rendered: runner.templates.render(lang, "reminder", ctx)?,
    })
}

/// A checklist line still waiting: open, or handed over and not yet signed for.
#[diesel::dsl::auto_type(no_type_alias)]
fn waiting_line() -> _ {
    let open: &'static str = "open";
    let handed_over: &'static str = "handed_over";
    departure_lines::status.eq(open).or(departure_lines::status
        .eq(handed_over)
        .and(departure_lines::received_at.is_null()))
}

/// The successor is asked to sign for a handover (the period is the checklist line).
fn to_successor(
    runner: &Runner,
    conn: &mut DbConnection,
    reminder: &Reminder,
) -> anyhow::Result<Composed> {
    let Some((line, leaver, successor)) = db::departures::awaiting_receipt(conn, &reminder.period)?
    else {
        anyhow::bail!("checklist line {} has no successor", reminder.period);
    };
    let lang: Language = successor.language;
    let expires = runner.clock.now() + chrono::Duration::days(RECEIPT_LINK_DAYS);
    let token = runner.links.sign(LinkPurpose::Receipt, &line.id, expires);
    let ctx = context! {
        name => successor.name,
        employee_name => leaver,
        title => line.title,
        count => line.expected_count,
        receipt_url => runner.config.base_url.join(&format!("receipt/{token}"))?.to_string(),
    };
    Ok(Composed {
        to: successor
            .work_email
            .clone()
            .or(successor.private_email.clone()),
        rendered: runner.templates.render(lang, "handover", ctx)?,
    })
}

/// How long a successor's signing link works.
pub const RECEIPT_LINK_DAYS: i64 = 30;

/// Lines waiting in the in-progress departures of a manager's direct reports, started at
/// least `days` days before `at`: (departure, person, line title, open since).
fn open_lines_of_manager(
    conn: &mut DbConnection,
    manager: &db::users::User,
    at: DateTime<Utc>,
    days: u32,
) -> anyhow::Result<Vec<(String, String, String, chrono::NaiveDateTime)>> {
    let Some(no) = &manager.employee_no else {
        return Ok(Vec::new());
    };
    let Some(me) = db::employees::find_by_no(conn, no)? else {
        return Ok(Vec::new());
    };
    let before = stored_instant(at - chrono::Duration::days(i64::from(days)));
    Ok(departure_lines::table
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
            departure_lines::title,
            departures::started_at,
        ))
        .load(conn)?)
}

/// Nudges for the managers whose reports' departures have lines open too long, one per
/// manager per day. Returns how many are new.
pub fn plan_nudges(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    days: u32,
    due: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let before = stored_instant(due - chrono::Duration::days(i64::from(days)));
    let managers: Vec<Option<String>> = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(departures::status.eq(DepartureStatus::InProgress))
        .filter(departures::started_at.le(before))
        .filter(waiting_line())
        .select(employees::manager_id)
        .distinct()
        .load(conn)?;
    let mut planned = 0;
    for manager_id in managers.into_iter().flatten() {
        let Some(manager) = db::employees::find(conn, &manager_id)? else {
            continue;
        };
        let Some(user) = db::users::find_by_employee_no(conn, &manager.employee_no)? else {
            continue;
        };
        let period = today.to_string();
        planned += usize::from(
            plan_one(
                conn,
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
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    period: &str,
    due: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut planned = 0;
    for user in db::users::active_with_roles(conn, &[Role::Hr])? {
        planned += usize::from(
            plan_one(
                conn,
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

/// (departure, person, line title, carrier tag, when confirmed) of a missing line.
fn loss(
    conn: &mut DbConnection,
    line_id: &str,
) -> anyhow::Result<(
    String,
    String,
    String,
    String,
    Option<chrono::NaiveDateTime>,
)> {
    let (departure_id, name, title, carrier_id, at): (
        String,
        String,
        String,
        Option<String>,
        Option<chrono::NaiveDateTime>,
    ) = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(departure_lines::id.eq(line_id))
        .select((
            departures::id,
            employees::name,
            departure_lines::title,
            departure_lines::carrier_id,
            departure_lines::confirmed_at,
        ))
        .first(conn)?;
    let tag = match carrier_id {
        Some(id) => carriers::table
            .find(id)
            .select(carriers::tag)
            .first(conn)
            .optional()?
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok((departure_id, name, title, tag, at))
}

/// What HR should look at: obligations ending soon, reminders nobody acknowledged, non-compete
/// payments due or late, mail that could not be delivered, open losses.
fn digest(
    runner: &Runner,
    conn: &mut DbConnection,
    name: &str,
    lang: Language,
) -> anyhow::Result<Value> {
    let now = runner.clock.now();
    let tz = runner.config.timezone;
    let today = company_date(now, tz);
    let (_, policy) = db::policy::current(conn)?;
    let escalate_days = policy.reminders.escalate_unacknowledged_after_days;

    let ending: Vec<Value> = obligations::table
        .inner_join(employees::table)
        .filter(obligations::status.eq(ObligationStatus::Active))
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
        .load::<(String, String, Option<NaiveDate>)>(conn)?
        .into_iter()
        .map(|(employee_name, kind, ends_on)| {
            context! { employee_name, kind, ends_on => ends_on.map(|d| written_date(d, lang)) }
        })
        .collect();

    let cutoff = stored_instant(now - chrono::Duration::days(i64::from(escalate_days)));
    let former_kinds: Vec<&str> = ReminderKind::ALL
        .iter()
        .filter(|k| k.to_former_employee())
        .map(|k| k.as_str())
        .collect();
    // One row per person (their latest unacknowledged reminder), newest first.
    let latest: Vec<(String, String, Option<chrono::NaiveDateTime>)> = reminders::table
        .inner_join(employees::table)
        .filter(reminders::status.eq(ReminderStatus::Sent))
        .filter(reminders::kind.eq_any(&former_kinds))
        .filter(reminders::sent_at.lt(cutoff))
        .group_by((employees::id, employees::name))
        .select((
            employees::id,
            employees::name,
            diesel::dsl::max(reminders::sent_at),
        ))
        .load(conn)?;
    let mut latest = latest;
    latest.sort_by_key(|(_, _, sent)| std::cmp::Reverse(*sent));
    let unacknowledged: Vec<Value> = latest
        .into_iter()
        .take(DIGEST_ROWS as usize)
        .map(|(_, employee_name, sent)| {
            context! {
                employee_name,
                sent_on => sent.map(|s| written_date(company_date(s.and_utc(), tz), lang)),
            }
        })
        .collect();

    let mut payments = Vec::new();
    let non_competes: Vec<(String, String)> = obligations::table
        .inner_join(employees::table)
        .filter(obligations::status.eq(ObligationStatus::Active))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .select((obligations::id, employees::name))
        .load(conn)?;
    let this_month = crate::domain::noncompete::YearMonth::of(today).to_string();
    for (id, employee_name) in non_competes {
        let ledger =
            db::noncompete::ledger_of(conn, &id, today, policy.non_compete_grace_months as usize)?;
        for m in ledger.months {
            if payments.len() < DIGEST_ROWS as usize
                && (m.status == MonthStatus::Late
                    || (m.status == MonthStatus::Due && m.month == this_month))
            {
                payments.push(context! {
                    employee_name => employee_name.clone(), month => m.month, status => m.status,
                });
            }
        }
    }

    let failed: Vec<Value> = reminders::table
        .left_join(employees::table)
        .filter(reminders::status.eq(ReminderStatus::Failed))
        .order(reminders::updated_at.desc())
        .limit(DIGEST_ROWS)
        .select((
            employees::name.nullable(),
            reminders::to_address,
            reminders::last_error,
        ))
        .load::<(Option<String>, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(who, to, error)| {
            context! {
                recipient => who.or(to).unwrap_or_default(),
                error => error.unwrap_or_default(),
            }
        })
        .collect();

    // The backlog: emails a mail server turned away for now, waiting for their next attempt.
    let (waiting, waiting_since): (i64, Option<chrono::NaiveDateTime>) = reminders::table
        .filter(reminders::status.eq(ReminderStatus::Scheduled))
        .filter(reminders::last_error.is_not_null())
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(reminders::due_at),
        ))
        .first(conn)?;
    let waiting_since = waiting_since.map(|at| written_date(company_date(at.and_utc(), tz), lang));

    let losses: Vec<Value> = departure_lines::table
        .inner_join(departures::table.inner_join(employees::table))
        .filter(departure_lines::status.eq("missing"))
        .order(departure_lines::confirmed_at.desc())
        .limit(DIGEST_ROWS)
        .select((employees::name, departure_lines::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(employee_name, title)| context! { employee_name, title })
        .collect();

    Ok(context! {
        name, ending, unacknowledged, escalate_days, payments, failed, waiting, waiting_since,
        losses,
        url => runner.config.base_url.to_string(),
    })
}
