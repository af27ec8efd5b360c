//! The exit notice (离职保密告知书): what it is made of, read when it is sent or printed, so it
//! lists the duties as they stand.

use super::DbConnection;
use super::departures::{self, Departure};
use super::employees::{self, Employee};
use super::noncompete::{self, Agreement};
use super::obligations::{self, Obligation};
use crate::domain::identity::Company;
use crate::domain::obligations::{NewObligation, ObligationKind, after_departure};
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

/// Everything the notice of one departure says.
pub struct ExitNoticeFacts {
    pub departure: Departure,
    pub employee: Employee,
    /// What the person owes: once the departure is in effect its obligations as recorded,
    /// before that what it will create (the notice is signed at the exit interview, on or
    /// before the last working day).
    pub obligations: Vec<NewObligation>,
    /// The non-compete's terms, when one is owed.
    pub agreement: Option<Agreement>,
    pub policy: Policy,
    pub company: Company,
}

pub fn facts(conn: &mut DbConnection, departure_id: &str) -> Result<ExitNoticeFacts> {
    let departure = departures::find(conn, departure_id)?;
    let employee = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let (_, policy) = super::policy::current(conn)?;
    let obligations: Vec<NewObligation> = if departure.in_effect {
        obligations::owed_by(conn, &employee.id)?
            .into_iter()
            .map(|o: Obligation| NewObligation {
                kind: o.kind,
                starts_on: o.starts_on,
                ends_on: o.ends_on,
                tier: o.tier,
            })
            .collect()
    } else {
        let mut owed = after_departure(
            &policy,
            employee.clearance_tier,
            departure.left_post_on,
            departure.last_working_day,
            departure.no_trade_secret_reason.is_none(),
        );
        owed.extend(noncompete::owed_at_departure(
            conn,
            &employee.id,
            &policy,
            departure.last_working_day,
        )?);
        owed
    };
    let agreement = if obligations
        .iter()
        .any(|o| o.kind == ObligationKind::NonCompete)
    {
        noncompete::agreement_of(conn, &employee.id)?
    } else {
        None
    };
    let company = super::policy::identity(conn)?;
    Ok(ExitNoticeFacts {
        departure,
        employee,
        obligations,
        agreement,
        policy,
        company,
    })
}
