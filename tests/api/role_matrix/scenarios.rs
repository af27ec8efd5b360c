//! The scenarios the table cannot say: who sees whose records in a list or on a page, what a
//! link or a reporter's code and secret open, and that a refused role hears 403 whatever it
//! sent. Each is a test of its own, on a world of its own.

use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

use super::fixtures::{get_json, id_of};
use super::table::Who;
use super::world::{World, build_world};
use crate::helpers::{TestApp, post};
use crate::on_both_databases;

/// A manager reads their reports, never the others: neither by id nor in a list.
async fn a_manager_sees_only_their_reports(app: &TestApp, w: &World) {
    let mgr = &w.caller(Who::Manager).client;
    let status = |path: String| async move {
        mgr.get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let fx = &w.fx;
    for (own, foreign) in [
        (
            format!("/api/v1/employees/{}", fx.report),
            format!("/api/v1/employees/{}", fx.outsider),
        ),
        (
            format!("/api/v1/departures/{}", fx.departure),
            format!("/api/v1/departures/{}", fx.foreign_departure),
        ),
        (
            format!("/departures/{}", fx.departure),
            format!("/departures/{}", fx.foreign_departure),
        ),
        (
            format!("/api/v1/obligations/{}", fx.obligation),
            format!("/api/v1/obligations/{}", fx.foreign_obligation),
        ),
        (
            format!("/api/v1/carriers/{}", fx.carrier),
            format!("/api/v1/carriers/{}", fx.foreign_carrier),
        ),
    ] {
        assert_eq!(status(own.clone()).await, 200, "the manager reads {own}");
        assert_eq!(
            status(foreign.clone()).await,
            403,
            "the manager is refused {foreign}"
        );
    }
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    let people = ids(get_json(app, mgr, "/api/v1/employees?per_page=200").await);
    assert!(
        people.contains(&fx.report) && !people.contains(&fx.outsider),
        "{people:?}"
    );
    let departures = ids(get_json(app, mgr, "/api/v1/departures?per_page=200").await);
    assert!(
        departures.contains(&fx.departure) && !departures.contains(&fx.foreign_departure),
        "{departures:?}"
    );
    let carriers = ids(get_json(app, mgr, "/api/v1/carriers?per_page=200").await);
    assert!(
        carriers.contains(&fx.carrier) && !carriers.contains(&fx.foreign_carrier),
        "{carriers:?}"
    );
    let obligations = ids(get_json(app, mgr, "/api/v1/obligations?per_page=200").await);
    assert!(
        obligations.contains(&fx.obligation) && !obligations.contains(&fx.foreign_obligation),
        "{obligations:?}"
    );
    let html = mgr
        .get(app.url("/departures"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Report Rao"),
        "the list shows the report's departure"
    );
    assert!(!html.contains(&w.outsider_name), "and not the outsider's");
}

/// A former employee's link opens their own reminder page only; a reporter's code and secret
/// show only their own report; a successor's link only their own handover.
async fn links_and_reports_open_only_their_own(app: &TestApp, w: &World) {
    let former = &w.caller(Who::Former).client;
    let page = |path: String| async move {
        let r = former.get(app.url(&path)).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    };
    let (s, _, html) = page(format!("/ack/{}", w.fx.ack_token)).await;
    assert_eq!(s, 200);
    assert!(html.contains(&w.former_name), "their own name");
    assert!(!html.contains(&w.other_former_name), "nobody else's");
    let (s, _, html) = page(format!("/ack/{}", w.other_ack_token)).await;
    assert_eq!(s, 200, "the other link opens the other's page");
    assert!(html.contains(&w.other_former_name) && !html.contains(&w.former_name));
    let (s, _, html) = page(format!("/ack/{}", w.fx.tampered_ack_token)).await;
    assert_eq!(s, 404, "a link altered to name another reminder is refused");
    assert!(!html.contains(&w.other_former_name));
    let other_reminder = w.other_ack_token.split('.').next().unwrap();
    let (s, location, _) = page(format!("/reminders/{other_reminder}")).await;
    assert_eq!(
        (s, location.starts_with("/login")),
        (303, true),
        "the staff page of a reminder"
    );
    let (s, _, _) = page(format!("/api/v1/reminders/{other_reminder}")).await;
    assert_eq!(s, 401);
    let (s, _, _) = page("/api/v1/obligations".to_string()).await;
    assert_eq!(s, 401, "a link is no sign-in");

    // The successor's receipt link, and the same link altered.
    let (s, _, html) = page(w.receipt_path.clone()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&w.outsider_name),
        "the outsider's handover: {html}"
    );
    let forged = w.receipt_path.replacen("/receipt/", "/receipt/x", 1);
    assert_eq!(page(forged).await.0, 404);

    // Reporters.
    let anon = &w.caller(Who::Anonymous).client;
    let status_of = |code: &str, secret: &str| {
        let body = json!({"code": code, "secret": secret});
        async move {
            let (s, view) = post(app, anon, "/api/v1/public/breaches/status", body).await;
            (s, view)
        }
    };
    let ((code, secret), (other_code, other_secret)) = (&w.fx.reporter, &w.other_reporter);
    let (s, view) = status_of(code, secret).await;
    assert_eq!(s, 200, "{view}");
    assert_eq!(view["code"], json!(code), "their own report");
    let (s, view) = status_of(other_code, other_secret).await;
    assert_eq!((s, &view["code"]), (200, &json!(other_code)));
    assert_eq!(
        status_of(code, other_secret).await.0,
        404,
        "a code with another's secret"
    );
    assert_eq!(status_of(other_code, secret).await.0, 404);
    let c = w.caller(Who::Anonymous);
    let r = c
        .client
        .post(app.url("/report/status"))
        .form(&[
            ("csrf", c.csrf.as_str()),
            ("code", code),
            ("secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(code.as_str()) && !html.contains(other_code.as_str()));
    let r = anon
        .get(app.url(&format!("/api/v1/breaches/{}", w.fx.case)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a code and secret are no sign-in");
}

/// A caller whose role may not use a route hears 403 whatever they send: never a 422 or 400
/// about a body or a query they had no business sending. (The extractors of a route run side
/// by side; the body's would answer first when it fails fast.)
async fn the_role_check_answers_before_the_body(app: &TestApp, w: &World) {
    let mgr = &w.caller(Who::Manager).client;
    let case = &w.fx.case;
    for _ in 0..20 {
        let answers = [
            mgr.put(app.url("/api/v1/policy"))
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
            mgr.put(app.url("/api/v1/policy"))
                .header(CONTENT_TYPE, "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
            mgr.post(app.url(&format!("/api/v1/breaches/{case}/tasks")))
                .body("title=x")
                .send()
                .await
                .unwrap(),
            mgr.get(app.url("/api/v1/audit?page=0"))
                .send()
                .await
                .unwrap(),
            mgr.get(app.url("/obligations?per_page=0"))
                .send()
                .await
                .unwrap(),
        ];
        for r in answers {
            let (status, url) = (r.status(), r.url().to_string());
            assert_eq!(status, 403, "{url} {}", r.text().await.unwrap());
        }
    }
}

on_both_databases! {
    async fn a_manager_sees_only_their_reports_by_id_in_lists_and_on_pages(app: TestApp) {
        let w = build_world(&app).await;
        a_manager_sees_only_their_reports(&app, &w).await;
        // Security's notices of the world's two public reports go out before the test ends.
        app.run_jobs().await;
    }

    async fn a_link_or_a_reporters_code_opens_only_their_own(app: TestApp) {
        let w = build_world(&app).await;
        links_and_reports_open_only_their_own(&app, &w).await;
        // Security's notices of the world's two public reports go out before the test ends.
        app.run_jobs().await;
    }

    async fn a_refused_role_hears_403_whatever_body_it_sends(app: TestApp) {
        let w = build_world(&app).await;
        the_role_check_answers_before_the_body(&app, &w).await;
        // Security's notices of the world's two public reports go out before the test ends.
        app.run_jobs().await;
    }
}
