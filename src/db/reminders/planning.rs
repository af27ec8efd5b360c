//! Reminders: one row per recipient, occasion and period (the unique key), planned in bulk,
//! each with a send job; once sent, the exact bytes, their SHA-256 and the server's reply.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Integer, Text, Timestamp};
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::jobs::JobKind;
use super::schema::{employees, reminders};
use super::{DbConnection, per_backend, placeholders, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::obligations::ObligationKind;
use crate::domain::obligations::ObligationStatus;
use crate::domain::reminders::{ReminderKind, ReminderStatus};

/// Days after its end in which an obligation missed by a downtime still gets its release notice.
pub const RELEASE_CATCH_UP_DAYS: u64 = 7;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = reminders)]
pub struct Reminder {
    pub id: String,
    /// The former employee (or, for a nudge, the manager) it is for.
    pub employee_id: Option<String>,
    /// The staff user it is for (digest, loss, nudge).
    pub user_id: Option<String>,
    /// periodic, ending, released, on_request, nudge, digest or loss.
    pub kind: ReminderKind,
    /// Which slot or date of the occasion.
    pub period: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: NaiveDateTime,
    /// scheduled, sent, failed or acknowledged.
    pub status: ReminderStatus,
    pub to_address: Option<String>,
    /// Stable per reminder, so a receiver can drop a duplicate.
    pub message_id: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<NaiveDateTime>,
    /// The mail server's answer.
    pub server_reply: Option<String>,
    /// SHA-256 of the message exactly as sent (also in the audit trail).
    pub message_sha256: Option<String>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<NaiveDateTime>,
}

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
    conn: &mut DbConnection,
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
        conn,
        &format!(
            "INSERT INTO reminders (id, unique_key, employee_id, kind, period, due_at, status, \
               created_at, updated_at) \
             SELECT {id}, p.unique_key, p.employee_id, $1, p.period, $2, 'scheduled', $3, $3 \
             FROM ({select}) p WHERE true \
             ON CONFLICT (unique_key) DO NOTHING",
            id = IdRun::sql(conn, "$6", "row_number() OVER ()"),
        ),
    );
    let stored_now = stored_instant(now);
    let due_at = stored_instant(due_at);
    macro_rules! run {
        ($sql_type:ty, $value:expr) => {
            per_backend!(conn, c => diesel::sql_query(&sql)
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
        enqueue_sends(conn, now, &ids)?;
    }
    Ok(planned)
}

/// The send jobs of the reminders one bulk statement made (the ids of `made`), in their order.
fn enqueue_sends(conn: &mut DbConnection, now: DateTime<Utc>, made: &IdRun) -> QueryResult<usize> {
    let sql = placeholders(
        conn,
        &format!(
            "INSERT INTO jobs (id, kind, payload, unique_key, state, attempts, max_attempts, \
               run_at, created_at, updated_at) \
             SELECT {id}, '{send}', r.id, 'send:' || r.id, 'queued', 0, $1, r.due_at, $2, $2 \
             FROM reminders r WHERE r.id BETWEEN $4 AND $5 \
             ON CONFLICT (unique_key) DO NOTHING",
            id = IdRun::sql(conn, "$3", "row_number() OVER (ORDER BY r.id)"),
            send = JobKind::SendReminder,
        ),
    );
    let jobs = IdRun::new();
    per_backend!(conn, c => diesel::sql_query(&sql)
        .bind::<Integer, _>(super::jobs::MAX_ATTEMPTS)
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
    conn: &mut DbConnection,
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
        conn,
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
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    days: u32,
    due_at: DateTime<Utc>,
) -> QueryResult<usize> {
    let last = today
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    let end = date_text(conn, "ends_on");
    let select = format!(
        "SELECT 'employee:' || employee_id || ':ending:' || {end} AS unique_key, \
           employee_id, {end} AS period \
         FROM obligations WHERE {OWED} AND ends_on > $4 AND ends_on <= $5 \
         GROUP BY employee_id, ends_on"
    );
    plan_bulk(
        conn,
        now,
        ReminderKind::Ending,
        due_at,
        &select,
        today,
        Extra::Date(last),
    )
}

/// Release notices: obligations whose last day is `today` (or, after a downtime, a few days
/// before), unless they were waived, rescinded or superseded.
pub fn plan_released(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    due_at: DateTime<Utc>,
) -> QueryResult<usize> {
    let first = today
        .checked_sub_days(chrono::Days::new(RELEASE_CATCH_UP_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let end = date_text(conn, "ends_on");
    let select = format!(
        "SELECT 'employee:' || employee_id || ':released:' || {end} AS unique_key, \
           employee_id, {end} AS period \
         FROM obligations WHERE status IN ('active', 'breached', 'ended') AND ends_on <= $4 \
           AND ends_on >= $5 \
         GROUP BY employee_id, ends_on"
    );
    plan_bulk(
        conn,
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
/// already planned; returns its id when new. Call inside a write transaction.
pub fn plan_one(
    conn: &mut DbConnection,
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
    let added = per_backend!(conn, c => diesel::insert_into(reminders::table)
        .values(values)
        .on_conflict(reminders::unique_key)
        .do_nothing()
        .execute(c))?;
    if added == 0 {
        return Ok(None);
    }
    super::jobs::enqueue(
        conn,
        now,
        JobKind::SendReminder,
        &id,
        &format!("send:{id}"),
        due_at,
    )?;
    Ok(Some(id))
}

/// Tells HR and security of a carrier confirmed missing, one email each. Call inside the
/// confirming transaction.
pub fn plan_loss_notices(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    line_id: &str,
) -> QueryResult<usize> {
    use crate::domain::users::Role;
    let mut planned = 0;
    for user in super::users::active_with_roles(conn, &[Role::Hr, Role::Security])? {
        planned += usize::from(
            plan_one(
                conn,
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

pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Reminder>> {
    reminders::table
        .find(id)
        .select(Reminder::as_select())
        .first(conn)
        .optional()
}

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
    conn: &mut DbConnection,
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
    .execute(conn)?;
    if changed == 1 {
        audit::record(
            conn,
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
    conn: &mut DbConnection,
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
    .execute(conn)?;
    if changed == 1 {
        audit::record(
            conn,
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
pub fn note_error(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: &str,
    error: &str,
) -> QueryResult<()> {
    diesel::update(reminders::table.find(id))
        .set((
            reminders::last_error.eq(error),
            reminders::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The former employee acknowledged the reminder — and with it every earlier one still
/// unacknowledged, since it lists their obligations as they stand. Returns false if it
/// already was.
pub fn acknowledge(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    id: &str,
    from_address: Option<&str>,
) -> QueryResult<bool> {
    let Some((employee_id, sent_at)) = reminders::table
        .find(id)
        .filter(reminders::status.eq(ReminderStatus::Sent))
        .select((reminders::employee_id, reminders::sent_at))
        .first::<(Option<String>, Option<NaiveDateTime>)>(conn)
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
    .execute(conn)?;
    if changed > 0 {
        audit::record(
            conn,
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

#[derive(Debug, Clone, Default)]
pub struct ReminderFilter {
    pub status: Option<ReminderStatus>,
    pub kind: Option<ReminderKind>,
    pub employee_id: Option<String>,
    /// Sent before this instant and still unacknowledged (the digest's escalation).
    pub unacknowledged_since: Option<NaiveDateTime>,
    /// Leave out what only security and admin may know of (reports that arrived).
    pub hide_breach_notices: bool,
    /// Due at or after this instant.
    pub due_since: Option<NaiveDateTime>,
    /// The order of the list (default: latest due first).
    pub sort: Option<ReminderSort>,
}

crate::string_enum! {
    /// What a list of reminders can be sorted by.
    pub enum ReminderSortKey ("a sort key") {
        DueAt = "due_at",
        SentAt = "sent_at",
        Kind = "kind",
        Status = "status",
    }
}

/// A sort key, ascending, or descending when written with a leading `-` (`-due_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderSort {
    pub key: ReminderSortKey,
    pub descending: bool,
}

impl std::str::FromStr for ReminderSort {
    type Err = String;
    fn from_str(text: &str) -> Result<ReminderSort, String> {
        let text = text.trim();
        let (descending, key) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Ok(ReminderSort {
            key: key.parse()?,
            descending,
        })
    }
}

type Boxed = reminders::BoxedQuery<'static, super::MultiBackend>;

fn filtered(filter: &ReminderFilter) -> Boxed {
    let mut q = reminders::table.into_boxed();
    if let Some(s) = filter.status {
        q = q.filter(reminders::status.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(reminders::kind.eq(k.as_str()));
    }
    if let Some(e) = &filter.employee_id {
        q = q.filter(reminders::employee_id.eq(e.clone()));
    }
    if filter.hide_breach_notices {
        q = q.filter(reminders::kind.ne(ReminderKind::BreachReported));
    }
    if let Some(before) = filter.unacknowledged_since {
        q = q
            .filter(reminders::status.eq(ReminderStatus::Sent))
            .filter(reminders::sent_at.lt(before));
    }
    if let Some(since) = filter.due_since {
        q = q.filter(reminders::due_at.ge(since));
    }
    q
}

/// Orders the query by the chosen key (unsent ones after the sent when by sending time, on
/// both databases), then latest due first and by id, so pages never overlap.
fn sorted(q: Boxed, sort: Option<ReminderSort>) -> Boxed {
    let sort = sort.unwrap_or(ReminderSort {
        key: ReminderSortKey::DueAt,
        descending: true,
    });
    let q = match (sort.key, sort.descending) {
        (ReminderSortKey::DueAt, false) => q.order_by(reminders::due_at.asc()),
        (ReminderSortKey::DueAt, true) => q.order_by(reminders::due_at.desc()),
        (ReminderSortKey::SentAt, false) => q
            .order_by(reminders::sent_at.is_null().asc())
            .then_order_by(reminders::sent_at.asc()),
        (ReminderSortKey::SentAt, true) => q
            .order_by(reminders::sent_at.is_null().asc())
            .then_order_by(reminders::sent_at.desc()),
        (ReminderSortKey::Kind, false) => q.order_by(reminders::kind.asc()),
        (ReminderSortKey::Kind, true) => q.order_by(reminders::kind.desc()),
        (ReminderSortKey::Status, false) => q.order_by(reminders::status.asc()),
        (ReminderSortKey::Status, true) => q.order_by(reminders::status.desc()),
    };
    q.then_order_by(reminders::due_at.desc())
        .then_order_by(reminders::id.desc())
}

/// One page of reminders, latest due first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    filter: &ReminderFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Reminder>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = sorted(filtered(filter), filter.sort)
        .offset(offset)
        .limit(limit)
        .select(Reminder::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The names of the people and staff users these reminders are for, in two queries whatever
/// their number: (employees by id, users by id).
#[allow(clippy::type_complexity)]
pub fn recipient_names(
    conn: &mut DbConnection,
    employee_ids: &[&str],
    user_ids: &[&str],
) -> QueryResult<(HashMap<String, String>, HashMap<String, String>)> {
    use super::schema::users;
    let people = if employee_ids.is_empty() {
        HashMap::new()
    } else {
        employees::table
            .filter(employees::id.eq_any(employee_ids))
            .select((employees::id, employees::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    let staff = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(user_ids))
            .select((users::id, users::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok((people, staff))
}

/// Sends a failed reminder again: it is scheduled anew and its send job queued to run now,
/// so the next run of the worker sends it — once, as any scheduled reminder. Refused (409)
/// for a reminder that has not failed. Call inside a write transaction.
pub fn resend(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor_id: &str,
    id: &str,
) -> crate::error::Result<Reminder> {
    use crate::error::Error;
    let Some(before) = get(conn, id)? else {
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
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict(format!(
            "only a failed reminder is sent again; this one is {}",
            before.status
        )));
    }
    super::jobs::requeue(conn, now, JobKind::SendReminder, id, &format!("send:{id}"))?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "reminder.resent",
            subject_type: "reminder",
            subject_id: id,
            details: json!({ "previous_error": before.last_error, "to": before.to_address }),
        },
    )?;
    get(conn, id)?.ok_or(Error::NotFound)
}

/// The people with this private email who have active obligations (for a fresh link).
pub fn former_employees_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Vec<String>> {
    use super::schema::obligations;
    let email = email.trim().to_lowercase();
    employees::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(private_email) = ")
                .bind::<Text, _>(email),
        )
        .filter(diesel::dsl::exists(
            obligations::table
                .filter(obligations::employee_id.eq(employees::id))
                .filter(obligations::status.eq(ObligationStatus::Active)),
        ))
        .select(employees::id)
        .load(conn)
}
