//! Passwords: the one place a password is written (a change, a reset), and the reset links
//! an administrator issues or a user asks for by email.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{User, find};
use crate::auth::{LinkError, LinkPurpose, LinkSigner};
use crate::db::reminders::{Recipient, plan_one};
use crate::db::schema::users;
use crate::db::{DbConnection, WriteTx, audit, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::reminders::ReminderKind;
use crate::error::Result;

/// How long a reset link works.
pub const RESET_LINK_HOURS: i64 = 1;

/// How a password came to be set, as the audit trail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSet {
    /// By its owner, who gave the current one.
    Changed,
    /// Through a reset link.
    Reset,
}

/// Writes a user's new password hash and records it. Every way a password changes after the
/// account exists comes here, and ends the user's sessions but `keep_session` (the one that
/// changed it): whoever held the old password is signed out.
pub fn set_password(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    user_id: &str,
    hash: &str,
    how: PasswordSet,
    keep_session: Option<&str>,
) -> Result<()> {
    let ended = crate::db::sessions::end_for_user(tx, user_id, now, keep_session)?;
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action: match how {
                PasswordSet::Changed => "user.password_changed",
                PasswordSet::Reset => "user.password_reset",
            },
            subject_type: "user",
            subject_id: user_id,
            details: json!({ "sessions_ended": ended }),
        },
    )?;
    Ok(())
}

/// What a reset link is bound to: the password it replaces (so the link works once, and no
/// longer once the password changed some other way).
fn binding(user: &User) -> &str {
    user.password_hash.as_deref().unwrap_or("no password")
}

/// A reset link's token for this user, working until `issued` plus an hour.
pub fn reset_token(links: &LinkSigner, user: &User, issued: DateTime<Utc>) -> String {
    links.sign_bound(
        LinkPurpose::PasswordReset,
        &user.id,
        binding(user),
        issued + Duration::hours(RESET_LINK_HOURS),
    )
}

/// The active user a reset token is for, if it is still good.
pub fn reset_link_user(
    conn: &mut DbConnection,
    links: &LinkSigner,
    token: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<User, LinkError>> {
    let Some(id) = LinkSigner::claimed_subject(token) else {
        return Ok(Err(LinkError::Invalid));
    };
    let Some(user) = find(conn, id)?.filter(|u| u.active) else {
        return Ok(Err(LinkError::Invalid));
    };
    Ok(links
        .verify_bound(LinkPurpose::PasswordReset, token, binding(&user), now)
        .map(|_| user))
}

/// Records that a reset link was issued for `user` and, when `send`, queues the email that
/// carries it (the link is made when the email is written, from the time asked).
pub fn issue_reset(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    user: &User,
    send: bool,
) -> Result<()> {
    if send {
        plan_one(
            tx,
            now,
            Recipient::User(&user.id),
            ReminderKind::PasswordReset,
            &now.to_rfc3339(),
            now,
        )?;
    }
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action: "user.password_reset_issued",
            subject_type: "user",
            subject_id: &user.id,
            details: json!({ "emailed": send }),
        },
    )?;
    Ok(())
}
