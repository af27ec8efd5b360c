use super::*;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ym(text: &str) -> YearMonth {
    YearMonth::parse(text).unwrap()
}

/// 8000.00 a month, due 15 days after each month ends, running to its term.
fn owed() -> Owed {
    Owed {
        monthly: 800_000,
        due_after_days: 15,
        ended_on: None,
        extra_months: 0,
    }
}

fn pay(line: u32, amount: i64) -> Paid {
    Paid { line, amount }
}

#[test]
fn months_are_written_like_2026_03() {
    assert_eq!(ym("2026-03").to_string(), "2026-03");
    assert_eq!(ym("2028-02").last_day(), d(2028, 2, 29));
    for bad in ["2026-13", "26-03", "2026/03", "march"] {
        assert!(YearMonth::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn term_months_run_from_the_terms_first_day() {
    // Left on 30 August: the term runs from 31 August.
    let months = term_months(months_after(d(2026, 8, 30), 24), 15);
    assert_eq!(months.len(), 24, "a 24-month term has exactly 24 months");
    assert_eq!(
        (months[0].starts_on, months[0].ends_on),
        (d(2026, 8, 31), d(2026, 9, 30)),
        "a term from 31 August: its first month ends on 30 September"
    );
    assert_eq!(
        (months[1].starts_on, months[1].ends_on),
        (d(2026, 10, 1), d(2026, 10, 30))
    );
    assert_eq!(months[23].ends_on, d(2028, 8, 30), "the term's last day");
    // Left on 31 January 2028 (a leap year): months are the calendar months.
    let months = term_months(months_after(d(2028, 1, 31), 12), 15);
    assert_eq!(months.len(), 12);
    assert_eq!(
        (months[0].starts_on, months[0].ends_on),
        (d(2028, 2, 1), d(2028, 2, 29))
    );
    assert_eq!(months[11].ends_on, d(2029, 1, 31));
    for n in 1..=24 {
        let term = months_after(d(2027, 1, 29), n);
        let months = term_months(term, 15);
        assert_eq!(months.len() as u32, n, "{n} months");
        assert!(
            months
                .windows(2)
                .all(|w| w[1].starts_on == w[0].ends_on.succ_opt().unwrap())
        );
    }
}

#[test]
fn a_month_is_due_days_after_it_ends_and_late_only_after_that() {
    let term = months_after(d(2028, 1, 31), 12);
    let months = term_months(term, 15);
    assert_eq!(
        months[0].due_on,
        d(2028, 3, 15),
        "February's, 15 days after 29 Feb"
    );
    let on = |today| ledger(term, &owed(), &[], today).lines[0].status;
    assert_eq!(on(d(2028, 2, 29)), MonthStatus::Due, "running");
    assert_eq!(on(d(2028, 3, 15)), MonthStatus::Due, "on its due date");
    assert_eq!(on(d(2028, 3, 16)), MonthStatus::Late, "the day after");
    let later = Owed {
        due_after_days: 30,
        ..owed()
    };
    assert_eq!(
        ledger(term, &later, &[], d(2028, 3, 16)).lines[0].status,
        MonthStatus::Due,
        "the policy sets the days"
    );
}

#[test]
fn a_ledger_of_amounts_not_ticks() {
    let term = months_after(d(2028, 1, 31), 12);
    let paid = [pay(1, 800_000), pay(2, 300_000), pay(2, 200_000)];
    let book = ledger(term, &owed(), &paid, d(2028, 4, 20));
    let (first, second, third) = (book.lines[0], book.lines[1], book.lines[2]);
    assert_eq!(
        (first.owed, first.paid, first.status),
        (800_000, 800_000, MonthStatus::Paid)
    );
    assert_eq!(
        (second.paid, second.balance(), second.status),
        (500_000, 300_000, MonthStatus::Late),
        "two partial payments do not cover March, due on 15 April"
    );
    assert_eq!(third.status, MonthStatus::Due, "April runs");
    assert_eq!(book.owed, 12 * 800_000);
    assert_eq!(book.paid, 1_300_000);
    assert_eq!(book.balance(), 12 * 800_000 - 1_300_000);
    let covered = ledger(
        term,
        &owed(),
        &[pay(2, 500_000), pay(2, 300_000)],
        d(2028, 4, 20),
    );
    assert_eq!(
        covered.lines[1].status,
        MonthStatus::Paid,
        "covered by its payments"
    );
}

#[test]
fn a_payment_names_a_month_owed_and_covers_at_most_its_balance() {
    let term = months_after(d(2028, 1, 31), 12);
    let book = ledger(term, &owed(), &[pay(1, 500_000)], d(2028, 3, 1));
    assert_eq!(may_pay(&book, 1, 300_000), Ok(()));
    assert_eq!(
        may_pay(&book, 1, 300_001),
        Err(NonCompeteRefusal::MoreThanBalance { balance: 300_000 })
    );
    assert_eq!(may_pay(&book, 12, 800_000), Ok(()), "the last month");
    assert_eq!(may_pay(&book, 0, 1), Err(NonCompeteRefusal::OutsideTerm));
    assert_eq!(may_pay(&book, 13, 1), Err(NonCompeteRefusal::OutsideTerm));
    // Arrears after the term: the debt survives.
    let after = ledger(term, &owed(), &[], d(2030, 1, 1));
    assert_eq!(after.late(), 12);
    assert_eq!(may_pay(&after, 5, 800_000), Ok(()));
}

#[test]
fn a_waiver_during_the_term_owes_three_more_months() {
    let term = months_after(d(2028, 1, 31), 12);
    let today = d(2028, 4, 10);
    let book = ledger(term, &owed(), &[], today);
    let ending = end_early(EarlyEnd::Waiver, term, &book, today, 3).unwrap();
    assert_eq!(
        ending,
        Ending {
            status: ObligationStatus::Waived,
            ended_on: today,
            extra_months: 3
        }
    );
    let waived = Owed {
        ended_on: Some(ending.ended_on),
        extra_months: ending.extra_months,
        ..owed()
    };
    let book = ledger(term, &waived, &[pay(14, 800_000)], d(2028, 4, 30));
    assert_eq!(book.lines.len(), 15, "12 term months and three more");
    assert_eq!(
        book.lines[2].owed, 800_000,
        "April, running at the waiver, is owed"
    );
    assert_eq!(book.lines[3].status, MonthStatus::NotOwed, "May is not");
    let extra: Vec<&Line> = book
        .lines
        .iter()
        .filter(|l| l.kind == LedgerLineKind::WaiverMonth)
        .collect();
    assert_eq!(extra.len(), 3);
    assert!(
        extra
            .iter()
            .all(|l| l.owed == 800_000 && l.due_on == d(2028, 4, 25))
    );
    assert_eq!(extra[0].status, MonthStatus::Late, "payable like any month");
    assert_eq!(extra[1].status, MonthStatus::Paid);
    assert_eq!(book.owed, 6 * 800_000, "February to April and three more");
    assert_eq!(may_pay(&book, 5, 1), Err(NonCompeteRefusal::NotOwed));
    assert_eq!(may_pay(&book, 13, 800_000), Ok(()), "after the waiver");
}

#[test]
fn a_waiver_on_or_before_the_last_working_day_owes_nothing_extra() {
    let term = months_after(d(2028, 1, 31), 12);
    assert!(!waiver_owes_extra(term, d(2028, 1, 31)));
    assert!(waiver_owes_extra(term, d(2028, 2, 1)));
    let book = ledger(term, &owed(), &[], d(2028, 1, 31));
    let ending = end_early(EarlyEnd::Waiver, term, &book, d(2028, 1, 31), 3).unwrap();
    assert_eq!(ending.extra_months, 0);
    let waived = Owed {
        ended_on: Some(ending.ended_on),
        ..owed()
    };
    assert_eq!(
        ledger(term, &waived, &[], d(2028, 2, 1)).owed,
        0,
        "nothing at all"
    );
}

#[test]
fn the_former_employee_may_rescind_after_three_months_late_past_their_due_dates() {
    let term = months_after(d(2028, 1, 31), 12);
    // February paid in part; February, March and April are late once April's due date
    // (15 May) has passed.
    let paid = [pay(1, 400_000)];
    let on = |today| ledger(term, &owed(), &paid, today);
    assert_eq!(
        end_early(
            EarlyEnd::Rescission,
            term,
            &on(d(2028, 5, 15)),
            d(2028, 5, 15),
            3
        ),
        Err(NonCompeteRefusal::NotYetRescindable {
            unpaid: 2,
            grace_months: 3
        }),
        "April is not late on its due date"
    );
    let ending = end_early(
        EarlyEnd::Rescission,
        term,
        &on(d(2028, 5, 16)),
        d(2028, 5, 16),
        3,
    )
    .unwrap();
    assert_eq!(ending.status, ObligationStatus::Rescinded);
    assert_eq!(ending.extra_months, 0);
    let rescinded = Owed {
        ended_on: Some(ending.ended_on),
        ..owed()
    };
    let book = ledger(term, &rescinded, &paid, d(2028, 6, 1));
    assert_eq!(book.owed, 4 * 800_000, "February to May stay owed");
    assert_eq!(book.balance(), 4 * 800_000 - 400_000);
}

#[test]
fn hr_is_warned_one_month_before_the_former_employee_may_rescind() {
    let term = months_after(d(2028, 1, 31), 12);
    let alert_on = |today| payment_alert(&ledger(term, &owed(), &[], today), 3);
    assert_eq!(alert_on(d(2028, 3, 15)), None, "February is not yet late");
    assert_eq!(
        alert_on(d(2028, 3, 16)),
        None,
        "one month late: no alert under a grace of 3"
    );
    assert_eq!(
        alert_on(d(2028, 4, 16)),
        Some(PaymentAlert::RescissionNear { late_months: 2 })
    );
    assert_eq!(
        alert_on(d(2028, 5, 16)),
        Some(PaymentAlert::MayRescind { late_months: 3 })
    );
}

#[test]
fn a_rehire_ends_the_running_non_compete_and_the_months_after_it_are_not_owed() {
    let term = months_after(d(2028, 1, 31), 12);
    let rehired = Owed {
        ended_on: Some(ended_by_rehire(d(2028, 5, 1))),
        ..owed()
    };
    let book = ledger(term, &rehired, &[], d(2028, 6, 1));
    assert_eq!(book.lines[2].owed, 800_000, "April ran before the rehire");
    assert_eq!(
        book.lines[3].status,
        MonthStatus::NotOwed,
        "May began with it"
    );
    assert_eq!(book.owed, 3 * 800_000);
    assert_eq!(book.lines.len(), 12, "nothing extra");
}

#[test]
fn only_a_running_non_compete_is_waived_or_rescinded() {
    use ObligationStatus::*;
    assert_eq!(may_change(ObligationKind::NonCompete, Active), Ok(()));
    for status in [Ended, Waived, Rescinded, Breached, Superseded] {
        assert_eq!(
            may_change(ObligationKind::NonCompete, status),
            Err(NonCompeteRefusal::NotActive(status))
        );
    }
    assert_eq!(
        may_change(ObligationKind::Confidentiality, Active),
        Err(NonCompeteRefusal::NotANonCompete)
    );
}
