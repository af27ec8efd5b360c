//! Forged requests. A page on another port of the host (or a sibling subdomain) is the same
//! *site*, so the browser sends our SameSite cookies with what it posts: from such a page, to
//! every state-changing route of the table, as each staff caller, every request is refused
//! and nothing changes. And a form's token is its session's: one planted with its cookie from
//! the sign-in page, or none at all, is refused.

use diesel::prelude::*;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue};
use serde_json::json;

use super::fixtures::leaver;
use super::table::{MULTIPART_PAGES, ROUTES, Who};
use super::world::{Caller, build_world, cookies_set, plain_client};
use crate::helpers::{PASSWORD, TestApp, csrf_of, get_json};
use crate::on_both_databases;

/// How many events the audit trail holds: every change writes one.
fn audit_events(app: &TestApp) -> i64 {
    use tuomi::db::schema::audit_events;
    audit_events::table
        .count()
        .get_result(&mut app.db())
        .unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Forgery {
    /// From a page on another port: the browser says so in `Origin` and `Sec-Fetch-Site`.
    OtherPort,
    /// From a browser that says nothing of where the page came from: the form has no token.
    NoToken,
    /// The same, as a multipart form (which a page can send to any route).
    NoTokenMultipart,
}

/// Posts to `path` as a form of another page would, with the caller's cookies: `_method` for
/// PUT, PATCH and DELETE, multipart where our own form is, never the caller's token.
async fn forge(
    app: &TestApp,
    w: &super::world::World,
    c: &Caller,
    method: &str,
    path: &str,
    forgery: Forgery,
) -> (u16, String) {
    let url = app.url(&w.fx.fill(path, c.who, false));
    let mut request = c.client.post(&url);
    if let Forgery::OtherPort = forgery {
        request = request
            .header("Origin", "http://127.0.0.1:1")
            .header("Sec-Fetch-Site", "same-site");
    }
    let mut fields = vec![("email", "attacker@evil.example".to_string())];
    if method != "POST" {
        fields.push(("_method", method.to_string()));
    }
    request = if MULTIPART_PAGES.contains(&path) || matches!(forgery, Forgery::NoTokenMultipart) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k, v);
        }
        request.multipart(form)
    } else {
        request.form(&fields)
    };
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (
        status,
        r.text()
            .await
            .unwrap_or_default()
            .chars()
            .take(160)
            .collect(),
    )
}

on_both_databases! {
    async fn a_page_on_another_port_changes_nothing_through_any_route(app: TestApp) {
        let w = build_world(&app).await;
        let before = audit_events(&app);
        let (mut sent, mut failures) = (0, Vec::new());
        for who in [Who::Admin, Who::Hr, Who::Security, Who::Manager] {
            let c = w.caller(who);
            for (method, path, _) in ROUTES.iter().filter(|(m, _, _)| *m != "GET") {
                for forgery in [Forgery::OtherPort, Forgery::NoToken, Forgery::NoTokenMultipart] {
                    let (status, body) = forge(&app, &w, c, method, path, forgery).await;
                    sent += 1;
                    if status != 403 {
                        failures.push(format!("{method} {path} as {who:?} ({forgery:?}): {status} {body:?}"));
                    }
                }
            }
        }
        assert!(sent > 100, "only {sent} forged requests");
        assert!(
            failures.is_empty(),
            "{} forged requests were not refused:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert_eq!(audit_events(&app), before, "a forged request changed something");
        // Not even signed out.
        for who in [Who::Admin, Who::Hr, Who::Security, Who::Manager] {
            let r = w.caller(who).client.get(app.url("/api/v1/me")).send().await.unwrap();
            assert_eq!(r.status(), 200, "{who:?} is still signed in");
        }
        // The emails the world queued go out before the test ends.
        app.run_jobs().await;
    }

    async fn a_token_planted_with_its_cookie_from_the_sign_in_page_is_refused(app: TestApp) {
        let setup = app.token_client("setup@example.com", &["hr"]).await;
        let former = leaver(&app, &setup, "F001", "Former Fang", None, "fang@home.example").await;
        app.add_user("hr@example.com", &["hr"]);
        let signed_in = plain_client(&[])
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": "hr@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let session = cookies_set(&signed_in)
            .into_iter()
            .find(|c| c.starts_with("tuomi_session="))
            .unwrap();
        // The attacker's own pair, from the sign-in page.
        let login = plain_client(&[]).get(app.url("/login")).send().await.unwrap();
        let planted = cookies_set(&login)
            .into_iter()
            .find(|c| c.starts_with("tuomi_csrf="))
            .unwrap();
        let token = csrf_of(&login.text().await.unwrap());

        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("{session}; {planted}")).unwrap());
        let victim = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = victim
            .post(app.url(&format!("/api/v1/employees/{former}")))
            .form(&[
                ("csrf", token.as_str()),
                ("_method", "PATCH"),
                ("private_email", "attacker@evil.example"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let person = get_json(&app, &setup, &format!("/api/v1/employees/{former}")).await;
        assert_eq!(person["private_email"], "fang@home.example", "{person}");
        // The session's own token does it.
        let (_, settings) = crate::helpers::page(&app, &victim, "/settings").await;
        let r = victim
            .post(app.url(&format!("/api/v1/employees/{former}")))
            .form(&[
                ("csrf", csrf_of(&settings).as_str()),
                ("_method", "PATCH"),
                ("private_email", "fang@new.example"),
                ("_back", "/settings"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let person = get_json(&app, &setup, &format!("/api/v1/employees/{former}")).await;
        assert_eq!(person["private_email"], "fang@new.example", "{person}");
    }

    async fn a_form_without_a_token_is_refused_even_where_the_route_reads_no_body(app: TestApp) {
        let setup = app.token_client("setup@example.com", &["hr"]).await;
        let former = leaver(&app, &setup, "F001", "Former Fang", None, "fang@home.example").await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let before = audit_events(&app);
        let r = hr
            .post(app.url(&format!("/api/v1/employees/{former}/rehire")))
            .form(&[("_next", "/employees")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // Nor as a multipart or a plain-text form, which a page can send as well.
        let rehire = app.url(&format!("/api/v1/employees/{former}/rehire"));
        let multipart = reqwest::multipart::Form::new().text("_next", "/employees");
        let r = hr.post(&rehire).multipart(multipart).send().await.unwrap();
        assert_eq!(r.status(), 403, "a multipart form without a token");
        let r = hr
            .post(&rehire)
            .header("Content-Type", "text/plain")
            .body("_next=/employees")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "a plain-text form");
        let r = hr.post(&rehire).send().await.unwrap();
        assert_eq!(r.status(), 403, "no body at all");
        assert_eq!(audit_events(&app), before, "nothing recorded");
        let person = get_json(&app, &setup, &format!("/api/v1/employees/{former}")).await;
        assert_eq!(person["status"], "departed", "{person}");
    }
}
