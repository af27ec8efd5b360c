//! Non-compete agreements, their payments, waivers and rescissions.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::schema::non_compete_agreements;
use super::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::noncompete;
use crate::domain::noncompete_terms::{self, BoundAs, Compensation};
use crate::domain::obligations::{NewObligation, non_compete};
use crate::domain::policy::Policy;
use crate::domain::problem::Problem;
use crate::error::{Error, Result};
use crate::problem;

mod books;
mod ledger;
mod waiver;
pub use books::running_books;
pub use ledger::*;
pub use waiver::{apply_waiver_before_term, waive_before_term};

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
    tx: &mut DbConnection,
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
