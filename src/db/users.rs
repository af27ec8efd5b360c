//! Users, their roles, API tokens and the first-admin setup tokens.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::schema::{api_tokens, setup_tokens, user_roles, users};
use super::{DbConnection, is_unique_violation, stored_instant};
use crate::audit::{self, Actor, NewEvent};
use crate::auth::{random_token, token_hash};
use crate::domain::users::{Language, NewUser, Role};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    language: String,
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
}

fn with_roles(conn: &mut DbConnection, row: UserRow) -> QueryResult<User> {
    let mut roles: Vec<Role> = user_roles::table
        .filter(user_roles::user_id.eq(&row.id))
        .select(user_roles::role)
        .load::<String>(conn)?
        .iter()
        .filter_map(|r| r.parse().ok())
        .collect();
    roles.sort();
    Ok(User {
        language: row.language.parse().unwrap_or_default(),
        id: row.id,
        email: row.email,
        name: row.name,
        password_hash: row.password_hash,
        active: row.active,
        employee_no: row.employee_no,
        roles,
    })
}

/// The active users holding any of these roles (who is told of a loss, who gets the digest).
pub fn active_with_roles(conn: &mut DbConnection, roles: &[Role]) -> QueryResult<Vec<User>> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let rows: Vec<UserRow> = users::table
        .filter(users::active.eq(true))
        .filter(diesel::dsl::exists(
            user_roles::table
                .filter(user_roles::user_id.eq(users::id))
                .filter(user_roles::role.eq_any(names)),
        ))
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| with_roles(conn, r)).collect()
}

/// The active user account linked to an employee number, if any.
pub fn find_by_employee_no(
    conn: &mut DbConnection,
    employee_no: &str,
) -> QueryResult<Option<User>> {
    let row: Option<UserRow> = users::table
        .filter(users::employee_no.eq(employee_no))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| with_roles(conn, r)).transpose()
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    let row = users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| with_roles(conn, r)).transpose()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    let row = users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| with_roles(conn, r)).transpose()
}

/// Creates a user with its roles and records it. Call inside a write transaction.
pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    new: &NewUser,
    password_hash: Option<&str>,
) -> Result<User> {
    let id = uuid::Uuid::now_v7().to_string();
    let at = stored_instant(now);
    let inserted = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(new.email.as_str()),
            users::name.eq(&new.name),
            users::language.eq(new.language.as_str()),
            users::password_hash.eq(password_hash),
            users::active.eq(true),
            users::employee_no.eq(&new.employee_no),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::field(
                "email",
                "a user with this email already exists",
            ));
        }
        other => other?,
    };
    for role in &new.roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(&id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    audit::record(
        conn,
        now,
        NewEvent {
            actor,
            action: "user.created",
            subject_type: "user",
            subject_id: &id,
            details: json!({
                "email": new.email.as_str(),
                "name": new.name,
                "roles": new.roles,
                "employee_no": new.employee_no,
            }),
        },
    )?;
    find(conn, &id)?.ok_or(Error::NotFound)
}

/// The active user an API token belongs to, if the token is valid.
pub fn find_by_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<User>> {
    let user_id = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select(api_tokens::user_id)
        .first::<String>(conn)
        .optional()?;
    match user_id {
        Some(id) => Ok(find(conn, &id)?.filter(|u| u.active)),
        None => Ok(None),
    }
}

/// Creates an API token; the token itself is returned once and only its hash is kept.
pub fn create_token(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    name: &str,
) -> Result<(String, String)> {
    let id = uuid::Uuid::now_v7().to_string();
    let token = random_token("tuomi");
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(&id),
            api_tokens::user_id.eq(&user.id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash(&token)),
            api_tokens::created_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "token.created",
            subject_type: "api_token",
            subject_id: &id,
            details: json!({ "name": name, "user_id": user.id }),
        },
    )?;
    Ok((id, token))
}

/// A one-time link for choosing the first admin; valid for `ttl`.
pub fn create_setup_token(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    ttl: Duration,
) -> QueryResult<String> {
    let token = random_token("setup");
    diesel::insert_into(setup_tokens::table)
        .values((
            setup_tokens::token_hash.eq(token_hash(&token)),
            setup_tokens::created_at.eq(stored_instant(now)),
            setup_tokens::expires_at.eq(stored_instant(now + ttl)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// True while the setup token is unused, unexpired, and no user exists yet.
pub fn setup_token_valid(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    if count(conn)? > 0 {
        return Ok(false);
    }
    let found = setup_tokens::table
        .filter(setup_tokens::token_hash.eq(token_hash(token)))
        .filter(setup_tokens::used_at.is_null())
        .filter(setup_tokens::expires_at.gt(stored_instant(now)))
        .count()
        .get_result::<i64>(conn)?;
    Ok(found == 1)
}

/// Uses the setup token to create the first admin. Call inside a write transaction.
pub fn complete_setup(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    token: &str,
    admin: &NewUser,
    password_hash: &str,
) -> Result<User> {
    if !setup_token_valid(conn, token, now)? {
        return Err(Error::NotFound);
    }
    // Only the first of two racing submissions takes the token.
    let taken = diesel::update(
        setup_tokens::table
            .filter(setup_tokens::token_hash.eq(token_hash(token)))
            .filter(setup_tokens::used_at.is_null()),
    )
    .set(setup_tokens::used_at.eq(stored_instant(now)))
    .execute(conn)?;
    if taken != 1 {
        return Err(Error::NotFound);
    }
    create(conn, now, &Actor::Anonymous, admin, Some(password_hash))
}

/// The language a user reads pages and emails in.
pub fn set_language(conn: &mut DbConnection, user_id: &str, language: Language) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::language.eq(language.as_str()))
        .execute(conn)
        .map(|_| ())
}
