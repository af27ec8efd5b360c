//! Travel abroad (issue 20 item 1): asked for by the person, decided by security and, for
//! the tiers the policy names, a unit leader; refused outside any period; overdue returns
//! listed; a trip taken without approval opens a breach case.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, get_json, post};
use crate::obligations::{leave, set_tier};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

pub fn trip(starts_on: &str, ends_on: &str) -> Value {
    json!({
        "countries": "日本", "purpose": "参加学术会议", "starts_on": starts_on,
        "ends_on": ends_on, "invited_by": "东京大学",
    })
}

pub async fn decide(
    app: &TestApp,
    c: &reqwest::Client,
    trip: &Value,
    decision: &str,
) -> (u16, Value) {
    let path = format!("/api/v1/trips/{}/decision", trip["id"].as_str().unwrap());
    post(
        app,
        c,
        &path,
        json!({"decision": decision, "reason": "符合规定"}),
    )
    .await
}

fn on(y: i32, m: u32, d: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 8, 0, 0).unwrap()
}

on_both_databases! {
    async fn core_tier_trips_need_a_second_approval(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");
        let dev = manager_client(&app, "dev@example.com", "D001").await;
        let (s, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-03-01", "2028-03-10")).await;
        assert_eq!(s, 201, "{asked}");
        assert_eq!((asked["status"].as_str(), asked["tier"].as_str()), (Some("requested"), Some("core")));
        assert_eq!(asked["needs_second_approval"], true);
        // HR reads but decides nothing; the leader's approval comes after security's.
        assert_eq!(decide(&app, &hr, &asked, "approve").await.0, 403);
        let (s, body) = decide(&app, &admin, &asked, "approve").await;
        assert_eq!(s, 409, "{body}");
        let (s, first) = decide(&app, &sec, &asked, "approve").await;
        assert_eq!((s, first["status"].as_str()), (200, Some("awaiting_second_approval")), "{first}");
        let (s, body) = decide(&app, &sec, &asked, "approve").await;
        assert_eq!(s, 409, "{body}");
        assert_eq!(body["error"]["problem"]["code"], "problem.trip_second_approval_is_a_leaders");
        let (s, done) = decide(&app, &admin, &asked, "approve").await;
        assert_eq!((s, done["status"].as_str()), (200, Some("approved")), "{done}");
        let register = get_json(&app, &hr, "/api/v1/trips?status=approved").await;
        assert_eq!(register.as_array().unwrap().len(), 1, "{register}");

        // An important tier: security's approval is the only one.
        set_tier(&app, &org.dev, "important");
        let (_, second) = post(&app, &dev, "/api/v1/trips", trip("2028-04-01", "2028-04-03")).await;
        assert_eq!(second["needs_second_approval"], false, "{second}");
        let (s, done) = decide(&app, &sec, &second, "approve").await;
        assert_eq!((s, done["status"].as_str()), (200, Some("approved")));
        let trail = get_json(&app, &admin, "/api/v1/audit?subject_type=trip").await;
        assert!(trail.to_string().contains("trip.first_approval"), "{trail}");
        // Told once per trip, at the final decision only, at work (they serve), with the
        // trip's page to read it on.
        app.run_jobs().await;
        let told = app.smtp.to("d001@corp.example");
        let subjects: Vec<String> = told.iter().map(|m| m.subject()).collect();
        assert_eq!(subjects, ["您的出境申请已批准：日本", "您的出境申请已批准：日本"], "{subjects:?}");
        for t in [&asked, &second] {
            let link = format!("/trips/{}", t["id"].as_str().unwrap());
            assert_eq!(told.iter().filter(|m| m.text().contains(&link)).count(), 1, "{link}");
        }
    }

    async fn a_trip_outside_any_running_period_is_refused(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // A serving employee without a tier needs no approval, nor can have one.
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let (s, body) = post(&app, &lead, "/api/v1/trips", trip("2028-03-01", "2028-03-02")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["starts_on"].as_str().unwrap().contains("no approval is needed"), "{body}");
        // A former general-tier employee, whose period runs to 28 February 2029.
        set_tier(&app, &org.dev, "general");
        leave(&app, &hr, &org.dev, "2028-02-01", "2028-02-28").await;
        let dev = manager_client(&app, "dev@example.com", "D001").await;
        let (s, body) = post(&app, &dev, "/api/v1/trips", trip("2029-03-01", "2029-03-05")).await;
        assert_eq!(s, 422, "{body}");
        let (s, body) = post(&app, &dev, "/api/v1/trips", trip("2029-02-28", "2029-03-05")).await;
        assert_eq!(s, 201, "its last day is in the period: {body}");
        let (s, body) = post(&app, &dev, "/api/v1/trips", trip("2028-06-05", "2028-06-01")).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["ends_on"].is_string(), "{body}");
        let trips = get_json(&app, &hr, &format!("/api/v1/trips?employee_id={}", org.dev)).await;
        assert_eq!(trips.as_array().unwrap().len(), 1, "nothing written by a refusal");
    }

    async fn a_trip_not_reported_back_within_seven_days_is_overdue(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "general");
        let dev = manager_client(&app, "dev@example.com", "D001").await;
        // Ends on leap day 2028: due back by 7 March.
        let (_, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-02-28", "2028-02-29")).await;
        assert_eq!(decide(&app, &sec, &asked, "approve").await.0, 200);
        app.clock.set(on(2028, 3, 7));
        assert_eq!(get_json(&app, &sec, "/api/v1/trips?overdue=true").await, json!([]));
        app.clock.set(on(2028, 3, 8));
        let overdue = get_json(&app, &sec, "/api/v1/trips?overdue=true").await;
        assert_eq!(overdue[0]["id"], asked["id"], "{overdue}");
        let path = format!("/api/v1/trips/{}/return", asked["id"].as_str().unwrap());
        let (s, back) = post(&app, &sec, &path, json!({"returned_on": "2028-02-29"})).await;
        assert_eq!((s, back["returned_on"].as_str()), (200, Some("2028-02-29")), "{back}");
        assert_eq!(post(&app, &sec, &path, json!({"returned_on": "2028-02-29"})).await.0, 409);
        assert_eq!(get_json(&app, &sec, "/api/v1/trips?overdue=true").await, json!([]));
        app.run_jobs().await;
    }

    async fn a_trip_taken_without_approval_opens_a_case(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "important");
        let mut body = trip("2028-02-10", "2028-02-20");
        body["employee_id"] = json!(org.dev);
        assert_eq!(post(&app, &hr, "/api/v1/trips/unapproved", body.clone()).await.0, 403);
        let (s, taken) = post(&app, &sec, "/api/v1/trips/unapproved", body).await;
        assert_eq!((s, taken["status"].as_str()), (201, Some("unapproved")), "{taken}");
        let case_id = taken["breach_case_id"].as_str().expect("a case");
        let case = get_json(&app, &sec, &format!("/api/v1/breaches/{case_id}")).await;
        assert!(case.to_string().contains("\"travel\""), "{case}");
        assert!(case.to_string().contains(&org.dev), "linked to the person: {case}");
        // Its page says where it came from, not that an anonymous reporter sent it.
        let reader = app.signed_in("sec-reader@example.com", &["security"]).await;
        let (s, html) = crate::helpers::page(&app, &reader, &format!("/breaches/{case_id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("a trip abroad taken without approval"), "{html}");
        assert!(!html.contains("Anonymous: no account recorded"), "{html}");
        app.run_jobs().await;
    }
}
