//! Who may see whom: the scope of a user, as a condition on any employee-id column, and the
//! checks that one employee is in it.

use crate::domain::roles::Overseers;
use crate::domain::users::Role;
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
    Box::new(InTeam {
        column: column.to_string(),
        manager_id: manager_id.to_string(),
    })
}

/// `<column> IN (the team)`, walked down the reporting line one indexed lookup of
/// `manager_id` per member. PostgreSQL is told so (a lateral subquery it cannot flatten), and
/// is given the team as an array computed first: left to itself, it guesses a team larger
/// than the company and reads every employee (or every row of the list) to join them.
#[derive(Debug, Clone)]
struct InTeam {
    column: String,
    manager_id: String,
}

impl diesel::Expression for InTeam {
    type SqlType = Bool;
}

impl<QS> diesel::AppearsOnTable<QS> for InTeam {}

impl<QS> diesel::SelectableExpression<QS> for InTeam {}

impl diesel::expression::ValidGrouping<()> for InTeam {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for InTeam {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<MultiBackend> for InTeam {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        let pg = matches!(out.backend(), MultiBackend::Pg(_));
        let walk = "WITH RECURSIVE team(id) AS (SELECT e.id FROM employees e WHERE e.manager_id = ";
        if pg {
            out.push_sql(&format!("{} = ANY(ARRAY({walk}", self.column));
        } else {
            out.push_sql(&format!("{} IN ({walk}", self.column));
        }
        out.push_bind_param::<Text, String>(&self.manager_id)?;
        out.push_sql(if pg {
            " UNION SELECT r.id FROM team CROSS JOIN LATERAL \
             (SELECT e.id FROM employees e WHERE e.manager_id = team.id OFFSET 0) r) \
             SELECT id FROM team))"
        } else {
            " UNION SELECT e.id FROM employees e JOIN team ON e.manager_id = team.id) \
             SELECT id FROM team)"
        });
        Ok(())
    }
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

/// Whether the scope may see this employee: for a manager, whether they are above the
/// employee in the reporting line, walked up from the employee (as many lookups as the line
/// is long, whatever the size of the team).
pub fn visible(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<bool> {
    let manager_id = match scope {
        Scope::All => return Ok(true),
        Scope::Team(None) => return Ok(false),
        Scope::Team(Some(manager_id)) => manager_id,
    };
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = crate::db::placeholders(
        conn,
        "WITH RECURSIVE line(id) AS (SELECT e.manager_id FROM employees e WHERE e.id = $1 \
         UNION SELECT e.manager_id FROM employees e JOIN line ON e.id = line.id) \
         SELECT COUNT(*) AS n FROM line WHERE line.id = $2",
    );
    let found: Found = diesel::sql_query(sql)
        .bind::<Text, _>(id)
        .bind::<Text, _>(manager_id)
        .get_result(conn)?;
    Ok(found.n > 0)
}
