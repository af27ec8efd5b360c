//! Faults of the real binary: a worker killed with SIGKILL again and again while it sends a
//! batch of reminders still delivers every one; the only repeats are the messages in flight
//! at a kill, and a repeat carries the same Message-ID as its twin (so a mail system drops it).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use tuomi::db::{self, write_tx};
use tuomi::domain::obligations::ObligationKind;

use crate::smtp::SmtpServer;

/// Reminders in the batch, and how many times the worker is killed while sending it.
const BATCH: usize = 1000;
const KILLS: usize = 5;

/// `tuomi worker` on this database, sending to the SMTP server on `smtp_port`.
pub(crate) fn worker(dir: &std::path::Path, url: &str, smtp_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tuomi"))
        .arg("worker")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TUOMI_DATA_DIR", dir)
        .env("TUOMI_DATABASE_URL", url)
        .env("TUOMI_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("TUOMI_MAIL_FROM", "Example Co. <tuomi@example.com>")
        .env("TUOMI_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tuomi worker")
}

/// `count` former employees who each owe one active duty, and their reminders due now.
fn batch_due_now(url: &str, count: usize) {
    let mut conn = db::connect(&db::DatabaseUrl::parse(url).unwrap()).unwrap();
    db::migrate(&mut conn).unwrap();
    crate::delivery::former_employees_in(&mut conn, count);
    let now = chrono::Utc::now();
    let planned = write_tx(&mut conn, |c| {
        db::reminders::plan_periodic(
            c,
            now,
            ObligationKind::ALL,
            "fault-run",
            now.date_naive(),
            now,
        )
    })
    .unwrap();
    assert_eq!(planned, count);
}

/// What 5 minutes of waiting would do: the killed worker's leases run out.
fn expire_leases(url: &str) {
    let mut conn = db::connect(&db::DatabaseUrl::parse(url).unwrap()).unwrap();
    conn.batch_execute(
        "UPDATE jobs SET locked_until = '2000-01-01 00:00:00' WHERE state = 'running'",
    )
    .unwrap();
}

fn wait_for(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "waited {seconds} s for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_worker_killed_five_times_while_sending_delivers_every_reminder_once_or_as_a_same_id_twin() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tuomi.db").display());
    batch_due_now(&url, BATCH);
    let smtp = SmtpServer::start();
    let mut in_flight_at_kills = Vec::new();
    for kill in 1..=KILLS {
        let mut child = worker(dir.path(), &url, smtp.port);
        let target = kill * BATCH / (KILLS + 1);
        wait_for("the worker to send", 120, || {
            smtp.received().len() >= target
        });
        child.kill().unwrap();
        child.wait().unwrap();
        let running: i64 = {
            use diesel::prelude::*;
            let mut conn = db::connect(&db::DatabaseUrl::parse(&url).unwrap()).unwrap();
            tuomi::db::schema::jobs::table
                .filter(tuomi::db::schema::jobs::state.eq("running"))
                .count()
                .get_result(&mut conn)
                .unwrap()
        };
        in_flight_at_kills.push(running);
        expire_leases(&url);
    }
    let mut child = worker(dir.path(), &url, smtp.port);
    let delivered = || {
        let ids: std::collections::HashSet<String> =
            smtp.received().iter().map(|r| r.message_id()).collect();
        ids.len()
    };
    wait_for("every reminder", 180, || delivered() >= BATCH);
    // The register agrees: every reminder is marked sent, none failed or left waiting.
    {
        use diesel::prelude::*;
        use tuomi::db::schema::reminders;
        let mut conn = db::connect(&db::DatabaseUrl::parse(&url).unwrap()).unwrap();
        wait_for("every reminder to be marked sent", 60, || {
            let sent: i64 = reminders::table
                .filter(reminders::status.eq("sent"))
                .count()
                .get_result(&mut conn)
                .unwrap();
            sent == BATCH as i64
        });
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let received = smtp.received();
    let mut by_id: HashMap<String, Vec<&crate::smtp::Received>> = HashMap::new();
    for r in &received {
        by_id.entry(r.message_id()).or_default().push(r);
    }
    assert_eq!(by_id.len(), BATCH, "every reminder arrived");
    let twins: Vec<_> = by_id.values().filter(|copies| copies.len() > 1).collect();
    for copies in &twins {
        // A twin is the same message to the same person: same recipient, same subject.
        assert!(copies.iter().all(|c| c.to == copies[0].to));
        assert!(copies.iter().all(|c| c.subject() == copies[0].subject()));
    }
    let repeats: usize = twins.iter().map(|c| c.len() - 1).sum();
    let in_flight: i64 = in_flight_at_kills.iter().sum();
    eprintln!(
        "kill -9 run: {BATCH} reminders, {KILLS} kills, {} messages received, {} distinct, \
         {repeats} repeats (jobs in flight at the kills: {in_flight_at_kills:?})",
        received.len(),
        by_id.len()
    );
    assert!(
        repeats as i64 <= in_flight,
        "repeats ({repeats}) only of the {in_flight} messages in flight at the kills"
    );
}

/// A small filesystem of its own mounted at a path (tmpfs; needs root), unmounted at the end.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(path: &std::path::Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(
                std::env::var("CI").is_err(),
                "CI runs as root and can mount a tmpfs"
            );
            eprintln!("*** SKIPPED: cannot mount a small disk (not root) ***");
            return None;
        }
        Some(SmallDisk(path.to_path_buf()))
    }

    fn grow(&self, size: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[actix_web::test]
async fn a_full_disk_stops_the_outbox_with_a_clear_error_and_marks_nothing_sent_unwritten() {
    use crate::helpers::TestApp;
    use crate::reminders::{former, reminders, shanghai};
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = SmallDisk::mount(&dir.path().join("outbox"), "16k") else {
        return;
    };
    let url = format!("sqlite://{}", dir.path().join("tuomi.db").display());
    let app = TestApp::spawn_with(dir, url, None, |c| c.smtp_url = None).await;
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    let people = 8;
    for i in 0..people {
        former(
            &app,
            &hr,
            &format!("K{i:03}"),
            &format!("Full {i}"),
            "en",
            Some(&format!("k{i}@home.example")),
            "none",
        )
        .await;
    }
    app.clock
        .set(shanghai(2028, 4, 1, 9, 0) + chrono::Duration::seconds(1));
    let stats = app.run_jobs().await;
    assert_eq!(
        stats.failed, 0,
        "a full disk is waited out, not given up on"
    );
    let written = |app: &TestApp| {
        std::fs::read_dir(app.dir.path().join("outbox"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect::<Vec<_>>()
    };
    let files = written(&app);
    assert!(
        files.iter().all(|f| f.ends_with(".eml")),
        "no half-written file: {files:?}"
    );
    let sent = reminders(&app, &hr, "status=sent").await;
    assert!(files.len() < people, "the disk filled up: {files:?}");
    assert_eq!(
        sent.len(),
        files.len(),
        "marked sent exactly what was written: {files:?} {:?}",
        sent.iter()
            .map(|r| r["message_id"].clone())
            .collect::<Vec<_>>()
    );
    let waiting = reminders(&app, &hr, "status=scheduled").await;
    assert_eq!(
        sent.len() + waiting.len(),
        people + 1,
        "the eight reminders and one email to HR"
    );
    let error = waiting[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("No space left on device"),
        "a clear error: {error}"
    );

    disk.grow("4m");
    for _ in 0..6 {
        app.clock.advance(chrono::Duration::hours(1));
        app.run_jobs().await;
    }
    assert_eq!(written(&app).len(), people + 1);
    assert_eq!(reminders(&app, &hr, "status=sent").await.len(), people + 1);
}

#[test]
fn sending_logs_no_mail_body_no_address_and_no_link_even_at_debug_level() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tuomi.db").display());
    batch_due_now(&url, 3);
    let planted = "Planted 名字 7731";
    db::connect(&db::DatabaseUrl::parse(&url).unwrap())
        .unwrap()
        .batch_execute(&format!(
            "UPDATE employees SET name = '{planted}' WHERE id = 'e1'"
        ))
        .unwrap();
    let smtp = SmtpServer::start();
    let out = Command::new(env!("CARGO_BIN_EXE_tuomi"))
        .args(["jobs", "run-once"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TUOMI_DATA_DIR", dir.path())
        .env("TUOMI_DATABASE_URL", &url)
        .env("TUOMI_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port))
        .env("TUOMI_MAIL_FROM", "Example Co. <tuomi@example.com>")
        .env("TUOMI_LOG", "debug")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received = smtp.received();
    assert_eq!(received.len(), 3);
    let body = received
        .iter()
        .find(|r| r.text().contains(planted))
        .expect("the planted name is in a mail body");
    let link = body.ack_path();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!logs.is_empty(), "debug logging is on");
    for secret in [planted, link.as_str(), "p1@home.example"] {
        assert!(
            !logs.contains(secret),
            "{secret:?} reached the logs:\n{logs}"
        );
    }
}
