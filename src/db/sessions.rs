//! Sessions: a row per sign-in. The browser's cookie carries only a random secret, stored here
//! as its SHA-256 (like API tokens), so ending the row ends the session for every copy of the
//! cookie.
//!
//! The two entry points the rest of the service calls:
//! - [`start`]: every sign-in (web login, `POST /api/v1/session`, the setup page), through
//!   `http::session::start_session`, which also makes the cookie;
//! - [`end_for_user`]: whatever must sign a user out everywhere at once (sign-out
//!   everywhere, deactivation, a role change, a password change).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::auth::{random_token, token_hash};
use crate::db::schema::{api_tokens, sessions};
use crate::db::users::{self, User};
use crate::db::{DbConnection, WriteTx, audit, stored_instant, write_tx};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::sessions::{SessionLimits, readable_browser, seen_is_due, session_is_live};
use crate::error::{Error, Result};

/// Where a sign-in came from, as the list of one's sessions shows it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

/// Starts a session for `user`: the secret for the cookie (shown once, only its hash is kept)
/// and the session's id.
pub fn start(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    limits: SessionLimits,
    user: &User,
    origin: &Origin,
) -> QueryResult<(String, String)> {
    let id = uuid::Uuid::now_v7().to_string();
    let secret = random_token("session");
    let at = stored_instant(now);
    // Longer texts are someone's idea of a joke, not a browser.
    let user_agent = origin
        .user_agent
        .as_deref()
        .map(|ua| ua.chars().take(400).collect::<String>());
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&id),
            sessions::user_id.eq(&user.id),
            sessions::token_hash.eq(token_hash(&secret)),
            sessions::started_at.eq(at),
            sessions::last_seen_at.eq(at),
            sessions::expires_at.eq(stored_instant(now + limits.lifetime)),
            sessions::address.eq(&origin.address),
            sessions::user_agent.eq(user_agent),
        ))
        .execute(tx.conn())?;
    Ok((id, secret))
}

/// The session of this cookie secret and its active user, if the session is live; notes that
/// it was seen (at most once a minute, in a write of its own, so most requests only read).
pub fn find_live(
    conn: &mut DbConnection,
    secret: &str,
    now: DateTime<Utc>,
    limits: SessionLimits,
) -> QueryResult<Option<(String, User)>> {
    let found = sessions::table
        .filter(sessions::token_hash.eq(token_hash(secret)))
        .select((
            sessions::id,
            sessions::user_id,
            sessions::last_seen_at,
            sessions::expires_at,
            sessions::ended_at.is_not_null(),
        ))
        .first::<(String, String, NaiveDateTime, NaiveDateTime, bool)>(conn)
        .optional()?;
    let Some((id, user_id, seen, expires, ended)) = found else {
        return Ok(None);
    };
    if !session_is_live(limits, seen, expires, ended, now) {
        return Ok(None);
    }
    let Some(user) = users::find(conn, &user_id)?.filter(|u| u.active) else {
        return Ok(None);
    };
    if seen_is_due(seen, now) {
        // Noting the visit is a courtesy: a busy database does not turn the request away.
        let noted = write_tx(conn, |tx| {
            diesel::update(sessions::table.find(&id))
                .set(sessions::last_seen_at.eq(stored_instant(now)))
                .execute(tx.conn())
        });
        if let Err(e) = noted {
            tracing::warn!(error = %e, "a session's last visit could not be noted");
        }
    }
    Ok(Some((id, user)))
}

/// Ends the session of this cookie secret (signing out); nothing when there is none.
pub fn end_by_secret(tx: &mut WriteTx, now: DateTime<Utc>, secret: &str) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::token_hash.eq(token_hash(secret)))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(stored_instant(now)))
    .execute(tx.conn())
}

/// Ends every session of a user at once, but `except_session` (the id of the session asking,
/// for "sign out everywhere else"); the next request with any other of their cookies is a
/// stranger's. How many it ended. The caller records why in its own audit event (a
/// deactivation, a role change, a password change, sign-out everywhere).
pub fn end_for_user(
    tx: &mut WriteTx,
    user_id: &str,
    now: DateTime<Utc>,
    except_session: Option<&str>,
) -> QueryResult<usize> {
    // Session ids are never empty, so "" keeps none.
    let keep = except_session.unwrap_or("");
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set(sessions::ended_at.eq(stored_instant(now)))
    .execute(tx.conn())
}

/// How long an ended or expired session is kept (for the audit of where one signed in from)
/// before the daily cleanup deletes it.
pub const KEEP_ENDED_DAYS: i64 = 30;

/// Deletes sessions ended, or past their lifetime, more than [`KEEP_ENDED_DAYS`] ago; how
/// many. A session timed out when idle is past its lifetime within hours after.
pub fn prune_ended(tx: &mut WriteTx, now: DateTime<Utc>) -> QueryResult<usize> {
    let before = stored_instant(now - chrono::Duration::days(KEEP_ENDED_DAYS));
    diesel::delete(
        sessions::table.filter(
            sessions::ended_at
                .lt(before)
                .or(sessions::expires_at.lt(before)),
        ),
    )
    .execute(tx.conn())
}

/// Revokes every API token of a user (a deactivation: reactivating them revives none).
pub fn revoke_tokens_of(tx: &mut WriteTx, user_id: &str, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(stored_instant(now)))
    .execute(tx.conn())
}

/// A live session as its owner sees it on their list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub id: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    /// To within a minute.
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: NaiveDateTime,
    /// When it ends at the latest, however busy.
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: NaiveDateTime,
    /// The address it signed in from.
    pub address: Option<String>,
    /// The browser and system, shortened from its User-Agent.
    pub browser: Option<String>,
    /// The session of the request that asks.
    pub current: bool,
}

type SessionRow = (
    String,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
    Option<String>,
);

/// A user's live sessions, the latest seen first; `current` marks the asking one.
pub fn live_of(
    conn: &mut DbConnection,
    user_id: &str,
    now: DateTime<Utc>,
    limits: SessionLimits,
    current: Option<&str>,
) -> QueryResult<Vec<SessionInfo>> {
    let at = stored_instant(now);
    let rows: Vec<SessionRow> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(at))
        .filter(sessions::last_seen_at.gt(at - limits.idle))
        .order((sessions::last_seen_at.desc(), sessions::id.desc()))
        .select((
            sessions::id,
            sessions::started_at,
            sessions::last_seen_at,
            sessions::expires_at,
            sessions::address,
            sessions::user_agent,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, started_at, last_seen_at, expires_at, address, user_agent)| SessionInfo {
                current: current == Some(id.as_str()),
                id,
                started_at,
                last_seen_at,
                expires_at,
                address,
                browser: user_agent.as_deref().map(readable_browser),
            },
        )
        .collect())
}

/// Ends one of the user's own sessions (a revoke on their list); 404 for anyone else's.
pub fn revoke_own(tx: &mut WriteTx, now: DateTime<Utc>, user: &User, id: &str) -> Result<()> {
    let ended = diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(&user.id))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(stored_instant(now)))
    .execute(tx.conn())?;
    if ended == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "session.revoked",
            subject_type: "user",
            subject_id: &user.id,
            details: json!({ "session_id": id }),
        },
    )?;
    Ok(())
}

/// "Sign out everywhere else": ends every session of the user but `current`, recorded.
pub fn end_others(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    current: Option<&str>,
) -> Result<usize> {
    let ended = end_for_user(tx, &user.id, now, current)?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "sessions.ended",
            subject_type: "user",
            subject_id: &user.id,
            details: json!({ "ended": ended, "kept": current }),
        },
    )?;
    Ok(ended)
}
