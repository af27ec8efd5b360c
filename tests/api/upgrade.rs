//! Data kept through an upgrade: a database made by an earlier version (migrated up to a named
//! migration), rows written as that version wrote them, then the service started on it, which
//! runs the rest of the migrations.

use chrono::TimeZone;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::MigrationHarness;
use tuomi::db::{self, DbConnection};

use crate::helpers::{Backend, TestApp, fresh_database, get_json};

pub struct OldDatabase {
    dir: tempfile::TempDir,
    url: String,
    pg_database: Option<String>,
    conn: DbConnection,
}

/// Diesel's version of a migration directory `2026-12-02-000001_name`: its digits before `_`.
fn version_of(dir_name: &str) -> String {
    let prefix = dir_name.split('_').next().unwrap_or(dir_name);
    prefix.chars().filter(char::is_ascii_digit).collect()
}

/// The versions of each backend's migrations, in order: SQLite's, PostgreSQL's.
fn migration_versions() -> (Vec<String>, Vec<String>) {
    let sqlite = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&db::SQLITE_MIGRATIONS);
    let pg = MigrationSource::<diesel::pg::Pg>::migrations(&db::POSTGRES_MIGRATIONS);
    (
        sqlite
            .unwrap()
            .iter()
            .map(|m| m.name().version().to_string())
            .collect(),
        pg.unwrap()
            .iter()
            .map(|m| m.name().version().to_string())
            .collect(),
    )
}

impl OldDatabase {
    /// A database as the version whose last migration is `last` left it; None where
    /// PostgreSQL is not reachable outside CI (as every PostgreSQL test).
    pub fn at(backend: Backend, last: &str) -> Option<OldDatabase> {
        let (dir, url, pg_database) = fresh_database(backend)?;
        let mut conn = db::connect(&db::DatabaseUrl::parse(&url).expect("test url"))
            .expect("the old database opens");
        let wanted = version_of(last);
        // Both backends hold the same migrations by name (checked below): SQLite's list is
        // the list.
        let known = migration_versions().0;
        let steps = known
            .iter()
            .position(|v| *v == wanted)
            .unwrap_or_else(|| panic!("no migration {last} among {known:?}"))
            + 1;
        for _ in 0..steps {
            match &mut conn {
                DbConnection::Sqlite(c) => c.run_next_migration(db::SQLITE_MIGRATIONS).map(|_| ()),
                DbConnection::Pg(c) => c.run_next_migration(db::POSTGRES_MIGRATIONS).map(|_| ()),
            }
            .expect("an old migration runs");
        }
        Some(OldDatabase {
            dir,
            url,
            pg_database,
            conn,
        })
    }

    /// Writes rows as the old version wrote them (plain SQL, valid on both backends).
    pub fn sql(&mut self, sql: &str) -> &mut Self {
        self.conn
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("old rows: {e}\n{sql}"));
        self
    }

    /// The current service started on the old database: it migrates it on start.
    pub async fn upgrade(self) -> TestApp {
        drop(self.conn);
        TestApp::spawn_with(self.dir, self.url, self.pg_database, |_| ()).await
    }
}

#[test]
fn both_backends_hold_the_same_migrations_in_the_same_order() {
    let (sqlite, pg) = migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, pg);
}

#[test]
fn a_migration_is_named_by_its_directory() {
    assert_eq!(
        version_of("2026-12-02-000001_line_titles_per_language"),
        "20261202000001"
    );
}

/// Rows of a departure as the version before per-language line titles wrote them.
const DEPARTURE_WITH_JOINED_TITLES: &str = "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2026-11-30 09:00:00',
  '2026-11-30 09:00:00');
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES ('e1', 'E001', '李雷', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departing',
  'core', 'e001 李雷', '2026-11-30 09:00:00', '2026-11-30 09:00:00');
INSERT INTO departures (id, employee_id, notice_date, last_working_day, reason, successor_id,
  status, started_by, started_at, completed_by, completed_at, override_reason)
VALUES ('d1', 'e1', '2026-11-30', '2026-12-31', 'resignation', NULL, 'in_progress', 'hr',
  '2026-11-30 09:00:00', NULL, NULL, NULL);
INSERT INTO departure_lines (id, departure_id, position, kind, carrier_id, title,
  expected_count, status, counted, note, handed_to_id, confirmed_by, confirmed_at, received_by,
  received_at)
VALUES
  ('l1', 'd1', 1, 'secrets_handover', NULL,
   '涉密文件资料移交接替人 · Secret files handed over to the successor', 1, 'open', NULL, '',
   NULL, NULL, NULL, NULL, NULL),
  ('l2', 'd1', 2, 'custom', NULL, '归还门禁卡 · badge', 1, 'open', NULL, '', NULL, NULL, NULL,
   NULL, NULL);
";

async fn standard_lines_are_split_by_language_and_added_lines_kept_whole(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-11-25-000022_person_terms") else {
        return;
    };
    old.sql(DEPARTURE_WITH_JOINED_TITLES);
    let app = old.upgrade().await;
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    let detail = get_json(&app, &hr, "/api/v1/departures/d1").await;
    let line = |id: &str| {
        detail["lines"]
            .as_array()
            .unwrap_or_else(|| panic!("lines in {detail}"))
            .iter()
            .find(|l| l["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("line {id} in {detail}"))
    };
    let (standard, added) = (line("l1"), line("l2"));
    assert_eq!(standard["title_zh"], "涉密文件资料移交接替人");
    assert_eq!(
        standard["title_en"],
        "Secret files handed over to the successor"
    );
    assert_eq!(added["title_zh"], "归还门禁卡 · badge");
    assert_eq!(added["title_en"], "归还门禁卡 · badge");
}

#[actix_web::test]
async fn line_titles_are_split_by_language_on_upgrade_on_sqlite() {
    standard_lines_are_split_by_language_and_added_lines_kept_whole(Backend::Sqlite).await;
}

#[actix_web::test]
async fn line_titles_are_split_by_language_on_upgrade_on_postgres() {
    standard_lines_are_split_by_language_and_added_lines_kept_whole(Backend::Postgres).await;
}

/// A reminder as the version before the delivery horizon left it: its send job queued after 19
/// temporary failures, one short of the 20 attempts that version allowed.
const REMINDER_AT_ITS_LAST_OLD_ATTEMPT: &str = "
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES ('e1', 'E001', 'Li Lei', NULL, 'li@home.example', 'en', 'R&D', 'Engineer', NULL, NULL,
  'departed', 'general', 'e001 li lei', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
INSERT INTO obligations (id, employee_id, kind, starts_on, ends_on, status, tier, created_at,
  updated_at)
VALUES ('o1', 'e1', 'confidentiality', '2026-01-01', '2040-12-31', 'active', NULL,
  '2026-01-01 00:00:00', '2026-01-01 00:00:00');
INSERT INTO reminders (id, unique_key, employee_id, user_id, kind, period, due_at, status,
  last_error, created_at, updated_at)
VALUES ('r1', 'periodic:e1:2028-04-01T09:00', 'e1', NULL, 'periodic', '2028-04-01T09:00',
  '2028-04-01 01:00:00', 'scheduled', 'Connection refused', '2028-04-01 01:00:00',
  '2028-04-03 01:00:00');
INSERT INTO jobs (id, kind, payload, unique_key, state, attempts, max_attempts, run_at,
  locked_until, locked_by, last_error, created_at, updated_at)
VALUES ('j1', 'send_reminder', 'r1', 'send:r1', 'queued', 19, 20, '2028-04-03 01:00:00', NULL,
  NULL, 'Connection refused', '2028-04-01 01:00:00', '2028-04-03 01:00:00');
";

async fn a_reminder_waiting_before_the_upgrade_is_tried_until_its_horizon(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-02-000001_line_titles_per_language")
    else {
        return;
    };
    old.sql(REMINDER_AT_ITS_LAST_OLD_ATTEMPT);
    let app = old.upgrade().await;
    app.run_jobs().await;
    // Two days more of the outage: the old limit would have failed it at the next refusal.
    app.smtp_proxy.cut();
    for day in 3..=5 {
        app.clock
            .set(chrono::Utc.with_ymd_and_hms(2028, 4, day, 2, 0, 0).unwrap());
        let stats = app.run_jobs().await;
        assert_eq!(stats.failed, 0, "day {day}: {stats:?}");
    }
    app.smtp_proxy.restore();
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2028, 4, 6, 2, 0, 0).unwrap());
    app.run_jobs().await;
    let copies = app
        .smtp
        .to("li@home.example")
        .iter()
        .filter(|m| m.message_id().starts_with("r1@"))
        .count();
    assert_eq!(copies, 1, "the waiting reminder is delivered, once");
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    assert_eq!(
        get_json(&app, &hr, "/api/v1/reminders/r1").await["status"],
        "sent"
    );
}

#[actix_web::test]
async fn a_reminder_waiting_before_the_upgrade_keeps_being_tried_on_sqlite() {
    a_reminder_waiting_before_the_upgrade_is_tried_until_its_horizon(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_reminder_waiting_before_the_upgrade_keeps_being_tried_on_postgres() {
    a_reminder_waiting_before_the_upgrade_is_tried_until_its_horizon(Backend::Postgres).await;
}
