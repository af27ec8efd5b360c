//! Backup and restore: a copy taken while the service runs, restored into a fresh place, holds
//! the same data and an intact audit chain.

use crate::helpers::{drop_postgres_database, fresh_postgres_database};
use crate::on_both_databases;
use crate::people::small_org;

fn employees_in(url: &str) -> i64 {
    use diesel::prelude::*;
    let parsed = tuomi::db::DatabaseUrl::parse(url).unwrap();
    tuomi::db::schema::employees::table
        .count()
        .get_result(&mut tuomi::db::connect(&parsed).unwrap())
        .unwrap()
}

fn run(mut cmd: std::process::Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

on_both_databases! {
    async fn a_backup_restored_into_a_fresh_place_holds_the_same_data_and_an_intact_chain(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        small_org(&app, &hr).await;
        let file = app.dir.path().join("tuomi.backup");
        let file_arg = file.to_str().unwrap();
        let (ok, out) = run(app.command(&["backup", file_arg]));
        assert!(ok, "{out}");
        assert!(file.metadata().unwrap().len() > 0);
        let (ok, out) = run(app.command(&["backup", file_arg]));
        assert!(!ok && out.contains("exists already"), "never overwrites: {out}");
        let (_, source_chain) = run(app.command(&["audit", "verify"]));

        let target_dir = tempfile::tempdir().unwrap();
        let (target_url, pg_name) = match &app.config.database_url {
            tuomi::db::DatabaseUrl::Sqlite(_) => (format!("sqlite://{}", target_dir.path().join("tuomi.db").display()), None),
            tuomi::db::DatabaseUrl::Postgres(_) => {
                let (name, url) = fresh_postgres_database().unwrap();
                (url, Some(name))
            }
        };
        let restore = |force: bool| {
            let mut cmd = app.command(&["restore", file_arg]);
            if force {
                cmd.arg("--force");
            }
            cmd.env("TUOMI_DATA_DIR", target_dir.path()).env("TUOMI_DATABASE_URL", &target_url);
            run(cmd)
        };
        let (ok, out) = restore(false);
        assert!(ok, "{out}");
        assert_eq!(employees_in(&target_url), 4);
        let mut verify = app.command(&["audit", "verify"]);
        verify.env("TUOMI_DATABASE_URL", &target_url);
        let (ok, chain) = run(verify);
        assert!(ok, "{chain}");
        assert_eq!(chain, source_chain, "the same events, still chained");
        let (ok, out) = restore(false);
        assert!(!ok && out.contains("--force"), "a database with data is not replaced by accident: {out}");
        let (ok, out) = restore(true);
        assert!(ok, "{out}");
        assert_eq!(employees_in(&target_url), 4);
        if let Some(name) = pg_name {
            drop_postgres_database(&name);
        }
    }
}

#[test]
fn something_that_is_not_a_backup_is_refused_before_it_replaces_anything() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("not-a-backup.db");
    std::fs::write(&bogus, b"hello").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tuomi"))
        .args(["restore", bogus.to_str().unwrap()])
        .env_clear()
        .env("TUOMI_DATA_DIR", dir.path())
        .env("TUOMI_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("not a tuomi backup") || text.contains("cannot be opened"),
        "{text}"
    );
    assert!(!dir.path().join("tuomi.db").exists());
}
