//! Travel documents held by the unit (issue 20 item 2): out for one approved trip of their
//! holder, back after it, flagged when out past the trip's end plus the policy's days, given
//! back to the person once their period has ended.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, get_json, page, post};
use crate::obligations::{leave, set_tier};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};
use crate::travel::{decide, trip};

async fn register(app: &TestApp, sec: &reqwest::Client, employee_id: &str) -> Value {
    let (s, doc) = post(
        app,
        sec,
        &format!("/api/v1/employees/{employee_id}/travel-documents"),
        json!({"kind": "passport", "number": "E12345678", "expires_on": "2033-05-31"}),
    )
    .await;
    assert_eq!(s, 201, "{doc}");
    doc
}

fn path(doc: &Value, action: &str) -> String {
    format!(
        "/api/v1/travel-documents/{}/{action}",
        doc["id"].as_str().unwrap()
    )
}

on_both_databases! {
    async fn a_document_goes_out_for_one_approved_trip_and_is_flagged_once_past_it(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "general");
        let doc = register(&app, &sec, &org.dev).await;
        assert_eq!(doc["status"], "held");
        let dev = manager_client(&app, "dev@example.com", "D001").await;
        let (_, asked) = post(&app, &dev, "/api/v1/trips", trip("2028-03-01", "2028-03-31")).await;
        let trip_id = asked["id"].as_str().unwrap();
        let out = json!({"trip_id": trip_id, "on": "2028-02-28"});
        let (s, body) = post(&app, &sec, &path(&doc, "hand-out"), out.clone()).await;
        assert_eq!(s, 409, "not for a trip still waiting: {body}");
        assert_eq!(decide(&app, &sec, &asked, "approve").await.0, 200);
        assert_eq!(post(&app, &hr, &path(&doc, "hand-out"), out.clone()).await.0, 403);
        let (s, body) = post(&app, &sec, &path(&doc, "hand-out"), out.clone()).await;
        assert_eq!((s, body["status"].as_str()), (200, Some("out")), "{body}");
        assert_eq!(post(&app, &sec, &path(&doc, "hand-out"), out).await.0, 409, "out already");
        // Due back by 7 April 2028.
        app.clock.set(Utc.with_ymd_and_hms(2028, 4, 7, 8, 0, 0).unwrap());
        assert_eq!(get_json(&app, &sec, "/api/v1/travel-documents?late=true").await, json!([]));
        app.clock.set(Utc.with_ymd_and_hms(2028, 4, 8, 8, 0, 0).unwrap());
        let late = get_json(&app, &hr, "/api/v1/travel-documents?late=true").await;
        assert_eq!(late.as_array().unwrap().len(), 1, "{late}");
        // Security's start page shows it, and the trip not reported back, until put right.
        let officer = app.signed_in("officer@example.com", &["security"]).await;
        let (_, home) = page(&app, &officer, "/").await;
        for shown in ["Trips not reported back: 1", "Travel documents not back: 1", "张伟 (D001)",
            ": passport, due back by", "Trip requests waiting for your decision"] {
            assert!(home.contains(shown), "{shown}: {home}");
        }
        // And HR's digest of Monday 10 April.
        app.run_jobs().await;
        app.clock.set(Utc.with_ymd_and_hms(2028, 4, 10, 2, 0, 0).unwrap());
        app.run_jobs().await;
        let digest = app.smtp.to("hr@example.com").pop().expect("the digest");
        let text = digest.text();
        assert!(text.contains("Trips abroad not reported back (1):\n* 张伟: 日本, the trip ended on 31 March 2028"), "{text}");
        assert!(text.contains("Travel documents not back with security (1):\n* 张伟: passport, due back by 7 April 2028"), "{text}");
        let (s, body) = post(&app, &sec, &path(&doc, "take-back"), json!({"on": "2028-04-08"})).await;
        assert_eq!((s, body["status"].as_str()), (200, Some("held")), "{body}");
        assert_eq!(get_json(&app, &sec, "/api/v1/travel-documents?late=true").await, json!([]));
        assert_eq!(post(&app, &sec, &path(&doc, "take-back"), json!({"on": "2028-04-08"})).await.0, 409);
        let trail = get_json(&app, &sec, "/api/v1/audit?subject_type=travel_document").await;
        for action in ["travel_document.registered", "travel_document.handed_out", "travel_document.taken_back"] {
            assert!(trail.to_string().contains(action), "{action}: {trail}");
        }
        // Two days on (the first session has run out), another officer looks.
        let officer = app.signed_in("officer2@example.com", &["security"]).await;
        let (_, home) = page(&app, &officer, "/").await;
        assert!(home.contains("Travel documents not back: 0"), "taken back: {home}");
        app.run_jobs().await;
    }

    async fn documents_go_back_to_the_person_when_their_period_ends(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "general");
        let doc = register(&app, &sec, &org.dev).await;
        let back = json!({"on": "2028-02-28"});
        let (s, body) = post(&app, &sec, &path(&doc, "give-back"), back.clone()).await;
        assert_eq!(s, 409, "still serving: {body}");
        assert_eq!(body["error"]["problem"]["code"], "problem.document_still_owed");
        leave(&app, &hr, &org.dev, "2028-02-01", "2028-02-28").await;
        assert_eq!(post(&app, &sec, &path(&doc, "give-back"), back).await.0, 409, "in the period");
        // The period's last day is 28 February 2029.
        app.clock.set(Utc.with_ymd_and_hms(2029, 3, 1, 8, 0, 0).unwrap());
        let (s, body) = post(&app, &sec, &path(&doc, "give-back"), json!({"on": "2029-03-01"})).await;
        assert_eq!((s, body["status"].as_str()), (200, Some("returned_to_person")), "{body}");
        // The year's reminders go to a person with no private address recorded.
        app.expect_failed_jobs();
        app.run_jobs().await;
    }

    async fn holding_no_record_of_a_tiered_persons_documents_is_a_checklist_line(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");
        set_tier(&app, &org.boss, "general");
        register(&app, &sec, &org.boss).await;
        let start = |id: &str| json!({
            "employee_id": id, "notice_date": "2028-02-28", "last_working_day": "2028-03-31",
            "reason": "resignation",
        });
        let documents_line = |dep: &Value| dep["lines"].as_array().unwrap().iter()
            .find(|l| l["kind"] == "travel_documents").cloned();
        // A core person of whom security holds nothing: the line, open.
        let (s, dep) = post(&app, &hr, "/api/v1/departures", start(&org.dev)).await;
        assert_eq!(s, 201, "{dep}");
        let line = documents_line(&dep).expect("the documents line");
        assert_eq!((line["status"].as_str(), line["title_zh"].as_str()), (Some("open"), Some("出入境证件交保密办集中保管")), "{line}");
        // No tier, or documents on record already: no line.
        for id in [&org.outsider, &org.boss] {
            let (s, other) = post(&app, &hr, "/api/v1/departures", start(id)).await;
            assert_eq!(s, 201, "{other}");
            assert!(documents_line(&other).is_none(), "{other}");
        }
        // Security lodges the passport: the line is done, by security.
        register(&app, &sec, &org.dev).await;
        let now = get_json(&app, &hr, &format!("/api/v1/departures/{}", dep["id"].as_str().unwrap())).await;
        let line = documents_line(&now).unwrap();
        assert_eq!(line["status"], "done", "{line}");
        assert!(line["confirmed_by"].is_string(), "{line}");
    }
}
