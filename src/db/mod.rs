//! Storage: one connection type over SQLite and PostgreSQL, the pool, migrations, and the few
//! places where the two backends must be told apart.

pub mod audit;
pub mod backup;
pub mod breaches;
pub mod calendar;
pub mod carriers;
pub mod clearance;
pub mod departures;
pub mod employees;
pub mod exit_notice;
pub mod extensions;
pub mod files;
pub mod filing;
pub mod flashes;
pub mod forecast;
pub mod import;
pub mod imports;
pub mod interview;
pub mod jobs;
pub mod letters;
pub mod listing;
pub mod names;
pub mod noncompete;
pub mod obligations;
pub mod overview;
pub mod papers;
pub mod pledges;
pub mod policy;
pub mod reminders;
pub mod schema;
pub mod second_factor;
pub mod seed;
pub mod sessions;
pub mod throttles;
pub mod travel;
mod tx;
pub mod users;
pub mod whereabouts;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs the same diesel expression on whichever backend the connection is, for the few
/// statements the multi-connection cannot express (upserts, row locks).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub use per_backend;
pub use tx::{BUSY_TIMEOUT, Locked, WriteTx, lock_row, lock_sequence, write_tx};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Where the data lives, from `TUOMI_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `postgres://…` / `postgresql://…`, `sqlite://path` or a bare file path.
    pub fn parse(text: &str) -> Result<DatabaseUrl, String> {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            url::Url::parse(text).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(DatabaseUrl::Postgres(text.to_string()));
        }
        let path = if let Some(rest) = text.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = text.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!(
                "unsupported scheme {scheme:?}: use postgres://… or sqlite://path/to/file.db"
            ));
        } else {
            text
        };
        if path.is_empty() || path == ":memory:" {
            return Err("a SQLite database needs a file path, like sqlite://data/tuomi.db".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// The URL with any password blanked, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://…".into(),
            },
        }
    }
}

/// An r2d2 manager that opens the backend the URL names and reports the real connection error
/// (never a silent new SQLite file somewhere unexpected).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Counts the SQL statements the pool's connections run (for `/metrics`, and for the
    /// tests that a page runs as many statements whatever its number of rows).
    statements: Option<Arc<AtomicU64>>,
    /// Keeps each statement's SQL too, when the configuration asks (tests only).
    log: Option<StatementLog>,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> ConnectionManager {
        ConnectionManager {
            url,
            statements: None,
            log: None,
        }
    }
}

/// The statements a pool's connections ran, in order, as diesel prints them (the SQL, then
/// ` -- binds: ` and the bound values), for the tests that read each statement's query plan.
#[derive(Debug, Clone, Default)]
pub struct StatementLog(Arc<std::sync::Mutex<Vec<String>>>);

impl StatementLog {
    /// The statements logged since the last call, and a fresh start.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, sql: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(sql);
    }
}

/// Adds one to a counter for every statement a connection starts (and logs its SQL, if asked).
struct StatementCounter(Arc<AtomicU64>, Option<StatementLog>);

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent::{FinishQuery, StartQuery};
        use diesel::result::{DatabaseErrorKind::ClosedConnection, Error::DatabaseError};
        match event {
            StartQuery { query, .. } => {
                self.0.fetch_add(1, Ordering::Relaxed);
                if let Some(log) = &self.1 {
                    log.push(query.to_string());
                }
            }
            FinishQuery {
                error: Some(DatabaseError(ClosedConnection, _)),
                ..
            } => LOST.with(|lost| lost.set(true)),
            _ => {}
        }
    }
}

thread_local! {
    /// Set when a statement on this thread found its connection lost; the pool then drops the
    /// connection it is given back (see `has_broken`) instead of lending it again. A connection
    /// is used and given back on one thread, so this names the right one.
    static LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn open_sqlite(path: &Path) -> ConnectionResult<SqliteConnection> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(ConnectionError::BadConnection(format!(
            "the directory {} for the SQLite database does not exist",
            dir.display()
        )));
    }
    let path_text = path
        .to_str()
        .ok_or_else(|| ConnectionError::BadConnection("the SQLite path is not UTF-8".into()))?;
    let mut conn = SqliteConnection::establish(path_text)?;
    // busy_timeout first: switching to WAL itself may wait on another connection.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        BUSY_TIMEOUT.as_millis()
    ))
    .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        let mut conn = match &self.url {
            DatabaseUrl::Sqlite(path) => open_sqlite(path).map(DbConnection::Sqlite),
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConnection::Pg),
        }
        .map_err(r2d2::Error::ConnectionError)?;
        if let Some(counter) = &self.statements {
            let counter = StatementCounter(counter.clone(), self.log.clone());
            per_backend!(&mut conn, c => c.set_instrumentation(counter));
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        LOST.with(|lost| lost.replace(false))
            || std::thread::panicking()
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// A pool that does not connect until asked, so the service starts (and says 503) while the
/// database is down, and recovers when it returns. A connection is not checked each time it is
/// lent (a round trip per request): one found lost when used is dropped and replaced.
pub fn build_pool(
    url: DatabaseUrl,
    size: u32,
    statements: Arc<AtomicU64>,
    log: Option<StatementLog>,
) -> DbPool {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(3))
        .test_on_check_out(false)
        .build_unchecked(ConnectionManager {
            url,
            statements: Some(statements),
            log,
        })
}

/// A pool that opens all its connections now, for the command line. A lazy pool opens
/// connections on background threads as they are asked for, and a process that exits while one
/// is still being opened can crash inside libpq; a full pool never opens one later.
pub fn build_full_pool(url: DatabaseUrl, size: u32) -> Result<DbPool, anyhow::Error> {
    let redacted = url.redacted();
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(size))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(true)
        .build(ConnectionManager::new(url))
        .map_err(|e| anyhow::anyhow!("cannot open the database {redacted}: {e}"))
}

/// Opens one connection outside any pool, with the real error (for the command line).
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, anyhow::Error> {
    use diesel::r2d2::ManageConnection;
    ConnectionManager::new(url.clone())
        .connect()
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", url.redacted()))
}

/// Runs the pending migrations of the connection's backend; returns how many ran.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, anyhow::Error> {
    // The data a migration's new table needs that SQL alone cannot compute.
    let fill = |conn: &mut DbConnection, ran: usize| -> Result<usize, anyhow::Error> {
        employees::index_terms_if_missing(conn)?;
        Ok(ran)
    };
    match conn {
        DbConnection::Sqlite(c) => {
            let ran = c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len());
            let ran = ran.map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            fill(conn, ran)
        }
        DbConnection::Pg(c) => {
            // Several instances may start together on one database: one migrates at a time.
            c.batch_execute("SELECT pg_advisory_lock(7046029254386353131)")?;
            let ran = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            let result = ran.and_then(|ran| fill(conn, ran));
            conn.batch_execute("SELECT pg_advisory_unlock(7046029254386353131)")?;
            result
        }
    }
}

/// True when every migration the binary knows has been applied.
pub fn is_migrated(conn: &mut DbConnection) -> Result<bool, anyhow::Error> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    };
    pending
        .map(|p| !p)
        .map_err(|e| anyhow::anyhow!("cannot read the migration state: {e}"))
}

/// Raw SQL written with PostgreSQL's `$n` placeholders, as the connection's backend takes it
/// (SQLite reads `?n`).
pub fn placeholders(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Pg(_) => sql.to_string(),
        DbConnection::Sqlite(_) => sql.replace('$', "?"),
    }
}

/// Escapes `\\`, `%` and `_` so text matches literally in a LIKE pattern with ESCAPE '\\'.
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// True for an insert or update refused by a unique index.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The current instant as stored: UTC, truncated to microseconds so both backends hold the
/// same value.
pub fn stored_instant(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    at.naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal naming a state reads in Chinese on a Chinese page, and says the state as it
    /// is written in English (the API's message).
    #[test]
    fn a_record_in_the_wrong_state_is_refused_in_words_of_both_languages() {
        use crate::catalog::{english, render};
        use crate::domain::carriers::{CarrierStatus, CustodyEvent, CustodyRefusal};
        use crate::domain::clearance::{ChainRefusal, ChangeStatus};
        use crate::domain::extensions::ExtensionRefusal;
        use crate::domain::people::EmployeeStatus;
        use crate::domain::users::Language;
        use crate::error::Error;
        let refused = |e: Error| match e {
            Error::Refused(p) => p,
            other => panic!("not a refusal: {other:?}"),
        };
        let mut said = Vec::new();
        for s in [EmployeeStatus::Departed, EmployeeStatus::Retired] {
            said.push((
                refused(ChainRefusal::NotEmployed(s).into()),
                format!("the employee is {s}; tiers change only while employed"),
            ));
        }
        use ChangeStatus::{Approved, Proposed, Rejected, Reviewed};
        for (is, expected) in [
            (Reviewed, Proposed),
            (Approved, Proposed),
            (Rejected, Proposed),
            (Proposed, Reviewed),
            (Approved, Reviewed),
            (Rejected, Reviewed),
        ] {
            said.push((
                refused(ChainRefusal::WrongStep { is, expected }.into()),
                format!("the change is {is}, not {expected}"),
            ));
        }
        for s in [Approved, Rejected] {
            said.push((
                refused(ExtensionRefusal::AlreadyDecided(s).into()),
                format!("the extension is already {s}"),
            ));
        }
        use CarrierStatus::{Destroyed, InCustody, InPool};
        for (refusal, s, what) in [
            (
                CustodyRefusal::NotInPool(InCustody),
                InCustody,
                "assigned (only from the pool)",
            ),
            (
                CustodyRefusal::NotInPool(Destroyed),
                Destroyed,
                "assigned (only from the pool)",
            ),
            (
                CustodyRefusal::NotHeld(InPool, CustodyEvent::Transferred),
                InPool,
                "transferred (only while held)",
            ),
            (
                CustodyRefusal::NotHeld(Destroyed, CustodyEvent::Transferred),
                Destroyed,
                "transferred (only while held)",
            ),
            (
                CustodyRefusal::NotHeld(InPool, CustodyEvent::Returned),
                InPool,
                "returned (only while held)",
            ),
            (
                CustodyRefusal::NotHeld(Destroyed, CustodyEvent::Returned),
                Destroyed,
                "returned (only while held)",
            ),
            (
                CustodyRefusal::AlreadyDestroyed,
                Destroyed,
                "destroyed again",
            ),
        ] {
            said.push((
                refused(refusal.into()),
                format!("the carrier is {s}; it cannot be {what}"),
            ));
        }
        said.push((
            crate::problem!("month_already_paid", month = "2027-03"),
            "2027-03 is already recorded as paid".to_string(),
        ));
        use crate::domain::departures::{ChecklistRefusal, LineStatus, StartRefusal};
        use crate::domain::people::RehireRefusal;
        for s in [
            EmployeeStatus::Departing,
            EmployeeStatus::Departed,
            EmployeeStatus::Retired,
        ] {
            said.push((
                refused(StartRefusal::NotActive(s).into()),
                format!("the employee is {s}; only an active employee can start a departure"),
            ));
        }
        for s in [EmployeeStatus::Active, EmployeeStatus::Departing] {
            said.push((
                refused(RehireRefusal::NotLeft(s).into()),
                format!("the employee is {s}; only someone who has left can be rehired"),
            ));
        }
        for s in [
            LineStatus::Returned,
            LineStatus::HandedOver,
            LineStatus::Destroyed,
            LineStatus::Missing,
            LineStatus::Done,
        ] {
            said.push((
                refused(ChecklistRefusal::AlreadyConfirmed(s).into()),
                format!("the line is already {s}"),
            ));
        }
        for (problem, in_english) in &said {
            assert_eq!(&english(problem), in_english);
            let shown = render(Language::ZhCn, problem);
            assert!(
                !shown.contains(|c: char| c.is_ascii_lowercase()),
                "{in_english:?} shows as {shown:?} on a Chinese page"
            );
        }
    }

    #[test]
    fn database_url_picks_the_backend_from_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("/var/lib/tuomi/x.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/tuomi/x.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(
            DatabaseUrl::parse("mysql://h/db")
                .unwrap_err()
                .contains("mysql")
        );
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn redacted_url_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://tuomi:s3cret@db:5432/tuomi").unwrap();
        assert!(!url.redacted().contains("s3cret"));
        assert!(url.redacted().contains("db:5432"));
    }

    #[test]
    fn a_sqlite_path_in_a_missing_directory_is_refused_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("tuomi.db");
        let err = connect(&DatabaseUrl::Sqlite(path.clone()))
            .err()
            .expect("must fail");
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(!path.exists());
    }
}
