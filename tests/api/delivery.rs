//! Delivery through a long outage (issue "delivery"): a mail server down for two weeks fails
//! nothing; every sender works a batch; when the server is back the backlog goes at once; an
//! outcome once known is recorded, never re-sent, when the database connection dies under it;
//! a killed worker's messages are taken over within a minute.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Duration;
use diesel::connection::SimpleConnection;
use serde_json::Value;
use tuomi::clock::Clock;

use tuomi::db;
use tuomi::domain::obligations::ObligationKind;
use tuomi::jobs::Runner;

use crate::helpers::{Backend, TcpProxy, TestApp, database_url_text};
use crate::on_both_databases;
use crate::reminders::{former, reminders, shanghai};

/// `count` former employees who each owe one active duty (quarterly reminders), straight in
/// the database, as a large company's register would hold them.
pub(crate) fn many_former_employees(app: &TestApp, count: usize) {
    former_employees_in(&mut app.db(), count);
}

/// The same rows on any connection (the fault tests' database of a separate worker).
pub(crate) fn former_employees_in(conn: &mut impl SimpleConnection, count: usize) {
    conn.batch_execute(&format!(
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) \
         INSERT INTO employees (id, employee_no, name, private_email, language, department, \
           title, status, clearance_tier, search_text, created_at, updated_at) \
         SELECT 'e' || n, 'F' || n, 'Person ' || n, 'p' || n || '@home.example', 'zh-CN', \
           'R&D', 'Engineer', 'departed', 'general', 'person', '2026-01-01 00:00:00', \
           '2026-01-01 00:00:00' FROM s; \
         WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) \
         INSERT INTO obligations (id, employee_id, kind, starts_on, ends_on, status, tier, \
           created_at, updated_at) \
         SELECT 'o' || n, 'e' || n, 'confidentiality', '2026-01-01', '2040-12-31', 'active', \
           NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM s;"
    ))
    .unwrap();
}

/// The morning of 1 April, with the mail server up: what was due before the quarter's
/// reminders (HR's digest of Monday 27 March, caught up) goes.
async fn before_the_quarter(app: &TestApp) {
    app.clock.set(shanghai(2028, 4, 1, 8, 0));
    app.run_jobs().await;
}

on_both_databases! {
    async fn a_mail_server_down_for_fourteen_days_fails_nothing_and_everything_goes_afterwards(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr, "H001", "Holiday", "en", Some("holiday@home.example"), "none").await;
        // What was due before goes (HR's digest of the last Monday); the quarter's reminder is
        // due at 09:00 on 1 April, and the relay is down from then on, across HR's digests.
        before_the_quarter(&app).await;
        app.smtp_proxy.cut();
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        let end = shanghai(2028, 4, 15, 9, 0) - Duration::minutes(1);
        while app.clock.now() < end {
            let stats = app.run_jobs().await;
            assert_eq!(stats.failed, 0, "nothing fails while the server is only down");
            app.clock.advance(Duration::hours(6));
            if app.clock.now() > end {
                app.clock.set(end);
            }
        }
        assert!(reminders(&app, &hr, "status=failed").await.is_empty());
        let metrics = app.metrics().await.text().await.unwrap();
        let waited: i64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("tuomi_mail_oldest_waiting_seconds "))
            .expect("the oldest waiting age")
            .parse()
            .unwrap();
        assert!(waited >= 14 * 24 * 3600 - 120, "the oldest has waited two weeks: {waited}");
        app.smtp_proxy.restore();
        // Back on the fourteenth day: the last try, at the horizon, goes through.
        app.clock.set(shanghai(2028, 4, 15, 9, 0));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("holiday@home.example").len(), 1, "delivered once");
        assert!(!app.smtp.to("hr@example.com").is_empty(), "HR's digests of those days too");
        assert!(reminders(&app, &hr, "status=failed").await.is_empty());
        assert!(reminders(&app, &hr, "status=scheduled").await.is_empty());
    }

    async fn a_mail_server_down_for_fifteen_days_fails_only_what_passed_the_horizon(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr, "H002", "Longer", "en", Some("longer@home.example"), "none").await;
        before_the_quarter(&app).await;
        app.smtp_proxy.cut();
        // The reminder due on 1 April passes its horizon on the 15th; HR's digests of Monday 3
        // and Monday 10 April are still within theirs when the server is back on the 16th.
        app.expect_failed_jobs();
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        let back = shanghai(2028, 4, 16, 9, 0);
        while app.clock.now() < back {
            app.run_jobs().await;
            app.clock.advance(Duration::hours(6));
        }
        let failed = reminders(&app, &hr, "status=failed").await;
        assert_eq!(failed.len(), 1, "only the one past its horizon: {failed:?}");
        assert_eq!(failed[0]["kind"], "periodic");
        let error = failed[0]["last_error"].as_str().unwrap_or_default();
        assert!(!error.is_empty() && !error.contains("gave up"), "its last error is kept: {error}");
        app.smtp_proxy.restore();
        app.clock.set(back);
        app.run_jobs().await;
        assert!(app.smtp.to("longer@home.example").is_empty(), "a failed one waits for HR");
        let digests = app.smtp.to("hr@example.com");
        assert!(digests.len() >= 2, "the digests within their horizon went: {}", digests.len());
        assert!(reminders(&app, &hr, "status=scheduled").await.is_empty());
    }

    async fn a_planned_batch_is_sent_by_every_sender_of_the_worker(app: TestApp) {
        app.run_jobs().await;
        many_former_employees(&app, 1000);
        // The quarter's slot: one sender runs the plan, and all of them send what it queued.
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        let stats = app.run_jobs().await;
        assert_eq!(stats.sent, 1000, "{stats:?}");
        let mut per_connection: BTreeMap<usize, usize> = BTreeMap::new();
        for r in app.smtp.received() {
            *per_connection.entry(r.connection).or_default() += 1;
        }
        let sharing = per_connection.values().filter(|n| **n >= 20).count();
        assert!(sharing >= 3, "at least three senders each send a share: {per_connection:?}");
    }

    async fn when_the_server_is_back_the_backlog_goes_within_a_minute(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        many_former_employees(&app, 40);
        before_the_quarter(&app).await;
        app.smtp_proxy.cut();
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        // Six hours down: each message has backed off on its own, spread over the next hour.
        for _ in 0..12 {
            app.run_jobs().await;
            app.clock.advance(Duration::minutes(30));
        }
        let sent_before = app.smtp.received().len();
        let waiting: Vec<Value> = reminders(&app, &hr, "status=scheduled").await;
        assert_eq!(waiting.len(), 40);
        app.smtp_proxy.restore();
        // The first message whose retry comes due goes through; the rest follow it at once.
        let next_retry: chrono::NaiveDateTime = {
            use diesel::prelude::*;
            use tuomi::db::schema::jobs;
            jobs::table
                .filter(jobs::state.eq("queued"))
                .filter(jobs::kind.eq("send_reminder"))
                .select(diesel::dsl::min(jobs::run_at))
                .first::<Option<chrono::NaiveDateTime>>(&mut app.db())
                .unwrap()
                .expect("retries waiting")
        };
        app.clock.set(next_retry.and_utc());
        app.run_jobs().await;
        assert_eq!(app.smtp.received().len() - sent_before, 40, "the whole backlog, not one by one");
        assert!(reminders(&app, &hr, "status=scheduled").await.is_empty());
    }
}

/// A worker whose connections to PostgreSQL go through `proxy`, on the app's database.
fn worker_through(app: &TestApp, proxy: &TcpProxy) -> Runner {
    let mut url = url::Url::parse(&database_url_text(&app.config)).unwrap();
    url.set_port(Some(proxy.port)).unwrap();
    let url = db::DatabaseUrl::parse(url.as_str()).unwrap();
    let pool = db::build_pool(url.clone(), 8, Default::default(), None);
    let mut config = app.config.clone();
    config.database_url = url;
    let r = &app.runner;
    Runner::new(
        config,
        r.clock.clone(),
        pool,
        r.links.clone(),
        r.templates.clone(),
    )
    .unwrap()
}

fn reminders_sent(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use tuomi::db::schema::reminders;
    reminders::table
        .filter(reminders::status.eq("sent"))
        .count()
        .get_result(&mut app.db())
        .unwrap()
}

#[actix_web::test]
async fn a_database_connection_cut_after_the_server_accepted_re_sends_nothing() {
    // SQLite is in the process: there is no connection to cut.
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let end = app.end_of_test();
    many_former_employees(&app, 20);
    app.run_jobs().await;
    before_the_quarter(&app).await;
    let before = app.smtp.received().len();
    let upstream = match &app.config.database_url {
        db::DatabaseUrl::Postgres(u) => {
            let u = url::Url::parse(u).unwrap();
            format!("{}:{}", u.host_str().unwrap(), u.port().unwrap_or(5432))
        }
        _ => unreachable!(),
    };
    let proxy = Arc::new(TcpProxy::start(upstream));
    let worker = Arc::new(worker_through(&app, &proxy));
    // The first message accepted cuts the database away for two seconds, as a failover does,
    // before the sender has recorded it.
    let cuts = Arc::new(AtomicUsize::new(0));
    {
        let (proxy, cuts) = (proxy.clone(), cuts.clone());
        app.smtp.on_accept(move || {
            if cuts.fetch_add(1, Ordering::SeqCst) == 0 {
                proxy.cut();
                let proxy = proxy.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs(2));
                    proxy.restore();
                });
            }
        });
    }
    app.clock.set(shanghai(2028, 4, 1, 9, 1));
    for _ in 0..100 {
        let w = worker.clone();
        // A run cut short by the dead connection ends with an error; the next one goes on.
        let _ = actix_web::web::block(move || w.run_once()).await.unwrap();
        if reminders_sent(&app) >= 20 + before as i64 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(cuts.load(Ordering::SeqCst) > 0, "the connection was cut");
    let received = &app.smtp.received()[before..];
    let ids: HashSet<String> = received.iter().map(|r| r.message_id()).collect();
    assert_eq!(ids.len(), 20, "every reminder arrived");
    assert_eq!(
        received.len(),
        20,
        "none twice: the outcome was recorded, not re-sent"
    );
    assert_eq!(
        reminders_sent(&app),
        20 + before as i64,
        "and every one is recorded sent"
    );
    drop(worker);
    end.check_jobs();
}

#[actix_web::test]
async fn a_killed_workers_messages_are_taken_over_within_a_minute_and_only_those_re_sent() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let end = app.end_of_test();
    many_former_employees(&app, 10);
    app.run_jobs().await;
    before_the_quarter(&app).await;
    let before = app.smtp.received().len();
    // Plan the quarter's reminders at the time the worker process will see (its own clock).
    let now = chrono::Utc::now();
    {
        let mut conn = app.db();
        db::write_tx(&mut conn, |c| {
            db::reminders::plan_periodic(
                c,
                now,
                ObligationKind::ALL,
                "kill-run",
                now.date_naive(),
                now,
            )
        })
        .unwrap();
    }
    // The server takes each message and does not answer: the worker is mid-send, four
    // messages in its hands, when it is killed.
    app.smtp.stall(true);
    let mut child = crate::faults::worker(
        app.dir.path(),
        &database_url_text(&app.config),
        app.smtp.port,
    );
    let running = || -> i64 {
        use diesel::prelude::*;
        use tuomi::db::schema::jobs;
        jobs::table
            .filter(jobs::state.eq("running"))
            .count()
            .get_result(&mut app.db())
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while running() < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker took four messages"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    app.smtp.stall(false);
    // Another worker (this test's), twenty seconds on: the leases still hold.
    app.clock.set(chrono::Utc::now() + Duration::seconds(20));
    let taken = app.runner.run_due().unwrap();
    assert_eq!(
        running(),
        4,
        "within its lease a job is its worker's: {taken:?}"
    );
    // Thirty-one seconds on — well within a minute — they are taken over and sent.
    app.clock.set(chrono::Utc::now() + Duration::seconds(31));
    app.runner.run_due().unwrap();
    assert_eq!(running(), 0);
    let received = &app.smtp.received()[before..];
    let ids: HashSet<String> = received.iter().map(|r| r.message_id()).collect();
    assert_eq!(ids.len(), 10, "every reminder arrived");
    assert!(
        received.len() - ids.len() <= 4,
        "only the four in flight may arrive twice"
    );
    end.check_jobs();
}
