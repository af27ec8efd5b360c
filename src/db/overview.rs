//! What HR's start page counts: obligations ending soon and per month, and what the company
//! owes on its non-competes. Each figure is one statement whatever the number of rows.

use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::obligations;
use crate::domain::noncompete::{MonthStatus, YearMonth, payment_alert, to_pay};
use crate::domain::obligations::ObligationStatus;

/// Obligations still owed (active or breached) whose last day is from `today` to `today + days` (both inclusive), as
/// `GET /api/v1/obligations?ending_within_days=N&status=active` lists them.
pub fn ending_within(conn: &mut DbConnection, today: NaiveDate, days: u32) -> QueryResult<i64> {
    let until = today
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    obligations::table
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .filter(obligations::ends_on.between(today, until))
        .count()
        .get_result(conn)
}

/// How many obligations still owed (active or breached) end in each of the `months` calendar months from the one
/// holding `today`, every month listed (zero when none ends in it). One statement, counted
/// per day in the order of the (status, ends_on) index and summed into months here: grouping
/// by a month expression in SQL would sort every row first.
pub fn ending_per_month(
    conn: &mut DbConnection,
    today: NaiveDate,
    months: u32,
) -> QueryResult<Vec<(YearMonth, i64)>> {
    let first = today.with_day(1).unwrap_or(today);
    let all: Vec<YearMonth> = (0..months)
        .filter_map(|i| first.checked_add_months(Months::new(i)))
        .map(YearMonth::of)
        .collect();
    let Some(last) = all.last().map(|m| m.last_day()) else {
        return Ok(Vec::new());
    };
    let per_day: Vec<(Option<NaiveDate>, i64)> = obligations::table
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .filter(obligations::ends_on.between(first, last))
        .group_by(obligations::ends_on)
        .select((obligations::ends_on, diesel::dsl::count_star()))
        .load(conn)?;
    let mut counts: std::collections::HashMap<YearMonth, i64> = Default::default();
    for (day, n) in per_day {
        if let Some(day) = day {
            *counts.entry(YearMonth::of(day)).or_default() += n;
        }
    }
    Ok(all
        .into_iter()
        .map(|m| (m, counts.get(&m).copied().unwrap_or(0)))
        .collect())
}

/// The compensation months of the active non-competes on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PaymentsOwed {
    /// Months unpaid or partly paid past their due date.
    pub late: usize,
    /// Months ended (or a waiver's) and due, their due date not yet passed.
    pub due: usize,
    /// Non-competes whose former employee may rescind soon, or may already.
    pub alerts: usize,
}

/// What the company owes on its active non-competes on `today`.
pub fn payments_owed(
    conn: &mut DbConnection,
    today: NaiveDate,
    grace_months: usize,
) -> crate::error::Result<PaymentsOwed> {
    let mut owed = PaymentsOwed::default();
    for (_, book) in super::noncompete::running_books(conn, today)? {
        owed.late += book.late();
        owed.due += to_pay(&book, today)
            .filter(|l| l.status == MonthStatus::Due)
            .count();
        owed.alerts += usize::from(payment_alert(&book, grace_months).is_some());
    }
    Ok(owed)
}
