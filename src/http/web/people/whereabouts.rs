//! The person page's card "where they work now": the person's new employers (HR, security
//! and administrators read them; a manager does not), the case each forbidden one opened (for
//! those who read cases), and HR's form, which posts to the API.

use minijinja::{Value, context};

use super::super::view::options;
use super::{day, instant};
use crate::db::users::User;
use crate::db::whereabouts;
use crate::domain::roles::{CaseReaders, HrOnly, Overseers};
use crate::domain::whereabouts::EmployerKind;
use crate::error::Error;
use crate::http::AppState;

/// The card's values, or none for a reader who does not see where people work now.
pub(super) async fn card(state: &AppState, user: &User, id: &str) -> Result<Value, Error> {
    if !user.may::<Overseers>() {
        return Ok(Value::from(()));
    }
    let id = id.to_string();
    let (rows, obligations, names) = state
        .db(move |conn| {
            let rows = whereabouts::of_employee(conn, &id)?;
            let obligations = crate::db::names::obligations(
                conn,
                rows.iter().filter_map(|w| w.obligation_id.clone()),
            )?;
            let names =
                crate::db::names::users(conn, rows.iter().filter_map(|w| w.recorded_by.clone()))?;
            Ok((rows, obligations, names))
        })
        .await?;
    let reads_cases = user.may::<CaseReaders>();
    let history: Vec<Value> = rows
        .iter()
        .map(|w| {
            let breaches = w
                .obligation_id
                .as_ref()
                .and_then(|o| obligations.get(o))
                .map(|o| o.kind);
            context! {
                employer => w.employer, post => w.post, credit_code => w.credit_code,
                kind => w.kind, starts_on => w.starts_on.to_string(), ends_on => day(w.ends_on),
                recorded_at => instant(w.recorded_at),
                recorded_by => w.recorded_by.as_ref().and_then(|u| names.get(u)).map(|u| u.name.clone()),
                breaches,
                case_id => w.breach_case_id.as_ref().filter(|_| reads_cases),
            }
        })
        .collect();
    Ok(context! {
        history,
        can_record => user.may::<HrOnly>(),
        kinds => options("whereabouts.kind", EmployerKind::ALL),
    })
}
