//! The scheduled work: cron ticks turn into plan jobs, plans turn into reminders with send
//! jobs, workers claim jobs with a lease and send. Any number of workers may run against one
//! database; unique keys and leases make each reminder go out once.

mod compose;
pub mod forecast;
mod senders;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::LinkSigner;
use crate::clock::{SharedClock, company_date};
use crate::config::Config;
use crate::db::audit;
use crate::db::jobs::{self as queue, Job, JobKind, JobState};
use crate::db::reminders;
use crate::db::{self, DbConnection, DbPool, write_tx};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::delivery::next_try;
use crate::domain::obligations::ObligationKind;
use crate::domain::reminders::ReminderStatus;
use crate::domain::reminders::{Schedule, latest_slot, parse_schedule};
use crate::mail::{Letter, MailTemplates, Mailer, SENDERS};
use senders::{Senders, record};

/// How often a running worker ticks the schedules.
pub const POLL: StdDuration = StdDuration::from_secs(15);
/// How often an idle worker looks for due work (a batch another worker planned, a retry).
pub const LOOK: StdDuration = StdDuration::from_secs(1);

/// Obligations end at the start of the day after their last day, company time.
const MIDNIGHT: &str = "0 0 0 * * * *";

#[derive(Debug, Serialize, Deserialize)]
struct SlotPayload {
    slot: DateTime<Utc>,
    #[serde(default)]
    kinds: Vec<ObligationKind>,
}

/// A schedule of the policy and the job each of its slots starts.
struct Scheduled {
    name: String,
    schedule: Schedule,
    job: JobKind,
    kinds: Vec<ObligationKind>,
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunStats {
    pub ticks: usize,
    pub jobs: usize,
    pub sent: usize,
    pub failed: usize,
    pub retried: usize,
}

pub struct Runner {
    pub pool: DbPool,
    pub clock: SharedClock,
    pub config: Config,
    pub mailer: Mailer,
    pub templates: Arc<MailTemplates>,
    pub links: LinkSigner,
    pub worker_id: String,
}

impl Runner {
    pub fn new(
        config: Config,
        clock: SharedClock,
        pool: DbPool,
        links: LinkSigner,
        templates: Arc<MailTemplates>,
    ) -> anyhow::Result<Runner> {
        Ok(Runner {
            mailer: Mailer::from_config(&config)?,
            worker_id: format!(
                "{}:{}:{}",
                hostname(),
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            pool,
            clock,
            config,
            templates,
            links,
        })
    }

    fn conn(&self) -> anyhow::Result<db::PooledConnection> {
        Ok(self.pool.get()?)
    }

    fn schedules(&self, conn: &mut DbConnection) -> anyhow::Result<Vec<Scheduled>> {
        let (_, policy) = db::policy::current(conn)?;
        let r = &policy.reminders;
        let parse = |expr: &str| {
            parse_schedule(expr).map_err(|p| anyhow::Error::msg(crate::catalog::english(&p)))
        };
        let mut out: Vec<Scheduled> = Vec::new();
        for (expr, kinds) in r.cadence_groups() {
            out.push(Scheduled {
                name: format!("periodic:{expr}"),
                schedule: parse(&expr)?,
                job: JobKind::PlanPeriodic,
                kinds,
            });
        }
        for (name, expr, job) in [
            ("daily", r.daily.as_str(), JobKind::PlanDaily),
            ("digest", r.digest.as_str(), JobKind::PlanDigest),
            ("end_obligations", MIDNIGHT, JobKind::EndObligations),
        ] {
            out.push(Scheduled {
                name: name.into(),
                schedule: parse(expr)?,
                job,
                kinds: Vec::new(),
            });
        }
        Ok(out)
    }

    /// Turns the schedules' slots since the last tick into jobs: at most one per schedule (a
    /// downtime is caught up once), keyed by schedule and slot so that several instances
    /// ticking together enqueue it once. A schedule's first tick only starts its clock.
    pub fn tick(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let tz = self.config.timezone;
        let mut conn = self.conn()?;
        let mut enqueued = 0;
        for s in self.schedules(&mut conn)? {
            enqueued += write_tx(&mut conn, |conn| -> anyhow::Result<usize> {
                let Some(mark) = queue::schedule_mark(conn, &s.name)? else {
                    queue::set_schedule_mark(conn, &s.name, now)?;
                    return Ok(0);
                };
                let mut added = 0;
                if let Some(slot) = latest_slot(&s.schedule, tz, mark, now) {
                    let payload = serde_json::to_string(&SlotPayload {
                        slot,
                        kinds: s.kinds.clone(),
                    })?;
                    let key = format!("{}@{}", s.name, slot.to_rfc3339());
                    added += usize::from(queue::enqueue(conn, now, s.job, &payload, &key, slot)?);
                }
                queue::set_schedule_mark(conn, &s.name, now)?;
                Ok(added)
            })?;
        }
        Ok(enqueued)
    }

    /// Runs every job that is due now, until none is left, on [`SENDERS`] threads: an SMTP
    /// conversation mostly waits on the network, so several run side by side; a batch one of
    /// them plans is worked by all. A heartbeat renews the leases of the jobs in hand.
    pub fn run_due(&self) -> anyhow::Result<RunStats> {
        let senders = Senders::default();
        let results: Vec<anyhow::Result<RunStats>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..SENDERS)
                .map(|_| scope.spawn(|| self.drain(&senders)))
                .collect();
            let heartbeat = scope.spawn(|| self.heartbeat(&senders));
            let results = threads
                .into_iter()
                .map(|t| {
                    t.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a job thread panicked")))
                })
                .collect();
            senders.finish();
            let _ = heartbeat.join();
            results
        });
        let mut total = RunStats::default();
        for stats in results {
            let stats = stats?;
            total.jobs += stats.jobs;
            total.sent += stats.sent;
            total.failed += stats.failed;
            total.retried += stats.retried;
        }
        Ok(total)
    }

    /// Claims and runs due jobs one at a time until none is left for any sender.
    fn drain(&self, senders: &Senders) -> anyhow::Result<RunStats> {
        let mut stats = RunStats::default();
        let mut conn = self.conn()?;
        loop {
            let now = self.clock.now();
            let lease_until = now + self.config.leases.lease;
            let claimed = queue::claim(&mut conn, now, &self.worker_id, lease_until, 1)?;
            let Some(job) = claimed.into_iter().next() else {
                if senders.wait_for_work() {
                    continue;
                }
                return Ok(stats);
            };
            if !senders.take(&job.id) {
                continue;
            }
            stats.jobs += 1;
            let outcome = self.work(&mut conn, &job);
            senders.put_down(&job.id);
            match outcome? {
                Outcome::Done => {}
                Outcome::Sent => stats.sent += 1,
                Outcome::Failed => stats.failed += 1,
                Outcome::Retrying => stats.retried += 1,
            }
        }
    }

    /// Runs one claimed job and records how it went.
    fn work(&self, conn: &mut db::PooledConnection, job: &Job) -> anyhow::Result<Outcome> {
        let outcome = match self.run_job(conn, job) {
            Ok(outcome) => outcome,
            Err(e) => {
                let error = format!("{e:#}");
                tracing::warn!(job = %job.id, kind = %job.kind, %error, "job failed");
                self.attempt_failed(conn, job, &error, false, None)?
            }
        };
        if let Outcome::Done = outcome {
            let now = self.clock.now();
            record(&self.pool, conn, "a finished job", |tx| {
                Ok(queue::complete(tx, now, &job.id, &self.worker_id)?)
            })?;
        }
        Ok(outcome)
    }

    /// Renews the leases of the jobs in hand every heartbeat until the run is over. A renewal
    /// that fails (the database away) is tried at the next beat.
    fn heartbeat(&self, senders: &Senders) {
        let every = self
            .config
            .leases
            .heartbeat
            .to_std()
            .unwrap_or(StdDuration::from_secs(10));
        while let Some(ids) = senders.in_hand_after(every) {
            if ids.is_empty() {
                continue;
            }
            let now = self.clock.now();
            let renewed = self.conn().and_then(|mut conn| {
                Ok(write_tx(&mut conn, |tx| {
                    queue::renew(tx, &ids, &self.worker_id, now + self.config.leases.lease)
                })?)
            });
            if let Err(e) = renewed {
                tracing::warn!(error = %format!("{e:#}"), "renewing the leases failed");
            }
        }
    }

    /// After a failed attempt: try again later, or — permanent, or attempts used up — fail
    /// the job, and a send job's reminder with it (so it shows in HR's digest).
    fn attempt_failed(
        &self,
        conn: &mut db::PooledConnection,
        job: &Job,
        error: &str,
        permanent: bool,
        to: Option<&str>,
    ) -> anyhow::Result<Outcome> {
        let now = self.clock.now();
        let due = job.due_at.and_utc();
        let retry_at = (!permanent)
            .then(|| {
                next_try(
                    self.config.retrying,
                    job.attempts as u32,
                    rand::random(),
                    due,
                    now,
                )
            })
            .flatten();
        record(&self.pool, conn, "a failed attempt", |conn| {
            let state = queue::attempt_failed(conn, now, job, &self.worker_id, error, retry_at)?;
            let failed = state == JobState::Failed;
            if job.kind == JobKind::SendReminder {
                if failed {
                    reminders::record_failed(conn, now, &job.payload, to, error)?;
                } else {
                    reminders::note_error(conn, now, &job.payload, error)?;
                }
            }
            Ok(if failed {
                Outcome::Failed
            } else {
                Outcome::Retrying
            })
        })
    }

    /// A tick, then everything due: what `tuomi jobs run-once` does. A tick that fails (a
    /// busy database) does not hold back what is already due.
    pub fn run_once(&self) -> anyhow::Result<RunStats> {
        let ticks = self.tick().unwrap_or_else(|e| {
            tracing::warn!(error = %format!("{e:#}"), "the schedules' tick failed; retrying next run");
            0
        });
        let mut stats = self.run_due()?;
        stats.ticks = ticks;
        Ok(stats)
    }

    /// The worker loop of `tuomi serve` and `tuomi worker`: never returns. It ticks the
    /// schedules every [`POLL`] and, in between, looks every [`LOOK`] for work that became
    /// due (a batch another worker planned, a retry, a job whose worker stopped).
    pub fn run_forever(&self, ready: impl Fn() -> bool) {
        tracing::info!(worker = %self.worker_id, "job worker started");
        let mut last_tick: Option<std::time::Instant> = None;
        loop {
            if ready() {
                let tick_due = last_tick.is_none_or(|t| t.elapsed() >= POLL);
                let run = if tick_due {
                    last_tick = Some(std::time::Instant::now());
                    Some(self.run_once())
                } else if self.anything_due() {
                    Some(self.run_due())
                } else {
                    None
                };
                match run {
                    Some(Ok(stats)) if stats.jobs > 0 => {
                        tracing::info!(
                            jobs = stats.jobs,
                            sent = stats.sent,
                            failed = stats.failed,
                            retried = stats.retried,
                            "jobs run"
                        );
                    }
                    Some(Err(e)) => {
                        tracing::warn!(error = %format!("{e:#}"), "job run failed; retrying")
                    }
                    _ => {}
                }
            }
            std::thread::sleep(LOOK);
        }
    }

    /// Whether a look finds work; a database that does not answer is left to the next tick.
    fn anything_due(&self) -> bool {
        let now = self.clock.now();
        self.conn()
            .and_then(|mut conn| Ok(queue::anything_due(&mut conn, now)?))
            .unwrap_or(false)
    }

    fn run_job(&self, conn: &mut db::PooledConnection, job: &Job) -> anyhow::Result<Outcome> {
        match job.kind {
            JobKind::SendReminder => self.send_reminder(conn, job),
            JobKind::DepartureTakesEffect => {
                let now = self.clock.now();
                write_tx(conn, |tx| -> anyhow::Result<()> {
                    let (_, policy) = db::policy::current(tx)?;
                    db::departures::take_effect(tx, now, &Actor::System, &policy, &job.payload)?;
                    Ok(())
                })?;
                Ok(Outcome::Done)
            }
            plan => {
                let payload: SlotPayload = serde_json::from_str(&job.payload)?;
                self.plan(conn, plan, &payload)?;
                Ok(Outcome::Done)
            }
        }
    }

    /// Plans the reminders of one slot, with their send jobs, in one transaction.
    fn plan(&self, conn: &mut DbConnection, job: JobKind, p: &SlotPayload) -> anyhow::Result<()> {
        let now = self.clock.now();
        let tz = self.config.timezone;
        let local = p.slot.with_timezone(&tz);
        let today = local.date_naive();
        write_tx(conn, |conn| -> anyhow::Result<()> {
            let (_, policy) = db::policy::current(conn)?;
            let r = &policy.reminders;
            let (occasion, planned) = match job {
                JobKind::PlanPeriodic => {
                    let period = local.format("%Y-%m-%dT%H:%M").to_string();
                    let n = reminders::plan_periodic(conn, now, &p.kinds, &period, today, p.slot)?;
                    ("periodic", n)
                }
                JobKind::PlanDaily => {
                    let ending =
                        reminders::plan_ending(conn, now, today, r.notice_days_before_end, p.slot)?;
                    let released = reminders::plan_released(conn, now, today, p.slot)?;
                    let nudges =
                        db::letters::plan_nudges(conn, now, today, r.nudge_after_days, p.slot)?;
                    ("daily", ending + released + nudges)
                }
                JobKind::PlanDigest => (
                    "digest",
                    db::letters::plan_digests(conn, now, &today.to_string(), p.slot)?,
                ),
                _ => {
                    let today = company_date(now, tz);
                    let n = db::obligations::end_due(conn, now, today)?;
                    queue::prune_done(conn, now)?;
                    db::sessions::prune_ended(conn, now)?;
                    ("end_obligations", n)
                }
            };
            if planned > 0 {
                audit::record(
                    conn,
                    now,
                    NewEvent {
                        actor: &Actor::System,
                        action: "reminders.planned",
                        subject_type: "schedule",
                        subject_id: occasion,
                        details: json!({ "slot": p.slot, "count": planned }),
                    },
                )?;
            }
            Ok(())
        })
    }

    /// Sends one reminder: compose and build from the database, send with no transaction
    /// open, then record the result.
    fn send_reminder(&self, conn: &mut db::PooledConnection, job: &Job) -> anyhow::Result<Outcome> {
        let now = self.clock.now();
        let Some(reminder) = reminders::get(conn, &job.payload)? else {
            anyhow::bail!("reminder {} does not exist", job.payload);
        };
        if reminder.status != ReminderStatus::Scheduled {
            return Ok(Outcome::Done);
        }
        let letter = compose::letter(self, conn, &reminder)?;
        let Some(to) = letter.to.clone() else {
            let error = "no deliverable address: no private email is recorded";
            return self.attempt_failed(conn, job, error, true, None);
        };
        let message_id = self.mailer.message_id(&reminder.id);
        let built = self.mailer.build(&Letter {
            to: &to,
            rendered: &letter.rendered,
            message_id: &message_id,
            date: now,
            sender: letter.sender.clone(),
        });
        let result = built.and_then(|bytes| {
            self.mailer
                .send(&to, &message_id, &bytes)
                .map(|reply| (bytes, reply))
        });
        match result {
            Ok((bytes, reply)) => {
                use sha2::{Digest, Sha256};
                let sha = hex::encode(Sha256::digest(&bytes));
                let now = self.clock.now();
                // Accepted: from here on only recording is retried, never the sending.
                record(&self.pool, conn, "a sent message", |conn| {
                    reminders::record_sent(
                        conn,
                        now,
                        &reminder.id,
                        &to,
                        &message_id,
                        &bytes,
                        &sha,
                        &reply,
                    )?;
                    queue::complete(conn, now, &job.id, &self.worker_id)?;
                    // The server takes mail again after refusing it: what waits for it goes
                    // now, not on its own backoff.
                    if job.attempts > 1 {
                        queue::bring_forward_sends(conn, now)?;
                    }
                    Ok(())
                })?;
                Ok(Outcome::Sent)
            }
            Err(e) => self.attempt_failed(conn, job, &e.message, e.permanent, Some(&to)),
        }
    }
}

enum Outcome {
    /// The job's work is done; mark it so.
    Done,
    /// Sent and recorded (the job is marked already).
    Sent,
    /// Given up, recorded.
    Failed,
    /// Will try again later, recorded.
    Retrying,
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tuomi".into())
}
