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
        Ok((n, ending))
    })?;
    let plan_seconds = started.elapsed().as_secs_f64();
    println!(
        "planned {} periodic reminders and {} notices, with their send jobs, in {plan_seconds:.2} s",
        planned.0, planned.1
    );
    // The floor to compare planning with: writing the same rows, no deciding who is due,
    // into copies of the two tables with the same keys and indexes (what any writer of these
    // rows pays), and — the lower floor — into copies without any index.
    let bare_seconds = bare_insert(&mut conn, true)?;
    let unindexed_seconds = bare_insert(&mut conn, false)?;
    println!(
        "bare insert of the same rows: {bare_seconds:.2} s into the same indexes, \
         {unindexed_seconds:.2} s without; planning runs at {:.0}% of the first",
        100.0 * bare_seconds / plan_seconds
    );
    println!(
        "RESULT planner_seconds={plan_seconds:.3} bare_insert_seconds={bare_seconds:.3} \
         unindexed_insert_seconds={unindexed_seconds:.3}"
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
        .with_num_threads(2 * tuomi::mail::SENDERS as u32)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    let smtp_port = (std::env::var("BENCH_OUTBOX").is_err()).then_some(port);
    config.smtp_url = match smtp_port {
        None => None,
        Some(port) => Some(format!("smtp://127.0.0.1:{port}").parse()?),
    };
    config.mail_from = "Bench <bench@example.com>".into();
    let clock = Arc::new(ManualClock::new(slot + chrono::Duration::minutes(1)));
    let pool = db::build_full_pool(config.database_url.clone(), tuomi::mail::SENDERS as u32 + 1)?;
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
    let rate = stats.sent as f64 / seconds;
    println!(
        "delivered {} reminders ({} received by the SMTP server) in {seconds:.2} s: {rate:.0} a second",
        stats.sent,
        received.load(Ordering::Relaxed),
    );
    // The floor to compare delivery with: the same messages sent again by a bare lettre
    // loop, on as many threads as the worker's senders, without the queue around it.
    if smtp_port.is_some() {
        let bare = bare_lettre_rate(&mut conn, port)?;
        println!(
            "a bare lettre loop sends the same messages at {bare:.0} a second; delivery runs at {:.0}% of it",
            100.0 * rate / bare
        );
        println!("RESULT delivery_per_second={rate:.1} bare_lettre_per_second={bare:.1}");
    }
    drop(conn);
    drop(runner);
    if let Some((admin, name)) = pg_name {
        diesel::pg::PgConnection::establish(&admin)?
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    }
    Ok(())
}

/// Seconds to copy the planned reminders and jobs into fresh tables of the same columns, with
/// the originals' keys and indexes or without any, in one transaction.
fn bare_insert(conn: &mut DbConnection, indexed: bool) -> anyhow::Result<f64> {
    let mut create = Vec::new();
    for table in ["reminders", "jobs"] {
        let copy = format!("bare_{table}");
        match conn {
            DbConnection::Pg(_) => create.push(if indexed {
                format!("CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
            } else {
                format!("CREATE TABLE {copy} (LIKE {table})")
            }),
            DbConnection::Sqlite(_) if !indexed => create.push(format!(
                "CREATE TABLE {copy} AS SELECT * FROM {table} WHERE 1 = 0"
            )),
            DbConnection::Sqlite(_) => {
                #[derive(QueryableByName)]
                struct Ddl {
                    #[diesel(sql_type = diesel::sql_types::Text)]
                    sql: String,
                }
                let ddl: Vec<Ddl> = diesel::sql_query(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL \
                     ORDER BY type = 'index'",
                )
                .bind::<diesel::sql_types::Text, _>(table)
                .load(conn)?;
                for d in ddl {
                    // "CREATE [UNIQUE] INDEX name ON table (…)" / "CREATE TABLE table (…)"
                    create.push(
                        d.sql
                            .replacen(&format!("TABLE {table} "), &format!("TABLE {copy} "), 1)
                            .replacen(&format!(" ON {table} "), &format!(" ON {copy} "), 1)
                            .replacen(" INDEX ", " INDEX bare_", 1),
                    );
                }
            }
        }
    }
    conn.batch_execute(&create.join(";\n"))?;
    let started = Instant::now();
    write_tx(conn, |c| {
        c.batch_execute(
            "INSERT INTO bare_reminders SELECT * FROM reminders; \
             INSERT INTO bare_jobs SELECT * FROM jobs;",
        )
    })?;
    let seconds = started.elapsed().as_secs_f64();
    conn.batch_execute("DROP TABLE bare_reminders; DROP TABLE bare_jobs;")?;
    Ok(seconds)
}

/// Messages a second when the delivered messages are sent again straight through lettre.
fn bare_lettre_rate(conn: &mut DbConnection, port: u16) -> anyhow::Result<f64> {
    use lettre::address::Envelope;
    use lettre::{SmtpTransport, Transport};
    let messages: Vec<(String, Vec<u8>)> = tuomi::db::schema::reminders::table
        .filter(tuomi::db::schema::reminders::status.eq("sent"))
        .select((
            tuomi::db::schema::reminders::to_address.assume_not_null(),
            tuomi::db::schema::reminders::message.assume_not_null(),
        ))
        .load(conn)?;
    let transport = SmtpTransport::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    let threads = tuomi::mail::SENDERS;
    let chunk = messages.len().div_ceil(threads).max(1);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let handles: Vec<_> = messages
            .chunks(chunk)
            .map(|part| {
                let transport = transport.clone();
                scope.spawn(move || -> anyhow::Result<()> {
                    for (to, bytes) in part {
                        let envelope =
                            Envelope::new(Some("bench@example.com".parse()?), vec![to.parse()?])?;
                        transport.send_raw(&envelope, bytes)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a sender thread panicked"))??;
        }
        Ok(())
    })?;
    Ok(messages.len() as f64 / started.elapsed().as_secs_f64())
}
