//! Accounts: creating a user, their language, the account list and page, changes by an
//! admin or by the user themselves, and how many hold each role.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::{User, find};
use crate::db::audit;
use crate::db::listing::{self, Page, Sort, Window};
use crate::db::schema::{user_roles, users};
use crate::db::{DbConnection, MultiBackend, is_unique_violation, like_escape, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::users::{Language, NewUser, Role};
use crate::error::{Error, Result};
use crate::problem;

/// Creates a user with its roles and records it.
pub fn create(
    tx: &mut WriteTx,
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
        .execute(tx.conn());
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::field("email", problem!("email_taken")));
        }
        other => other?,
    };
    for role in &new.roles {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(&id),
                user_roles::role.eq(role.as_str()),
            ))
            .execute(tx.conn())?;
    }
    audit::record(
        tx,
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
    find(tx, &id)?.ok_or(Error::NotFound)
}

/// The language a user reads pages and emails in.
pub fn set_language(tx: &mut WriteTx, user_id: &str, language: Language) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::language.eq(language.as_str()))
        .execute(tx.conn())
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

crate::string_enum! {
    /// The columns a user list can be sorted by (`-` before one reverses it).
    pub enum UserSortKey ("a sort") {
        Name = "name",
        Email = "email",
        CreatedAt = "created_at",
    }
}

/// The order of a user list.
pub type UserSort = Sort<UserSortKey>;

/// The texts of [`UserSortKey`], as the API names them when refusing a sort.
pub const USER_SORTS: &[&str] = &["name", "email", "created_at"];

/// What a user list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the name or the email, any case.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// By name when not given.
    pub sort: Option<UserSort>,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

type BoxedUsers = users::BoxedQuery<'static, MultiBackend>;

/// One page of accounts and the total that match.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    window: Window,
) -> QueryResult<Page<Account>> {
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
    let sort = filter.sort.unwrap_or(Sort::asc(UserSortKey::Name));
    let d = sort.descending;
    let found = listing::page(conn, window, query, |conn, q| {
        let ordered = match sort.key {
            UserSortKey::Email => listing::order_by!(q, d, users::email),
            UserSortKey::CreatedAt if d => q.order((users::created_at.desc(), users::id.desc())),
            UserSortKey::CreatedAt => q.order((users::created_at.asc(), users::id.asc())),
            UserSortKey::Name if d => q.order((users::name.desc(), users::email.desc())),
            UserSortKey::Name => q.order((users::name.asc(), users::email.asc())),
        };
        ordered.select(AccountRow::as_select()).load(conn)
    })?;
    Ok(Page {
        rows: accounts(conn, found.rows)?,
        total: found.total,
    })
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
/// and their own access (so there is always an active administrator).
pub fn change(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    id: &str,
    change: &AccountChange,
) -> Result<Account> {
    let before = account(tx, id)?.ok_or(Error::NotFound)?;
    if id == actor_id {
        if change
            .roles
            .as_ref()
            .is_some_and(|roles| !roles.contains(&Role::Admin))
        {
            return Err(Error::refused(problem!("own_admin_role")));
        }
        if change.active == Some(false) {
            return Err(Error::refused(problem!("deactivate_yourself")));
        }
    }
    let mut changes = serde_json::Map::new();
    // What the user may do changes: their sessions end, so the next request signs in anew.
    let mut sign_out = false;
    if let Some(name) = change.name.as_ref().filter(|n| **n != before.name) {
        diesel::update(users::table.find(id))
            .set(users::name.eq(name))
            .execute(tx.conn())?;
        changes.insert("name".into(), json!({ "from": before.name, "to": name }));
    }
    if let Some(language) = change.language.filter(|l| *l != before.language) {
        set_language(tx, id, language)?;
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
            diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id)))
                .execute(tx.conn())?;
            for role in &roles {
                diesel::insert_into(user_roles::table)
                    .values((
                        user_roles::user_id.eq(id),
                        user_roles::role.eq(role.as_str()),
                    ))
                    .execute(tx.conn())?;
            }
            changes.insert("roles".into(), json!({ "from": before.roles, "to": roles }));
            sign_out = true;
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
            .execute(tx.conn())?;
        let mut details = json!({ "email": before.email });
        if !active {
            // Revoked, not only refused while inactive: a reactivation revives none.
            let revoked = crate::db::sessions::revoke_tokens_of(tx, id, now)?;
            details["tokens_revoked"] = json!(revoked);
            sign_out = true;
        }
        events.push(NewEvent {
            actor: &actor,
            action: if active {
                "user.reactivated"
            } else {
                "user.deactivated"
            },
            subject_type: "user",
            subject_id: id,
            details,
        });
    }
    if sign_out {
        crate::db::sessions::end_for_user(tx, id, now, None)?;
    }
    if !events.is_empty() {
        diesel::update(users::table.find(id))
            .set(users::updated_at.eq(stored_instant(now)))
            .execute(tx.conn())?;
        audit::record_all(tx, now, events)?;
    }
    account(tx, id)?.ok_or(Error::NotFound)
}

/// A user's own name and language, as they change them.
pub fn change_own(
    tx: &mut WriteTx,
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
            .execute(tx.conn())?;
        changes.insert("name".into(), json!({ "from": user.name, "to": name }));
    }
    if let Some(language) = language.filter(|l| *l != user.language) {
        set_language(tx, &user.id, language)?;
        changes.insert(
            "language".into(),
            json!({ "from": user.language, "to": language }),
        );
    }
    if !changes.is_empty() {
        audit::record(
            tx,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sorts_the_api_offers_are_the_sort_keys() {
        let keys: Vec<&str> = UserSortKey::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(USER_SORTS, keys.as_slice());
    }
}
