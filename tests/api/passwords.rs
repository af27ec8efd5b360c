//! Passwords: changing one's own, their strength (with the reason in the reader's language),
//! reset links from an administrator, by email ("forgot password?") and from the CLI.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, page, post, submit_form};
use crate::on_both_databases;

const NEW_PASSWORD: &str = "violet elephants dance under moonlight";

async fn put(app: &TestApp, client: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    let r = client.put(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The path (from `/password/reset/`) of a reset link, wherever the service's base URL is.
fn reset_path(link: &str) -> String {
    let start = link.find("/password/reset/").expect("a reset link");
    link[start..].split_whitespace().next().unwrap().to_string()
}

/// Sets a new password through the reset page of `path`: the status of the answer.
async fn reset_with(app: &TestApp, path: &str, password: &str) -> (u16, String) {
    let browser = browser();
    let (status, html) = page(app, &browser, path).await;
    if status != 200 {
        return (status, html);
    }
    let r = browser
        .post(app.url(path))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("new_password", password),
            ("new_password_confirm", password),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location + &r.text().await.unwrap())
}

/// The page's main part, without the per-browser form token of its header.
fn main_of(html: &str) -> String {
    html[html.find("<main").unwrap()..].to_string()
}

on_both_databases! {
    async fn a_password_change_needs_the_current_password(app: TestApp) {
        let me = app.signed_in("me@example.com", &["hr"]).await;
        let (status, body) = put(&app, &me, "/api/v1/me/password",
            json!({"current_password": "not my password at all", "new_password": NEW_PASSWORD})).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["fields"]["current_password"], "is not your current password");
        assert_eq!(sign_in(&app, "me@example.com", NEW_PASSWORD).await, 401, "nothing changed");

        let (status, body) = put(&app, &me, "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})).await;
        assert_eq!(status, 204, "{body}");
        assert_eq!(sign_in(&app, "me@example.com", PASSWORD).await, 401, "the old one is gone");
        assert_eq!(sign_in(&app, "me@example.com", NEW_PASSWORD).await, 200);
    }

    async fn wrong_current_passwords_are_throttled_like_sign_ins(app: TestApp) {
        let me = app.signed_in("me@example.com", &["hr"]).await;
        let wrong = json!({"current_password": "a guess of the password", "new_password": NEW_PASSWORD});
        for _ in 0..5 {
            assert_eq!(put(&app, &me, "/api/v1/me/password", wrong.clone()).await.0, 422);
        }
        let (status, _) = put(&app, &me, "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})).await;
        assert_eq!(status, 429, "even the right one waits");
        assert_eq!(sign_in(&app, "me@example.com", NEW_PASSWORD).await, 429);
    }

    async fn weak_passwords_are_refused_with_the_reason_in_english_and_chinese(app: TestApp) {
        let me = app.signed_in("wang.li@example.com", &["hr"]).await;
        for (weak, reason) in [
            ("password1234", "is one of the most common passwords"),
            ("            ", "must not be only spaces"),
            ("wang.li@example.com", "must not contain your name or your email address"),
        ] {
            let (status, body) = put(&app, &me, "/api/v1/me/password",
                json!({"current_password": PASSWORD, "new_password": weak})).await;
            assert_eq!(status, 422, "{weak:?}: {body}");
            assert_eq!(body["error"]["fields"]["new_password"], reason, "{weak:?}");
        }
        assert_eq!(sign_in(&app, "wang.li@example.com", PASSWORD).await, 200, "unchanged");

        // The settings page says why in the reader's language.
        let (status, _) = crate::users::patch(&app, &me, "/api/v1/me", json!({"language": "zh-CN"})).await;
        assert_eq!(status, 200);
        for (weak, reason) in [
            ("password1234", "是最常见的密码之一"),
            ("            ", "不能只由空格组成"),
            ("wang.li@example.com", "不能包含您的姓名或邮箱地址"),
        ] {
            let (to, _, html) = submit_form(&app, &me, "/settings", "/api/v1/me/password",
                &[("_method", "PUT"), ("_clearable", "current_password,new_password"), ("current_password", PASSWORD), ("new_password", weak)]).await;
            assert_eq!(to, "/settings");
            assert!(html.contains(reason), "{weak:?}: {html}");
            assert!(!html.contains("value=\"password1234\""), "a password is never shown again");
        }
        let (_, _, html) = submit_form(&app, &me, "/settings", "/api/v1/me/password",
            &[("_method", "PUT"), ("_done", "password_changed"), ("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]).await;
        assert!(html.contains("密码已修改"), "{html}");

        // The same check when an administrator creates a user.
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (status, body) = post(&app, &admin, "/api/v1/users",
            json!({"email": "new@example.com", "name": "New Person", "roles": ["hr"], "password": "password1234"})).await;
        assert_eq!(status, 422);
        assert_eq!(body["error"]["fields"]["password"], "is one of the most common passwords");
    }

    async fn a_reset_link_works_once_and_for_one_hour(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let user = app.add_user("forgetful@example.com", &["manager"]);
        let (status, issued) = post(&app, &admin, &format!("/api/v1/users/{user}/password-reset"), json!({})).await;
        assert_eq!(status, 201, "{issued}");
        assert!(issued["emailed_to"].is_null());
        let path = reset_path(issued["link"].as_str().unwrap());

        // Too weak is refused on the page and the link still works.
        let (status, html) = reset_with(&app, &path, "password1234").await;
        assert_eq!(status, 422);
        assert!(html.contains("is one of the most common passwords"), "{html}");
        let (status, to) = reset_with(&app, &path, NEW_PASSWORD).await;
        assert_eq!((status, to.as_str()), (303, "/login"));
        assert_eq!(sign_in(&app, "forgetful@example.com", NEW_PASSWORD).await, 200);
        let (status, _) = reset_with(&app, &path, "another violet elephant dances").await;
        assert_eq!(status, 404, "used once, it works no more");
        assert_eq!(sign_in(&app, "forgetful@example.com", NEW_PASSWORD).await, 200);

        // A second link, an hour and a minute later, has expired.
        let (_, issued) = post(&app, &admin, &format!("/api/v1/users/{user}/password-reset"), json!({})).await;
        let path = reset_path(issued["link"].as_str().unwrap());
        app.clock.advance(Duration::minutes(59));
        assert_eq!(page(&app, &browser(), &path).await.0, 200, "still good within the hour");
        app.clock.advance(Duration::minutes(2));
        assert_eq!(page(&app, &browser(), &path).await.0, 410);
        let (_, to) = reset_with(&app, &path, "another violet elephant dances").await;
        assert!(!to.starts_with("/login"));
        assert_eq!(sign_in(&app, "forgetful@example.com", NEW_PASSWORD).await, 200);

        // Issuing is audited, and so is the reset.
        let history = crate::users::get(&app, &admin, &format!("/api/v1/audit?subject_type=user&subject_id={user}")).await.1;
        let actions: Vec<&str> = history["items"].as_array().map(|items| items.iter().filter_map(|e| e["action"].as_str()).collect()).unwrap_or_default();
        assert!(actions.contains(&"user.password_reset_issued") && actions.contains(&"user.password_reset"), "{history}");
    }

    async fn forgot_password_answers_the_same_and_mails_only_a_known_address(app: TestApp) {
        app.add_user("known@example.com", &["hr"]);
        let ask = |email: &'static str| {
            let app = &app;
            async move {
                let browser = browser();
                let (_, form) = page(app, &browser, "/password/forgot").await;
                let r = browser.post(app.url("/password/forgot")).header("Accept-Language", "en")
                    .form(&[("csrf", csrf_of(&form).as_str()), ("email", email)]).send().await.unwrap();
                assert_eq!(r.status(), 200);
                main_of(&r.text().await.unwrap())
            }
        };
        let (_, login) = page(&app, &browser(), "/login").await;
        assert!(login.contains("href=\"/password/forgot\""), "the sign-in page offers it");
        let known = ask("Known@Example.com").await;
        let unknown = ask("stranger@example.com").await;
        assert_eq!(known, unknown, "the same answer either way");
        app.run_jobs().await;
        let got = app.smtp.to("known@example.com");
        assert_eq!(got.len(), 1);
        assert!(app.smtp.to("stranger@example.com").is_empty());
        let path = reset_path(&got[0].text());
        let (status, to) = reset_with(&app, &path, NEW_PASSWORD).await;
        assert_eq!((status, to.as_str()), (303, "/login"));
        assert_eq!(sign_in(&app, "known@example.com", NEW_PASSWORD).await, 200);

        // Three an hour per address; the fourth is answered the same and sends nothing.
        for _ in 0..3 {
            app.clock.advance(Duration::minutes(1));
            assert_eq!(ask("known@example.com").await, known);
        }
        app.run_jobs().await;
        assert_eq!(app.smtp.to("known@example.com").len(), 3);
    }

    async fn an_administrator_emails_a_reset_link_that_nobody_else_can_read(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let user = app.add_user("far.away@example.com", &["security"]);
        let (status, issued) = post(&app, &admin, &format!("/api/v1/users/{user}/password-reset"), json!({"send": true})).await;
        assert_eq!(status, 201, "{issued}");
        assert_eq!(issued["emailed_to"], "far.away@example.com");
        assert!(issued["link"].is_null(), "an emailed link is not also shown");
        app.run_jobs().await;
        let got = app.smtp.to("far.away@example.com");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].subject(), "Set a new password for your account");
        // The kept message holds a live link: it is listed to nobody.
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, list) = crate::users::get(&app, &hr, "/api/v1/reminders").await;
        assert!(list["items"].as_array().unwrap().iter().all(|r| r["kind"] != "password_reset"), "{list}");

        // On the admin page: a link to hand over, shown once.
        let (_, html) = page(&app, &admin, &format!("/admin/users/{user}")).await;
        let r = admin.post(app.url(&format!("/admin/users/{user}/password-reset")))
            .form(&[("csrf", csrf_of(&html).as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let html = r.text().await.unwrap();
        let start = html.find("id=\"the-link\" value=\"").unwrap() + "id=\"the-link\" value=\"".len();
        let link = html[start..].split('"').next().unwrap().to_string();
        assert_eq!(reset_with(&app, &reset_path(&link), NEW_PASSWORD).await.0, 303);
        assert_eq!(sign_in(&app, "far.away@example.com", NEW_PASSWORD).await, 200);
    }

    async fn the_cli_prints_a_reset_link(app: TestApp) {
        // The command runs on the real clock.
        app.clock.set(chrono::Utc::now());
        app.add_user("cli.user@example.com", &["hr"]);
        let out = app.command(&["user", "reset-link", "--email", "CLI.User@example.com"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let link = String::from_utf8(out.stdout).unwrap();
        assert_eq!(reset_with(&app, &reset_path(&link), NEW_PASSWORD).await.0, 303);
        assert_eq!(sign_in(&app, "cli.user@example.com", NEW_PASSWORD).await, 200);
        let out = app.command(&["user", "reset-link", "--email", "nobody@example.com"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
    }
}
