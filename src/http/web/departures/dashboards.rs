//! The departures sections of HR's and a manager's start page.

use crate::db::listing::{Page, Window};
use crate::domain::roles::CaseReaders;
use chrono::NaiveDate;
use minijinja::{Value, context};
use serde::Serialize;

use super::super::dashboard::Section;
use super::ending_chart;
use super::{CHART_MONTHS, HOME_DEPARTURES, HOME_LINES, HOME_TEAM, outcomes_of};
use crate::db::DbConnection;
use crate::db::departures::{self, DepartureFilter};
use crate::db::employees::{self, EmployeeFilter, Scope};
use crate::db::reminders::{self, ReminderFilter};
use crate::db::users::User;
use crate::db::{overview, policy};
use crate::domain::departures::{DepartureStatus, LineKind};
use crate::domain::reminders::ReminderStatus;
use crate::error::Result;

// The start page

/// HR's section of the start page: departures in progress, obligations ending, reminders
/// nobody acknowledged, non-compete payments, failed emails, open losses, and the picture of
/// obligations ending per month.
pub fn hr_dashboard(
    conn: &mut DbConnection,
    user: &User,
    today: NaiveDate,
) -> Result<Option<Section>> {
    let in_progress = DepartureFilter {
        status: Some(DepartureStatus::InProgress),
        ..DepartureFilter::default()
    };
    let Page {
        rows: found,
        total: departures_total,
    } = departures::list(
        conn,
        &Scope::All,
        &in_progress,
        Window::top(HOME_DEPARTURES),
    )?;
    let departures = departures::rows(conn, found)?;
    let open_loss = DepartureFilter {
        open_loss: true,
        ..DepartureFilter::default()
    };
    let losses = departures::list(conn, &Scope::All, &open_loss, Window::top(0))?.total;
    let hide_breach_notices = !user.may::<CaseReaders>();
    let mut reminders_with = |status: ReminderStatus| {
        let filter = ReminderFilter {
            status: Some(status),
            hide_breach_notices,
            ..ReminderFilter::default()
        };
        reminders::list(conn, &filter, Window::top(0)).map(|found| found.total)
    };
    let unacknowledged = reminders_with(ReminderStatus::Sent)?;
    let failed = reminders_with(ReminderStatus::Failed)?;
    let (_, current) = policy::current(conn)?;
    let payments = overview::payments_owed(conn, today, current.non_compete_grace_months as usize)?;
    let per_month = overview::ending_per_month(conn, today, CHART_MONTHS)?;
    let lang = user.language;
    let chart = ending_chart::svg(&per_month, lang);
    let months: Vec<Value> = per_month
        .iter()
        .map(|(m, n)| context! { label => ending_chart::month_label(*m, lang), count => n })
        .collect();
    Ok(Some(Section {
        template: "departures_home_hr.html",
        data: context! {
            departures, departures_total, losses, unacknowledged, failed, payments,
            ending_30 => overview::ending_within(conn, today, 30)?,
            ending_90 => overview::ending_within(conn, today, 90)?,
            chart => Value::from_safe_string(chart),
            months,
        },
    }))
}

/// An open line for a manager to confirm, with its departure.
#[derive(Serialize)]
struct TeamLineView {
    #[serde(flatten)]
    line: departures::TeamLine,
    outcomes: Vec<&'static str>,
    is_carrier: bool,
}

/// A manager's section of the start page: the open checklist lines of their reports'
/// departures, each confirmable right there, and their team with its tiers.
pub fn manager_dashboard(
    conn: &mut DbConnection,
    user: &User,
    _today: NaiveDate,
) -> Result<Option<Section>> {
    let own = match &user.employee_no {
        Some(no) => employees::find_by_no(conn, no)?,
        None => None,
    };
    let Some(own) = own else {
        return Ok(Some(Section {
            template: "departures_home_manager.html",
            data: context! { linked => false },
        }));
    };
    let (found, lines_total) = departures::open_lines_of_team(conn, &own.id, HOME_LINES)?;
    let lines: Vec<TeamLineView> = found
        .into_iter()
        .map(|l| TeamLineView {
            outcomes: outcomes_of(&l.line),
            is_carrier: l.line.kind == LineKind::Carrier,
            line: l,
        })
        .collect();
    let direct = EmployeeFilter {
        manager_id: Some(own.id.clone()),
        ..EmployeeFilter::default()
    };
    let team_scope = Scope::Team(Some(own.id.clone()));
    let Page {
        rows: team,
        total: team_total,
    } = employees::list(conn, &team_scope, &direct, Window::top(HOME_TEAM))?;
    let team: Vec<Value> = team
        .into_iter()
        .map(|e| {
            context! {
                id => e.id, employee_no => e.employee_no, name => e.name, title => e.title,
                tier => e.clearance_tier, status => e.status,
            }
        })
        .collect();
    Ok(Some(Section {
        template: "departures_home_manager.html",
        data: context! {
            linked => true,
            me => own.id,
            lines, lines_total, team, team_total,
        },
    }))
}
