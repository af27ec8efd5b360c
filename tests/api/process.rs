//! The real binary as an operator runs it: start-up errors, JSON logs free of secrets, and a
//! graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, postgres_admin_url};

fn tuomi(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tuomi"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TUOMI_DATA_DIR", dir)
        .current_dir(dir);
    cmd
}

/// Runs a command that must exit by itself; kills it and fails if it does not.
fn output_within(mut cmd: Command, seconds: u64) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..seconds * 10 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("the command did not exit within {seconds} s");
}

#[test]
fn a_database_that_refuses_the_credentials_stops_the_start_with_the_real_error() {
    let mut url = url::Url::parse(&postgres_admin_url()).unwrap();
    if std::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap_or(5432))).is_err()
    {
        eprintln!("*** SKIPPED: no PostgreSQL for this test ***");
        return;
    }
    url.set_username("no_such_role_here").unwrap();
    let dir = tempfile::tempdir().unwrap();
    for args in [&["migrate"][..], &["serve"][..]] {
        let mut cmd = tuomi(dir.path());
        cmd.args(args)
            .env("TUOMI_DATABASE_URL", url.as_str())
            .env("TUOMI_LISTEN", "127.0.0.1:0");
        let out = output_within(cmd, 30);
        assert!(!out.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no_such_role_here"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_bad_setting_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = tuomi(dir.path())
        .args(["serve"])
        .env("TUOMI_DATABASE_URL", "sqlite://missing/dir/tuomi.db")
        .env("TUOMI_TIMEZONE", "Moon/Base")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TUOMI_TIMEZONE"), "{stderr}");

    let out = tuomi(dir.path())
        .args(["migrate"])
        .env("TUOMI_DATABASE_URL", "sqlite://missing/dir/tuomi.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(
        !dir.path().join("missing").exists(),
        "no silent new database"
    );
}

#[actix_web::test]
async fn json_logs_carry_request_ids_and_never_a_password_token_or_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let mut add = tuomi(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "hr@example.com",
            "--name",
            "HR",
            "--role",
            "hr",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = tuomi(dir.path())
        .args(["serve"])
        .env("TUOMI_LISTEN", format!("127.0.0.1:{port}"))
        .env("TUOMI_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = server.stderr.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });

    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the service came up");
    let planted_password = "planted-Password-4711";
    let r = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "hr@example.com", "password": planted_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": "hr@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let token: Value = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&json!({"name": "n"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v1/me?access_token={token}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // SIGTERM: the service finishes and exits cleanly.
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let lines = lines.join().unwrap();

    let text = lines.join("\n");
    for secret in [planted_password, PASSWORD, token.as_str(), cookie.as_str()] {
        assert!(!text.contains(secret), "a secret reached the log: {secret}");
    }
    let requests: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .filter(|v| v["fields"]["message"] == "request finished")
        .collect();
    assert!(requests.len() >= 5, "{text}");
    for r in &requests {
        assert_eq!(r["span"]["request_id"].as_str().unwrap().len(), 16, "{r}");
    }
    assert!(
        requests
            .iter()
            .any(|r| r["span"]["route"] == "/api/v1/me" && r["fields"]["status"] == 200)
    );
    assert!(text.contains("\"stopped\""), "{text}");
}
