//! Backups: a consistent copy of the database taken while the service runs, and putting one
//! back. SQLite copies itself (`VACUUM INTO`); PostgreSQL uses `pg_dump` / `pg_restore`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{DatabaseUrl, DbConnection, connect, migrate};

/// Writes a backup of the database to `to`, which must not exist yet.
pub fn backup(url: &DatabaseUrl, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!("{} exists already; choose a new file name", to.display());
    }
    match url {
        DatabaseUrl::Sqlite(_) => {
            let mut conn = connect(url)?;
            let DbConnection::Sqlite(c) = &mut conn else {
                unreachable!("a SQLite URL opens SQLite");
            };
            // A consistent snapshot, even with the service writing meanwhile.
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(path_text(to)?)
                .execute(c)
                .with_context(|| format!("cannot write {}", to.display()))?;
        }
        DatabaseUrl::Postgres(pg) => {
            let (dbname, password) = without_password(pg)?;
            run(Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(to)
                .arg("--dbname")
                .arg(dbname)
                .envs(password.map(|p| ("PGPASSWORD", p))))?;
        }
    }
    Ok(())
}

/// Puts a backup in place of the configured database. An existing database with data is
/// replaced only with `force` (stop the service first). Older backups are migrated forward.
pub fn restore(url: &DatabaseUrl, from: &Path, force: bool) -> anyhow::Result<()> {
    if !from.is_file() {
        bail!("{} is not a file", from.display());
    }
    match url {
        DatabaseUrl::Sqlite(target) => {
            check_sqlite_backup(from)?;
            if target.exists() && !force {
                bail!(
                    "the database {} exists; stop the service and pass --force to replace it",
                    target.display()
                );
            }
            let dir = target.parent().filter(|d| !d.as_os_str().is_empty());
            if let Some(dir) = dir {
                std::fs::create_dir_all(dir)?;
            }
            // Copied beside the target, then renamed over it: never half a database.
            let tmp = target.with_extension("restoring");
            std::fs::copy(from, &tmp)
                .with_context(|| format!("cannot copy {} to {}", from.display(), tmp.display()))?;
            for stale in ["-wal", "-shm"] {
                let mut p = target.clone().into_os_string();
                p.push(stale);
                let _ = std::fs::remove_file(p);
            }
            std::fs::rename(&tmp, target)?;
        }
        DatabaseUrl::Postgres(pg) => {
            let mut conn = connect(url)?;
            if has_data(&mut conn)? && !force {
                bail!(
                    "the database already holds tuomi's data; stop the service and pass --force \
                     to replace it"
                );
            }
            drop(conn);
            let (dbname, password) = without_password(pg)?;
            run(Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                ])
                .arg(dbname)
                .arg(from)
                .envs(password.map(|p| ("PGPASSWORD", p))))?;
        }
    }
    migrate(&mut connect(url)?)?;
    Ok(())
}

fn path_text(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", path.display()))
}

/// A SQLite backup has tuomi's migrations table; anything else is refused before it replaces
/// the database.
fn check_sqlite_backup(from: &Path) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = diesel::SqliteConnection::establish(path_text(from)?)
        .with_context(|| format!("{} cannot be opened as SQLite", from.display()))?;
    let found: Result<Count, _> = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master WHERE name = '__diesel_schema_migrations'",
    )
    .get_result(&mut conn);
    match found {
        Ok(Count { n: 1 }) => Ok(()),
        _ => bail!("{} is not a tuomi backup", from.display()),
    }
}

fn has_data(conn: &mut DbConnection) -> anyhow::Result<bool> {
    #[derive(QueryableByName)]
    struct Present {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        present: bool,
    }
    let DbConnection::Pg(c) = conn else {
        return Ok(false);
    };
    let found: Present = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'users') AS present",
    )
    .get_result(c)?;
    if !found.present {
        return Ok(false);
    }
    Ok(super::users::count(conn)? > 0)
}

/// The URL for the PostgreSQL tools without its password (which goes in `PGPASSWORD`, not on
/// a command line other users can read).
fn without_password(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut parsed = url::Url::parse(url)?;
    let password = parsed.password().map(|p| {
        percent_encoding::percent_decode_str(p)
            .decode_utf8_lossy()
            .into_owned()
    });
    let _ = parsed.set_password(None);
    Ok((parsed.to_string(), password))
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let program = command.get_program().to_string_lossy().into_owned();
    let out = command
        .output()
        .with_context(|| format!("cannot run {program}: is the PostgreSQL client installed?"))?;
    if !out.status.success() {
        bail!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
