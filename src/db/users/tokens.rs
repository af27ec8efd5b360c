//! Tokens: signing in by API token (created, listed, revoked) and the first admin's setup token.

use crate::db::WriteTx;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::{User, count, create, find};
use crate::auth::{random_token, token_hash};
use crate::db::audit;
use crate::db::listing::{self, Page, Window};
use crate::db::schema::{api_tokens, setup_tokens};
use crate::db::{DbConnection, stored_instant, write_tx};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::users::{NewUser, Role};
use crate::error::{Error, Result};
use crate::problem;

/// How stale a token's `last_used_at` may get before a use writes it again (one write per
/// token and interval, not one per request).
const LAST_USED_GRAIN_MINUTES: i64 = 10;

/// The active user an API token belongs to, if the token is valid; notes when it was used.
/// A read: only noting the use writes, in a transaction of its own, so a request made with a
/// token does not wait for the write lock unless its use is due to be noted.
pub fn find_by_token(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<User>> {
    let found = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(stored_instant(now)))
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
        let noted = write_tx(conn, |tx| {
            diesel::update(api_tokens::table.find(&token_id))
                .set(api_tokens::last_used_at.eq(at))
                .execute(tx.conn())
        });
        if let Err(e) = noted {
            tracing::warn!(error = %e, "the use of an API token could not be noted");
        }
    }
    Ok(Some(user))
}

/// Creates an API token that works until `expires_at`; the token itself is returned once and
/// only its hash is kept.
pub fn create_token(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    name: &str,
    expires_at: DateTime<Utc>,
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
            api_tokens::expires_at.eq(stored_instant(expires_at)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "token.created",
            subject_type: "api_token",
            subject_id: &id,
            details: json!({
                "name": name,
                "user_id": user.id,
                "expires_at": stored_instant(expires_at).and_utc().to_rfc3339(),
            }),
        },
    )?;
    Ok((id, token))
}

/// A one-time link for choosing the first admin; valid for `ttl`.
pub fn create_setup_token(
    tx: &mut WriteTx,
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
        .execute(tx.conn())?;
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

/// Uses the setup token to create the first admin.
pub fn complete_setup(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    token: &str,
    admin: &NewUser,
    password_hash: &str,
) -> Result<User> {
    if !setup_token_valid(tx, token, now)? {
        return Err(Error::NotFound);
    }
    // Only the first of two racing submissions takes the token.
    let taken = diesel::update(
        setup_tokens::table
            .filter(setup_tokens::token_hash.eq(token_hash(token)))
            .filter(setup_tokens::used_at.is_null()),
    )
    .set(setup_tokens::used_at.eq(stored_instant(now)))
    .execute(tx.conn())?;
    if taken != 1 {
        return Err(Error::NotFound);
    }
    create(tx, now, &Actor::Anonymous, admin, Some(password_hash))
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
    /// When it stops working, unless revoked before.
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
}

/// A user's tokens, newest first, and how many they have.
pub fn tokens_of(
    conn: &mut DbConnection,
    user_id: &str,
    window: Window,
) -> QueryResult<Page<TokenInfo>> {
    let query = || {
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id.to_string()))
            .into_boxed()
    };
    listing::page(conn, window, query, |conn, q| {
        q.order((api_tokens::created_at.desc(), api_tokens::id.desc()))
            .select(TokenInfo::as_select())
            .load(conn)
    })
}

/// Revokes a token of the user's own, or anyone's for an administrator; it stops working at
/// once.
pub fn revoke_token(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    by: &User,
    id: &str,
) -> Result<TokenInfo> {
    let token = api_tokens::table
        .find(id)
        .select(TokenInfo::as_select())
        .first(tx.conn())
        .optional()?
        // Another's token is not even said to exist, unless an administrator asks.
        .filter(|t| t.user_id == by.id || by.roles.contains(&Role::Admin))
        .ok_or(Error::NotFound)?;
    if token.revoked_at.is_some() {
        return Err(Error::refused(problem!("token_already_revoked")));
    }
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::revoked_at.eq(stored_instant(now)))
        .execute(tx.conn())?;
    audit::record(
        tx,
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
