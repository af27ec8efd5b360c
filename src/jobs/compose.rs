//! What each reminder says and to whom: the message drawn from what `db::letters` reads
//! when it is sent.

use chrono::NaiveDate;
use minijinja::{Value, context};

use super::Runner;
use crate::auth::LinkPurpose;
use crate::clock::company_date;
use crate::db::letters::{self, WaitingLine};
use crate::db::obligations::Obligation;
use crate::db::reminders::Reminder;
use crate::db::{self, DbConnection};
use crate::domain::identity::Company;
use crate::domain::obligations::{ObligationStatus, lasting_duty_from, restricting_tier};
use crate::domain::reminders::{ReminderKind, written_date};
use crate::domain::users::Language;
use crate::mail::{Rendered, Sender};

pub struct Composed {
    /// None: nowhere to send it.
    pub to: Option<String>,
    pub rendered: Rendered,
    /// From and Reply-To: the company's, in the reader's language.
    pub sender: Sender,
}

impl Composed {
    /// A message to `to` in `lang`, rendered and signed as the company.
    fn new(
        runner: &Runner,
        company: &Company,
        to: Option<String>,
        lang: Language,
        template: &str,
        ctx: Value,
    ) -> anyhow::Result<Composed> {
        Ok(Composed {
            to,
            rendered: runner
                .templates
                .render(lang, template, &company.view(lang), ctx)?,
            sender: Sender::of(&company.identity, lang),
        })
    }
}

pub fn letter(
    runner: &Runner,
    conn: &mut DbConnection,
    reminder: &Reminder,
) -> anyhow::Result<Composed> {
    let kind: ReminderKind = reminder.kind;
    if kind == ReminderKind::ExitNotice {
        return exit_notice(runner, conn, reminder);
    }
    let company = db::policy::identity(conn)?;
    if kind.to_former_employee() {
        return to_former_employee(runner, conn, &company, reminder, kind);
    }
    if kind == ReminderKind::Handover {
        return to_successor(runner, conn, &company, reminder);
    }
    if kind == ReminderKind::TripDecided {
        return trip_decided(runner, conn, &company, reminder);
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
            let lines = letters::open_lines_of_manager(conn, &user, reminder.due_at.and_utc(), days)?
                .into_iter()
                .map(|l: WaitingLine| {
                    context! {
                        employee_name => l.employee_name, title => l.title.in_lang(lang),
                        since => written_date(company_date(l.since.and_utc(), tz), lang),
                        url => base.join(&format!("departures/{}", l.departure_id)).map(|u| u.to_string()).unwrap_or_default(),
                    }
                })
                .collect::<Vec<_>>();
            ("nudge", context! { name => user.name, days, lines })
        }
        ReminderKind::Loss => {
            let l = letters::lost_line(conn, &reminder.period)?;
            (
                "loss",
                context! {
                    name => user.name, employee_name => l.employee_name, title => l.title.in_lang(lang),
                    carrier => l.carrier, not_handed_over => l.not_handed_over,
                    on => l.confirmed_at.map(|at| written_date(company_date(at.and_utc(), tz), lang)),
                    url => base.join(&format!("departures/{}", l.departure_id))?.to_string(),
                },
            )
        }
        ReminderKind::HandoverDisputed => {
            let d = letters::disputed_line(conn, &reminder.period)?;
            (
                "disputed",
                context! {
                    name => user.name, employee_name => d.employee_name,
                    successor_name => d.successor_name, title => d.title.in_lang(lang),
                    note => d.note, on => written_date(company_date(d.at.and_utc(), tz), lang),
                    url => base.join(&format!("departures/{}", d.departure_id))?.to_string(),
                },
            )
        }
        ReminderKind::ForbiddenEmployer => {
            // HR reads the person's page; the case only security does.
            let n = db::whereabouts::notice(conn, &reminder.period)?;
            let reads_cases = user.roles.contains(&crate::domain::users::Role::Security);
            let case_url = match n.case_id.as_deref().filter(|_| reads_cases) {
                Some(case) => Some(base.join(&format!("breaches/{case}"))?.to_string()),
                None => None,
            };
            (
                "forbidden",
                context! {
                    name => user.name, employee_name => n.employee_name, employer => n.employer,
                    post => n.post, kind => n.kind, obligation => n.obligation_kind,
                    starts_on => written_date(n.starts_on, lang),
                    url => base.join(&format!("employees/{}#whereabouts", n.employee_id))?.to_string(),
                    case_url,
                },
            )
        }
        ReminderKind::BreachReported => {
            // Only that a report arrived and where to read it: nothing of its content or
            // of who sent it.
            let code = letters::case_code(conn, &reminder.period)?;
            (
                "breach",
                context! {
                    name => user.name, code,
                    url => base.join(&format!("breaches/{}", reminder.period))?.to_string(),
                },
            )
        }
        ReminderKind::PasswordReset => {
            // The link is made now, from the time it was asked for: it works for an hour from
            // then, and only while the password it replaces is unchanged.
            let issued = chrono::DateTime::parse_from_rfc3339(&reminder.period)?.to_utc();
            let token = db::users::reset_token(&runner.links, &user, issued);
            (
                "password_reset",
                context! {
                    name => user.name, hours => db::users::RESET_LINK_HOURS,
                    url => base.join(&format!("password/reset/{token}"))?.to_string(),
                },
            )
        }
        _ => ("digest", digest(runner, conn, &user.name, lang)?),
    };
    Composed::new(
        runner,
        &company,
        Some(user.email.clone()),
        lang,
        template,
        ctx,
    )
}

fn to_former_employee(
    runner: &Runner,
    conn: &mut DbConnection,
    company: &Company,
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
    // Someone who left a classified post but stays (a downgrade, a transfer) is written to at
    // work, as serving staff; a former employee at their private address.
    let serving = employee.status.is_employed();
    let to = address_of(&employee);
    // The day the occasion is about: an end date for ending/released notices.
    let about: Option<NaiveDate> = reminder.period.parse().ok();
    let now = runner.clock.now();
    let released_on = about.filter(|_| kind == ReminderKind::Released);
    let list: Vec<Obligation> = letters::notice_obligations(conn, employee_id, released_on)?;
    let (_, policy) = db::policy::current(conn)?;
    // The restrictions of the highest tier among the periods still running.
    let running = list
        .iter()
        .filter(|o| ObligationStatus::OWED.contains(&o.status))
        .map(|o| (o.kind, o.tier));
    let restrictions =
        restricting_tier(running).and_then(|tier| policy.restrictions_of(tier, lang));
    // A 脱密期 released today leaves the duty to keep state secrets, for life.
    // (A period whose last day the notice is about has ended, whether or not the nightly end
    // has run yet.)
    let lasting = released_on
        .and_then(|day| {
            lasting_duty_from(list.iter().map(|o| {
                let ended = o.ends_on == Some(day);
                let status = if ended {
                    ObligationStatus::Ended
                } else {
                    o.status
                };
                (o.kind, status, o.ends_on)
            }))
        })
        .map(|from| written_date(from, lang));
    let obligations: Vec<Value> = list
        .iter()
        .map(|o| {
            context! {
                kind => o.kind,
                starts_on => written_date(o.starts_on, lang),
                ends_on => o.ends_on.map(|d| written_date(d, lang)),
                ending_soon => kind == ReminderKind::Ending && o.ends_on == about,
                ended => released_on.is_some() && o.ends_on == released_on,
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
        serving,
        obligations,
        restrictions,
        released_on => released_on.map(|d| written_date(d, lang)),
        lasting,
        ack_url => base.join(&format!("ack/{token}"))?.to_string(),
        whereabouts_url => base.join(&format!("whereabouts/{token}"))?.to_string(),
        report_url => base.join("report")?.to_string(),
    };
    Composed::new(runner, company, to, lang, "reminder", ctx)
}

/// The exit notice of a departure (the period), to the former employee's private address.
fn exit_notice(
    runner: &Runner,
    conn: &mut DbConnection,
    reminder: &Reminder,
) -> anyhow::Result<Composed> {
    let facts = db::exit_notice::facts(conn, &reminder.period)?;
    let lang = facts.employee.language;
    let expires = runner.clock.now()
        + chrono::Duration::days(i64::from(facts.policy.reminders.link_valid_days));
    let token = runner
        .links
        .sign(LinkPurpose::Acknowledge, &reminder.id, expires);
    let base = &runner.config.base_url;
    let ctx = context! {
        ack_url => base.join(&format!("ack/{token}"))?.to_string(),
        report_url => base.join("report")?.to_string(),
        ..crate::mail::exit_notice::values(&facts, lang)
    };
    let to = facts
        .employee
        .private_email
        .clone()
        .filter(|e| !e.trim().is_empty());
    Composed::new(runner, &facts.company, to, lang, "exit_notice", ctx)
}

/// The successor is asked to sign for a handover (the period is the checklist line).
fn to_successor(
    runner: &Runner,
    conn: &mut DbConnection,
    company: &Company,
    reminder: &Reminder,
) -> anyhow::Result<Composed> {
    // Keyed by the departure (a follow-up, or one planned before receipts were batched, by a
    // line of it): everything handed over to this successor and not yet signed for.
    let successor_id = reminder.employee_id.clone().unwrap_or_default();
    let found = match db::departures::handover_of_line(conn, &reminder.period)? {
        Some(h) => Some(h),
        None => db::departures::handover(conn, &reminder.period, &successor_id)?,
    };
    let Some(handover) = found else {
        anyhow::bail!("handover {} has no successor", reminder.period);
    };
    let lang: Language = handover.successor.language;
    let waiting: Vec<_> = handover
        .lines
        .iter()
        .filter(|(l, _)| l.received_at.is_none())
        .collect();
    let Some((first, _)) = waiting.first() else {
        anyhow::bail!("nothing of {} waits for a signature", handover.departure_id);
    };
    let expires = runner.clock.now() + chrono::Duration::days(RECEIPT_LINK_DAYS);
    let token = runner.links.sign(LinkPurpose::Receipt, &first.id, expires);
    let items: Vec<Value> = waiting
        .iter()
        .map(|(l, class)| {
            context! {
                title => l.title.in_lang(lang),
                count => crate::domain::departures::has_copies(l.kind).then_some(l.expected_count),
                classification => class,
            }
        })
        .collect();
    let ctx = context! {
        name => handover.successor.name,
        employee_name => handover.leaver,
        items,
        receipt_url => runner.config.base_url.join(&format!("receipt/{token}"))?.to_string(),
    };
    let to = handover
        .successor
        .work_email
        .clone()
        .or(handover.successor.private_email.clone());
    Composed::new(runner, company, to, lang, "handover", ctx)
}

/// Where a person is written to: someone who left a classified post but stays (a downgrade,
/// a transfer) at work, as serving staff; a former employee at their private address.
fn address_of(employee: &db::employees::Employee) -> Option<String> {
    let nonempty = |e: &Option<String>| e.clone().filter(|e| !e.trim().is_empty());
    if employee.status.is_employed() {
        nonempty(&employee.work_email).or_else(|| nonempty(&employee.private_email))
    } else {
        nonempty(&employee.private_email)
    }
}

/// The decision on a trip abroad (the period), to the person who asked: serving staff read
/// it on the trip's page, a former employee on the page of their travel link.
fn trip_decided(
    runner: &Runner,
    conn: &mut DbConnection,
    company: &Company,
    reminder: &Reminder,
) -> anyhow::Result<Composed> {
    let trip = db::travel::find(conn, &reminder.period)?;
    let employee = db::employees::find(conn, &trip.employee_id)?
        .ok_or_else(|| anyhow::anyhow!("employee {} does not exist", trip.employee_id))?;
    let lang = employee.language;
    let (_, policy) = db::policy::current(conn)?;
    let base = &runner.config.base_url;
    let url = if employee.status.is_employed() {
        base.join(&format!("trips/{}", trip.id))?
    } else {
        let expires = runner.clock.now()
            + chrono::Duration::days(i64::from(policy.reminders.link_valid_days));
        let token = runner
            .links
            .sign(LinkPurpose::Travel, &employee.id, expires);
        base.join(&format!("travel/{token}"))?
    };
    let approved = trip.status == crate::domain::travel::TripStatus::Approved;
    let reason = trip.final_reason();
    let ctx = context! {
        name => employee.name, approved, countries => trip.countries,
        starts_on => written_date(trip.starts_on, lang), ends_on => written_date(trip.ends_on, lang),
        reason,
        report_back_days => policy.travel.report_back_days,
        url => url.to_string(),
    };
    Composed::new(
        runner,
        company,
        address_of(&employee),
        lang,
        "trip_decided",
        ctx,
    )
}

/// How long a successor's signing link works.
pub const RECEIPT_LINK_DAYS: i64 = 30;

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
    let grace = policy.non_compete_grace_months as usize;
    let d = letters::digest(conn, now, today, escalate_days, grace)?;
    let day = |d: Option<NaiveDate>| d.map(|d| written_date(d, lang));
    let local_day =
        |at: Option<chrono::NaiveDateTime>| day(at.map(|at| company_date(at.and_utc(), tz)));
    let ending: Vec<Value> = d
        .ending
        .into_iter()
        .map(|(employee_name, kind, ends_on)| context! { employee_name, kind, ends_on => day(ends_on) })
        .collect();
    let unacknowledged: Vec<Value> = d
        .unacknowledged
        .into_iter()
        .map(|(employee_name, sent)| context! { employee_name, sent_on => local_day(sent) })
        .collect();
    let payments: Vec<Value> = d
        .payments
        .into_iter()
        .map(|(employee_name, month, due_on, status)| {
            context! { employee_name, month, due_on => day(Some(due_on)), status }
        })
        .collect();
    let rescission: Vec<Value> = d
        .rescission
        .into_iter()
        .map(|(employee_name, late, may_rescind)| context! { employee_name, late, may_rescind })
        .collect();
    let failed: Vec<Value> = d
        .failed
        .into_iter()
        .map(|(who, to, error)| {
            context! {
                recipient => who.or(to).unwrap_or_default(),
                error => error.unwrap_or_default(),
            }
        })
        .collect();
    let losses: Vec<Value> = d
        .losses
        .into_iter()
        .map(|(employee_name, title)| context! { employee_name, title => title.in_lang(lang) })
        .collect();
    let person = |p: Option<db::names::EmployeeName>| p.map(|p| p.name).unwrap_or_default();
    let late_trips: Vec<Value> = d
        .travel
        .trips
        .into_iter()
        .map(|l| {
            context! {
                employee_name => person(l.person), countries => l.item.countries,
                ends_on => day(Some(l.item.ends_on)),
            }
        })
        .collect();
    let late_documents: Vec<Value> = d
        .travel
        .documents
        .into_iter()
        .map(|l| {
            context! {
                employee_name => person(l.person), kind => l.item.kind,
                due_back_by => day(Some(l.due_back_by)),
            }
        })
        .collect();
    Ok(context! {
        name, ending, unacknowledged, escalate_days, payments, rescission, failed,
        waiting => d.waiting, waiting_since => local_day(d.waiting_since),
        losses, late_trips, late_documents,
        url => runner.config.base_url.to_string(),
    })
}
