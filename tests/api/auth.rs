//! Signing in: the first-admin setup link, sessions, throttling, API tokens, CSRF.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of};
use crate::on_both_databases;

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn submit_setup(app: &TestApp, link: &str, password_confirm: &str) -> reqwest::Response {
    let page = app.client.get(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = csrf_of(&page.text().await.unwrap());
    app.client
        .post(link)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "Admin@Example.com"),
            ("name", "王管理"),
            ("password", PASSWORD),
            ("password_confirm", password_confirm),
            ("language", "zh-CN"),
        ])
        .send()
        .await
        .unwrap()
}

on_both_databases! {
    async fn first_admin_signs_in_through_the_one_time_setup_link(app: TestApp) {
        let link = app.setup_link.clone().expect("a fresh install prints a setup link");
        // A mismatched confirmation redraws the form with the field's message (in the page's
        // language, Chinese before anyone has chosen), keeping the email.
        let retry = submit_setup(&app, &link, "something else entirely").await;
        assert_eq!(retry.status(), 422);
        let html = retry.text().await.unwrap();
        assert!(html.contains("与密码不一致"), "{html}");
        assert!(!html.contains("does not match"), "{html}");
        assert!(html.contains("Admin@Example.com"));

        let done = submit_setup(&app, &link, PASSWORD).await;
        assert_eq!(done.status(), 303);
        assert_eq!(done.headers()["location"], "/");
        let home = app.get("/").await.text().await.unwrap();
        assert!(home.contains("王管理"), "{home}");
        assert!(home.contains("系统管理员"), "the admin's page is in Chinese: {home}");

        let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["email"], "admin@example.com");
        assert_eq!(me["roles"], json!(["admin"]));
        assert_eq!(me["language"], "zh-CN");

        // The link works once.
        let again = reqwest::get(&link).await.unwrap();
        assert_eq!(again.status(), 404);
    }

    async fn the_setup_link_expires_after_one_hour(app: TestApp) {
        let link = app.setup_link.clone().unwrap();
        app.clock.advance(Duration::minutes(61));
        let page = app.client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 404);
        assert!(page.text().await.unwrap().contains("链接已失效"));
        let tampered = format!("{link}x");
        app.clock.advance(Duration::minutes(-61));
        assert_eq!(app.client.get(&tampered).send().await.unwrap().status(), 404);
    }

    async fn sign_in_sets_a_protected_session_cookie(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let response = sign_in(&app, "HR@Example.com", PASSWORD).await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("tuomi_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("hr@example.com"), "the cookie is encrypted: {cookie}");
        let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["email"], "hr@example.com");
        assert_eq!(me["roles"], json!(["hr"]));
    }

    async fn every_address_is_throttled_after_thirty_failures_whatever_the_accounts(app: TestApp) {
        for i in 0..30 {
            let r = sign_in(&app, &format!("guess{i}@example.com"), "not the password!").await;
            assert_eq!(r.status(), 401);
        }
        app.add_user("real@example.com", &["hr"]);
        assert_eq!(sign_in(&app, "real@example.com", PASSWORD).await.status(), 429);
    }

    async fn a_session_ends_after_twelve_hours_and_on_sign_out(app: TestApp) {
        app.add_user("sec@example.com", &["security"]);
        assert_eq!(sign_in(&app, "sec@example.com", PASSWORD).await.status(), 200);
        app.clock.advance(Duration::hours(11));
        assert_eq!(app.get("/api/v1/me").await.status(), 200);
        app.clock.advance(Duration::hours(2));
        assert_eq!(app.get("/api/v1/me").await.status(), 401);

        assert_eq!(sign_in(&app, "sec@example.com", PASSWORD).await.status(), 200);
        let out = app.client.delete(app.url("/api/v1/session")).send().await.unwrap();
        assert_eq!(out.status(), 204);
        assert_eq!(app.get("/api/v1/me").await.status(), 401);
    }

    async fn a_wrong_password_five_times_in_a_row_is_throttled(app: TestApp) {
        app.add_user("mgr@example.com", &["manager"]);
        for _ in 0..5 {
            let r = sign_in(&app, "mgr@example.com", "not the password!").await;
            assert_eq!(r.status(), 401);
        }
        // Even the right password waits now.
        let r = sign_in(&app, "mgr@example.com", PASSWORD).await;
        assert_eq!(r.status(), 429);
        let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait > 0 && wait <= 15 * 60, "{wait}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "throttled");

        app.clock.advance(Duration::minutes(16));
        assert_eq!(sign_in(&app, "mgr@example.com", PASSWORD).await.status(), 200);
    }

    async fn instances_on_one_database_share_sessions_and_count_failures_together(app: TestApp) {
        // Behind a round-robin proxy each request may land on another instance: a session
        // signed by one is good on the other, and five wrong passwords spread over both lock
        // the account on both.
        let other = app.second_instance().await;
        app.add_user("mgr@example.com", &["manager"]);
        assert_eq!(sign_in(&app, "mgr@example.com", PASSWORD).await.status(), 200);
        let me = app.client.get(other.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), 200, "the first instance's session cookie, on the second");
        for i in 0..5 {
            let on = if i % 2 == 0 { &app } else { &other };
            let r = sign_in(on, "mgr@example.com", "not the password!").await;
            assert_eq!(r.status(), 401);
        }
        assert_eq!(sign_in(&app, "mgr@example.com", PASSWORD).await.status(), 429);
        assert_eq!(sign_in(&other, "mgr@example.com", PASSWORD).await.status(), 429);
    }

    async fn an_unknown_email_gets_the_same_answer_as_a_wrong_password(app: TestApp) {
        app.add_user("known@example.com", &["hr"]);
        let known = sign_in(&app, "known@example.com", "not the password!").await;
        let unknown = sign_in(&app, "nobody@example.com", "not the password!").await;
        assert_eq!(known.status(), 401);
        assert_eq!(unknown.status(), 401);
        let said = known.text().await.unwrap();
        assert_eq!(said, unknown.text().await.unwrap());
        assert!(said.contains("the email or the password is wrong"), "{said}");
    }

    async fn emails_are_unique_whatever_their_case(app: TestApp) {
        app.add_user("li.na@example.com", &["hr"]);
        let out = app
            .command(&["user", "add", "--email", "LI.NA@example.com", "--name", "Li Na",
                       "--role", "manager", "--password-stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(b"another good password\n")?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--email") && stderr.contains("already exists"), "{stderr}");
    }

    async fn user_add_reads_the_password_from_stdin_and_the_user_can_sign_in(app: TestApp) {
        let out = app
            .command(&["user", "add", "--email", "zhao@example.com", "--name", "赵敏",
                       "--role", "hr,security", "--employee-no", "E0042", "--password-stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(sign_in(&app, "zhao@example.com", PASSWORD).await.status(), 200);
        let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["roles"], json!(["hr", "security"]));
        assert_eq!(me["employee_no"], "E0042");
    }

    async fn an_api_token_is_shown_once_and_works_as_a_bearer(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let created = hr
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"name": "payroll sync"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let body: Value = created.json().await.unwrap();
        let token = body["token"].as_str().unwrap().to_string();

        let machine = reqwest::Client::new();
        let me = machine
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        let wrong = machine
            .get(app.url("/api/v1/me"))
            .bearer_auth(format!("{token}x"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);

        // Only the hash is stored.
        use diesel::prelude::*;
        use tuomi::db::schema::api_tokens;
        let stored: Vec<String> = api_tokens::table
            .select(api_tokens::token_hash)
            .load(&mut app.db())
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], token);
        assert!(!stored[0].contains(&token[6..20]));

        let empty = hr
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"name": "  "}))
            .send()
            .await
            .unwrap();
        assert_eq!(empty.status(), 422);
        let body: Value = empty.json().await.unwrap();
        assert!(body["error"]["fields"]["name"].is_string(), "{body}");
    }

    async fn a_disabled_user_cannot_sign_in_or_use_a_session(app: TestApp) {
        let hr = app.signed_in("gone@example.com", &["hr"]).await;
        use diesel::prelude::*;
        use tuomi::db::schema::users;
        diesel::update(users::table)
            .set(users::active.eq(false))
            .execute(&mut app.db())
            .unwrap();
        assert_eq!(hr.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
        assert_eq!(sign_in(&app, "gone@example.com", PASSWORD).await.status(), 401);
    }

    async fn html_forms_without_the_csrf_token_are_refused(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        // A page visit gives the browser its token; a forged form has none.
        let _ = app.get("/login").await;
        let forged = app
            .client
            .post(app.url("/login"))
            .form(&[("email", "hr@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);

        let page = app.get("/login").await.text().await.unwrap();
        let ok = app
            .client
            .post(app.url("/login"))
            .form(&[("csrf", csrf_of(&page).as_str()), ("email", "hr@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 303);
        assert_eq!(app.get("/api/v1/me").await.status(), 200);
    }

    async fn the_sign_in_page_keeps_the_email_and_speaks_the_browsers_language(app: TestApp) {
        let page = app
            .client
            .get(app.url("/login"))
            .header("accept-language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Sign in"));
        let wrong = app
            .client
            .post(app.url("/login"))
            .header("accept-language", "zh-CN")
            .form(&[("csrf", csrf_of(&page).as_str()), ("email", "who@example.com"), ("password", "nope nope nope")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        let html = wrong.text().await.unwrap();
        assert!(html.contains("邮箱或密码错误"), "{html}");
        assert!(html.contains("who@example.com"));
        assert!(!html.contains("nope nope nope"), "the password is never echoed");
    }
}

/// Behind https the session cookie is marked Secure.
#[actix_web::test]
async fn the_session_cookie_is_secure_when_the_base_url_is_https() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let app = TestApp::spawn_with(dir, url, None, |config| {
        config.base_url = "https://tuomi.example.com".parse().unwrap();
    })
    .await;
    app.add_user("hr@example.com", &["hr"]);
    let response = sign_in(&app, "hr@example.com", PASSWORD).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    let hsts = app
        .get("/login")
        .await
        .headers()
        .get("strict-transport-security")
        .cloned();
    assert!(hsts.is_some());
}
