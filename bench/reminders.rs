//! How long planning one day's reminders takes among many active obligations, and how fast
//! the worker delivers to a local SMTP server. Run through `bench/reminders.sh`.
//!
//! cargo run --release --example bench_reminders -- <obligations> <deliveries> [postgres]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use tuomi::clock::ManualClock;
use tuomi::config::Config;
use tuomi::db::{self, DbConnection, write_tx};
use tuomi::domain::obligations::ObligationKind;

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

impl Handler for Counter {
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::Relaxed);
        response::OK
    }
}

/// Two obligations a person (declassification and confidentiality), all active.
fn seed(conn: &mut DbConnection, people: u64) {
    let series = match conn {
        DbConnection::Pg(_) => format!("SELECT generate_series(1, {people}) AS n"),
        DbConnection::Sqlite(_) => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {people}) \
             SELECT n FROM s"
        ),
    };
    let sql = format!(
        "INSERT INTO employees (id, employee_no, name, work_email, private_email, language, \
           department, title, manager_id, hire_date, status, clearance_tier, search_text, \
           created_at, updated_at) \
         SELECT 'e' || n, 'B' || n, 'Person ' || n, NULL, 'p' || n || '@home.example', \
           CASE WHEN n % 2 = 0 THEN 'en' ELSE 'zh-CN' END, 'R&D', 'Engineer', NULL, NULL, \
           'departed', 'general', 'person ' || n, '2028-01-01 00:00:00', '2028-01-01 00:00:00' \
         FROM ({series}) s;
         INSERT INTO obligations (id, employee_id, kind, starts_on, ends_on, status, tier, \
           departure_id, post_exit_id, created_at, updated_at) \
         SELECT 'd' || n, 'e' || n, 'declassification', '2028-01-01', '2028-12-31', 'active', \
           'general', NULL, NULL, '2028-01-01 00:00:00', '2028-01-01 00:00:00' FROM ({series}) s;
         INSERT INTO obligations (id, employee_id, kind, starts_on, ends_on, status, tier, \
           departure_id, post_exit_id, created_at, updated_at) \
         SELECT 'c' || n, 'e' || n, 'confidentiality', '2028-01-01', '2029-12-31', 'active', \
           NULL, NULL, NULL, '2028-01-01 00:00:00', '2028-01-01 00:00:00' FROM ({series}) s;"
    );
    conn.batch_execute(&sql).expect("seed");
    if let DbConnection::Pg(c) = conn {
        c.batch_execute("ANALYZE").expect("analyze");
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let obligations: u64 = args.get(1).map_or(Ok(1_000_000), |a| a.parse())?;
    let deliveries: usize = args.get(2).map_or(Ok(2_000), |a| a.parse())?;
    let postgres = args.get(3).is_some_and(|a| a == "postgres");

    let dir = tempfile::tempdir()?;
    let (url, pg_name) = if postgres {
        let admin = std::env::var("TUOMI_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("tuomi_bench_{}", uuid::Uuid::new_v4().simple());
        diesel::pg::PgConnection::establish(&admin)?
            .batch_execute(&format!("CREATE DATABASE {name}"))?;
        let mut u = url::Url::parse(&admin)?;
        u.set_path(&name);
        (u.to_string(), Some((admin, name)))
    } else {
        (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        )
    };
    let mut config = Config::for_data_dir(dir.path(), &url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let people = obligations / 2;
    let started = Instant::now();
    seed(&mut conn, people);
    println!(
        "seeded {people} people with {} active obligations in {:.1} s",
        people * 2,
        started.elapsed().as_secs_f64()
    );

    // The heaviest day: the first of a quarter, when everyone's periodic reminder is due,
    // with the daily notices of the same morning.
    let slot = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2028, 10, 1, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let today = slot.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let started = Instant::now();
    let planned = write_tx(&mut conn, |c| -> QueryResult<(usize, usize)> {
        let n = db::reminders::plan_periodic(
            c,
            slot,
            ObligationKind::ALL,
            "2028-10-01T09:00",
            today,
            slot,
        )?;
        let ending = db::reminders::plan_ending(c, slot, today, 30, slot)?
            + db::reminders::plan_released(c, slot, today, slot)?;
        db::reminders::enqueue_sends(c, slot)?;
        Ok((n, ending))
    })?;
    let plan_seconds = started.elapsed().as_secs_f64();
    println!(
        "planned {} periodic reminders and {} notices, with their send jobs, in {plan_seconds:.2} s",
        planned.0, planned.1
    );
    let started = Instant::now();
    let again = write_tx(&mut conn, |c| {
        db::reminders::plan_periodic(
            c,
            slot,
            ObligationKind::ALL,
            "2028-10-01T09:00",
            today,
            slot,
        )
    })?;
    println!(
        "planning the same day again added {again} in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // Delivery: keep `deliveries` send jobs due, push the rest out of reach.
    conn.batch_execute(&format!(
        "UPDATE jobs SET run_at = '2100-01-01 00:00:00' WHERE id NOT IN \
         (SELECT id FROM jobs ORDER BY id LIMIT {deliveries})"
    ))?;
    let received = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let mut server = Server::new(Counter(received.clone()));
    server
        .with_name("bench.local")
        .with_ssl(SslConfig::None)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_num_threads(2 * tuomi::jobs::SENDERS as u32)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    config.smtp_url = match std::env::var("BENCH_OUTBOX").is_ok() {
        true => None,
        false => Some(format!("smtp://127.0.0.1:{port}").parse()?),
    };
    config.mail_from = "Bench <bench@example.com>".into();
    let clock = Arc::new(ManualClock::new(slot + chrono::Duration::minutes(1)));
    let pool = db::build_full_pool(config.database_url.clone(), tuomi::jobs::SENDERS as u32 + 1)?;
    let templates = Arc::new(tuomi::mail::MailTemplates::load(None)?);
    let runner = tuomi::jobs::Runner::new(
        config,
        clock,
        pool,
        tuomi::auth::LinkSigner::new("a benchmark secret of at least 32 chars"),
        templates,
    )?;
    let started = Instant::now();
    let stats = runner.run_due()?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "delivered {} reminders ({} received by the SMTP server) in {seconds:.2} s: {:.0} a second",
        stats.sent,
        received.load(Ordering::Relaxed),
        stats.sent as f64 / seconds
    );
    drop(conn);
    drop(runner);
    if let Some((admin, name)) = pg_name {
        diesel::pg::PgConnection::establish(&admin)?
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    }
    Ok(())
}
