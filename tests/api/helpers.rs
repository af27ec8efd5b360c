//! The test application: tuomi on 127.0.0.1:0 with a fresh database (a SQLite file in a temp
//! dir, or a PostgreSQL database of its own, dropped after), a manual clock, and an HTTP client
//! with a cookie jar.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{TimeZone, Utc};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use tuomi::clock::ManualClock;
use tuomi::config::Config;
use tuomi::db::{self, DbConnection, users, write_tx};
use tuomi::domain::audit::Actor;
use tuomi::domain::users::NewUser;
use tuomi::jobs::{RunStats, Runner};
use tuomi::startup::Application;

use crate::leftover_jobs::{EndOfTest, ExpectedJobs};
pub use crate::proxy::TcpProxy;
use crate::smtp::SmtpServer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test once on SQLite and once on PostgreSQL: `<module>::sqlite::<name>` and
/// `<module>::postgres::<name>`. A test that ends (without a panic of its own) with jobs due
/// and not run, or with failed jobs, fails naming them, unless it said it expects them
/// ([`TestApp::expect_leftover_jobs`], [`TestApp::expect_failed_jobs`]).
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(async fn $name($app: $crate::helpers::TestApp) $body)*
        mod sqlite {
            $(#[actix_web::test]
            async fn $name() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite)
                    .await
                    .expect("a SQLite test app always starts");
                let end = app.end_of_test();
                super::$name(app).await;
                end.check_jobs();
            })*
        }
        mod postgres {
            $(#[actix_web::test]
            async fn $name() {
                if let Some(app) =
                    $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await
                {
                    let end = app.end_of_test();
                    super::$name(app).await;
                    end.check_jobs();
                }
            })*
        }
    };
}

pub const PASSWORD: &str = "correct horse battery staple";
/// The `metrics_token` every test app is given.
pub const METRICS_TOKEN: &str = "metrics-token-of-the-tests";

pub fn postgres_admin_url() -> String {
    std::env::var("TUOMI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A new, empty PostgreSQL database and its URL; None (said loudly) when no server answers.
/// Under CI=true a missing server is a failure, not a skip.
pub fn fresh_postgres_database() -> Option<(String, String)> {
    let admin = postgres_admin_url();
    let mut conn = match PgConnection::establish(&admin) {
        Ok(conn) => conn,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL is required under CI=true but {admin} answered: {e}");
            }
            eprintln!(
                "\n*** SKIPPED: the PostgreSQL half of this test ({admin} is not reachable: {e}). \
                 Set TUOMI_TEST_POSTGRES_URL or start PostgreSQL to run it. ***\n"
            );
            return None;
        }
    };
    let name = format!("tuomi_test_{}", uuid::Uuid::new_v4().simple());
    conn.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the test database");
    let mut url = url::Url::parse(&admin).expect("TUOMI_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    Some((name, url.to_string()))
}

pub fn drop_postgres_database(name: &str) {
    if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
        let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// A data dir and an empty database of its own on `backend`: the dir, the database's URL and,
/// on PostgreSQL, its name (to drop after). None where PostgreSQL is not reachable outside CI.
pub fn fresh_database(backend: Backend) -> Option<(tempfile::TempDir, String, Option<String>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg_database) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("tuomi.db").display()),
            None,
        ),
        Backend::Postgres => {
            let (name, url) = fresh_postgres_database()?;
            (url, Some(name))
        }
    };
    Some((dir, url, pg_database))
}

/// A test's own PostgreSQL database, dropped when the last one holding it (the app, the
/// check at the end of the test) lets go.
pub struct PgDatabase(String);

impl Drop for PgDatabase {
    fn drop(&mut self) {
        drop_postgres_database(&self.0);
    }
}

pub struct TestApp {
    pub address: String,
    /// The job worker, run by the tests at the clock times they choose.
    pub runner: Arc<Runner>,
    /// The mail server the app sends to, through `smtp_proxy` (cut it to take mail down).
    pub smtp: SmtpServer,
    pub smtp_proxy: TcpProxy,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub config: Config,
    pub setup_link: Option<String>,
    /// The data dir (the SQLite database in it); removed when the last holder lets go.
    pub dir: Arc<tempfile::TempDir>,
    pg_database: Option<Arc<PgDatabase>>,
    /// The jobs the test said it leaves behind, for the check at its end.
    expected_jobs: Arc<ExpectedJobs>,
}

/// A fixed start for every test's clock: a leap year, just before a month end.
pub fn test_start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2028, 2, 28, 15, 30, 0).unwrap()
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        let (dir, database_url, pg_database) = fresh_database(backend)?;
        Some(Self::spawn_with(dir, database_url, pg_database, |_| ()).await)
    }

    /// An app with the session and token lifetimes as shipped (2 hours idle, 12 at most, 90
    /// days a token), which other tests stretch.
    /// An app whose pool logs every statement's SQL (`config.statement_log`), for the tests
    /// that read query plans.
    pub async fn spawn_logging_statements(backend: Backend) -> Option<TestApp> {
        let (dir, database_url, pg_database) = fresh_database(backend)?;
        Some(
            Self::spawn_with(dir, database_url, pg_database, |config| {
                config.statement_log = Some(tuomi::db::StatementLog::default());
            })
            .await,
        )
    }

    pub async fn spawn_as_shipped(backend: Backend) -> Option<TestApp> {
        let (dir, database_url, pg_database) = fresh_database(backend)?;
        let app = Self::spawn_with(dir, database_url, pg_database, |config| {
            config.sessions = tuomi::domain::sessions::SessionLimits::default();
            config.api_token_days = 90;
        })
        .await;
        Some(app)
    }

    pub async fn spawn_with(
        dir: tempfile::TempDir,
        database_url: String,
        pg_database: Option<String>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config =
            Config::for_data_dir(dir.path(), &database_url).expect("test configuration");
        config.listen = "127.0.0.1:0".parse().unwrap();
        let smtp = SmtpServer::start();
        let smtp_proxy = TcpProxy::start(format!("127.0.0.1:{}", smtp.port));
        config.smtp_url = Some(
            format!("smtp://127.0.0.1:{}", smtp_proxy.port)
                .parse()
                .unwrap(),
        );
        config.mail_from = "Example Co. <tuomi@example.com>".into();
        // Tests run scheduled work themselves, at the dates they choose.
        config.jobs = false;
        config.metrics_token = Some(METRICS_TOKEN.into());
        // Tests jump months and years with one API token; the default lifetime (90 days) is
        // tested in sessions.rs.
        config.api_token_days = 3650;
        // And hours with one session: idle, it lasts as long as it may at all (12 hours).
        // The shipped idle timeout is tested in sessions.rs.
        config.sessions.idle = config.sessions.lifetime;
        // Users of every role sign in with the password alone; the shipped policy (admin and
        // security must use a second factor) is tested in second_factor.rs.
        config.second_factor_roles = Vec::new();
        adjust(&mut config);
        let clock = Arc::new(ManualClock::new(test_start()));
        let app = Application::build(config.clone(), clock.clone())
            .await
            .expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let setup_link = app
            .setup_link
            .as_ref()
            .map(|link| link.replacen(config.base_url.as_str().trim_end_matches('/'), &address, 1));
        let runner = app.runner.clone();
        actix_web::rt::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            address,
            runner,
            smtp,
            smtp_proxy,
            client,
            clock,
            config,
            setup_link,
            dir: Arc::new(dir),
            pg_database: pg_database.map(|name| Arc::new(PgDatabase(name))),
            expected_jobs: Arc::default(),
        }
    }

    /// What the check at the end of the test needs (the database, kept until it has looked,
    /// and the clock), held past the test body, which owns the app.
    pub fn end_of_test(&self) -> EndOfTest {
        EndOfTest::new(
            self.config.database_url.clone(),
            self.clock.clone(),
            self.expected_jobs.clone(),
            (self.dir.clone(), self.pg_database.clone()),
        )
    }

    /// Says that this test ends with jobs due and not run (queued, or running with a lease
    /// nobody will finish) and that this is what it checks; without it, the test fails
    /// naming them. It fails as well if none is left.
    pub fn expect_leftover_jobs(&self) {
        self.expected_jobs.leftover.store(true, Ordering::SeqCst);
    }

    /// Says that this test ends with failed jobs and that this is what it checks; without it,
    /// the test fails naming them. It fails as well if none failed.
    pub fn expect_failed_jobs(&self) {
        self.expected_jobs.failed.store(true, Ordering::SeqCst);
    }

    /// Another instance of the service on this app's database, with the same secret key and a
    /// data dir of its own, as behind a load-balancing proxy.
    pub async fn second_instance(&self) -> TestApp {
        let secret = std::fs::read_to_string(self.dir.path().join("secret.key"))
            .map(|key| key.trim().to_string())
            .ok()
            .or_else(|| self.config.secret_key.clone());
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::spawn_with(dir, database_url_text(&self.config), None, |config| {
            config.secret_key = secret;
        })
        .await
    }

    /// Runs the scheduled work as `tuomi jobs run-once` would, at the test clock's time.
    pub async fn run_jobs(&self) -> RunStats {
        let runner = self.runner.clone();
        actix_web::web::block(move || runner.run_once())
            .await
            .unwrap()
            .expect("the job run")
    }

    /// Completions recorded before the end of the last working day take effect at 24:00 of
    /// it: moves the clock to the latest such time still to come and runs the jobs, so the
    /// people are departed and their obligations exist.
    pub async fn past_the_last_working_day(&self) {
        use diesel::prelude::*;
        use tuomi::db::schema::departures;
        let mut conn = self.db();
        let pending: Option<chrono::NaiveDateTime> = departures::table
            .filter(departures::in_effect.eq(false))
            .select(diesel::dsl::max(departures::takes_effect_at))
            .first(&mut conn)
            .expect("pending completions");
        if let Some(at) = pending {
            let at = at.and_utc();
            if at > tuomi::clock::Clock::now(&*self.clock) {
                self.clock.set(at);
            }
        }
        // What the completion queued runs too: the effect, and the loss notices of lines not
        // handed over.
        self.run_jobs().await;
    }

    /// The database this app runs on.
    pub fn backend(&self) -> Backend {
        if self.pg_database.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A direct connection to the app's database, as an operator (or an intruder) would have.
    pub fn db(&self) -> DbConnection {
        db::connect(&self.config.database_url).expect("connect to the test database")
    }

    /// Creates a user with these roles straight in the database; returns its id.
    pub fn add_user(&self, email: &str, roles: &[&str]) -> String {
        let new = NewUser::parse(email, "Test User 测试", roles, Some("en"), None).unwrap();
        let hash = tuomi::auth::hash_password(PASSWORD).unwrap();
        let now = tuomi::clock::Clock::now(&*self.clock);
        write_tx(&mut self.db(), |conn| {
            users::create(conn, now, &Actor::System, &new, Some(&hash))
        })
        .expect("create user")
        .id
    }

    /// A client signed in as a new user with these roles.
    pub async fn signed_in(&self, email: &str, roles: &[&str]) -> reqwest::Client {
        self.add_user(email, roles);
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "sign-in of {email}");
        client
    }

    /// A client holding an API token of a new user with these roles: unlike a session it
    /// outlives clock jumps of months.
    pub async fn token_client(&self, email: &str, roles: &[&str]) -> reqwest::Client {
        let session = self.signed_in(email, roles).await;
        let created: serde_json::Value = session
            .post(self.url("/api/v1/tokens"))
            .json(&serde_json::json!({"name": "test"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", created["token"].as_str().unwrap())
                .parse()
                .unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// `/metrics`, as Prometheus asks for it (with the metrics token).
    pub async fn metrics(&self) -> reqwest::Response {
        self.client
            .get(self.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Runs the real `tuomi` binary against this app's data dir and database.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tuomi"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TUOMI_DATA_DIR", self.dir.path())
            .env("TUOMI_DATABASE_URL", database_url_text(&self.config))
            .current_dir(self.dir.path())
            .env("TUOMI_LOG", "warn");
        cmd
    }
}

pub fn database_url_text(config: &Config) -> String {
    match &config.database_url {
        db::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        db::DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// GETs `path` as `client`: the JSON answer, whatever the status.
pub async fn get_json(app: &TestApp, client: &reqwest::Client, path: &str) -> serde_json::Value {
    let r = client.get(app.url(path)).send().await.unwrap();
    r.json().await.unwrap()
}

/// POSTs JSON as `client`; the status and the JSON answer (null when there is none).
pub async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let r = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// The value of the hidden CSRF field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    html[start..]
        .split('"')
        .next()
        .expect("closing quote")
        .to_string()
}

/// A page as a browser gets it: the status and the HTML.
pub async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Fills and sends a form of the page at `page_path` as a browser would (its CSRF token
/// included), to `action`; follows the redirect and returns where it landed and that page.
pub async fn submit_form(
    app: &TestApp,
    client: &reqwest::Client,
    page_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (String, u16, String) {
    let (_, html) = page(app, client, page_path).await;
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf_of(&html))];
    if !fields.iter().any(|(k, _)| *k == "_back") {
        form.push(("_back".into(), page_path.into()));
    }
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let r = client
        .post(app.url(action))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a form answers with a redirect");
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (status, html) = page(app, client, &to).await;
    (to, status, html)
}

/// Compares `actual` with `tests/api/snapshots/<name>.txt`; with `UPDATE_SNAPSHOTS=1` writes it
/// instead (review the diff before committing).
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot at {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(actual, expected, "snapshot {name} differs");
}
