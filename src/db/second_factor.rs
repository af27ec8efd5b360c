//! The second factor of a user: their TOTP secret (sealed; `http::second_factor` holds the
//! key), whether it is on, the last step a code was accepted for, and their recovery codes
//! (as SHA-256 hashes). The rules are in `domain::second_factor`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::auth::token_hash;
use crate::db::schema::{recovery_codes, second_factors};
use crate::db::{DbConnection, WriteTx, audit, sessions, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::error::{Error, Result};

/// A user's second factor as stored.
#[derive(Debug, Clone)]
pub struct Factor {
    pub sealed_secret: String,
    /// On: confirmed with a code. Off: an enrolment started and not yet confirmed.
    pub enrolled: bool,
    pub last_step: Option<u64>,
}

/// The user's second factor, enrolled or being enrolled; None when they have none.
pub fn of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<Factor>> {
    let row = second_factors::table
        .find(user_id)
        .select((
            second_factors::sealed_secret,
            second_factors::enrolled_at.is_not_null(),
            second_factors::last_step,
        ))
        .first::<(String, bool, Option<i64>)>(conn)
        .optional()?;
    Ok(row.map(|(sealed_secret, enrolled, last_step)| Factor {
        sealed_secret,
        enrolled,
        last_step: last_step.map(|s| s as u64),
    }))
}

/// True when the user's second factor is on.
pub fn is_enrolled(conn: &mut DbConnection, user_id: &str) -> QueryResult<bool> {
    Ok(of_user(conn, user_id)?.is_some_and(|f| f.enrolled))
}

fn record(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    action: &str,
    user_id: &str,
    details: serde_json::Value,
) -> QueryResult<()> {
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action,
            subject_type: "user",
            subject_id: user_id,
            details,
        },
    )?;
    Ok(())
}

/// Starts an enrolment with a new sealed secret, replacing one not yet confirmed; refused
/// while the second factor is on (turn it off first).
pub fn start(tx: &mut WriteTx, now: DateTime<Utc>, user_id: &str, sealed: &str) -> Result<()> {
    if is_enrolled(tx, user_id)? {
        return Err(Error::refused(crate::problem!("second_factor_on")));
    }
    diesel::delete(second_factors::table.find(user_id)).execute(tx.conn())?;
    diesel::insert_into(second_factors::table)
        .values((
            second_factors::user_id.eq(user_id),
            second_factors::sealed_secret.eq(sealed),
            second_factors::started_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    record(
        tx,
        now,
        &Actor::User(user_id.into()),
        "user.second_factor_started",
        user_id,
        json!({}),
    )?;
    Ok(())
}

/// Notes that a code of `step` was accepted, if no code of that step or a later one was: the
/// condition is in the statement, so two requests with one code cannot both pass.
pub fn take_step(tx: &mut WriteTx, user_id: &str, step: u64) -> QueryResult<bool> {
    let step = step as i64;
    let taken = diesel::update(
        second_factors::table.find(user_id).filter(
            second_factors::last_step
                .is_null()
                .or(second_factors::last_step.lt(step)),
        ),
    )
    .set(second_factors::last_step.eq(step))
    .execute(tx.conn())?;
    Ok(taken == 1)
}

/// Turns the second factor on (its first code accepted at `step`) with these recovery codes.
pub fn confirm(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user_id: &str,
    codes: &[String],
) -> Result<()> {
    diesel::update(second_factors::table.find(user_id))
        .set(second_factors::enrolled_at.eq(stored_instant(now)))
        .execute(tx.conn())?;
    store_codes(tx, now, user_id, codes)?;
    record(
        tx,
        now,
        &Actor::User(user_id.into()),
        "user.second_factor_enrolled",
        user_id,
        json!({}),
    )?;
    Ok(())
}

fn store_codes(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user_id: &str,
    codes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(tx.conn())?;
    for code in codes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(uuid::Uuid::now_v7().to_string()),
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(token_hash(code)),
                recovery_codes::created_at.eq(stored_instant(now)),
            ))
            .execute(tx.conn())?;
    }
    Ok(())
}

/// New recovery codes for a user whose second factor is on; the old ones stop working.
pub fn renew_codes(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user_id: &str,
    codes: &[String],
) -> Result<()> {
    if !is_enrolled(tx, user_id)? {
        return Err(Error::refused(crate::problem!("second_factor_off")));
    }
    store_codes(tx, now, user_id, codes)?;
    record(
        tx,
        now,
        &Actor::User(user_id.into()),
        "user.recovery_codes_renewed",
        user_id,
        json!({}),
    )?;
    Ok(())
}

/// Spends a recovery code (normalized as issued): true if it was one of the user's, unspent.
pub fn spend_code(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user_id: &str,
    code: &str,
) -> QueryResult<bool> {
    let spent = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(token_hash(code)))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(stored_instant(now)))
    .execute(tx.conn())?;
    if spent == 1 {
        record(
            tx,
            now,
            &Actor::User(user_id.into()),
            "user.recovery_code_used",
            user_id,
            json!({}),
        )?;
    }
    Ok(spent == 1)
}

/// How many unspent recovery codes the user has.
pub fn codes_left(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// Removes the user's second factor and recovery codes: turned off by the user (`actor` is
/// them) or reset by an administrator, which also ends the user's sessions (they sign in
/// again and, if their role needs it, enrol again). A user who has none: refused when they
/// turn it off, nothing to do for a reset.
pub fn remove(tx: &mut WriteTx, now: DateTime<Utc>, actor: &Actor, user_id: &str) -> Result<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(tx.conn())?;
    let removed = diesel::delete(second_factors::table.find(user_id)).execute(tx.conn())?;
    let by_self = matches!(actor, Actor::User(id) if id == user_id);
    match (removed, by_self) {
        (0, true) => return Err(Error::refused(crate::problem!("second_factor_off"))),
        (0, false) => return Ok(()),
        _ => {}
    }
    let (action, ended) = if by_self {
        ("user.second_factor_disabled", 0)
    } else {
        (
            "user.second_factor_reset",
            sessions::end_for_user(tx, user_id, now, None)?,
        )
    };
    record(
        tx,
        now,
        actor,
        action,
        user_id,
        json!({ "sessions_ended": ended }),
    )?;
    Ok(())
}
