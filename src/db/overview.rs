//! What HR's start page counts: obligations ending soon and per month, and what the company
//! owes on its non-competes. Each figure is one statement whatever the number of rows.

use chrono::{Datelike, Days, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::schema::obligations;
use super::{DbConnection, per_backend, placeholders};
use crate::domain::noncompete::{MonthStatus, YearMonth, ledger, payment_alert};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::periods::Period;

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
    /// Months ended without a payment.
    pub late: usize,
    /// Unpaid months of the current calendar month.
    pub due: usize,
    /// Non-competes whose former employee may rescind soon, or may already.
    pub alerts: usize,
}

#[derive(QueryableByName)]
struct Paid {
    #[diesel(sql_type = Text)]
    obligation_id: String,
    #[diesel(sql_type = Text)]
    month: String,
}

/// What the company owes on its active non-competes on `today` (two statements).
pub fn payments_owed(
    conn: &mut DbConnection,
    today: NaiveDate,
    grace_months: usize,
) -> QueryResult<PaymentsOwed> {
    let terms: Vec<(String, NaiveDate, Option<NaiveDate>)> = obligations::table
        .filter(obligations::status.eq(ObligationStatus::Active))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .select((
            obligations::id,
            obligations::starts_on,
            obligations::ends_on,
        ))
        .load(conn)?;
    if terms.is_empty() {
        return Ok(PaymentsOwed::default());
    }
    let sql = placeholders(
        conn,
        "SELECT p.obligation_id AS obligation_id, p.month AS month \
         FROM non_compete_payments p JOIN obligations o ON o.id = p.obligation_id \
         WHERE o.kind = $1 AND o.status = $2",
    );
    let paid: Vec<Paid> = per_backend!(conn, c => diesel::sql_query(&sql)
        .bind::<Text, _>(ObligationKind::NonCompete.as_str())
        .bind::<Text, _>(ObligationStatus::Active.as_str())
        .load(c))?;
    let mut by_obligation: std::collections::HashMap<String, Vec<YearMonth>> = Default::default();
    for p in paid {
        if let Ok(month) = YearMonth::parse(&p.month) {
            by_obligation
                .entry(p.obligation_id)
                .or_default()
                .push(month);
        }
    }
    let this_month = YearMonth::of(today);
    let mut owed = PaymentsOwed::default();
    for (id, starts_on, ends_on) in terms {
        let months = by_obligation.remove(&id).unwrap_or_default();
        let term = Period {
            starts_on,
            ends_on: ends_on.unwrap_or(starts_on),
        };
        let book = ledger(term, &months, today);
        owed.late += book.iter().filter(|(_, s)| *s == MonthStatus::Late).count();
        owed.due += book
            .iter()
            .filter(|(m, s)| *s == MonthStatus::Due && *m == this_month)
            .count();
        owed.alerts += usize::from(payment_alert(&book, grace_months).is_some());
    }
    Ok(owed)
}
