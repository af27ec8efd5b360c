//! Users, their roles, API tokens and the first-admin setup tokens.
//!
//! This module holds the user row with its roles and the lookups; accounts (creating,
//! listing, changing) are in `accounts`, passwords and reset links in `passwords`, API and
//! setup tokens in `tokens`.

mod accounts;
mod passwords;
mod tokens;

pub use accounts::*;
pub use passwords::*;
pub use tokens::*;

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{user_roles, users};
use crate::domain::users::{Language, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    language: Language,
    password_hash: Option<String>,
    active: bool,
    employee_no: Option<String>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub language: Language,
    pub password_hash: Option<String>,
    pub active: bool,
    pub employee_no: Option<String>,
    pub roles: Vec<Role>,
}

impl User {
    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }

    /// Whether the user holds one of the roles of `R`: what its routes admit.
    pub fn may<R: crate::domain::roles::RoleSet>(&self) -> bool {
        self.has_any_role(R::ROLES)
    }
}

/// A user row with one of their roles (none when they hold none), as a left join gives it.
type RowWithRole = (UserRow, Option<Role>);

/// Users from the rows of a left join of users to their roles, a user's rows next to each
/// other (ordered by user): one statement, however many users and roles.
fn with_roles(rows: Vec<RowWithRole>) -> Vec<User> {
    let mut users: Vec<User> = Vec::new();
    for (row, role) in rows {
        match users.last_mut() {
            Some(user) if user.id == row.id => user.roles.extend(role),
            _ => users.push(User {
                language: row.language,
                id: row.id,
                email: row.email,
                name: row.name,
                password_hash: row.password_hash,
                active: row.active,
                employee_no: row.employee_no,
                roles: role.into_iter().collect(),
            }),
        }
    }
    for user in &mut users {
        user.roles.sort();
    }
    users
}

/// The columns of a user and one of their roles.
macro_rules! users_with_roles {
    () => {
        users::table
            .left_join(user_roles::table)
            .select((UserRow::as_select(), user_roles::role.nullable()))
            .order(users::id)
    };
}

/// The active users holding any of these roles (who is told of a loss, who gets the digest).
pub fn active_with_roles(conn: &mut DbConnection, roles: &[Role]) -> QueryResult<Vec<User>> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    // Each user comes with all their roles; who holds one of these is asked of the roles
    // table again, under another name.
    let held = diesel::alias!(user_roles as held);
    let holders = held
        .filter(held.field(user_roles::role).eq_any(names))
        .select(held.field(user_roles::user_id));
    let rows = users_with_roles!()
        .filter(users::active.eq(true))
        .filter(users::id.eq_any(holders))
        .load(conn)?;
    Ok(with_roles(rows))
}

/// The active user account linked to an employee number, if any.
pub fn find_by_employee_no(
    conn: &mut DbConnection,
    employee_no: &str,
) -> QueryResult<Option<User>> {
    let rows = users_with_roles!()
        .filter(users::employee_no.eq(employee_no))
        .filter(users::active.eq(true))
        .load(conn)?;
    Ok(with_roles(rows).into_iter().next())
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// The user with this id (every signed-in request looks its user up: one statement).
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    let rows = users_with_roles!().filter(users::id.eq(id)).load(conn)?;
    Ok(with_roles(rows).into_iter().next())
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    let rows = users_with_roles!()
        .filter(users::email.eq(email.trim().to_lowercase()))
        .load(conn)?;
    Ok(with_roles(rows).into_iter().next())
}
