//! What the service writes is readable by its own user only: the data directory 0700, the
//! database with its WAL and SHM, the outbox's messages and backups 0600, whatever umask the
//! process was started with.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

use crate::helpers::{Backend, TestApp, fresh_database, post};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `tuomi <args>` as the app's command runs it, but started by a shell with the everyday
/// umask 022 (the test process's own umask is whatever the service left it).
fn under_umask_022(app: &TestApp, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let template = app.command(args);
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg("umask 022; exec \"$@\"")
        .arg("sh")
        .arg(template.get_program())
        .args(template.get_args())
        .env_clear();
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            shell.env(key, value);
        }
    }
    for (key, value) in env {
        shell.env(key, value);
    }
    shell.current_dir(app.dir.path()).output().unwrap()
}

#[actix_web::test]
async fn every_file_the_service_writes_is_its_users_alone() {
    // The everyday umask, as the service is started by a shell or systemd.
    // SAFETY: only the file mode mask of this test process changes.
    unsafe { libc::umask(0o022) };
    let (dir, url, _) = fresh_database(Backend::Sqlite).unwrap();
    // No mail server: messages go to the outbox.
    let app = TestApp::spawn_with(dir, url, None, |config| config.smtp_url = None).await;
    let end = app.end_of_test();
    app.add_user("sec@example.com", &["security"]);
    let (s, _) = post(
        &app,
        &reqwest::Client::new(),
        "/api/v1/public/breaches",
        json!({
            "what": "Drawings left in the print room overnight."
        }),
    )
    .await;
    assert_eq!(s, 201);
    app.run_jobs().await;

    let data = app.dir.path();
    let outbox: Vec<_> = std::fs::read_dir(data.join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        !outbox.is_empty(),
        "the notice to security is in the outbox"
    );
    let mut written = vec![
        data.join("tuomi.db"),
        data.join("tuomi.db-wal"),
        data.join("secret.key"),
    ];
    written.extend(outbox);
    if data.join("tuomi.db-shm").exists() {
        written.push(data.join("tuomi.db-shm"));
    }
    for file in &written {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&data.join("outbox")), 0o700);

    // The command line too: a backup, and a data directory it creates.
    let backup = data.join("tuomi.backup");
    let out = under_umask_022(&app, &["backup", backup.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&backup), 0o600, "the backup");
    let fresh = tempfile::tempdir().unwrap();
    let new_data = fresh.path().join("data");
    let new_db = new_data.join("tuomi.db");
    let out = under_umask_022(
        &app,
        &["migrate"],
        &[
            ("TUOMI_DATA_DIR", &new_data),
            ("TUOMI_DATABASE_URL", &fresh.path().join("data/tuomi.db")),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&new_data), 0o700, "the data directory");
    assert_eq!(mode(&new_db), 0o600, "the database");
    end.check_jobs();
}
