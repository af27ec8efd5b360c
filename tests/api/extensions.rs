//! Extensions of a declassification period decided on the period as it stands (issue 17
//! rule 3): never shortened by requests approved out of order, a breached period extended,
//! an ended one not, and never past the ceiling of its tier.

use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::obligations::{leave, obligations, set_tier};
use crate::on_both_databases;
use crate::people::small_org;
use crate::periods::set_status;

/// The id of the person's declassification period and its end.
async fn period(app: &TestApp, hr: &reqwest::Client, employee_id: &str) -> (String, String) {
    let q = format!("employee_id={employee_id}&kind=declassification");
    let found = obligations(app, hr, &q).await;
    let o = &found[0];
    (
        o["id"].as_str().unwrap().into(),
        o["ends_on"].as_str().unwrap().into(),
    )
}

async fn ask(app: &TestApp, hr: &reqwest::Client, id: &str, new_end: &str) -> (u16, Value) {
    let path = format!("/api/v1/obligations/{id}/extensions");
    post(
        app,
        hr,
        &path,
        json!({"new_end": new_end, "reason": "项目仍在保密期内"}),
    )
    .await
}

async fn approve(app: &TestApp, sec: &reqwest::Client, ext: &Value) -> (u16, Value) {
    let path = format!("/api/v1/extensions/{}/approve", ext["id"].as_str().unwrap());
    post(
        app,
        sec,
        &path,
        json!({"decision": "approve", "reason": "同意"}),
    )
    .await
}

on_both_databases! {
    async fn two_requests_approved_in_the_wrong_order_never_shorten_the_period(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");
        // Left on 29 February 2028 (the test clock's day is 28 February 2028: a leap year).
        leave(&app, &hr, &org.dev, "2028-02-01", "2028-02-28").await;
        let (id, end) = period(&app, &hr, &org.dev).await;
        assert_eq!(end, "2031-02-28");
        let (s, shorter) = ask(&app, &hr, &id, "2031-08-31").await;
        assert_eq!(s, 201, "{shorter}");
        let (s, longer) = ask(&app, &hr, &id, "2032-02-29").await;
        assert_eq!(s, 201, "{longer}");
        assert_eq!(approve(&app, &sec, &longer).await.0, 200);
        let (s, body) = approve(&app, &sec, &shorter).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["new_end"].is_string(), "{body}");
        assert_eq!(period(&app, &hr, &org.dev).await.1, "2032-02-29");
        let path = format!("/api/v1/extensions/{}/approve", shorter["id"].as_str().unwrap());
        let (s, _) = post(&app, &sec, &path, json!({"decision": "reject", "reason": "已被更长的延期取代"})).await;
        assert_eq!(s, 200, "still rejected");
    }

    async fn a_breached_period_is_extended_an_ended_one_is_not(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "general");
        leave(&app, &hr, &org.dev, "2028-01-01", "2028-01-31").await;
        let (id, end) = period(&app, &hr, &org.dev).await;
        assert_eq!(end, "2029-01-31");
        set_status(&app, &id, "breached");
        let (s, ext) = ask(&app, &hr, &id, "2029-07-31").await;
        assert_eq!(s, 201, "a breach is the usual reason: {ext}");
        assert_eq!(approve(&app, &sec, &ext).await.0, 200);
        // Ended while a second request waited: the decision refuses it.
        let (s, waiting) = ask(&app, &hr, &id, "2029-12-31").await;
        assert_eq!(s, 201, "{waiting}");
        set_status(&app, &id, "ended");
        let (s, body) = approve(&app, &sec, &waiting).await;
        assert_eq!(s, 409, "{body}");
        assert_eq!(body["error"]["problem"]["code"], "problem.period_no_longer_runs", "{body}");
        set_status(&app, &id, "superseded");
        assert_eq!(ask(&app, &hr, &id, "2029-12-31").await.0, 409);
    }

    async fn an_extension_beyond_the_ceiling_of_the_tier_is_refused_naming_it(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "important");
        leave(&app, &hr, &org.dev, "2028-01-01", "2028-01-31").await;
        let (id, end) = period(&app, &hr, &org.dev).await;
        assert_eq!(end, "2030-01-31");
        // Important: 36 months with extensions, from leaving on 31 January 2028.
        let (s, body) = ask(&app, &hr, &id, "2031-02-01").await;
        assert_eq!(s, 422, "{body}");
        let said = body["error"]["fields"]["new_end"].as_str().unwrap();
        assert!(said.contains("36") && said.contains("2031-01-31"), "{said}");
        assert_eq!(ask(&app, &hr, &id, "2031-01-31").await.0, 201);
        // The ceiling is the policy's.
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let current: Value = admin.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        let mut policy = current["policy"].clone();
        assert_eq!(policy["extension_ceilings"]["important_months"], 36);
        policy["extension_ceilings"]["important_months"] = json!(12);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 422, "not shorter than the period itself");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["extension_ceilings.important_months"].is_string(), "{body}");
    }
}
