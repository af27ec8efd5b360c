//! Sessions in the database: a copied cookie stops working when its session ends (sign-out,
//! deactivation, a role change, sign-out everywhere), sessions time out when idle and at the
//! end of their lifetime, API tokens expire, and `/settings` lists both with revoke.

use chrono::Duration;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE, USER_AGENT};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, page};
use crate::on_both_databases;

/// The same tests on both databases, on an app whose session and token lifetimes are as
/// shipped (the other tests stretch them to jump months).
macro_rules! as_shipped_on_both_databases {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(async fn $name($app: $crate::helpers::TestApp) $body)*
        mod shipped_sqlite {
            $(#[actix_web::test]
            async fn $name() {
                let app = $crate::helpers::TestApp::spawn_as_shipped(
                    $crate::helpers::Backend::Sqlite,
                )
                .await
                .expect("a SQLite test app always starts");
                let end = app.end_of_test();
                super::$name(app).await;
                end.check_jobs();
            })*
        }
        mod shipped_postgres {
            $(#[actix_web::test]
            async fn $name() {
                if let Some(app) = $crate::helpers::TestApp::spawn_as_shipped(
                    $crate::helpers::Backend::Postgres,
                )
                .await
                {
                    let end = app.end_of_test();
                    super::$name(app).await;
                    end.check_jobs();
                }
            })*
        }
    };
}

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// Signs in as `email` from a browser saying `user_agent`: the `tuomi_session=…` pair, as a
/// copy of the cookie taken from that browser would be.
async fn sign_in(app: &TestApp, email: &str, user_agent: &str) -> String {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .header(USER_AGENT, user_agent)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "sign-in of {email}");
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with("tuomi_session="))
        .expect("a session cookie")
        .to_string()
}

/// A client that sends these cookies and keeps none it is given.
fn browser(cookies: &[&str]) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(COOKIE, HeaderValue::from_str(&cookies.join("; ")).unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn me(app: &TestApp, client: &reqwest::Client) -> u16 {
    let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
    r.status().as_u16()
}

/// Where a page sends this client: its status and, for a redirect, where to.
async fn settings_page(app: &TestApp, client: &reqwest::Client) -> (u16, String) {
    let r = client.get(app.url("/settings")).send().await.unwrap();
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (r.status().as_u16(), to)
}

/// A stranger: 401 on the API, the sign-in page on pages.
async fn assert_stranger(app: &TestApp, client: &reqwest::Client, why: &str) {
    assert_eq!(me(app, client).await, 401, "{why}: the API");
    let (status, to) = settings_page(app, client).await;
    assert_eq!(status, 303, "{why}: a page");
    assert!(to.starts_with("/login"), "{why}: sent to {to}");
}

async fn create_token(app: &TestApp, client: &reqwest::Client, body: Value) -> (u16, Value) {
    let r = client
        .post(app.url("/api/v1/tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn bearer(token: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn change_user(app: &TestApp, admin: &reqwest::Client, id: &str, body: Value) {
    let r = admin
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

on_both_databases! {
    async fn a_copied_cookie_is_a_strangers_after_sign_out(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let cookie = sign_in(&app, "hr@example.com", FIREFOX).await;
        let (owner, copy) = (browser(&[&cookie]), browser(&[&cookie]));
        assert_eq!(me(&app, &copy).await, 200);
        let out = owner.delete(app.url("/api/v1/session")).send().await.unwrap();
        assert_eq!(out.status(), 204);
        assert_stranger(&app, &copy, "after the API sign-out").await;

        // The sign-out button of the pages ends the session too.
        let cookie = sign_in(&app, "hr@example.com", FIREFOX).await;
        let (owner, copy) = (browser(&[&cookie]), browser(&[&cookie]));
        let (_, html) = page(&app, &owner, "/settings").await;
        let r = owner
            .post(app.url("/logout"))
            .form(&[("csrf", csrf_of(&html))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_stranger(&app, &copy, "after the sign-out button").await;
    }

    async fn deactivation_ends_sessions_and_reactivation_revives_no_session_or_token(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let id = app.add_user("hr@example.com", &["hr"]);
        let cookie = sign_in(&app, "hr@example.com", FIREFOX).await;
        let session = browser(&[&cookie]);
        let (status, created) = create_token(&app, &session, json!({"name": "sync"})).await;
        assert_eq!(status, 201, "{created}");
        let token = bearer(created["token"].as_str().unwrap());
        assert_eq!(me(&app, &token).await, 200);

        change_user(&app, &admin, &id, json!({"active": false})).await;
        assert_stranger(&app, &session, "after the deactivation").await;
        assert_eq!(me(&app, &token).await, 401);

        change_user(&app, &admin, &id, json!({"active": true})).await;
        assert_stranger(&app, &session, "after the reactivation").await;
        assert_eq!(me(&app, &token).await, 401, "the token was revoked, not paused");
        let tokens: Value = admin
            .get(app.url(&format!("/api/v1/tokens?user_id={id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(tokens["items"][0]["revoked_at"].is_string(), "{tokens}");
        // A new sign-in works.
        let fresh = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        assert_eq!(me(&app, &fresh).await, 200);
    }

    async fn a_role_change_ends_the_users_sessions(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let id = app.add_user("hr@example.com", &["hr"]);
        let session = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        assert_eq!(me(&app, &session).await, 200);
        // A change of the name alone keeps them signed in.
        change_user(&app, &admin, &id, json!({"name": "Renamed"})).await;
        assert_eq!(me(&app, &session).await, 200);
        change_user(&app, &admin, &id, json!({"roles": ["hr", "manager"]})).await;
        assert_stranger(&app, &session, "after the role change").await;
        assert_eq!(admin.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    }

    async fn sign_out_everywhere_else_keeps_only_the_asking_session(app: TestApp) {
        app.add_user("sec@example.com", &["security"]);
        let here = browser(&[&sign_in(&app, "sec@example.com", FIREFOX).await]);
        let phone = browser(&[&sign_in(&app, "sec@example.com", "curl/8.0").await]);
        let listed: Value = here.get(app.url("/api/v1/me/sessions")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
        let r = here.delete(app.url("/api/v1/me/sessions")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert_stranger(&app, &phone, "after sign-out everywhere else").await;
        assert_eq!(me(&app, &here).await, 200);
        let listed: Value = here.get(app.url("/api/v1/me/sessions")).send().await.unwrap().json().await.unwrap();
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{listed}");
        assert_eq!(items[0]["current"], true);
        assert_eq!(items[0]["browser"], "Firefox · Windows");
        assert_eq!(items[0]["address"], "127.0.0.1");
        // Nobody ends another's session: it is not even found.
        app.add_user("hr@example.com", &["hr"]);
        let other = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        let id = items[0]["id"].as_str().unwrap();
        let r = other.delete(app.url(&format!("/api/v1/me/sessions/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(me(&app, &here).await, 200);
    }

    async fn the_settings_page_lists_sessions_and_tokens_and_revoke_works(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let here = browser(&[&sign_in(&app, "hr@example.com", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15").await]);
        let laptop = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        let (status, created) = create_token(&app, &here, json!({"name": "HR sync", "expires_in_days": 30})).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["expires_at"], "2028-03-29T15:30:00.000000Z");

        let (status, html) = page(&app, &here, "/settings").await;
        assert_eq!(status, 200);
        for shown in ["Firefox · Windows", "Safari · macOS", "127.0.0.1", "HR sync", "2028-03-29"] {
            assert!(html.contains(shown), "{shown} missing from the settings page: {html}");
        }
        let listed: Value = here.get(app.url("/api/v1/me/sessions")).send().await.unwrap().json().await.unwrap();
        let laptop_id = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["current"] == false)
            .expect("the other session")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let action = format!("/api/v1/me/sessions/{laptop_id}");
        assert!(html.contains(&action), "a revoke button for the laptop's session");
        let csrf = csrf_of(&html);
        let form = [
            ("csrf", csrf.as_str()),
            ("_method", "DELETE"),
            ("_back", "/settings"),
            ("_irreversible", "1"),
            ("_confirm", "yes"),
        ];
        let r = here.post(app.url(&action)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/settings");
        assert_stranger(&app, &laptop, "after its revoke on the settings page").await;
        assert_eq!(me(&app, &here).await, 200);

        // "Sign out everywhere else" from the page.
        let phone = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        let (_, html) = page(&app, &here, "/settings").await;
        assert!(html.contains("action=\"/api/v1/me/sessions\""), "{html}");
        let csrf = csrf_of(&html);
        let r = here
            .post(app.url("/api/v1/me/sessions"))
            .form(&[("csrf", csrf.as_str()), ("_method", "DELETE"), ("_back", "/settings")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_stranger(&app, &phone, "after sign-out everywhere else on the page").await;
        assert_eq!(me(&app, &here).await, 200);
    }
}

as_shipped_on_both_databases! {
    async fn a_session_ends_after_two_idle_hours_and_twelve_hours_in_any_case(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let idle = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        let busy = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        app.clock.advance(Duration::minutes(110));
        assert_eq!(me(&app, &busy).await, 200);
        app.clock.advance(Duration::minutes(10));
        assert_stranger(&app, &idle, "idle for two hours").await;
        // Used every hour and a half, a session still ends twelve hours after the sign-in.
        for _ in 0..6 {
            app.clock.advance(Duration::minutes(90));
            assert_eq!(me(&app, &busy).await, 200);
        }
        // 11 hours 50 minutes after the sign-in, then 12 hours.
        app.clock.advance(Duration::minutes(50));
        assert_eq!(me(&app, &busy).await, 200);
        app.clock.advance(Duration::minutes(10));
        assert_stranger(&app, &busy, "twelve hours after the sign-in").await;
    }

    async fn an_api_token_expires_after_its_lifetime_of_at_most_ninety_days(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (status, long) = create_token(&app, &hr, json!({"name": "default"})).await;
        assert_eq!(status, 201, "{long}");
        assert_eq!(long["expires_at"], "2028-05-28T15:30:00.000000Z", "90 days");
        let (status, short) = create_token(&app, &hr, json!({"name": "a week", "expires_in_days": 7})).await;
        assert_eq!(status, 201, "{short}");
        let (status, refused) = create_token(&app, &hr, json!({"name": "forever", "expires_in_days": 91})).await;
        assert_eq!(status, 422, "{refused}");
        assert!(refused["error"]["fields"]["expires_in_days"].is_string(), "{refused}");

        let (long, short) = (bearer(long["token"].as_str().unwrap()), bearer(short["token"].as_str().unwrap()));
        app.clock.advance(Duration::days(7) - Duration::minutes(1));
        assert_eq!(me(&app, &short).await, 200);
        app.clock.advance(Duration::minutes(1));
        assert_eq!(me(&app, &short).await, 401, "expired after a week");
        assert_eq!(me(&app, &long).await, 200);
        app.clock.advance(Duration::days(83));
        assert_eq!(me(&app, &long).await, 401, "expired after 90 days");
    }
    async fn the_settings_form_gives_a_new_token_the_lifetime_asked_at_most_the_longest(app: TestApp) {
        app.add_user("hr@example.com", &["hr"]);
        let hr = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        let (_, html) = page(&app, &hr, "/settings").await;
        assert!(
            html.contains("name=\"expires_in_days\" type=\"number\" value=\"90\""),
            "the lifetime field, at the longest by default: {html}"
        );
        let csrf = csrf_of(&html);
        let create = |days: &'static str| {
            let form = [("csrf", csrf.clone()), ("token_name", "sync".into()), ("expires_in_days", days.into())];
            hr.post(app.url("/settings/tokens")).form(&form).send()
        };
        let r = create("7").await.unwrap();
        assert_eq!(r.status(), 201);
        let tokens: Value = hr.get(app.url("/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
        assert_eq!(tokens["items"][0]["expires_at"], "2028-03-06T15:30:00.000000Z", "{tokens}");
        for (days, why) in [("91", "longer than the longest"), ("soon", "not a number")] {
            let r = create(days).await.unwrap();
            assert_eq!(r.status(), 422, "{why}");
            let html = r.text().await.unwrap();
            assert!(html.contains("f-expires_in_days-error"), "the field is named ({why}): {html}");
        }
        let tokens: Value = hr.get(app.url("/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
        assert_eq!(tokens["items"].as_array().unwrap().len(), 1, "nothing made when refused");
    }

    async fn ended_and_expired_sessions_are_deleted_thirty_days_after(app: TestApp) {
        use diesel::prelude::*;
        use tuomi::db::schema::sessions;
        let id = app.add_user("hr@example.com", &["hr"]);
        let count = || -> i64 {
            sessions::table
                .filter(sessions::user_id.eq(&id))
                .count()
                .get_result(&mut app.db())
                .unwrap()
        };
        let signed_out = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        let r = signed_out.delete(app.url("/api/v1/session")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        // Left to expire: 12 hours after the sign-in.
        sign_in(&app, "hr@example.com", FIREFOX).await;
        app.run_jobs().await;
        app.clock.advance(Duration::days(30));
        app.run_jobs().await;
        assert_eq!(count(), 2, "ended 30 days ago to the minute: kept yet");
        app.clock.advance(Duration::days(1));
        // Signed in now, live: kept.
        let live = browser(&[&sign_in(&app, "hr@example.com", FIREFOX).await]);
        app.run_jobs().await;
        assert_eq!(count(), 1, "the ended and the expired one deleted, the live one kept");
        assert_eq!(me(&app, &live).await, 200);
    }
}
