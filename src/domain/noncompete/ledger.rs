//! The non-compete's ledger (Labor Contract Law art. 23): each month of the term owes its
//! amount, payments are amounts (several a month, partial allowed), a month is paid when its
//! payments cover it. Term months run from the term's first day by the Civil Code's month
//! arithmetic (the same as the periods); a month is due a policy-set number of days after it
//! ends and late only after that. The former employee may rescind after the grace of late
//! months (SPC Interpretation (I) art. 38); a waiver during the term owes three more months
//! (art. 39).

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::periods::{Period, months_after};
use crate::domain::problem::Problem;
use crate::problem;

/// A calendar month, as the charts count them: "2026-03".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn parse(text: &str) -> Result<YearMonth, Problem> {
        let bad = || problem!("not_a_month", value = format!("{text:?}"));
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        let (year, month) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if y.len() != 4 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }

    fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.first_day()
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Days after a month's end its compensation falls due, by default (companies pay month N in
/// month N+1).
pub const DEFAULT_DUE_AFTER_DAYS: u32 = 15;

/// The longest a policy may leave a month's compensation before it is due.
pub const MAX_DUE_AFTER_DAYS: u32 = 60;

/// A month of the term: the `number`-th (1..=N) counted from the term's first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermMonth {
    pub number: u32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Its compensation is late after this day.
    pub due_on: NaiveDate,
}

fn plus_days(day: NaiveDate, days: u32) -> NaiveDate {
    day.checked_add_days(Days::new(days.into()))
        .unwrap_or(NaiveDate::MAX)
}

/// The months of a term, counted from its first day as the periods are (a term from 31
/// August: its first month ends on 30 September); a term of N months has exactly N.
pub fn term_months(term: Period, due_after_days: u32) -> Vec<TermMonth> {
    let event = term.starts_on.pred_opt().unwrap_or(term.starts_on);
    let mut months = Vec::new();
    let mut starts_on = term.starts_on;
    while starts_on <= term.ends_on && months.len() < 1200 {
        let number = months.len() as u32 + 1;
        let ends_on = months_after(event, number).ends_on.min(term.ends_on);
        months.push(TermMonth {
            number,
            starts_on,
            ends_on,
            due_on: plus_days(ends_on, due_after_days),
        });
        starts_on = ends_on.succ_opt().unwrap_or(NaiveDate::MAX);
    }
    months
}

crate::string_enum! {
    pub enum MonthStatus ("a month status") {
        /// Its payments cover what it owes.
        Paid = "paid",
        /// Not yet past its due date: running, not begun, or ended and within the days to pay.
        Due = "due",
        /// Past its due date, unpaid or partly paid.
        Late = "late",
        /// Nothing is owed for it: the non-compete ended before it began.
        NotOwed = "not_owed",
    }
}

crate::string_enum! {
    /// What a line of the ledger owes for.
    pub enum LedgerLineKind ("a ledger line") {
        /// A month of the term.
        TermMonth = "term_month",
        /// One of the three months a waiver during the term owes (SPC Interpretation (I) art. 39).
        WaiverMonth = "waiver_month",
    }
}

/// What the non-compete owes: the monthly amount, the days to pay, and how it ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    /// Minor units a month.
    pub monthly: i64,
    pub due_after_days: u32,
    /// The last day the duty ran, when it ended before its term (waiver, rescission, rehire):
    /// the months beginning after it are not owed.
    pub ended_on: Option<NaiveDate>,
    /// Months a waiver during the term owes on top, due `due_after_days` after `ended_on`.
    pub extra_months: u32,
}

/// A payment as the ledger counts it (reversed payments are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid {
    /// The line paid: a term month 1..=N, or a waiver month after them.
    pub line: u32,
    pub amount: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub number: u32,
    pub kind: LedgerLineKind,
    /// The term month's days; none for a waiver month.
    pub month: Option<TermMonth>,
    pub due_on: NaiveDate,
    pub owed: i64,
    pub paid: i64,
    pub status: MonthStatus,
}

impl Line {
    pub fn balance(&self) -> i64 {
        self.owed - self.paid
    }
}

/// Owed, paid and balance per line and in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    pub lines: Vec<Line>,
    pub owed: i64,
    pub paid: i64,
}

impl Book {
    pub fn balance(&self) -> i64 {
        self.owed - self.paid
    }

    pub fn late(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.status == MonthStatus::Late)
            .count()
    }

    pub fn line(&self, number: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.number == number)
    }
}

fn status(owed: i64, paid: i64, due_on: NaiveDate, today: NaiveDate) -> MonthStatus {
    if owed == 0 {
        MonthStatus::NotOwed
    } else if paid >= owed {
        MonthStatus::Paid
    } else if today > due_on {
        MonthStatus::Late
    } else {
        MonthStatus::Due
    }
}

/// The ledger on `today`: each term month owes the monthly amount unless it began after the
/// duty ended; a waiver's months follow the term's; each line's payments are summed.
pub fn ledger(term: Period, owed: &Owed, payments: &[Paid], today: NaiveDate) -> Book {
    let paid_on = |number: u32| -> i64 {
        payments
            .iter()
            .filter(|p| p.line == number)
            .map(|p| p.amount)
            .sum()
    };
    let months = term_months(term, owed.due_after_days);
    let n = months.len() as u32;
    let mut lines: Vec<Line> = months
        .into_iter()
        .map(|m| {
            let due = owed.ended_on.is_none_or(|end| m.starts_on <= end);
            let amount = if due { owed.monthly } else { 0 };
            let paid = paid_on(m.number);
            Line {
                number: m.number,
                kind: LedgerLineKind::TermMonth,
                month: Some(m),
                due_on: m.due_on,
                owed: amount,
                paid,
                status: status(amount, paid, m.due_on, today),
            }
        })
        .collect();
    if let Some(end) = owed.ended_on {
        let due_on = plus_days(end, owed.due_after_days);
        for k in 1..=owed.extra_months {
            let paid = paid_on(n + k);
            lines.push(Line {
                number: n + k,
                kind: LedgerLineKind::WaiverMonth,
                month: None,
                due_on,
                owed: owed.monthly,
                paid,
                status: status(owed.monthly, paid, due_on, today),
            });
        }
    }
    Book {
        owed: lines.iter().map(|l| l.owed).sum(),
        paid: lines.iter().map(|l| l.paid).sum(),
        lines,
    }
}

/// The lines HR should pay now on `today`: late ones, and those whose month has ended (or a
/// waiver's) and whose due date has not passed yet.
pub fn to_pay(book: &Book, today: NaiveDate) -> impl Iterator<Item = &Line> {
    book.lines.iter().filter(move |l| {
        l.status == MonthStatus::Late
            || (l.status == MonthStatus::Due && l.month.is_none_or(|m| m.ends_on < today))
    })
}

/// What HR must hear about unpaid compensation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAlert {
    /// One month short of the grace: pay now, or the former employee may rescind.
    RescissionNear { late_months: usize },
    /// The grace is reached: the former employee may rescind the non-compete.
    MayRescind { late_months: usize },
}

/// The alert, if any, under a grace of `grace_months` months unpaid or partly paid past
/// their due date.
pub fn payment_alert(book: &Book, grace_months: usize) -> Option<PaymentAlert> {
    let late_months = book.late();
    if late_months >= grace_months {
        Some(PaymentAlert::MayRescind { late_months })
    } else if late_months + 1 >= grace_months && late_months > 0 {
        Some(PaymentAlert::RescissionNear { late_months })
    } else {
        None
    }
}

/// Waiving the non-compete during its term costs three more months of compensation.
pub const WAIVER_EXTRA_MONTHS: i64 = 3;

/// Why a non-compete cannot be paid, waived or rescinded as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonCompeteRefusal {
    /// The obligation is of another kind.
    NotANonCompete,
    /// It is no longer running: waived, rescinded, breached, superseded or ended.
    NotActive(ObligationStatus),
    /// The month paid is not a line of the ledger.
    OutsideTerm,
    /// Nothing is owed for the month: the non-compete ended before it began.
    NotOwed,
    /// The amount is more than the month's balance (minor units).
    MoreThanBalance { balance: i64 },
    /// The former employee rescinds only once `grace_months` months are late; `unpaid` are.
    NotYetRescindable { unpaid: usize, grace_months: usize },
}

/// Only a running non-compete is waived or rescinded.
pub fn may_change(kind: ObligationKind, status: ObligationStatus) -> Result<(), NonCompeteRefusal> {
    if kind != ObligationKind::NonCompete {
        return Err(NonCompeteRefusal::NotANonCompete);
    }
    if status != ObligationStatus::Active {
        return Err(NonCompeteRefusal::NotActive(status));
    }
    Ok(())
}

/// A payment names a line of the ledger that owes something, and covers at most its balance.
/// The debt survives the non-compete: arrears are paid after its term, a waiver or a
/// rescission as before.
pub fn may_pay(book: &Book, line: u32, amount: i64) -> Result<(), NonCompeteRefusal> {
    let line = book.line(line).ok_or(NonCompeteRefusal::OutsideTerm)?;
    if line.owed == 0 {
        return Err(NonCompeteRefusal::NotOwed);
    }
    if amount > line.balance() {
        return Err(NonCompeteRefusal::MoreThanBalance {
            balance: line.balance().max(0),
        });
    }
    Ok(())
}

/// How a non-compete ends before its term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlyEnd {
    /// The company releases the former employee.
    Waiver,
    /// The former employee ends it, the company having left the compensation unpaid.
    Rescission,
}

/// What ending a non-compete early changes: its new status, the last day it ran, and the
/// months owed on top of the term's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    pub status: ObligationStatus,
    pub ended_on: NaiveDate,
    pub extra_months: u32,
}

/// Whether a waiver on `day` owes the three months: only during the term; on or before the
/// last working day (before the term's first day) nothing extra is owed.
pub fn waiver_owes_extra(term: Period, day: NaiveDate) -> bool {
    day >= term.starts_on
}

/// The company may waive a running non-compete at any time; during the term it owes three
/// more months of compensation (SPC Interpretation (I) art. 39). The former employee may
/// rescind it once `grace_months` months are late (art. 38), their option, recorded when they
/// use it; the months owed until then stay owed.
pub fn end_early(
    how: EarlyEnd,
    term: Period,
    book: &Book,
    today: NaiveDate,
    grace_months: usize,
) -> Result<Ending, NonCompeteRefusal> {
    match how {
        EarlyEnd::Waiver => Ok(Ending {
            status: ObligationStatus::Waived,
            ended_on: today,
            extra_months: if waiver_owes_extra(term, today) {
                WAIVER_EXTRA_MONTHS as u32
            } else {
                0
            },
        }),
        EarlyEnd::Rescission => match payment_alert(book, grace_months) {
            Some(PaymentAlert::MayRescind { .. }) => Ok(Ending {
                status: ObligationStatus::Rescinded,
                ended_on: today,
                extra_months: 0,
            }),
            _ => Err(NonCompeteRefusal::NotYetRescindable {
                unpaid: book.late(),
                grace_months,
            }),
        },
    }
}

/// A rehire by the same employer on `rehired_on` ends the running non-compete: working for
/// the employer is not competing, so the months beginning on or after that day are not owed.
pub fn ended_by_rehire(rehired_on: NaiveDate) -> NaiveDate {
    rehired_on.pred_opt().unwrap_or(rehired_on)
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
