//! Who may see whom: the scope of a user, as a condition on any employee-id column, and the
//! checks that one employee is in it.

use crate::domain::roles::Overseers;
use crate::domain::users::Role;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::{Boxed, Employee, find};
use crate::db::schema::employees;
use crate::db::users::User;
use crate::db::{DbConnection, MultiBackend};
use crate::error::{Error, Result};

/// Whom a user may see in the register (least privilege, 003 二.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Admin, HR and security see everyone.
    All,
    /// A manager sees the reports (direct and indirect) of their own employee record; a
    /// manager not linked to an employee sees nobody.
    Team(Option<String>),
}

impl Scope {
    pub fn of(conn: &mut DbConnection, user: &User) -> QueryResult<Scope> {
        if user.may::<Overseers>() {
            return Ok(Scope::All);
        }
        Ok(Scope::Team(own_employee_id(conn, user)?))
    }
}

impl Scope {
    /// A manager's own team, whatever other roles they hold (what their calendar shows).
    pub fn team_of(conn: &mut DbConnection, user: &User) -> QueryResult<Scope> {
        Ok(Scope::Team(own_employee_id(conn, user)?))
    }
}

/// The id of the user's own employee record, if they are linked to one.
fn own_employee_id(conn: &mut DbConnection, user: &User) -> QueryResult<Option<String>> {
    match &user.employee_no {
        Some(no) => employees::table
            .filter(employees::employee_no.eq(no))
            .select(employees::id)
            .first::<String>(conn)
            .optional(),
        None => Ok(None),
    }
}

/// Whether the user is a manager whose own employee record is above this employee in the
/// reporting line (directly or not): their department head, whatever other roles they hold.
pub fn above_in_line(conn: &mut DbConnection, user: &User, employee_id: &str) -> QueryResult<bool> {
    if !user.roles.contains(&Role::Manager) {
        return Ok(false);
    }
    match own_employee_id(conn, user)? {
        Some(own) => visible(conn, &Scope::Team(Some(own)), employee_id),
        None => Ok(false),
    }
}

/// A condition on an employee-id column of any table (`<column> IN (…)`): a team or a search.
pub type PersonCondition<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>;

/// The condition that the employee id in `column` is one of `manager_id`'s reports, direct or
/// indirect. UNION (not UNION ALL) stops at a cycle, should one ever be stored.
fn in_team<QS: 'static>(column: &str, manager_id: &str) -> PersonCondition<QS> {
    Box::new(
        sql::<Bool>(&format!(
            "{column} IN (WITH RECURSIVE team(id) AS (\
         SELECT e.id FROM employees e WHERE e.manager_id = "
        ))
        .bind::<Text, _>(manager_id.to_string())
        .sql(
            " UNION SELECT e.id FROM employees e JOIN team t ON e.manager_id = t.id) \
         SELECT id FROM team)",
        ),
    )
}

impl Scope {
    /// None when the scope sees everyone; else the condition on an employee-id `column`
    /// (a manager with no employee record of their own has an empty team).
    pub fn condition<QS: 'static>(&self, column: &str) -> Option<PersonCondition<QS>> {
        match self {
            Scope::All => None,
            Scope::Team(manager_id) => Some(in_team(column, manager_id.as_deref().unwrap_or(""))),
        }
    }
}

pub(super) fn scoped(scope: &Scope) -> Boxed {
    let query = employees::table.into_boxed();
    match scope.condition("employees.id") {
        None => query,
        Some(condition) => query.filter(condition),
    }
}

/// The employee, if the scope may see them: 404 when there is none, 403 when out of scope.
pub fn get(conn: &mut DbConnection, scope: &Scope, id: &str) -> Result<Employee> {
    let employee = find(conn, id)?.ok_or(Error::NotFound)?;
    if visible(conn, scope, id)? {
        Ok(employee)
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the scope may see this employee.
pub fn visible(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<bool> {
    if *scope == Scope::All {
        return Ok(true);
    }
    let n: i64 = scoped(scope)
        .filter(employees::id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(n == 1)
}
