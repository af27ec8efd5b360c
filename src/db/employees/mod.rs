//! The people register: employees, their managers, and who may see whom.
//!
//! This module holds the employee row and the plain lookups by id or number; who may see whom
//! is in `scope`, the search terms in `search`, the register as a list in `listing`, adding,
//! editing and rehiring in `register`.

mod listing;
mod register;
mod scope;
mod search;

pub use listing::*;
pub use register::*;
pub use scope::*;
pub use search::*;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::employees;
use super::{DbConnection, MultiBackend};
use crate::domain::people::{ClearanceTier, EmployeeFields, EmployeeStatus};
use crate::domain::users::Language;
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: String,
    pub employee_no: String,
    pub name: String,
    pub work_email: Option<String>,
    pub private_email: Option<String>,
    pub language: Language,
    pub department: String,
    pub title: String,
    pub manager_id: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub hire_date: Option<NaiveDate>,
    /// active, departing, departed or retired.
    pub status: EmployeeStatus,
    /// none, general, important or core.
    pub clearance_tier: ClearanceTier,
    #[serde(skip)]
    pub search_text: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl Employee {
    pub fn fields(&self) -> EmployeeFields {
        EmployeeFields {
            employee_no: self.employee_no.clone(),
            name: self.name.clone(),
            work_email: self.work_email.clone(),
            private_email: self.private_email.clone(),
            language: self.language,
            department: self.department.clone(),
            title: self.title.clone(),
            hire_date: self.hire_date,
        }
    }
}

type Boxed = employees::BoxedQuery<'static, MultiBackend>;

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Employee>> {
    employees::table
        .find(id)
        .select(Employee::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_no(conn: &mut DbConnection, employee_no: &str) -> QueryResult<Option<Employee>> {
    employees::table
        .filter(employees::employee_no.eq(employee_no))
        .select(Employee::as_select())
        .first(conn)
        .optional()
}

/// The id of the employee numbered `no`; a number nobody has is an error on `field`.
pub fn id_by_no(conn: &mut DbConnection, no: &str, field: &str) -> Result<String> {
    employees::table
        .filter(employees::employee_no.eq(no.trim()))
        .select(employees::id)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(|| Error::field(field, problem!("no_employee_with_number")))
}

/// An employee named by id, or by employee number (what people type in a form, checked on
/// `no_field`); when both are given they must name the same person. Empty texts count as absent.
pub fn by_id_or_no(
    conn: &mut DbConnection,
    id: Option<String>,
    no: Option<String>,
    no_field: &str,
) -> Result<Option<String>> {
    let id = id.filter(|i| !i.trim().is_empty());
    let Some(no) = no.filter(|n| !n.trim().is_empty()) else {
        return Ok(id);
    };
    let found = id_by_no(conn, &no, no_field)?;
    match id {
        Some(id) if id != found => Err(Error::field(no_field, problem!("number_not_the_id"))),
        _ => Ok(Some(found)),
    }
}

/// A person's departures, newest first (the person page links to each).
pub fn departures_of(
    conn: &mut DbConnection,
    employee_id: &str,
) -> QueryResult<Vec<super::departures::Departure>> {
    use super::schema::departures;
    departures::table
        .filter(departures::employee_id.eq(employee_id))
        .order(departures::notice_date.desc())
        .select(super::departures::Departure::as_select())
        .load(conn)
}

/// How many people report directly to this employee.
pub fn direct_reports(conn: &mut DbConnection, employee_id: &str) -> QueryResult<i64> {
    employees::table
        .filter(employees::manager_id.eq(employee_id))
        .count()
        .get_result(conn)
}
