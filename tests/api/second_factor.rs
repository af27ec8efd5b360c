//! Two-step sign-in (TOTP): enrolment through the API and the pages, sign-in that needs the
//! code (once each, a step of drift either way), recovery codes spent once, wrong codes
//! throttled, the pending step's five minutes, the policy that makes a role enrol first, and an
//! administrator's reset.

use chrono::Duration;
use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};
use tuomi::domain::second_factor::{code_at, secret_of_text};

use crate::helpers::{PASSWORD, TestApp, csrf_of, page, post};
use crate::on_both_databases;

/// The same tests on both databases, with the shipped policy: admin and security must use
/// a second factor (the other tests' app requires it of nobody).
macro_rules! with_policy_on_both_databases {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(async fn $name($app: $crate::helpers::TestApp) $body)*
        mod policy_sqlite {
            $(#[actix_web::test]
            async fn $name() {
                let app = super::with_policy($crate::helpers::Backend::Sqlite).await.unwrap();
                let end = app.end_of_test();
                super::$name(app).await;
                end.check_jobs();
            })*
        }
        mod policy_postgres {
            $(#[actix_web::test]
            async fn $name() {
                if let Some(app) = super::with_policy($crate::helpers::Backend::Postgres).await {
                    let end = app.end_of_test();
                    super::$name(app).await;
                    end.check_jobs();
                }
            })*
        }
    };
}

async fn with_policy(backend: crate::helpers::Backend) -> Option<TestApp> {
    let (dir, url, pg) = crate::helpers::fresh_database(backend)?;
    Some(
        TestApp::spawn_with(dir, url, pg, |config| {
            config.second_factor_roles = vec![
                tuomi::domain::users::Role::Admin,
                tuomi::domain::users::Role::Security,
            ];
        })
        .await,
    )
}

fn unix(app: &TestApp) -> u64 {
    tuomi::clock::Clock::now(&*app.clock).timestamp() as u64
}

/// The code an authenticator app with this secret shows `offset` seconds from the app's now.
fn code(app: &TestApp, secret: &[u8], offset: i64) -> String {
    code_at(secret, (unix(app) as i64 + offset) as u64)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Enrols the signed-in `client` through the API: the secret and the recovery codes.
async fn enrol(app: &TestApp, client: &reqwest::Client) -> (Vec<u8>, Vec<String>) {
    let (status, started) = post(app, client, "/api/v1/me/second-factor", json!({})).await;
    assert_eq!(status, 201, "{started}");
    assert!(
        started["qr_svg"].as_str().unwrap().starts_with("<svg "),
        "{started}"
    );
    let secret = secret_of_text(started["secret"].as_str().unwrap()).unwrap();
    let (status, done) = post(
        app,
        client,
        "/api/v1/me/second-factor/confirm",
        json!({"code": code(app, &secret, 0)}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let codes = done["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// `POST /api/v1/session` with these fields: the status and the problem's code.
async fn sign_in(app: &TestApp, email: &str, totp: Option<&str>) -> (u16, String) {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(totp) = totp {
        body["totp"] = json!(totp);
    }
    let (status, answer) = post(app, &client(), "/api/v1/session", body).await;
    let problem = answer["error"]["problem"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (status, problem)
}

/// Signs in with the password on the page: answered with the code step, and no session yet.
async fn password_step(app: &TestApp, browser: &reqwest::Client) {
    let (_, login) = page(app, browser, "/login").await;
    let r = browser
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf_of(&login)),
            ("email", "hr@example.com".into()),
            ("password", PASSWORD.into()),
            ("next", "/settings".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login/code?next=%2Fsettings");
    let sessions = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter(|c| c.to_str().unwrap().starts_with("tuomi_session="))
        .count();
    assert_eq!(sessions, 0, "no session before the code");
}

on_both_databases! {
    async fn after_enrolment_the_json_sign_in_needs_a_code_once_each_within_a_step(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (status, refused) = post(&app, &hr, "/api/v1/me/second-factor/confirm", json!({"code": "123456"})).await;
        assert_eq!(status, 409, "nothing started yet: {refused}");
        let (status, started) = post(&app, &hr, "/api/v1/me/second-factor", json!({})).await;
        assert_eq!(status, 201);
        let secret = secret_of_text(started["secret"].as_str().unwrap()).unwrap();
        let wrong = if code(&app, &secret, 0) == "000000" { "111111" } else { "000000" };
        let (status, refused) = post(&app, &hr, "/api/v1/me/second-factor/confirm", json!({"code": wrong})).await;
        assert_eq!(status, 422, "{refused}");
        assert!(refused["error"]["fields"]["code"].is_string(), "{refused}");
        let (status, _) = sign_in(&app, "hr@example.com", None).await;
        assert_eq!(status, 200, "not on until confirmed");

        let now_code = code(&app, &secret, 0);
        let (status, done) = post(&app, &hr, "/api/v1/me/second-factor/confirm", json!({"code": now_code})).await;
        assert_eq!(status, 200, "{done}");
        let recovery: Vec<String> = serde_json::from_value(done["recovery_codes"].clone()).unwrap();
        let status: Value = hr.get(app.url("/api/v1/me/second-factor")).send().await.unwrap().json().await.unwrap();
        assert_eq!(status, json!({"enrolled": true, "required": false, "recovery_codes_left": 10}));

        assert_eq!(sign_in(&app, "hr@example.com", None).await, (401, "problem.second_factor_needed".into()));
        assert_eq!(sign_in(&app, "hr@example.com", Some(wrong)).await, (401, "problem.wrong_second_factor".into()));
        assert_eq!(sign_in(&app, "hr@example.com", Some(&now_code)).await, (401, "problem.wrong_second_factor".into()), "the confirming code, reused");
        // Two steps on: the app's clock half a minute behind, then ahead — a step either way is
        // accepted.
        app.clock.advance(Duration::seconds(60));
        assert_eq!(sign_in(&app, "hr@example.com", Some(&code(&app, &secret, -30))).await.0, 200, "the step before");
        let ahead = code(&app, &secret, 30);
        assert_eq!(sign_in(&app, "hr@example.com", Some(&ahead)).await.0, 200, "the step after");
        assert_eq!(sign_in(&app, "hr@example.com", Some(&ahead)).await.0, 401, "reused");
        assert_eq!(sign_in(&app, "hr@example.com", Some(&code(&app, &secret, 0))).await.0, 401, "older than the last accepted");
        app.clock.advance(Duration::seconds(90));
        assert_eq!(sign_in(&app, "hr@example.com", Some(&code(&app, &secret, -90))).await.0, 401, "three steps old");

        // A recovery code, however typed, works once.
        let typed = recovery[3].to_uppercase().replace('-', " ");
        assert_eq!(sign_in(&app, "hr@example.com", Some(&typed)).await.0, 200);
        assert_eq!(sign_in(&app, "hr@example.com", Some(&recovery[3])).await.0, 401, "spent");
        let status: Value = hr.get(app.url("/api/v1/me/second-factor")).send().await.unwrap().json().await.unwrap();
        assert_eq!(status["recovery_codes_left"], 9);

        // New recovery codes: the old ones stop working.
        let (status, renewed) = post(&app, &hr, "/api/v1/me/second-factor/recovery-codes", json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(sign_in(&app, "hr@example.com", Some(&recovery[4])).await.0, 401);
        let fresh = renewed["recovery_codes"][0].as_str().unwrap();
        assert_eq!(sign_in(&app, "hr@example.com", Some(fresh)).await.0, 200);

        // Off, with the password; then the password alone signs in again.
        let (status, refused) = post(&app, &hr, "/api/v1/me/second-factor/off", json!({"proof": "not it at all"})).await;
        assert_eq!(status, 422, "{refused}");
        assert!(refused["error"]["fields"]["proof"].is_string());
        let (status, _) = post(&app, &hr, "/api/v1/me/second-factor/off", json!({"proof": PASSWORD})).await;
        assert_eq!(status, 204);
        assert_eq!(sign_in(&app, "hr@example.com", None).await.0, 200);
    }

    async fn the_stored_secret_gives_no_codes_without_the_service_key(app: TestApp) {
        use diesel::prelude::*;
        use tuomi::db::schema::{recovery_codes, second_factors};
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (secret, codes) = enrol(&app, &hr).await;
        let sealed: String = second_factors::table
            .select(second_factors::sealed_secret)
            .first(&mut app.db())
            .unwrap();
        let text = tuomi::domain::second_factor::secret_text(&secret);
        assert!(!sealed.contains(&text) && !sealed.contains(&hex::encode(&secret)), "{sealed}");
        let hashes: Vec<String> = recovery_codes::table
            .select(recovery_codes::code_hash)
            .load(&mut app.db())
            .unwrap();
        assert_eq!(hashes.len(), 10);
        assert!(codes.iter().all(|c| !hashes.iter().any(|h| h.contains(c.as_str()))));
    }

    async fn wrong_codes_are_throttled_like_wrong_passwords(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (secret, _) = enrol(&app, &hr).await;
        app.clock.advance(Duration::seconds(60));
        let wrong = if code(&app, &secret, 0) == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            assert_eq!(sign_in(&app, "hr@example.com", Some(wrong)).await.0, 401);
        }
        let right = code(&app, &secret, 0);
        assert_eq!(sign_in(&app, "hr@example.com", Some(&right)).await, (429, "problem.throttled".into()), "even the right code, while locked");
        app.clock.advance(Duration::minutes(16));
        assert_eq!(sign_in(&app, "hr@example.com", Some(&code(&app, &secret, 0))).await.0, 200);
    }

    async fn an_administrator_resets_a_second_factor_and_ends_the_users_sessions(app: TestApp) {
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let hr_id: String = hr.get(app.url("/api/v1/me")).send().await.unwrap().json::<Value>().await.unwrap()["id"].as_str().unwrap().into();
        enrol(&app, &hr).await;
        let (status, html) = page(&app, &admin, &format!("/admin/users/{hr_id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("/api/v1/users/{hr_id}/second-factor")), "a reset button on the user's page");
        let r = admin.delete(app.url(&format!("/api/v1/users/{hr_id}/second-factor"))).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let r = hr.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status(), 401, "the user's sessions ended");
        assert_eq!(sign_in(&app, "hr@example.com", None).await.0, 200, "the password alone again");
        let r = admin.delete(app.url("/api/v1/users/nobody/second-factor")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let trail: Value = admin.get(app.url(&format!("/api/v1/audit?subject_type=user&subject_id={hr_id}"))).send().await.unwrap().json().await.unwrap();
        assert!(trail.to_string().contains("user.second_factor_reset"), "audited");
    }

    async fn enrolment_and_sign_in_on_the_pages_with_the_code_step_of_five_minutes(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let browser = client();
        let (_, login) = page(&app, &browser, "/login").await;
        let signed_in = browser
            .post(app.url("/login"))
            .form(&[("csrf", csrf_of(&login)), ("email", "hr@example.com".into()), ("password", PASSWORD.into()), ("next", "/settings".into())])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303);
        let (status, html) = page(&app, &browser, "/settings").await;
        assert_eq!(status, 200);
        assert!(html.contains("/settings/second-factor"), "the settings page links the card");
        let (_, html) = page(&app, &browser, "/settings/second-factor").await;
        let r = browser.post(app.url("/settings/second-factor/start")).form(&[("csrf", csrf_of(&html))]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = page(&app, &browser, "/settings/second-factor").await;
        assert!(html.contains("<svg "), "the QR code, inline");
        let marker = "id=\"totp-secret\">";
        let at = html.find(marker).expect("the key as text") + marker.len();
        let secret = secret_of_text(html[at..].split('<').next().unwrap()).unwrap();
        let r = browser
            .post(app.url("/settings/second-factor/confirm"))
            .form(&[("csrf", csrf_of(&html)), ("code", code(&app, &secret, 0))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let shown = r.text().await.unwrap();
        assert_eq!(shown.matches("<li><code>").count(), 10, "the recovery codes, once: {shown}");

        // Sign out, and in again: the password, then the code.
        let (_, html) = page(&app, &browser, "/settings").await;
        browser.post(app.url("/logout")).form(&[("csrf", csrf_of(&html))]).send().await.unwrap();
        password_step(&app, &browser).await;
        let (status, _) = page(&app, &browser, "/settings").await;
        assert_eq!(status, 303, "not signed in between the steps");
        let (status, html) = page(&app, &browser, "/login/code?next=%2Fsettings").await;
        assert_eq!(status, 200);
        app.clock.advance(Duration::seconds(30));
        let form = |code: String| [("csrf", csrf_of(&html)), ("code", code), ("next", "/settings".into())];
        let r = browser.post(app.url("/login/code")).form(&form("000000".into())).send().await.unwrap();
        let wrong_status = r.status();
        if code(&app, &secret, 0) != "000000" {
            assert_eq!(wrong_status, 401);
        }
        let r = browser.post(app.url("/login/code")).form(&form(code(&app, &secret, 0))).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/settings");
        assert_eq!(page(&app, &browser, "/settings").await.0, 200, "signed in after the code");

        // The code step's page is as safe as every other page a crawl reaches.
        let crawler = client();
        password_step(&app, &crawler).await;
        let walk = crate::crawl::walk(&app, &crawler, "/login/code?next=%2Fsettings", 4).await;
        assert!(walk.pages >= 2, "the code page and the way back to the password");

        // Five minutes after the password, the code step is over.
        let other = client();
        password_step(&app, &other).await;
        let (_, html) = page(&app, &other, "/login/code").await;
        app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
        let r = other
            .post(app.url("/login/code"))
            .form(&[("csrf", csrf_of(&html)), ("code", code(&app, &secret, 0))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?"), "back to the password");
        assert_eq!(page(&app, &other, "/settings").await.0, 303, "no session");
    }
}

with_policy_on_both_databases! {
    async fn the_policy_sends_a_security_officer_to_enrol_before_anything_else(app: TestApp) {
        let security = app.signed_in("security@example.com", &["security"]).await;
        let r = security.get(app.url("/api/v1/employees")).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let refused: Value = r.json().await.unwrap();
        assert_eq!(refused["error"]["problem"]["code"], "problem.second_factor_enrolment_required");
        let r = security.get(app.url("/settings")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/settings/second-factor", "pages lead to enrolment");
        assert_eq!(page(&app, &security, "/settings/second-factor").await.0, 200);
        let status: Value = security.get(app.url("/api/v1/me/second-factor")).send().await.unwrap().json().await.unwrap();
        assert_eq!(status["required"], true);
        // HR is not in the policy.
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        assert_eq!(hr.get(app.url("/api/v1/employees")).send().await.unwrap().status(), 200);

        enrol(&app, &security).await;
        assert_eq!(security.get(app.url("/api/v1/employees")).send().await.unwrap().status(), 200);
        assert_eq!(page(&app, &security, "/settings").await.0, 200);
    }
}
