//! Users, their roles, API tokens and the first-admin setup tokens.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::schema::{api_tokens, setup_tokens, user_roles, users};
use super::{DbConnection, MultiBackend, is_unique_violation, like_escape, stored_instant};
use crate::auth::{random_token, token_hash};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::users::{Language, NewUser, Role};
use crate::error::{Error, Result};

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

/// How stale a token's `last_used_at` may get before a use writes it again (one write per
/// token and interval, not one per request).
const LAST_USED_GRAIN_MINUTES: i64 = 10;

/// The active user an API token belongs to, if the token is valid; notes when it was used.
pub fn find_by_token(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<User>> {
    let found = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::user_id,
            api_tokens::last_used_at,
        ))
        .first::<(String, String, Option<NaiveDateTime>)>(conn)
        .optional()?;
    let Some((token_id, user_id, last_used)) = found else {
        return Ok(None);
    };
    let Some(user) = find(conn, &user_id)?.filter(|u| u.active) else {
        return Ok(None);
    };
    let at = stored_instant(now);
    if last_used.is_none_or(|t| t < at - Duration::minutes(LAST_USED_GRAIN_MINUTES)) {
        // Noting the use is a courtesy: a busy database does not turn the request away.
        let noted = diesel::update(api_tokens::table.find(&token_id))
            .set(api_tokens::last_used_at.eq(at))
            .execute(conn);
        if let Err(e) = noted {
            tracing::warn!(error = %e, "the use of an API token could not be noted");
        }
    }
    Ok(Some(user))
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

/// A user as the administration lists them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub language: Language,
    /// false: deactivated; the account cannot sign in and its tokens do not work.
    pub active: bool,
    pub employee_no: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
struct AccountRow {
    id: String,
    email: String,
    name: String,
    language: Language,
    active: bool,
    employee_no: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The accounts of these rows, their roles loaded in one query whatever the number of rows.
fn accounts(conn: &mut DbConnection, rows: Vec<AccountRow>) -> QueryResult<Vec<Account>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let pairs: Vec<(String, Role)> = user_roles::table
        .filter(user_roles::user_id.eq_any(ids))
        .select((user_roles::user_id, user_roles::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut roles: Vec<Role> = pairs
                .iter()
                .filter(|(user, _)| *user == row.id)
                .map(|(_, role)| *role)
                .collect();
            roles.sort();
            Account {
                language: row.language,
                id: row.id,
                email: row.email,
                name: row.name,
                roles,
                active: row.active,
                employee_no: row.employee_no,
                created_at: row.created_at,
                updated_at: row.updated_at,
            }
        })
        .collect())
}

/// The orders a user list can take (`-` before one reverses it).
pub const USER_SORTS: &[&str] = &["name", "email", "created_at"];

/// What a user list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the name or the email, any case.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// One of [`USER_SORTS`], maybe with a leading `-`; default by name.
    pub sort: Option<String>,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

type BoxedUsers = users::BoxedQuery<'static, MultiBackend>;

/// One page of accounts and the total that match.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Account>, i64)> {
    let query = || -> BoxedUsers {
        let mut q = users::table.into_boxed();
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(users::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(users::email.like(pattern).escape('\\')),
            );
        }
        if let Some(role) = filter.role {
            q = q.filter(diesel::dsl::exists(
                user_roles::table
                    .filter(user_roles::user_id.eq(users::id))
                    .filter(user_roles::role.eq(role.as_str())),
            ));
        }
        if let Some(active) = filter.active {
            q = q.filter(users::active.eq(active));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let sort = filter.sort.as_deref().unwrap_or("name");
    let (key, descending) = match sort.strip_prefix('-') {
        Some(key) => (key, true),
        None => (sort, false),
    };
    let ordered = match (key, descending) {
        ("email", false) => query().order(users::email.asc()),
        ("email", true) => query().order(users::email.desc()),
        ("created_at", false) => query().order((users::created_at.asc(), users::id.asc())),
        ("created_at", true) => query().order((users::created_at.desc(), users::id.desc())),
        (_, true) => query().order((users::name.desc(), users::email.desc())),
        _ => query().order((users::name.asc(), users::email.asc())),
    };
    let rows = ordered
        .offset(offset)
        .limit(limit)
        .select(AccountRow::as_select())
        .load(conn)?;
    Ok((accounts(conn, rows)?, total))
}

/// One account, or none.
pub fn account(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Account>> {
    let row = users::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(row) => accounts(conn, vec![row])?.pop(),
        None => None,
    })
}

/// What an administrator changes of an account; None leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub name: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub language: Option<Language>,
    pub active: Option<bool>,
}

/// Changes an account, recording what changed. An administrator keeps their own admin role
/// and their own access (so there is always an active administrator). Call inside a write
/// transaction.
pub fn change(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor_id: &str,
    id: &str,
    change: &AccountChange,
) -> Result<Account> {
    let before = account(conn, id)?.ok_or(Error::NotFound)?;
    if id == actor_id {
        if change
            .roles
            .as_ref()
            .is_some_and(|roles| !roles.contains(&Role::Admin))
        {
            return Err(Error::Conflict(
                "you cannot remove your own administrator role".into(),
            ));
        }
        if change.active == Some(false) {
            return Err(Error::Conflict("you cannot deactivate yourself".into()));
        }
    }
    let mut changes = serde_json::Map::new();
    if let Some(name) = change.name.as_ref().filter(|n| **n != before.name) {
        diesel::update(users::table.find(id))
            .set(users::name.eq(name))
            .execute(conn)?;
        changes.insert("name".into(), json!({ "from": before.name, "to": name }));
    }
    if let Some(language) = change.language.filter(|l| *l != before.language) {
        set_language(conn, id, language)?;
        changes.insert(
            "language".into(),
            json!({ "from": before.language, "to": language }),
        );
    }
    if let Some(roles) = &change.roles {
        let mut roles = roles.clone();
        roles.sort();
        roles.dedup();
        if roles != before.roles {
            diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id))).execute(conn)?;
            for role in &roles {
                diesel::insert_into(user_roles::table)
                    .values((
                        user_roles::user_id.eq(id),
                        user_roles::role.eq(role.as_str()),
                    ))
                    .execute(conn)?;
            }
            changes.insert("roles".into(), json!({ "from": before.roles, "to": roles }));
        }
    }
    let actor = Actor::User(actor_id.to_string());
    let mut events = Vec::new();
    if !changes.is_empty() {
        events.push(NewEvent {
            actor: &actor,
            action: "user.changed",
            subject_type: "user",
            subject_id: id,
            details: serde_json::Value::Object(changes),
        });
    }
    if let Some(active) = change.active.filter(|a| *a != before.active) {
        diesel::update(users::table.find(id))
            .set(users::active.eq(active))
            .execute(conn)?;
        events.push(NewEvent {
            actor: &actor,
            action: if active {
                "user.reactivated"
            } else {
                "user.deactivated"
            },
            subject_type: "user",
            subject_id: id,
            details: json!({ "email": before.email }),
        });
    }
    if !events.is_empty() {
        diesel::update(users::table.find(id))
            .set(users::updated_at.eq(stored_instant(now)))
            .execute(conn)?;
        audit::record_all(conn, now, events)?;
    }
    account(conn, id)?.ok_or(Error::NotFound)
}

/// A user's own name and language, as they change them. Call inside a write transaction.
pub fn change_own(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    name: Option<&str>,
    language: Option<Language>,
) -> Result<()> {
    let mut changes = serde_json::Map::new();
    if let Some(name) = name.filter(|n| *n != user.name) {
        diesel::update(users::table.find(&user.id))
            .set((
                users::name.eq(name),
                users::updated_at.eq(stored_instant(now)),
            ))
            .execute(conn)?;
        changes.insert("name".into(), json!({ "from": user.name, "to": name }));
    }
    if let Some(language) = language.filter(|l| *l != user.language) {
        set_language(conn, &user.id, language)?;
        changes.insert(
            "language".into(),
            json!({ "from": user.language, "to": language }),
        );
    }
    if !changes.is_empty() {
        audit::record(
            conn,
            now,
            NewEvent {
                actor: &Actor::User(user.id.clone()),
                action: "user.changed",
                subject_type: "user",
                subject_id: &user.id,
                details: serde_json::Value::Object(changes),
            },
        )?;
    }
    Ok(())
}

/// Active users by role, and how many accounts are deactivated.
pub fn role_counts(conn: &mut DbConnection) -> QueryResult<(Vec<(String, i64)>, i64)> {
    let by_role = user_roles::table
        .inner_join(users::table)
        .filter(users::active.eq(true))
        .group_by(user_roles::role)
        .select((user_roles::role, diesel::dsl::count_star()))
        .order(user_roles::role)
        .load(conn)?;
    let inactive = users::table
        .filter(users::active.eq(false))
        .count()
        .get_result(conn)?;
    Ok((by_role, inactive))
}

/// An API token as its owner (or an administrator) sees it: never the token itself.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = api_tokens)]
pub struct TokenInfo {
    pub id: String,
    pub user_id: String,
    pub name: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// When it was last used, to within ten minutes; none if never.
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<NaiveDateTime>,
}

/// A user's tokens, newest first, and how many they have.
pub fn tokens_of(
    conn: &mut DbConnection,
    user_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<TokenInfo>, i64)> {
    let total = api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    let items = api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(TokenInfo::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Revokes a token of the user's own, or anyone's for an administrator; it stops working at
/// once. Call inside a write transaction.
pub fn revoke_token(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    by: &User,
    id: &str,
) -> Result<TokenInfo> {
    let token = api_tokens::table
        .find(id)
        .select(TokenInfo::as_select())
        .first(conn)
        .optional()?
        // Another's token is not even said to exist, unless an administrator asks.
        .filter(|t| t.user_id == by.id || by.roles.contains(&Role::Admin))
        .ok_or(Error::NotFound)?;
    if token.revoked_at.is_some() {
        return Err(Error::Conflict("the token is already revoked".into()));
    }
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::revoked_at.eq(stored_instant(now)))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(by.id.clone()),
            action: "token.revoked",
            subject_type: "api_token",
            subject_id: id,
            details: json!({ "name": token.name, "user_id": token.user_id }),
        },
    )?;
    Ok(TokenInfo {
        revoked_at: Some(stored_instant(now)),
        ..token
    })
}

/// The names of these users, by id (for showing who did something, in one query).
pub fn names(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
