//! A non-compete's ledger: what it owes (fixed at the departure), its payments and their
//! reversals, waiver, rescission and the end a rehire makes.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::agreement_of;
use crate::db::audit;
use crate::db::obligations::Obligation;
use crate::db::schema::{
    non_compete_agreements, non_compete_ledgers, non_compete_payments, obligations,
};
use crate::db::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::noncompete::{
    self, Book, EarlyEnd, LedgerLineKind, MonthStatus, NonCompeteRefusal, Owed, Paid, PaymentAlert,
    ledger, payment_alert,
};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::periods::Period;
use crate::domain::policy::Policy;
use crate::error::{Error, Result};
use crate::problem;

fn find_obligation(conn: &mut DbConnection, id: &str) -> Result<Obligation> {
    obligations::table
        .find(id)
        .select(Obligation::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// A non-compete obligation, of any status (its debt survives its end).
fn non_compete_obligation(conn: &mut DbConnection, id: &str) -> Result<Obligation> {
    let o = find_obligation(conn, id)?;
    if o.kind != ObligationKind::NonCompete {
        return Err(NonCompeteRefusal::NotANonCompete.into());
    }
    Ok(o)
}

/// A non-compete obligation, checked to be one and active.
pub fn active_non_compete(conn: &mut DbConnection, id: &str) -> Result<Obligation> {
    let o = find_obligation(conn, id)?;
    noncompete::may_change(o.kind, o.status)?;
    Ok(o)
}

impl From<NonCompeteRefusal> for Error {
    fn from(refusal: NonCompeteRefusal) -> Error {
        let money = |minor: i64| format!("{:.2}", minor as f64 / 100.0);
        Error::refused(match refusal {
            NonCompeteRefusal::NotANonCompete => problem!("not_a_non_compete"),
            NonCompeteRefusal::NotActive(status) => match status {
                ObligationStatus::Waived => problem!("non_compete_waived"),
                ObligationStatus::Rescinded => problem!("non_compete_rescinded"),
                ObligationStatus::Breached => problem!("non_compete_breached"),
                ObligationStatus::Superseded => problem!("non_compete_superseded"),
                ObligationStatus::Ended | ObligationStatus::Active => problem!("non_compete_ended"),
            },
            NonCompeteRefusal::OutsideTerm => {
                return Error::field("month", problem!("outside_non_compete_term"));
            }
            NonCompeteRefusal::NotOwed => {
                return Error::field("month", problem!("non_compete_month_not_owed"));
            }
            NonCompeteRefusal::MoreThanBalance { balance } => {
                return Error::field(
                    "amount",
                    problem!("non_compete_more_than_balance", balance = money(balance)),
                );
            }
            NonCompeteRefusal::NotYetRescindable {
                unpaid,
                grace_months,
            } => problem!("may_not_rescind_yet", unpaid = unpaid, grace = grace_months),
        })
    }
}

pub(super) fn term(o: &Obligation) -> Period {
    Period {
        starts_on: o.starts_on,
        ends_on: o.ends_on.unwrap_or(o.starts_on),
    }
}

/// The last working day of the departure that started `o`: the day before its term.
fn left_on(o: &Obligation) -> NaiveDate {
    o.starts_on.pred_opt().unwrap_or(o.starts_on)
}

/// What a non-compete owes, as fixed at its departure.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = non_compete_ledgers)]
pub(super) struct OwedRow {
    monthly_compensation: i64,
    currency: String,
    due_after_days: i32,
    ended_on: Option<NaiveDate>,
    extra_months: i32,
}

/// What the non-compete owes and in which currency: as fixed at the departure; for one made
/// before that was kept, the employee's agreement and the policy's days to pay.
pub(super) fn owed_of(conn: &mut DbConnection, o: &Obligation) -> Result<(Owed, String)> {
    let row: Option<OwedRow> = non_compete_ledgers::table
        .find(&o.id)
        .select(OwedRow::as_select())
        .first(conn)
        .optional()?;
    let agreement = match row {
        Some(_) => None,
        None => agreement_of(conn, &o.employee_id)?,
    };
    let policy = match row {
        Some(_) => None,
        None => Some(crate::db::policy::current(conn)?.1),
    };
    Ok(owed_from(o, row, agreement, policy.as_ref()))
}

/// What is owed, from the kept row; or, when none is kept, from the agreement and the policy.
pub(super) fn owed_from(
    o: &Obligation,
    row: Option<OwedRow>,
    agreement: Option<super::Agreement>,
    policy: Option<&Policy>,
) -> (Owed, String) {
    let row = match (row, policy) {
        (Some(row), _) => row,
        (None, policy) => {
            let policy = policy.cloned().unwrap_or_default();
            OwedRow {
                monthly_compensation: agreement
                    .as_ref()
                    .and_then(|a| a.compensation(&policy, left_on(o)).owed_monthly)
                    .unwrap_or(0),
                currency: agreement.map_or_else(|| "CNY".into(), |a| a.currency),
                due_after_days: policy.non_compete_due_after_days as i32,
                ended_on: None,
                extra_months: 0,
            }
        }
    };
    (
        Owed {
            monthly: row.monthly_compensation,
            due_after_days: u32::try_from(row.due_after_days).unwrap_or(0),
            ended_on: row.ended_on,
            extra_months: u32::try_from(row.extra_months).unwrap_or(0),
        },
        row.currency,
    )
}

/// Keeps what `o` owes (creating the row from the agreement when none is kept yet).
pub(super) fn keep_owed(
    tx: &mut WriteTx,
    o: &Obligation,
    owed: &Owed,
    currency: &str,
) -> Result<()> {
    diesel::delete(non_compete_ledgers::table.find(&o.id)).execute(tx.conn())?;
    diesel::insert_into(non_compete_ledgers::table)
        .values((
            non_compete_ledgers::obligation_id.eq(&o.id),
            non_compete_ledgers::monthly_compensation.eq(owed.monthly),
            non_compete_ledgers::currency.eq(currency),
            non_compete_ledgers::due_after_days.eq(owed.due_after_days as i32),
            non_compete_ledgers::ended_on.eq(owed.ended_on),
            non_compete_ledgers::extra_months.eq(owed.extra_months as i32),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Fixes what the non-compete a departure created owes: the amount of the agreement for this
/// contract and the policy's days to pay (called once the departure's obligations exist).
pub fn open_ledger(tx: &mut WriteTx, departure_id: &str, policy: &Policy) -> Result<()> {
    let created: Vec<Obligation> = obligations::table
        .filter(obligations::departure_id.eq(departure_id))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .select(Obligation::as_select())
        .load(tx.conn())?;
    for o in created {
        let Some(agreement) = agreement_of(tx, &o.employee_id)? else {
            continue;
        };
        // The agreed amount, or where none was agreed the one the law sets (SPC (I) art. 36).
        let owed = Owed {
            monthly: agreement
                .compensation(policy, left_on(&o))
                .owed_monthly
                .unwrap_or(0),
            due_after_days: policy.non_compete_due_after_days,
            ended_on: None,
            extra_months: 0,
        };
        keep_owed(tx, &o, &owed, &agreement.currency)?;
    }
    Ok(())
}

/// Payments counted (not reversed), by line.
fn counted_payments(conn: &mut DbConnection, obligation_id: &str) -> QueryResult<Vec<Paid>> {
    Ok(non_compete_payments::table
        .filter(non_compete_payments::obligation_id.eq(obligation_id))
        .filter(non_compete_payments::reversed_at.is_null())
        .select((
            non_compete_payments::term_month,
            non_compete_payments::amount,
        ))
        .load::<(i32, i64)>(conn)?
        .into_iter()
        .map(|(line, amount)| Paid {
            line: u32::try_from(line).unwrap_or(0),
            amount,
        })
        .collect())
}

/// The ledger of a non-compete on `today`, with its currency.
pub fn book_of(
    conn: &mut DbConnection,
    o: &Obligation,
    today: NaiveDate,
) -> Result<(Book, String)> {
    let (owed, currency) = owed_of(conn, o)?;
    let paid = counted_payments(conn, &o.id)?;
    Ok((ledger(term(o), &owed, &paid, today), currency))
}

/// Records a payment for a line of the ledger (a term month, or a waiver's month): any
/// amount up to its balance, also after the non-compete ended. Answers the payment's id.
#[allow(clippy::too_many_arguments)]
pub fn record_payment(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor_id: &str,
    obligation_id: &str,
    month: u32,
    amount: i64,
    paid_on: NaiveDate,
) -> Result<String> {
    crate::db::lock_row(tx, crate::db::Locked::Obligation, obligation_id)?;
    let o = non_compete_obligation(tx, obligation_id)?;
    let (book, _) = book_of(tx, &o, today)?;
    noncompete::may_pay(&book, month, amount)?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(non_compete_payments::table)
        .values((
            non_compete_payments::id.eq(&id),
            non_compete_payments::obligation_id.eq(obligation_id),
            non_compete_payments::term_month.eq(month as i32),
            non_compete_payments::amount.eq(amount),
            non_compete_payments::paid_on.eq(paid_on),
            non_compete_payments::recorded_by.eq(actor_id),
            non_compete_payments::recorded_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "non_compete.paid",
            subject_type: "obligation",
            subject_id: obligation_id,
            details: json!({
                "payment_id": id, "month": month, "amount": amount, "paid_on": paid_on,
            }),
        },
    )?;
    Ok(id)
}

/// Corrects a wrong payment: it stays on record, marked reversed with the reason, and no
/// longer counts.
pub fn reverse_payment(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    obligation_id: &str,
    payment_id: &str,
    reason: &str,
) -> Result<()> {
    crate::db::lock_row(tx, crate::db::Locked::Obligation, obligation_id)?;
    non_compete_obligation(tx, obligation_id)?;
    let found: Option<(i32, i64, Option<NaiveDateTime>)> = non_compete_payments::table
        .filter(non_compete_payments::id.eq(payment_id))
        .filter(non_compete_payments::obligation_id.eq(obligation_id))
        .select((
            non_compete_payments::term_month,
            non_compete_payments::amount,
            non_compete_payments::reversed_at,
        ))
        .first(tx.conn())
        .optional()?;
    let (month, amount, reversed_at) = found.ok_or(Error::NotFound)?;
    if reversed_at.is_some() {
        return Err(Error::refused(problem!("payment_already_reversed")));
    }
    diesel::update(non_compete_payments::table.find(payment_id))
        .set((
            non_compete_payments::reversed_at.eq(Some(stored_instant(now))),
            non_compete_payments::reversed_by.eq(Some(actor_id)),
            non_compete_payments::reversal_reason.eq(Some(reason)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "non_compete.payment_reversed",
            subject_type: "obligation",
            subject_id: obligation_id,
            details: json!({
                "payment_id": payment_id, "month": month, "amount": amount, "reason": reason,
            }),
        },
    )?;
    Ok(())
}

/// A line of the ledger.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerMonth {
    /// The line: a term month 1..=N counted from the term's first day, then a waiver's months.
    pub month: u32,
    pub kind: LedgerLineKind,
    /// The term month's first and last day (none for a waiver's month).
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<NaiveDate>,
    /// Late after this day.
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    /// Minor units.
    pub owed: i64,
    pub paid: i64,
    pub balance: i64,
    pub status: MonthStatus,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ledger {
    pub months: Vec<LedgerMonth>,
    pub currency: String,
    /// In all, minor units.
    pub owed: i64,
    pub paid: i64,
    pub balance: i64,
    /// Months unpaid or partly paid past their due date.
    pub late_months: usize,
    /// none, rescission_near (pay now: one more late month lets the former employee
    /// rescind) or may_rescind (only while the non-compete runs).
    pub alert: &'static str,
    /// The last day the non-compete ran, when it ended early (waiver, rescission, rehire).
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<NaiveDate>,
}

/// The ledger on `today` and the alert for HR.
pub fn ledger_of(
    conn: &mut DbConnection,
    obligation_id: &str,
    today: NaiveDate,
    grace_months: usize,
) -> Result<Ledger> {
    let o = non_compete_obligation(conn, obligation_id)?;
    let (book, currency) = book_of(conn, &o, today)?;
    let alert = if o.status == ObligationStatus::Active {
        payment_alert(&book, grace_months)
    } else {
        None
    };
    let (owed, _) = owed_of(conn, &o)?;
    Ok(Ledger {
        late_months: book.late(),
        owed: book.owed,
        paid: book.paid,
        balance: book.balance(),
        months: book
            .lines
            .iter()
            .map(|l| LedgerMonth {
                month: l.number,
                kind: l.kind,
                starts_on: l.month.map(|m| m.starts_on),
                ends_on: l.month.map(|m| m.ends_on),
                due_on: l.due_on,
                owed: l.owed,
                paid: l.paid,
                balance: l.balance(),
                status: l.status,
            })
            .collect(),
        currency,
        alert: match alert {
            None => "none",
            Some(PaymentAlert::RescissionNear { .. }) => "rescission_near",
            Some(PaymentAlert::MayRescind { .. }) => "may_rescind",
        },
        ended_on: owed.ended_on,
    })
}

/// Ends a non-compete early, as [`noncompete::end_early`] decides on `today`'s ledger: waived
/// by the company (three more months owed during the term, none before it), or rescinded by
/// the former employee after `grace_months` late months. The months owed stay owed.
#[allow(clippy::too_many_arguments)]
pub fn end_early(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor_id: &str,
    obligation_id: &str,
    how: EarlyEnd,
    grace_months: usize,
    reason: &str,
) -> Result<serde_json::Value> {
    crate::db::lock_row(tx, crate::db::Locked::Obligation, obligation_id)?;
    let o = active_non_compete(tx, obligation_id)?;
    let (book, _) = book_of(tx, &o, today)?;
    let ending = noncompete::end_early(how, term(&o), &book, today, grace_months)?;
    diesel::update(obligations::table.find(obligation_id))
        .set((
            obligations::status.eq(ending.status),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let (mut owed, currency) = owed_of(tx, &o)?;
    owed.ended_on = Some(ending.ended_on);
    owed.extra_months = ending.extra_months;
    keep_owed(tx, &o, &owed, &currency)?;
    let extra = (ending.extra_months > 0).then(|| owed.monthly * i64::from(ending.extra_months));
    let details = json!({
        "reason": reason,
        "ended_on": ending.ended_on,
        "extra_compensation_owed": extra,
        "extra_months": ending.extra_months,
    });
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: match how {
                EarlyEnd::Waiver => "non_compete.waived",
                EarlyEnd::Rescission => "non_compete.rescinded",
            },
            subject_type: "obligation",
            subject_id: obligation_id,
            details: details.clone(),
        },
    )?;
    Ok(details)
}

/// A rehire by the same employer on `rehired_on` ends the running non-competes (`ids`, already
/// superseded): the months beginning that day or later are not owed, each says so in its
/// history; and the earlier contract's agreement no longer applies, so a later departure
/// binds only by the terms HR records for the new contract. Answers how many ended.
pub fn end_by_rehire(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    employee_id: &str,
    ids: &[&str],
    rehired_on: NaiveDate,
) -> Result<usize> {
    let ended: Vec<Obligation> = obligations::table
        .filter(obligations::id.eq_any(ids))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .select(Obligation::as_select())
        .load(tx.conn())?;
    let ended_on = noncompete::ended_by_rehire(rehired_on);
    for o in &ended {
        let (mut owed, currency) = owed_of(tx, o)?;
        owed.ended_on = Some(ended_on);
        keep_owed(tx, o, &owed, &currency)?;
        audit::record(
            tx,
            now,
            NewEvent {
                actor,
                action: "non_compete.ended_by_rehire",
                subject_type: "obligation",
                subject_id: &o.id,
                details: json!({ "employee_id": employee_id, "ended_on": ended_on }),
            },
        )?;
    }
    let cleared =
        diesel::delete(non_compete_agreements::table.find(employee_id)).execute(tx.conn())?;
    if cleared > 0 {
        audit::record(
            tx,
            now,
            NewEvent {
                actor,
                action: "non_compete.agreement_closed",
                subject_type: "employee",
                subject_id: employee_id,
                details: json!({ "cause": "rehired" }),
            },
        )?;
    }
    Ok(ended.len())
}

/// A recorded payment, as the obligation's page lists it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct PaymentRecord {
    pub id: String,
    /// The ledger line paid.
    pub month: i32,
    /// Minor units.
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub recorded_by: String,
    pub reversed_at: Option<NaiveDateTime>,
    pub reversed_by: Option<String>,
    pub reversal_reason: Option<String>,
}

/// The payments recorded for a non-compete, reversed ones included, by month.
pub fn payments_of(
    conn: &mut DbConnection,
    obligation_id: &str,
) -> QueryResult<Vec<PaymentRecord>> {
    non_compete_payments::table
        .filter(non_compete_payments::obligation_id.eq(obligation_id))
        .order((
            non_compete_payments::term_month.asc(),
            non_compete_payments::recorded_at.asc(),
        ))
        .select((
            non_compete_payments::id,
            non_compete_payments::term_month,
            non_compete_payments::amount,
            non_compete_payments::paid_on,
            non_compete_payments::recorded_by,
            non_compete_payments::reversed_at,
            non_compete_payments::reversed_by,
            non_compete_payments::reversal_reason,
        ))
        .load(conn)
}
