//! The check at the end of every `on_both_databases!` test: no job is left that was due by
//! the test clock's time and never run (queued, or running under a lease nobody will
//! finish), and none failed — unless the test said it expects them. Jobs whose time has not
//! come on the test's clock are fine: nothing was due to run them yet.
//!
//! The check only reads the `jobs` table; it runs nothing. A test that panics never gets to
//! it, so its own panic is what it reports.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::prelude::*;
use tuomi::clock::{Clock, ManualClock};
use tuomi::db::jobs::JobState;
use tuomi::db::schema::{jobs, reminders};
use tuomi::db::{self, DatabaseUrl, stored_instant};

use crate::helpers::PgDatabase;

/// What a test said it leaves in the job queue (see `TestApp::expect_leftover_jobs` and
/// `TestApp::expect_failed_jobs`).
#[derive(Default)]
pub struct ExpectedJobs {
    pub leftover: AtomicBool,
    pub failed: AtomicBool,
}

/// Taken from the app before the test body gets it; checks the queue once the body is done.
pub struct EndOfTest {
    database_url: DatabaseUrl,
    clock: Arc<ManualClock>,
    expected: Arc<ExpectedJobs>,
    /// The test's data dir (SQLite) and database (PostgreSQL), kept until the check has
    /// looked.
    _dir: Arc<tempfile::TempDir>,
    _pg_database: Option<Arc<PgDatabase>>,
}

/// A job left: kind, state, unique key, payload, when it was due, attempts, last error.
type Row = (
    String,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    i32,
    Option<String>,
);

impl EndOfTest {
    pub fn new(
        database_url: DatabaseUrl,
        clock: Arc<ManualClock>,
        expected: Arc<ExpectedJobs>,
        (dir, pg_database): (Arc<tempfile::TempDir>, Option<Arc<PgDatabase>>),
    ) -> EndOfTest {
        EndOfTest {
            database_url,
            clock,
            expected,
            _dir: dir,
            _pg_database: pg_database,
        }
    }

    /// Fails, listing them, when jobs were left due and not run or failed and the test did
    /// not say it expects them; or when it said so and there are none.
    pub fn check_jobs(self) {
        let now = self.clock.now();
        let due = stored_instant(now);
        let mut conn = db::connect(&self.database_url)
            .unwrap_or_else(|e| panic!("the check of the jobs left cannot open the database: {e}"));
        let unrun = [JobState::Queued.as_str(), JobState::Running.as_str()];
        let left: Vec<Row> = jobs::table
            .filter(
                jobs::state
                    .eq_any(unrun)
                    .and(jobs::run_at.le(due))
                    .or(jobs::state.eq(JobState::Failed.as_str())),
            )
            .order((jobs::run_at, jobs::id))
            .select((
                jobs::kind,
                jobs::state,
                jobs::unique_key,
                jobs::payload,
                jobs::run_at,
                jobs::attempts,
                jobs::last_error,
            ))
            .load(&mut conn)
            .unwrap_or_else(|e| panic!("the check of the jobs left cannot read them: {e}"));
        // A send job's payload is its reminder: say which kind of email it is.
        let reminder_kinds: BTreeMap<String, String> = reminders::table
            .filter(reminders::id.eq_any(left.iter().map(|(_, _, _, payload, ..)| payload)))
            .select((reminders::id, reminders::kind))
            .load(&mut conn)
            .unwrap_or_else(|e| panic!("the check of the jobs left cannot read reminders: {e}"))
            .into_iter()
            .collect();
        let (failed, unprocessed): (Vec<Row>, Vec<Row>) = left
            .into_iter()
            .partition(|(_, state, ..)| state == JobState::Failed.as_str());
        let list = |rows: &[Row]| {
            rows.iter()
                .map(|(kind, state, key, payload, run_at, attempts, error)| {
                    let email = reminder_kinds
                        .get(payload)
                        .map(|k| format!(" of a {k} reminder"))
                        .unwrap_or_default();
                    format!(
                        "    {kind}{email} ({key}): {state}, due {run_at} UTC, {attempts} \
                         attempt(s), last error: {}",
                        error.as_deref().unwrap_or("none")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut problems = Vec::new();
        let expected = |flag: &AtomicBool| flag.load(Ordering::SeqCst);
        match (unprocessed.is_empty(), expected(&self.expected.leftover)) {
            (false, false) => problems.push(format!(
                "{} job(s) were due by the test clock's {now} and not run: run them \
                 (app.run_jobs()) before the test ends, or say the test expects them \
                 (app.expect_leftover_jobs()):\n{}",
                unprocessed.len(),
                list(&unprocessed)
            )),
            (true, true) => problems.push(format!(
                "the test says it expects jobs due and not run (app.expect_leftover_jobs()), \
                 but none was left by the test clock's {now}"
            )),
            _ => {}
        }
        match (failed.is_empty(), expected(&self.expected.failed)) {
            (false, false) => problems.push(format!(
                "{} job(s) failed: say the test expects them (app.expect_failed_jobs()) if \
                 it does:\n{}",
                failed.len(),
                list(&failed)
            )),
            (true, true) => problems.push(
                "the test says it expects failed jobs (app.expect_failed_jobs()), but none \
                 failed"
                    .to_string(),
            ),
            _ => {}
        }
        assert!(
            problems.is_empty(),
            "the test left the job queue as it should not:\n{}",
            problems.join("\n")
        );
    }
}

/// The check itself, on SQLite: what it lets pass and what it fails.
mod checks {
    use chrono::Duration;
    use diesel::prelude::*;
    use tuomi::clock::Clock;
    use tuomi::db::schema::jobs;

    use crate::helpers::{Backend, TestApp};

    /// A test app with one job of its own, due `after` the test clock's now; and the check
    /// taken from it, as `on_both_databases!` takes it.
    async fn app_with_a_job(after: Duration) -> (TestApp, super::EndOfTest) {
        let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
        let now = app.clock.now();
        tuomi::db::write_tx(&mut app.db(), |tx| {
            let kind = tuomi::db::jobs::JobKind::PlanDaily;
            tuomi::db::jobs::enqueue(tx, now, kind, "{}", "a-job", now + after)
        })
        .unwrap();
        let end = app.end_of_test();
        (app, end)
    }

    fn fail_the_job(app: &TestApp) {
        diesel::update(jobs::table)
            .set((jobs::state.eq("failed"), jobs::last_error.eq("it broke")))
            .execute(&mut app.db())
            .unwrap();
    }

    #[actix_web::test]
    #[should_panic(
        expected = "1 job(s) were due by the test clock's 2028-02-29 15:30:00 UTC \
                               and not run"
    )]
    async fn a_job_due_by_the_test_clock_and_not_run_fails_the_test() {
        let (app, end) = app_with_a_job(Duration::days(1)).await;
        app.clock.advance(Duration::days(1));
        drop(app);
        end.check_jobs();
    }

    #[actix_web::test]
    async fn a_job_not_yet_due_on_the_test_clock_or_one_expected_is_fine() {
        let (app, end) = app_with_a_job(Duration::seconds(1)).await;
        drop(app);
        end.check_jobs();
        let (app, end) = app_with_a_job(Duration::zero()).await;
        app.expect_leftover_jobs();
        drop(app);
        end.check_jobs();
    }

    #[actix_web::test]
    #[should_panic(
        expected = "plan_daily (a-job): failed, due 2028-03-28 15:30:00 UTC, 0 \
                               attempt(s), last error: it broke"
    )]
    async fn a_failed_job_fails_the_test_naming_it_and_its_error() {
        let (app, end) = app_with_a_job(Duration::days(29)).await;
        fail_the_job(&app);
        drop(app);
        end.check_jobs();
    }

    #[actix_web::test]
    async fn a_failed_job_the_test_expects_is_fine() {
        let (app, end) = app_with_a_job(Duration::days(29)).await;
        fail_the_job(&app);
        app.expect_failed_jobs();
        drop(app);
        end.check_jobs();
    }

    #[actix_web::test]
    #[should_panic(
        expected = "the test says it expects failed jobs (app.expect_failed_jobs()), \
                               but none failed"
    )]
    async fn an_expectation_that_nothing_meets_fails_the_test() {
        let (app, end) = app_with_a_job(Duration::days(1)).await;
        app.expect_failed_jobs();
        drop(app);
        end.check_jobs();
    }
}
