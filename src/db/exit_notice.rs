//! The exit notice (离职保密告知书): what it is made of, read when it is sent or printed, so it
//! lists the duties as they stand.

use super::DbConnection;
use super::departures::{self, Departure};
use super::employees::{self, Employee};
use super::noncompete::{self, Agreement};
use super::obligations::{self, Obligation};
use crate::domain::identity::Company;
use crate::domain::obligations::ObligationKind;
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

/// Everything the notice of one departure says.
pub struct ExitNoticeFacts {
    pub departure: Departure,
    pub employee: Employee,
    /// What the person owes, ordered by end.
    pub obligations: Vec<Obligation>,
    /// The non-compete's terms, when one is owed.
    pub agreement: Option<Agreement>,
    pub policy: Policy,
    pub company: Company,
}

pub fn facts(conn: &mut DbConnection, departure_id: &str) -> Result<ExitNoticeFacts> {
    let departure = departures::find(conn, departure_id)?;
    let employee = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let obligations = obligations::owed_by(conn, &employee.id)?;
    let agreement = if obligations
        .iter()
        .any(|o| o.kind == ObligationKind::NonCompete)
    {
        noncompete::agreement_of(conn, &employee.id)?
    } else {
        None
    };
    let (_, policy) = super::policy::current(conn)?;
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
