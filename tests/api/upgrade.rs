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

/// Two non-competes as the version before term months wrote them: payments by calendar month,
/// one a month. One term from the 1st (waived in its third month), one from the 16th.
const NON_COMPETES_PAID_BY_CALENDAR_MONTH: &str = "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2027-12-30 09:00:00',
  '2027-12-30 09:00:00');
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES
  ('e1', 'E001', '李雷', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departed',
   'none', 'e001 李雷', '2027-12-30 09:00:00', '2027-12-30 09:00:00'),
  ('e2', 'E002', '韩梅梅', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departed',
   'none', 'e002 韩梅梅', '2027-12-30 09:00:00', '2027-12-30 09:00:00');
INSERT INTO non_compete_agreements (employee_id, months, monthly_compensation, currency, scope,
  region, warning, updated_at, updated_by)
VALUES
  ('e1', 12, 800000, 'CNY', '竞争对手', '中国大陆', NULL, '2027-12-30 09:00:00', 'hr'),
  ('e2', 12, 600000, 'CNY', '竞争对手', '中国大陆', NULL, '2027-12-30 09:00:00', 'hr');
INSERT INTO obligations (id, employee_id, kind, starts_on, ends_on, status, tier, departure_id,
  post_exit_id, created_at, updated_at)
VALUES
  ('o1', 'e1', 'non_compete', '2028-02-01', '2029-01-31', 'waived', NULL, NULL, NULL,
   '2028-01-31 09:00:00', '2028-04-10 09:00:00'),
  ('o2', 'e2', 'non_compete', '2028-03-16', '2029-03-15', 'active', NULL, NULL, NULL,
   '2028-03-15 09:00:00', '2028-03-15 09:00:00');
INSERT INTO non_compete_payments (id, obligation_id, month, amount, paid_on, recorded_by,
  recorded_at)
VALUES
  ('p1', 'o1', '2028-02', 800000, '2028-03-05', 'hr', '2028-03-05 09:00:00'),
  ('p2', 'o1', '2028-03', 800000, '2028-04-05', 'hr', '2028-04-05 09:00:00'),
  ('p3', 'o2', '2028-03', 600000, '2028-04-05', 'hr', '2028-04-05 09:00:00'),
  ('p4', 'o2', '2029-03', 600000, '2029-03-20', 'hr', '2029-03-20 09:00:00');
";

async fn stored_payments_keep_their_meaning(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-02-000001_line_titles_per_language")
    else {
        return;
    };
    old.sql(NON_COMPETES_PAID_BY_CALENDAR_MONTH);
    let app = old.upgrade().await;
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    let o1 = get_json(&app, &hr, "/api/v1/obligations/o1/ledger").await;
    let status = |book: &serde_json::Value, n: usize| book["months"][n]["status"].clone();
    assert_eq!(
        status(&o1, 0),
        "paid",
        "February 2028 is the first term month: {o1}"
    );
    assert_eq!(status(&o1, 1), "paid", "March 2028 the second");
    assert_eq!(
        o1["months"][2]["owed"], 800_000,
        "April ran before the waiver"
    );
    assert_eq!(status(&o1, 3), "not_owed", "May began after it");
    assert_eq!(
        o1["months"].as_array().unwrap().len(),
        15,
        "the waiver's three months"
    );
    assert_eq!(o1["months"][12]["kind"], "waiver_month");
    assert_eq!(
        (&o1["owed"], &o1["paid"]),
        (
            &serde_json::json!(6 * 800_000),
            &serde_json::json!(2 * 800_000)
        )
    );
    let o2 = get_json(&app, &hr, "/api/v1/obligations/o2/ledger").await;
    assert_eq!(o2["months"].as_array().unwrap().len(), 12, "{o2}");
    assert_eq!(
        status(&o2, 0),
        "paid",
        "March 2028: the month beginning 16 March"
    );
    assert_eq!(
        status(&o2, 11),
        "paid",
        "March 2029, where no term month begins: the last one (16 February – 15 March)"
    );
    assert_eq!(o2["paid"], 2 * 600_000);
}

#[actix_web::test]
async fn stored_non_compete_payments_keep_their_meaning_on_sqlite() {
    stored_payments_keep_their_meaning(Backend::Sqlite).await;
}

#[actix_web::test]
async fn stored_non_compete_payments_keep_their_meaning_on_postgres() {
    stored_payments_keep_their_meaning(Backend::Postgres).await;
}

/// A reminder as the version before the delivery horizon left it: its send job queued after 19
/// temporary failures, one short of the 20 attempts that version allowed. Its unique key is
/// the one that version wrote (and this one writes): the schedule's tick, catching up the
/// quarter's slot, finds it planned already instead of planning a second reminder.
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
VALUES ('r1', 'employee:e1:periodic:2028-04-01T09:00', 'e1', NULL, 'periodic', '2028-04-01T09:00',
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

/// A policy whose 脱密期 counted from the notice date, with a departure in progress and one
/// completed under it, as the version before the day of leaving the post was recorded.
async fn departures_under_a_notice_date_anchor_keep_their_periods(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-02-000001_line_titles_per_language")
    else {
        return;
    };
    let policy = tuomi::domain::policy::Policy {
        anchor: tuomi::domain::policy::PeriodAnchor::NoticeDate,
        ..Default::default()
    };
    let body = serde_json::to_string(&policy).unwrap().replace('\'', "''");
    old.sql(&format!(
        "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2026-11-30 09:00:00',
  '2026-11-30 09:00:00');
INSERT INTO policy_versions (version, body, created_at, created_by)
VALUES (2, '{body}', '2026-11-30 09:00:00', 'hr');
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES ('e1', 'E001', '李雷', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departing',
  'core', 'e001 李雷', '2026-11-30 09:00:00', '2026-11-30 09:00:00');
INSERT INTO departures (id, employee_id, notice_date, last_working_day, reason, successor_id,
  status, started_by, started_at, completed_by, completed_at, override_reason)
VALUES ('d1', 'e1', '2026-11-30', '2026-12-31', 'resignation', NULL, 'in_progress', 'hr',
  '2026-11-30 09:00:00', NULL, NULL, NULL);
"
    ));
    let app = old.upgrade().await;
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    let detail = get_json(&app, &hr, "/api/v1/departures/d1").await;
    assert_eq!(
        detail["left_post_on"], "2026-11-30",
        "the period still counts from the notice: {detail}"
    );
    assert_eq!(detail["no_trade_secret_reason"], serde_json::Value::Null);
}

#[actix_web::test]
async fn departures_under_a_notice_date_anchor_keep_their_periods_on_sqlite() {
    departures_under_a_notice_date_anchor_keep_their_periods(Backend::Sqlite).await;
}

#[actix_web::test]
async fn departures_under_a_notice_date_anchor_keep_their_periods_on_postgres() {
    departures_under_a_notice_date_anchor_keep_their_periods(Backend::Postgres).await;
}

/// Departures completed before a completion could take effect later took effect when they
/// were completed; one in progress has no time yet.
async fn completed_departures_took_effect_when_completed(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-03-000500_job_due") else {
        return;
    };
    old.sql(
        "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2026-11-30 09:00:00',
  '2026-11-30 09:00:00');
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES ('e1', 'E001', '李雷', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departed',
  'none', 'e001 李雷', '2026-11-30 09:00:00', '2026-11-30 09:00:00'),
  ('e2', 'E002', '韩梅梅', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departing',
  'none', 'e002 韩梅梅', '2026-11-30 09:00:00', '2026-11-30 09:00:00');
INSERT INTO departures (id, employee_id, notice_date, last_working_day, left_post_on, reason,
  successor_id, status, started_by, started_at, completed_by, completed_at, override_reason)
VALUES ('d1', 'e1', '2026-11-01', '2026-11-30', '2026-11-30', 'resignation', NULL, 'completed',
  'hr', '2026-11-01 09:00:00', 'hr', '2026-11-30 10:00:00', 'test'),
  ('d2', 'e2', '2026-11-30', '2026-12-31', '2026-12-31', 'resignation', NULL, 'in_progress',
  'hr', '2026-11-30 09:00:00', NULL, NULL, NULL);
",
    );
    let app = old.upgrade().await;
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    let done = get_json(&app, &hr, "/api/v1/departures/d1").await;
    assert!(
        done["takes_effect_at"]
            .as_str()
            .is_some_and(|at| at.starts_with("2026-11-30T10:00:00")),
        "{done}"
    );
    assert_eq!(done["in_effect"], true, "{done}");
    let open = get_json(&app, &hr, "/api/v1/departures/d2").await;
    assert_eq!(open["takes_effect_at"], serde_json::Value::Null, "{open}");
    assert_eq!(open["in_effect"], false, "{open}");
}

#[actix_web::test]
async fn completed_departures_took_effect_when_completed_on_sqlite() {
    completed_departures_took_effect_when_completed(Backend::Sqlite).await;
}

#[actix_web::test]
async fn completed_departures_took_effect_when_completed_on_postgres() {
    completed_departures_took_effect_when_completed(Backend::Postgres).await;
}

/// API tokens made before tokens expired keep working for the default 90 days from their
/// creation, then stop.
async fn an_existing_token_keeps_working_for_ninety_days(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-03-000600_departure_takes_effect") else {
        return;
    };
    let token = "tuomi_made-before-tokens-expired";
    old.sql(&format!(
        "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2028-01-01 09:00:00',
  '2028-01-01 09:00:00');
INSERT INTO user_roles (user_id, role) VALUES ('hr', 'hr');
INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, last_used_at, revoked_at)
VALUES ('t1', 'hr', 'sync', '{}', '2028-01-01 09:00:00', NULL, NULL);
",
        tuomi::auth::token_hash(token)
    ));
    let app = old.upgrade().await;
    let client = reqwest::Client::new();
    let me = |client: &reqwest::Client| client.get(app.url("/api/v1/me")).bearer_auth(token).send();
    assert_eq!(me(&client).await.unwrap().status(), 200);
    // Created on 1 January 2028 at 09:00: 90 days later is 31 March, 09:00.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2028, 3, 31, 8, 59, 0).unwrap());
    assert_eq!(me(&client).await.unwrap().status(), 200);
    app.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(me(&client).await.unwrap().status(), 401);
}

#[actix_web::test]
async fn an_existing_token_keeps_working_for_ninety_days_on_sqlite() {
    an_existing_token_keeps_working_for_ninety_days(Backend::Sqlite).await;
}

#[actix_web::test]
async fn an_existing_token_keeps_working_for_ninety_days_on_postgres() {
    an_existing_token_keeps_working_for_ninety_days(Backend::Postgres).await;
}

/// Departures started before registers were numbered get their numbers in the order they
/// started, per year; the next departure takes the year's next number.
async fn departures_started_before_get_register_numbers_in_order(backend: Backend) {
    let Some(mut old) = OldDatabase::at(backend, "2026-12-03-000600_departure_takes_effect") else {
        return;
    };
    old.sql(
        "
INSERT INTO users (id, email, name, language, password_hash, active, employee_no, created_at,
  updated_at)
VALUES ('hr', 'old-hr@example.com', '王芳', 'zh-CN', NULL, TRUE, NULL, '2026-11-30 09:00:00',
  '2026-11-30 09:00:00');
INSERT INTO employees (id, employee_no, name, work_email, private_email, language, department,
  title, manager_id, hire_date, status, clearance_tier, search_text, created_at, updated_at)
VALUES ('e1', 'E001', '李雷', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departing',
  'none', 'e001 李雷', '2026-11-30 09:00:00', '2026-11-30 09:00:00'),
  ('e2', 'E002', '韩梅梅', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departing',
  'none', 'e002 韩梅梅', '2026-11-30 09:00:00', '2026-11-30 09:00:00'),
  ('e3', 'E003', '王磊', NULL, NULL, 'zh-CN', '研发部', '工程师', NULL, NULL, 'departing',
  'none', 'e003 王磊', '2026-11-30 09:00:00', '2026-11-30 09:00:00');
INSERT INTO departures (id, employee_id, notice_date, last_working_day, left_post_on, reason,
  successor_id, status, started_by, started_at, completed_by, completed_at, override_reason)
VALUES ('d2', 'e2', '2027-01-05', '2027-02-05', '2027-02-05', 'resignation', NULL, 'in_progress',
  'hr', '2027-01-05 09:00:00', NULL, NULL, NULL),
  ('d1', 'e1', '2026-11-01', '2026-12-30', '2026-12-30', 'resignation', NULL, 'in_progress',
  'hr', '2026-11-01 09:00:00', NULL, NULL, NULL),
  ('d3', 'e3', '2027-01-06', '2027-02-06', '2027-02-06', 'resignation', NULL, 'in_progress',
  'hr', '2027-01-06 09:00:00', NULL, NULL, NULL);
",
    );
    let app = old.upgrade().await;
    let hr = app.signed_in("hr@example.com", &["hr"]).await;
    for (id, no) in [
        ("d1", "2026-0001"),
        ("d2", "2027-0001"),
        ("d3", "2027-0002"),
    ] {
        let d = get_json(&app, &hr, &format!("/api/v1/departures/{id}")).await;
        assert_eq!(d["register_no"], no, "{d}");
    }
}

#[actix_web::test]
async fn departures_started_before_get_register_numbers_in_order_on_sqlite() {
    departures_started_before_get_register_numbers_in_order(Backend::Sqlite).await;
}

#[actix_web::test]
async fn departures_started_before_get_register_numbers_in_order_on_postgres() {
    departures_started_before_get_register_numbers_in_order(Backend::Postgres).await;
}
