//! The sending state: the message as sent, a send recorded or failed, an error noted, a
//! reminder acknowledged, and a failed one sent again.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{Reminder, get};
use crate::db::audit;
use crate::db::jobs::JobKind;
use crate::db::schema::reminders;
use crate::db::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::reminders::ReminderStatus;
use crate::problem;

/// What was sent: the reminder and the exact bytes.
pub fn sent_message(conn: &mut DbConnection, id: &str) -> QueryResult<Option<(Reminder, Vec<u8>)>> {
    Ok(reminders::table
        .find(id)
        .select((Reminder::as_select(), reminders::message))
        .first::<(Reminder, Option<Vec<u8>>)>(conn)
        .optional()?
        .and_then(|(r, m)| m.map(|m| (r, m))))
}

/// The message went out: keep its bytes, hash and the server's reply, and put the hash in the
/// audit chain. Only a reminder still scheduled changes (a second worker cannot overwrite).
#[allow(clippy::too_many_arguments)]
pub fn record_sent(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    to: &str,
    message_id: &str,
    bytes: &[u8],
    sha256: &str,
    reply: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        reminders::table
            .filter(reminders::id.eq(id))
            .filter(reminders::status.eq(ReminderStatus::Scheduled)),
    )
    .set((
        reminders::status.eq(ReminderStatus::Sent),
        reminders::to_address.eq(to),
        reminders::message_id.eq(message_id),
        reminders::sent_at.eq(stored_instant(now)),
        reminders::server_reply.eq(reply),
        reminders::message.eq(bytes),
        reminders::message_sha256.eq(sha256),
        reminders::last_error.eq(None::<String>),
        reminders::updated_at.eq(stored_instant(now)),
    ))
    .execute(tx.conn())?;
    if changed == 1 {
        audit::record(
            tx,
            now,
            NewEvent {
                actor: &Actor::System,
                action: "reminder.sent",
                subject_type: "reminder",
                subject_id: id,
                details: json!({
                    "to": to, "message_id": message_id, "sha256": sha256, "reply": reply,
                }),
            },
        )?;
    }
    Ok(changed == 1)
}

/// The reminder cannot be delivered (no address, a permanent refusal, attempts used up).
pub fn record_failed(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    to: Option<&str>,
    error: &str,
) -> QueryResult<()> {
    let changed = diesel::update(
        reminders::table
            .filter(reminders::id.eq(id))
            .filter(reminders::status.eq(ReminderStatus::Scheduled)),
    )
    .set((
        reminders::status.eq(ReminderStatus::Failed),
        reminders::to_address.eq(to),
        reminders::last_error.eq(error),
        reminders::updated_at.eq(stored_instant(now)),
    ))
    .execute(tx.conn())?;
    if changed == 1 {
        audit::record(
            tx,
            now,
            NewEvent {
                actor: &Actor::System,
                action: "reminder.failed",
                subject_type: "reminder",
                subject_id: id,
                details: json!({ "to": to, "error": error }),
            },
        )?;
    }
    Ok(())
}

/// A temporary failure, kept on the row while the job waits to retry.
pub fn note_error(tx: &mut WriteTx, now: DateTime<Utc>, id: &str, error: &str) -> QueryResult<()> {
    diesel::update(reminders::table.find(id))
        .set((
            reminders::last_error.eq(error),
            reminders::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The former employee acknowledged the reminder — and with it every earlier one still
/// unacknowledged, since it lists their obligations as they stand. Returns false if it
/// already was.
pub fn acknowledge(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    from_address: Option<&str>,
) -> QueryResult<bool> {
    let Some((employee_id, sent_at)) = reminders::table
        .find(id)
        .filter(reminders::status.eq(ReminderStatus::Sent))
        .select((reminders::employee_id, reminders::sent_at))
        .first::<(Option<String>, Option<NaiveDateTime>)>(tx.conn())
        .optional()?
    else {
        return Ok(false);
    };
    let changed = diesel::update(
        reminders::table
            .filter(reminders::employee_id.eq(&employee_id))
            .filter(reminders::status.eq(ReminderStatus::Sent))
            .filter(reminders::sent_at.le(sent_at)),
    )
    .set((
        reminders::status.eq(ReminderStatus::Acknowledged),
        reminders::acknowledged_at.eq(stored_instant(now)),
        reminders::updated_at.eq(stored_instant(now)),
    ))
    .execute(tx.conn())?;
    if changed > 0 {
        audit::record(
            tx,
            now,
            NewEvent {
                actor: &Actor::System,
                action: "reminder.acknowledged",
                subject_type: "reminder",
                subject_id: id,
                details: json!({ "employee_id": employee_id, "client": from_address }),
            },
        )?;
    }
    Ok(changed > 0)
}

/// Sends a failed reminder again: it is scheduled anew and its send job queued to run now,
/// so the next run of the worker sends it — once, as any scheduled reminder. Refused (409)
/// for a reminder that has not failed.
pub fn resend(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    id: &str,
) -> crate::error::Result<Reminder> {
    use crate::error::Error;
    let Some(before) = get(tx, id)? else {
        return Err(Error::NotFound);
    };
    let changed = diesel::update(
        reminders::table
            .filter(reminders::id.eq(id))
            .filter(reminders::status.eq(ReminderStatus::Failed)),
    )
    .set((
        reminders::status.eq(ReminderStatus::Scheduled),
        reminders::last_error.eq(None::<String>),
        reminders::updated_at.eq(stored_instant(now)),
    ))
    .execute(tx.conn())?;
    if changed == 0 {
        return Err(Error::refused(match before.status {
            ReminderStatus::Scheduled => problem!("resend_only_failed_scheduled"),
            ReminderStatus::Sent => problem!("resend_only_failed_sent"),
            ReminderStatus::Acknowledged => problem!("resend_only_failed_acknowledged"),
            ReminderStatus::Failed => problem!("resend_only_failed_failed"),
        }));
    }
    crate::db::jobs::requeue(tx, now, JobKind::SendReminder, id, &format!("send:{id}"))?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "reminder.resent",
            subject_type: "reminder",
            subject_id: id,
            details: json!({ "previous_error": before.last_error, "to": before.to_address }),
        },
    )?;
    get(tx, id)?.ok_or(Error::NotFound)
}
