//! Planning reminders: in bulk for each occasion (periodic, ending, released), one at a time,
//! and the loss notices, each with its send job.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Text, Timestamp};

use crate::db::jobs::JobKind;
use crate::db::schema::reminders;
use crate::db::{DbConnection, per_backend, placeholders, stored_instant};
use crate::domain::obligations::ObligationKind;
use crate::domain::reminders::{ReminderKind, ReminderStatus, released_last_day};

/// Days after its end in which an obligation missed by a downtime still gets its release notice.
pub const RELEASE_CATCH_UP_DAYS: u64 = 7;

/// The ids of the rows one bulk statement inserts: a time-ordered UUID (v7) whose last eight
/// hex digits are the row's number in the statement. The statement's rows are then one
/// ascending run of the primary key — appended to its index rather than scattered over it —
/// which the statement queueing their send jobs reads back by range.
struct IdRun {
    prefix: String,
}

impl IdRun {
    fn new() -> IdRun {
        // The first 28 characters hold the millisecond and the 42-bit counter `now_v7` steps
        // within it, so no two runs of one process share them (across processes the counter
        // starts at random).
        let id = uuid::Uuid::now_v7().to_string();
        IdRun {
            prefix: id[..28].to_string(),
        }
    }

    /// The id of row number `n` (an SQL expression), the prefix bound as parameter `param`.
    fn sql(conn: &DbConnection, param: &str, n: &str) -> String {
        match conn {
            DbConnection::Pg(_) => format!("{param} || lpad(to_hex({n}), 8, '0')"),
            DbConnection::Sqlite(_) => format!("{param} || printf('%08x', {n})"),
        }
    }

    fn first(&self) -> String {
        format!("{}00000000", self.prefix)
    }

    fn last(&self) -> String {
        format!("{}ffffffff", self.prefix)
    }
}

/// A date column as `YYYY-MM-DD` text whatever the server's date style.
fn date_text(conn: &DbConnection, column: &str) -> String {
    match conn {
        DbConnection::Pg(_) => format!("to_char({column}, 'YYYY-MM-DD')"),
        DbConnection::Sqlite(_) => column.to_string(),
    }
}

/// Obligations still owed: active, or breached (the duty goes on, with the breach on record).
const OWED: &str = "status IN ('active', 'breached')";

/// The one value a planning query adds to the common ones, bound as `$5`.
enum Extra<'a> {
    /// The cadence slot the reminders belong to.
    Slot(&'a str),
    /// A boundary date of the obligations looked at.
    Date(NaiveDate),
}

/// Inserts the reminders `select` yields — columns (unique_key, employee_id, period); in it
/// `$4` is `today` and `$5` the extra value — of one kind, skipping those already planned,
/// with their send jobs; returns how many are new. Every value is bound; the SQL text holds
/// only constants.
fn plan_bulk(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    kind: ReminderKind,
    due_at: DateTime<Utc>,
    select: &str,
    today: NaiveDate,
    extra: Extra,
) -> QueryResult<usize> {
    let ids = IdRun::new();
    // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.
    let sql = placeholders(
        tx,
        &format!(
            "INSERT INTO reminders (id, unique_key, employee_id, kind, period, due_at, status, \
               created_at, updated_at) \
             SELECT {id}, p.unique_key, p.employee_id, $1, p.period, $2, 'scheduled', $3, $3 \
             FROM ({select}) p WHERE true \
             ON CONFLICT (unique_key) DO NOTHING",
            id = IdRun::sql(tx, "$6", "row_number() OVER ()"),
        ),
    );
    let stored_now = stored_instant(now);
    let due_at = stored_instant(due_at);
    macro_rules! run {
        ($sql_type:ty, $value:expr) => {
            per_backend!(tx.conn(), c => diesel::sql_query(&sql)
                .bind::<Text, _>(kind.as_str())
                .bind::<Timestamp, _>(due_at)
                .bind::<Timestamp, _>(stored_now)
                .bind::<Date, _>(today)
                .bind::<$sql_type, _>($value)
                .bind::<Text, _>(&ids.prefix)
                .execute(c))
        };
    }
    let planned = match extra {
        Extra::Slot(slot) => run!(Text, slot),
        Extra::Date(date) => run!(Date, date),
    }?;
    if planned > 0 {
        enqueue_sends(tx, now, &ids)?;
    }
    Ok(planned)
}

/// The send jobs of the reminders one bulk statement made (the ids of `made`), in their order.
fn enqueue_sends(tx: &mut WriteTx, now: DateTime<Utc>, made: &IdRun) -> QueryResult<usize> {
    let sql = placeholders(
        tx,
        &format!(
            "INSERT INTO jobs (id, kind, payload, unique_key, state, attempts, max_attempts, \
               run_at, due_at, created_at, updated_at) \
             SELECT {id}, '{send}', r.id, 'send:' || r.id, 'queued', 0, $1, r.due_at, r.due_at, \
               $2, $2 \
             FROM reminders r WHERE r.id BETWEEN $4 AND $5 \
             ON CONFLICT (unique_key) DO NOTHING",
            id = IdRun::sql(tx, "$3", "row_number() OVER (ORDER BY r.id)"),
            send = JobKind::SendReminder,
        ),
    );
    let jobs = IdRun::new();
    per_backend!(tx.conn(), c => diesel::sql_query(&sql)
        .bind::<Integer, _>(crate::db::jobs::MAX_ATTEMPTS)
        .bind::<Timestamp, _>(stored_instant(now))
        .bind::<Text, _>(&jobs.prefix)
        .bind::<Text, _>(made.first())
        .bind::<Text, _>(made.last())
        .execute(c))
}

/// The obligation kinds as an SQL list of constants (the kinds' own names, never input).
fn quoted_kinds(kinds: &[ObligationKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The reminder of one cadence slot: every person with an active obligation of these kinds.
pub fn plan_periodic(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    kinds: &[ObligationKind],
    slot: &str,
    today: NaiveDate,
    due_at: DateTime<Utc>,
) -> QueryResult<usize> {
    let select = format!(
        "SELECT 'employee:' || employee_id || ':periodic:' || $5 AS unique_key, employee_id, \
           $5 AS period \
         FROM obligations WHERE {OWED} AND kind IN ({kinds}) \
           AND (ends_on IS NULL OR ends_on >= $4) \
         GROUP BY employee_id",
        kinds = quoted_kinds(kinds)
    );
    plan_bulk(
        tx,
        now,
        ReminderKind::Periodic,
        due_at,
        &select,
        today,
        Extra::Slot(slot),
    )
}

/// Notices before an end: obligations ending after `today` and within `days` of it. An
/// obligation recorded after its notice date still gets its notice, at the next run.
pub fn plan_ending(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    days: u32,
    due_at: DateTime<Utc>,
) -> QueryResult<usize> {
    let last = today
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    let end = date_text(tx, "ends_on");
    let select = format!(
        "SELECT 'employee:' || employee_id || ':ending:' || {end} AS unique_key, \
           employee_id, {end} AS period \
         FROM obligations WHERE {OWED} AND ends_on > $4 AND ends_on <= $5 \
         GROUP BY employee_id, ends_on"
    );
    plan_bulk(
        tx,
        now,
        ReminderKind::Ending,
        due_at,
        &select,
        today,
        Extra::Date(last),
    )
}

/// Release notices, on the first day after an obligation's last day (`release_day`: on its
/// last day it still runs, to 24:00): obligations whose last day was yesterday — or, after a
/// downtime, a few days before — unless they were waived, rescinded or superseded.
pub fn plan_released(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    due_at: DateTime<Utc>,
) -> QueryResult<usize> {
    let last_day = released_last_day(today);
    let first = last_day
        .checked_sub_days(chrono::Days::new(RELEASE_CATCH_UP_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let end = date_text(tx, "ends_on");
    // `ends_on < $4` (today): the last day is `last_day` or before.
    let select = format!(
        "SELECT 'employee:' || employee_id || ':released:' || {end} AS unique_key, \
           employee_id, {end} AS period \
         FROM obligations WHERE status IN ('active', 'breached', 'ended') AND ends_on < $4 \
           AND ends_on >= $5 \
         GROUP BY employee_id, ends_on"
    );
    plan_bulk(
        tx,
        now,
        ReminderKind::Released,
        due_at,
        &select,
        today,
        Extra::Date(first),
    )
}

/// Who a single reminder is for.
#[derive(Debug, Clone, Copy)]
pub enum Recipient<'a> {
    Employee(&'a str),
    User(&'a str),
}

/// Plans one reminder (and its send job) unless the same recipient, occasion and period is
/// already planned; returns its id when new.
pub fn plan_one(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    to: Recipient<'_>,
    kind: ReminderKind,
    period: &str,
    due_at: DateTime<Utc>,
) -> QueryResult<Option<String>> {
    let (employee_id, user_id, key) = match to {
        Recipient::Employee(id) => (Some(id), None, format!("employee:{id}:{kind}:{period}")),
        Recipient::User(id) => (None, Some(id), format!("user:{id}:{kind}:{period}")),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let at = stored_instant(now);
    let values = (
        reminders::id.eq(&id),
        reminders::unique_key.eq(&key),
        reminders::employee_id.eq(employee_id),
        reminders::user_id.eq(user_id),
        reminders::kind.eq(kind.as_str()),
        reminders::period.eq(period),
        reminders::due_at.eq(stored_instant(due_at)),
        reminders::status.eq(ReminderStatus::Scheduled),
        reminders::created_at.eq(at),
        reminders::updated_at.eq(at),
    );
    let added = per_backend!(tx.conn(), c => diesel::insert_into(reminders::table)
        .values(values)
        .on_conflict(reminders::unique_key)
        .do_nothing()
        .execute(c))?;
    if added == 0 {
        return Ok(None);
    }
    crate::db::jobs::enqueue(
        tx,
        now,
        JobKind::SendReminder,
        &id,
        &format!("send:{id}"),
        due_at,
    )?;
    Ok(Some(id))
}

/// Tells `roles` of a loss, one email each: HR and security of a carrier confirmed missing;
/// security of a line not handed over at completion (HR, completing it, knows). In the
/// transaction that records it.
pub fn plan_loss_notices(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    line_id: &str,
    roles: &[crate::domain::users::Role],
) -> QueryResult<usize> {
    let mut planned = 0;
    for user in crate::db::users::active_with_roles(tx, roles)? {
        planned += usize::from(
            plan_one(
                tx,
                now,
                Recipient::User(&user.id),
                ReminderKind::Loss,
                line_id,
                now,
            )?
            .is_some(),
        );
    }
    Ok(planned)
}

/// Tells every HR user that a successor said an item is not as described, one email each,
/// in the transaction that records it; `event` is that record's sequence number.
pub fn plan_dispute_notices(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    event: i64,
) -> QueryResult<usize> {
    let mut planned = 0;
    let period = event.to_string();
    for user in crate::db::users::active_with_roles(tx, &[crate::domain::users::Role::Hr])? {
        planned += usize::from(
            plan_one(
                tx,
                now,
                Recipient::User(&user.id),
                ReminderKind::HandoverDisputed,
                &period,
                now,
            )?
            .is_some(),
        );
    }
    Ok(planned)
}

/// Whether the reminder with this unique key has gone out already (or failed for good):
/// planning it again would add nothing.
pub fn is_sent(conn: &mut DbConnection, unique_key: &str) -> QueryResult<bool> {
    let status: Option<ReminderStatus> = reminders::table
        .filter(reminders::unique_key.eq(unique_key))
        .select(reminders::status)
        .first(conn)
        .optional()?;
    Ok(status.is_some_and(|s| s != ReminderStatus::Scheduled))
}
