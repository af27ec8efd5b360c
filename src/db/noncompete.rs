//! Non-compete agreements, their payments, waivers and rescissions.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::obligations::Obligation;
use super::schema::{non_compete_agreements, non_compete_payments, obligations};
use super::{DbConnection, is_unique_violation, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::noncompete::{
    self, EarlyEnd, MonthStatus, NonCompeteRefusal, PaymentAlert, WAIVER_EXTRA_MONTHS, YearMonth,
    ledger, payment_alert,
};
use crate::domain::noncompete_terms::{self, BoundAs, Compensation};
use crate::domain::obligations::{NewObligation, ObligationKind, ObligationStatus, non_compete};
use crate::domain::periods::Period;
use crate::domain::policy::Policy;
use crate::domain::problem::Problem;
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = non_compete_agreements)]
pub struct Agreement {
    pub employee_id: String,
    pub months: i32,
    /// Minor units (fen, cents); none when none was agreed (it is then computed: SPC
    /// Interpretation (I) art. 36).
    pub monthly_compensation: Option<i64>,
    pub currency: String,
    pub scope: String,
    pub region: String,
    /// Why the person may be bound (Labor Contract Law art. 24).
    pub bound_as: BoundAs,
    /// The liquidated damages a breach owes, in minor units, when the agreement names them.
    pub liquidated_damages: Option<i64>,
    /// Where the contract was performed: its minimum wage is the compensation's floor.
    pub contract_region: Option<String>,
    /// The average monthly wage of the 12 months before leaving, minor units, if recorded.
    pub average_monthly_wage: Option<i64>,
    /// Kept when the compensation is below the policy's floor: why, in English.
    #[diesel(deserialize_as = StoredWarning)]
    #[serde(serialize_with = "in_english")]
    #[schema(value_type = Option<String>)]
    pub warning: Option<Problem>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub struct AgreementTerms<'a> {
    pub months: i32,
    pub monthly_compensation: Option<i64>,
    pub currency: &'a str,
    pub scope: &'a str,
    pub region: &'a str,
    pub bound_as: BoundAs,
    pub liquidated_damages: Option<i64>,
    pub contract_region: Option<&'a str>,
    pub average_monthly_wage: Option<i64>,
    pub warning: Option<Problem>,
}

/// A warning as stored: the problem as JSON. A row written before warnings were keyed holds
/// the English text, which is kept as written.
pub struct StoredWarning(Option<Problem>);

impl<DB> Queryable<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB> for StoredWarning
where
    DB: diesel::backend::Backend,
    Option<String>:
        diesel::deserialize::FromSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>,
{
    type Row = Option<String>;

    fn build(text: Option<String>) -> diesel::deserialize::Result<StoredWarning> {
        Ok(StoredWarning(text.map(|t| {
            serde_json::from_str(&t)
                .unwrap_or_else(|_| problem!("compensation_below_floor_as_written", text = t))
        })))
    }
}

impl From<StoredWarning> for Option<Problem> {
    fn from(stored: StoredWarning) -> Option<Problem> {
        stored.0
    }
}

fn in_english<S: serde::Serializer>(warning: &Option<Problem>, s: S) -> Result<S::Ok, S::Error> {
    warning.as_ref().map(crate::catalog::english).serialize(s)
}

impl Agreement {
    /// What the agreement owes a month when the person leaves on `last_working_day`, under
    /// the policy's floor and minimum wages.
    pub fn compensation(&self, policy: &Policy, last_working_day: NaiveDate) -> Compensation {
        noncompete_terms::compensation(
            self.monthly_compensation,
            self.average_monthly_wage,
            policy.non_compete_floor_percent,
            &policy.minimum_wages,
            self.contract_region.as_deref(),
            last_working_day,
        )
    }
}

pub fn agreement_of(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Option<Agreement>> {
    non_compete_agreements::table
        .find(employee_id)
        .select(Agreement::as_select())
        .first(conn)
        .optional()
}

/// Records or replaces an employee's agreement.
pub fn put_agreement(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    employee_id: &str,
    t: &AgreementTerms<'_>,
) -> Result<Agreement> {
    let at = stored_instant(now);
    diesel::delete(non_compete_agreements::table.find(employee_id)).execute(tx.conn())?;
    diesel::insert_into(non_compete_agreements::table)
        .values((
            non_compete_agreements::employee_id.eq(employee_id),
            non_compete_agreements::months.eq(t.months),
            non_compete_agreements::monthly_compensation.eq(t.monthly_compensation),
            non_compete_agreements::currency.eq(t.currency),
            non_compete_agreements::scope.eq(t.scope),
            non_compete_agreements::region.eq(t.region),
            non_compete_agreements::bound_as.eq(t.bound_as),
            non_compete_agreements::liquidated_damages.eq(t.liquidated_damages),
            non_compete_agreements::contract_region.eq(t.contract_region),
            non_compete_agreements::average_monthly_wage.eq(t.average_monthly_wage),
            non_compete_agreements::warning.eq(t
                .warning
                .as_ref()
                .map(|w| serde_json::to_string(w).unwrap_or_default())),
            non_compete_agreements::updated_at.eq(at),
            non_compete_agreements::updated_by.eq(actor_id),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "non_compete.agreed",
            subject_type: "employee",
            subject_id: employee_id,
            details: json!({
                "months": t.months, "monthly_compensation": t.monthly_compensation,
                "currency": t.currency, "scope": t.scope, "region": t.region,
                "bound_as": t.bound_as, "liquidated_damages": t.liquidated_damages,
                "contract_region": t.contract_region, "average_monthly_wage": t.average_monthly_wage,
                "warning": t.warning.as_ref().map(crate::catalog::english),
            }),
        },
    )?;
    agreement_of(tx, employee_id)?.ok_or(Error::NotFound)
}

/// The non-compete a departure completed on `last_working_day` owes, from the agreement
/// recorded for this contract: its term checked against the cap in force now (refused when
/// longer, never shortened).
pub fn owed_at_departure(
    tx: &mut WriteTx,
    employee_id: &str,
    policy: &Policy,
    last_working_day: NaiveDate,
) -> Result<Option<NewObligation>> {
    let Some(agreement) = agreement_of(tx, employee_id)? else {
        return Ok(None);
    };
    let months = u32::try_from(agreement.months).unwrap_or(0);
    noncompete::check_at_completion(months, policy.non_compete_cap_months)
        .map_err(Error::refused)?;
    Ok(Some(non_compete(last_working_day, months)))
}

/// A non-compete obligation, checked to be one and active.
pub fn active_non_compete(conn: &mut DbConnection, id: &str) -> Result<Obligation> {
    let o: Obligation = obligations::table
        .find(id)
        .select(Obligation::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    noncompete::may_change(o.kind, o.status)?;
    Ok(o)
}

impl From<NonCompeteRefusal> for Error {
    fn from(refusal: NonCompeteRefusal) -> Error {
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
            NonCompeteRefusal::NotYetRescindable {
                unpaid,
                grace_months,
            } => problem!("may_not_rescind_yet", unpaid = unpaid, grace = grace_months),
        })
    }
}

fn term(o: &Obligation) -> Period {
    Period {
        starts_on: o.starts_on,
        ends_on: o.ends_on.unwrap_or(o.starts_on),
    }
}

/// Records a month's compensation.
pub fn record_payment(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    obligation_id: &str,
    month: YearMonth,
    amount: i64,
    paid_on: NaiveDate,
) -> Result<()> {
    let o = active_non_compete(tx, obligation_id)?;
    noncompete::may_pay(term(&o), month)?;
    diesel::insert_into(non_compete_payments::table)
        .values((
            non_compete_payments::id.eq(uuid::Uuid::now_v7().to_string()),
            non_compete_payments::obligation_id.eq(obligation_id),
            non_compete_payments::month.eq(month.to_string()),
            non_compete_payments::amount.eq(amount),
            non_compete_payments::paid_on.eq(paid_on),
            non_compete_payments::recorded_by.eq(actor_id),
            non_compete_payments::recorded_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::refused(problem!("month_already_paid", month = month.to_string()))
            } else {
                e.into()
            }
        })?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "non_compete.paid",
            subject_type: "obligation",
            subject_id: obligation_id,
            details: json!({ "month": month.to_string(), "amount": amount, "paid_on": paid_on }),
        },
    )?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerMonth {
    /// YYYY-MM
    pub month: String,
    pub status: MonthStatus,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ledger {
    pub months: Vec<LedgerMonth>,
    pub late_months: usize,
    /// none, rescission_near (pay now: one more unpaid month lets the former employee
    /// rescind) or may_rescind.
    pub alert: &'static str,
}

/// Which months are paid, due or late on `today`, and the alert for HR.
pub fn ledger_of(
    conn: &mut DbConnection,
    obligation_id: &str,
    today: NaiveDate,
    grace_months: usize,
) -> Result<Ledger> {
    let o: Obligation = obligations::table
        .find(obligation_id)
        .select(Obligation::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    if o.kind != ObligationKind::NonCompete {
        return Err(NonCompeteRefusal::NotANonCompete.into());
    }
    let book = book_of(conn, &o, today)?;
    let alert = payment_alert(&book, grace_months);
    Ok(Ledger {
        late_months: book.iter().filter(|(_, s)| *s == MonthStatus::Late).count(),
        months: book
            .iter()
            .map(|(m, s)| LedgerMonth {
                month: m.to_string(),
                status: *s,
            })
            .collect(),
        alert: match alert {
            None => "none",
            Some(PaymentAlert::RescissionNear { .. }) => "rescission_near",
            Some(PaymentAlert::MayRescind { .. }) => "may_rescind",
        },
    })
}

/// The months of a non-compete's term, paid, due or late on `today`.
fn book_of(
    conn: &mut DbConnection,
    o: &Obligation,
    today: NaiveDate,
) -> Result<Vec<(YearMonth, MonthStatus)>> {
    let paid: Vec<YearMonth> = non_compete_payments::table
        .filter(non_compete_payments::obligation_id.eq(&o.id))
        .select(non_compete_payments::month)
        .load::<String>(conn)?
        .iter()
        .filter_map(|m| YearMonth::parse(m).ok())
        .collect();
    Ok(ledger(term(o), &paid, today))
}

/// Ends a non-compete early, as [`noncompete::end_early`] decides on `today`'s ledger: waived
/// by the company (three more months of compensation owed), or rescinded by the former
/// employee after `grace_months` unpaid months.
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
    super::lock_row(tx, super::Locked::Obligation, obligation_id)?;
    let o = active_non_compete(tx, obligation_id)?;
    let book = book_of(tx, &o, today)?;
    let policy = super::policy::current(tx)?.1;
    let last_working_day = o.starts_on.pred_opt().unwrap_or(o.starts_on);
    let compensation = agreement_of(tx, &o.employee_id)?
        .and_then(|a| a.compensation(&policy, last_working_day).owed_monthly);
    let ending = noncompete::end_early(how, compensation, &book, grace_months)?;
    diesel::update(obligations::table.find(obligation_id))
        .set((
            obligations::status.eq(ending.status),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let extra = ending.extra_owed;
    let details = json!({
        "reason": reason,
        "extra_compensation_owed": extra,
        "extra_months": extra.map(|_| WAIVER_EXTRA_MONTHS),
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

/// A recorded payment, as the obligation's page lists it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct PaymentRecord {
    /// YYYY-MM
    pub month: String,
    /// Minor units.
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub recorded_by: String,
}

/// The payments recorded for a non-compete, by month.
pub fn payments_of(
    conn: &mut DbConnection,
    obligation_id: &str,
) -> QueryResult<Vec<PaymentRecord>> {
    non_compete_payments::table
        .filter(non_compete_payments::obligation_id.eq(obligation_id))
        .order(non_compete_payments::month.asc())
        .select((
            non_compete_payments::month,
            non_compete_payments::amount,
            non_compete_payments::paid_on,
            non_compete_payments::recorded_by,
        ))
        .load(conn)
}
