//! The durable job queue: enqueued in the transaction of the change that causes the work,
//! claimed with a lease, retried with backoff until a horizon after it was due, kept as
//! `failed` after that.

use crate::db::WriteTx;
use crate::domain::reminders::ReminderStatus;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde::Serialize;

use super::listing::{self, Page, Window};
use super::schema::jobs;
use super::{DbConnection, per_backend, placeholders, stored_instant};

crate::string_enum! {
    pub enum JobState ("a job state") {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

crate::string_enum! {
    /// What a job does.
    pub enum JobKind ("a job kind") {
        /// Plans the periodic reminders of a schedule's slot.
        PlanPeriodic = "plan_periodic",
        /// Plans the day's end notices, releases and nudges.
        PlanDaily = "plan_daily",
        /// Plans HR's digest.
        PlanDigest = "plan_digest",
        /// Ends the obligations whose last day has passed.
        EndObligations = "end_obligations",
        /// Sends one reminder.
        SendReminder = "send_reminder",
        /// A departure completed before the end of its last working day takes effect.
        DepartureTakesEffect = "departure_takes_effect",
    }
}

/// Claims of one job before it is given up when its worker stopped during it: a guard against
/// a job that kills its worker every time. Failures the worker lives through are bounded by
/// the horizon instead ([`crate::domain::delivery::next_try`]).
pub const MAX_ATTEMPTS: i32 = 10_000;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub payload: String,
    pub unique_key: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub run_at: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub locked_until: Option<chrono::NaiveDateTime>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::NaiveDateTime,
    /// When the work was due: tried again after temporary failures until a horizon after it.
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: chrono::NaiveDateTime,
}

/// Adds a job unless one with the same unique key exists (in any state); returns whether it
/// was added. In the transaction of the change that causes the work.
pub fn enqueue(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    kind: JobKind,
    payload: &str,
    unique_key: &str,
    run_at: DateTime<Utc>,
) -> QueryResult<bool> {
    let at = stored_instant(now);
    let values = (
        jobs::id.eq(uuid::Uuid::now_v7().to_string()),
        jobs::kind.eq(kind),
        jobs::payload.eq(payload),
        jobs::unique_key.eq(unique_key),
        jobs::state.eq(JobState::Queued),
        jobs::attempts.eq(0),
        jobs::max_attempts.eq(MAX_ATTEMPTS),
        jobs::run_at.eq(stored_instant(run_at)),
        jobs::due_at.eq(stored_instant(run_at)),
        jobs::created_at.eq(at),
        jobs::updated_at.eq(at),
    );
    let added = per_backend!(tx.conn(), c => diesel::insert_into(jobs::table)
        .values(values)
        .on_conflict(jobs::unique_key)
        .do_nothing()
        .execute(c))?;
    Ok(added == 1)
}

/// Queues the job with this unique key to run now with fresh attempts, whatever became of
/// it (a send that gave up, to be tried again); adds it if it is gone. A job still queued or
/// running is left as it is. In the transaction of the change that causes the work.
pub fn requeue(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    kind: JobKind,
    payload: &str,
    unique_key: &str,
) -> QueryResult<()> {
    let at = stored_instant(now);
    let reset = diesel::update(
        jobs::table
            .filter(jobs::unique_key.eq(unique_key))
            .filter(jobs::state.eq_any([JobState::Failed, JobState::Done])),
    )
    .set((
        jobs::state.eq(JobState::Queued),
        jobs::attempts.eq(0),
        jobs::run_at.eq(at),
        jobs::due_at.eq(at),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
        jobs::last_error.eq(None::<String>),
        jobs::updated_at.eq(at),
    ))
    .execute(tx.conn())?;
    if reset == 0 {
        enqueue(tx, now, kind, payload, unique_key, now)?;
    }
    Ok(())
}

/// Takes up to `limit` due jobs — queued ones whose time has come, and running ones whose
/// lease has expired (their worker died) — for `worker`, until `lease_until`. Each claim
/// counts as an attempt. On PostgreSQL concurrent workers skip each other's rows; on SQLite
/// the write lock serialises them.
pub fn claim(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    worker: &str,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Job>> {
    // Two statements, each served by the (state, run_at) index, rather than one with an OR
    // that a large backlog makes slow: first the jobs of workers that died, then due ones.
    const CLAIM: &str = "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs WHERE {due} ORDER BY run_at LIMIT $4 {lock}) \
         RETURNING *";
    const EXPIRED: &str = "state = 'running' AND locked_until < $3 AND attempts < max_attempts";
    const DUE: &str = "state = 'queued' AND run_at <= $3";
    let now = stored_instant(now);
    let lease_until = stored_instant(lease_until);
    let run = |conn: &mut DbConnection, due: &str| -> QueryResult<Vec<Job>> {
        let lock = match conn {
            DbConnection::Pg(_) => "FOR UPDATE SKIP LOCKED",
            DbConnection::Sqlite(_) => "",
        };
        // Only the kinds this build knows: a job of a kind added by a newer release (on a
        // shared database during an upgrade) waits for a worker that knows it, and never
        // stops this one from taking the rest.
        let known: Vec<String> = JobKind::ALL.iter().map(|k| format!("'{k}'")).collect();
        let due = format!("{due} AND kind IN ({})", known.join(", "));
        let sql = placeholders(conn, &CLAIM.replace("{due}", &due).replace("{lock}", lock));
        per_backend!(conn, c => diesel::sql_query(&sql)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(c))
    };
    super::write_tx(conn, |conn| {
        give_up_abandoned(conn, now)?;
        let taken_over = run(conn, EXPIRED)?;
        if !taken_over.is_empty() {
            return Ok(taken_over);
        }
        run(conn, DUE)
    })
}

/// Jobs whose worker died on their last attempt are failed, not retried for ever; a reminder
/// whose send job gave up is failed with it, so it shows in HR's digest.
fn give_up_abandoned(tx: &mut WriteTx, now: chrono::NaiveDateTime) -> QueryResult<()> {
    use super::schema::reminders;
    const GAVE_UP: &str = "gave up: the worker stopped during its last attempt";
    // Found first on the jobs' own index: nearly always none, and then nothing else runs on
    // every claim (an UPDATE driven from the reminders' side would read every scheduled one).
    let abandoned = || {
        jobs::table
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::locked_until.lt(now))
            .filter(jobs::attempts.ge(jobs::max_attempts))
            .filter(jobs::kind.eq_any(JobKind::ALL))
    };
    let found: Vec<(JobKind, String)> = abandoned()
        .select((jobs::kind, jobs::payload))
        .load(tx.conn())?;
    if found.is_empty() {
        return Ok(());
    }
    let reminder_ids: Vec<&str> = found
        .iter()
        .filter(|(kind, _)| *kind == JobKind::SendReminder)
        .map(|(_, payload)| payload.as_str())
        .collect();
    diesel::update(
        reminders::table
            .filter(reminders::id.eq_any(&reminder_ids))
            .filter(reminders::status.eq(ReminderStatus::Scheduled)),
    )
    .set((
        reminders::status.eq(ReminderStatus::Failed),
        reminders::updated_at.eq(now),
        reminders::last_error.eq(GAVE_UP),
    ))
    .execute(tx.conn())?;
    diesel::update(abandoned())
        .set((
            jobs::state.eq(JobState::Failed),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
            jobs::updated_at.eq(now),
            jobs::last_error.eq(GAVE_UP),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The job's work is done. Only the worker holding the lease may say so.
pub fn complete(tx: &mut WriteTx, now: DateTime<Utc>, id: &str, worker: &str) -> QueryResult<()> {
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::locked_by.eq(worker)),
    )
    .set((
        jobs::state.eq(JobState::Done),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
        jobs::last_error.eq(None::<String>),
        jobs::updated_at.eq(stored_instant(now)),
    ))
    .execute(tx.conn())?;
    Ok(())
}

/// The attempt failed: try again at `retry_at`, or — past the horizon or permanent
/// (`retry_at` none) — keep the job as failed with its error.
pub fn attempt_failed(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    job: &Job,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<JobState> {
    let next = match retry_at {
        Some(at) => (JobState::Queued, stored_instant(at)),
        None => (JobState::Failed, job.run_at),
    };
    diesel::update(
        jobs::table
            .filter(jobs::id.eq(&job.id))
            .filter(jobs::locked_by.eq(worker)),
    )
    .set((
        jobs::state.eq(next.0.as_str()),
        jobs::run_at.eq(next.1),
        jobs::locked_by.eq(None::<String>),
        jobs::locked_until.eq(None::<chrono::NaiveDateTime>),
        jobs::last_error.eq(error),
        jobs::updated_at.eq(stored_instant(now)),
    ))
    .execute(tx.conn())?;
    Ok(next.0)
}

/// The jobs in `worker`'s hands stay its own until `lease_until` (a heartbeat).
pub fn renew(
    tx: &mut WriteTx,
    ids: &[String],
    worker: &str,
    lease_until: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        jobs::table
            .filter(jobs::id.eq_any(ids))
            .filter(jobs::state.eq(JobState::Running))
            .filter(jobs::locked_by.eq(worker)),
    )
    .set(jobs::locked_until.eq(stored_instant(lease_until)))
    .execute(tx.conn())
}

/// The sends waiting after a temporary failure are due now: the mail server that refused
/// them has just accepted one. Returns how many.
pub fn bring_forward_sends(tx: &mut WriteTx, now: DateTime<Utc>) -> QueryResult<usize> {
    let now = stored_instant(now);
    diesel::update(
        jobs::table
            .filter(jobs::state.eq(JobState::Queued))
            .filter(jobs::run_at.gt(now))
            .filter(jobs::kind.eq(JobKind::SendReminder))
            .filter(jobs::last_error.is_not_null()),
    )
    .set(jobs::run_at.eq(now))
    .execute(tx.conn())
}

/// Whether any job is due now or was left by a worker that stopped: two probes of the
/// (state, run_at) index, so an idle worker can look every second.
pub fn anything_due(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<bool> {
    let now = stored_instant(now);
    let due = diesel::select(diesel::dsl::exists(
        jobs::table
            .filter(jobs::state.eq(JobState::Queued))
            .filter(jobs::run_at.le(now)),
    ))
    .get_result::<bool>(conn)?;
    Ok(due
        || diesel::select(diesel::dsl::exists(
            jobs::table
                .filter(jobs::state.eq(JobState::Running))
                .filter(jobs::locked_until.lt(now)),
        ))
        .get_result::<bool>(conn)?)
}

/// Finished jobs are kept this long (to show what ran), then deleted. Their unique keys are no
/// longer needed by then: ticks only look at slots after their schedule's mark, and a sent
/// reminder is never planned again.
pub const KEEP_DONE_DAYS: i64 = 30;

/// Deletes done jobs older than [`KEEP_DONE_DAYS`]; failed ones stay until someone looks.
pub fn prune_done(tx: &mut WriteTx, now: DateTime<Utc>) -> QueryResult<usize> {
    let before = stored_instant(now - chrono::Duration::days(KEEP_DONE_DAYS));
    diesel::delete(
        jobs::table
            .filter(jobs::state.eq(JobState::Done))
            .filter(jobs::updated_at.lt(before)),
    )
    .execute(tx.conn())
}

/// One page of jobs in a state, newest first. With `hide_breach_notices`, the sends of
/// breach-report notifications are left out: their times would narrow down who reported.
pub fn list(
    conn: &mut DbConnection,
    state: Option<JobState>,
    hide_breach_notices: bool,
    window: Window,
) -> QueryResult<Page<Job>> {
    use super::schema::reminders;
    let query = || {
        let mut q = jobs::table.into_boxed();
        if let Some(s) = state {
            q = q.filter(jobs::state.eq(s.as_str()));
        }
        if hide_breach_notices {
            // A send job's payload is its reminder's id.
            let notices = reminders::table
                .filter(reminders::kind.eq(crate::domain::reminders::ReminderKind::BreachReported))
                .select(reminders::id);
            q = q.filter(
                jobs::kind
                    .ne(JobKind::SendReminder)
                    .or(jobs::payload.ne_all(notices)),
            );
        }
        q
    };
    listing::page(conn, window, query, |conn, q| {
        q.order((jobs::updated_at.desc(), jobs::id.desc()))
            .select(Job::as_select())
            .load(conn)
    })
}

/// When the oldest message still waiting to be sent was due (none when nothing due waits).
pub fn oldest_waiting_send(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
) -> QueryResult<Option<chrono::NaiveDateTime>> {
    jobs::table
        .filter(jobs::state.eq_any([JobState::Queued, JobState::Running]))
        .filter(jobs::kind.eq(JobKind::SendReminder))
        .filter(jobs::due_at.le(stored_instant(now)))
        .select(diesel::dsl::min(jobs::due_at))
        .first(conn)
}

/// How many jobs are in each state (for the metrics).
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    jobs::table
        .group_by(jobs::state)
        .select((jobs::state, diesel::dsl::count_star()))
        .load(conn)
}

/// Where a schedule has been looked at up to; none before its first tick.
pub fn schedule_mark(conn: &mut DbConnection, name: &str) -> QueryResult<Option<DateTime<Utc>>> {
    use super::schema::schedule_marks as m;
    Ok(m::table
        .find(name)
        .select(m::checked_until)
        .first::<chrono::NaiveDateTime>(conn)
        .optional()?
        .map(|at| at.and_utc()))
}

/// Moves a schedule's mark forward (never back: a lagging instance cannot replay slots).
pub fn set_schedule_mark(tx: &mut WriteTx, name: &str, until: DateTime<Utc>) -> QueryResult<()> {
    use super::schema::schedule_marks as m;
    let until = stored_instant(until);
    per_backend!(tx.conn(), c => diesel::insert_into(m::table)
        .values((m::name.eq(name), m::checked_until.eq(until)))
        .on_conflict(m::name)
        .do_nothing()
        .execute(c))?;
    diesel::update(m::table.find(name).filter(m::checked_until.lt(until)))
        .set(m::checked_until.eq(until))
        .execute(tx.conn())?;
    Ok(())
}
