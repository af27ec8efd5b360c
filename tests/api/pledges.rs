//! Confidentiality pledges (保密承诺书, 002 第八条): versioned texts, signatures and refusals,
//! and the list of people in a classified tier who have not signed on entry.

use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

async fn add_text(app: &TestApp, admin: &reqwest::Client, kind: &str) -> Value {
    let (status, text) = post(
        app,
        admin,
        "/api/v1/pledge-texts",
        json!({
            "kind": kind, "title_zh": "保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Confidentiality pledge", "body_en": "I pledge…"
        }),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    text
}

fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

on_both_databases! {
    async fn pledge_texts_are_versioned_per_kind(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        assert_eq!(add_text(&app, &admin, "entry").await["version"], 1);
        assert_eq!(add_text(&app, &admin, "entry").await["version"], 2);
        assert_eq!(add_text(&app, &admin, "exit").await["version"], 1);
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let texts: Value = hr.get(app.url("/api/v1/pledge-texts?kind=entry")).send().await.unwrap().json().await.unwrap();
        let versions: Vec<i64> = texts.as_array().unwrap().iter().map(|t| t["version"].as_i64().unwrap()).collect();
        assert_eq!(versions, [2, 1]);
        let (s, _) = post(&app, &hr, "/api/v1/pledge-texts", json!({"kind": "entry", "title_zh": "x", "body_zh": "x", "title_en": "x", "body_en": "x"})).await;
        assert_eq!(s, 403, "only an admin writes pledge texts");
        let (s, body) = post(&app, &admin, "/api/v1/pledge-texts", json!({"kind": "entry", "title_zh": "", "body_zh": "x", "title_en": "x", "body_en": "x"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["title_zh"].is_string());
    }

    async fn a_person_in_a_classified_tier_without_an_entry_pledge_is_listed_for_hr(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let entry = add_text(&app, &admin, "entry").await;
        set_tier(&app, &org.dev, "core");
        set_tier(&app, &org.lead, "general");
        let missing = |client: reqwest::Client| {
            let app = &app;
            async move {
                let page: Value = client.get(app.url("/api/v1/pledges/missing")).send().await.unwrap().json().await.unwrap();
                let mut names: Vec<String> = page["items"].as_array().unwrap().iter().map(|e| e["employee_no"].as_str().unwrap().to_string()).collect();
                names.sort();
                names
            }
        };
        assert_eq!(missing(hr.clone()).await, ["D001", "L001"]);

        // A refusal does not count as signed.
        let (s, p) = post(&app, &hr, &format!("/api/v1/employees/{}/pledges", org.dev), json!({
            "pledge_text_id": entry["id"], "method": "refused", "signed_on": "2028-02-28",
            "refusal_reason": "要求先咨询律师"})).await;
        assert_eq!(s, 201, "{p}");
        assert_eq!(missing(hr.clone()).await, ["D001", "L001"]);

        let (s, _) = post(&app, &hr, &format!("/api/v1/employees/{}/pledges", org.dev), json!({
            "pledge_text_id": entry["id"], "method": "e_signed", "signed_on": "2028-02-29", "typed_name": "张伟"})).await;
        assert_eq!(s, 201);
        let (s, _) = post(&app, &hr, &format!("/api/v1/employees/{}/pledges", org.lead), json!({
            "pledge_text_id": entry["id"], "method": "paper", "signed_on": "2028-02-29", "scan_ref": "scans/L001-entry.pdf"})).await;
        assert_eq!(s, 201);
        assert!(missing(hr.clone()).await.is_empty());
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        assert_eq!(manager.get(app.url("/api/v1/pledges/missing")).send().await.unwrap().status(), 403);
    }

    async fn a_refusal_is_recorded_with_its_reason_and_each_method_with_its_evidence(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let exit = add_text(&app, &admin, "exit").await;
        let path = format!("/api/v1/employees/{}/pledges", org.dev);
        for (body, field) in [
            (json!({"pledge_text_id": exit["id"], "method": "refused", "signed_on": "2028-02-28"}), "refusal_reason"),
            (json!({"pledge_text_id": exit["id"], "method": "e_signed", "signed_on": "2028-02-28"}), "typed_name"),
            (json!({"pledge_text_id": exit["id"], "method": "paper", "signed_on": "2028-02-28"}), "scan_ref"),
            (json!({"pledge_text_id": exit["id"], "method": "paper", "signed_on": "2028-02-30", "scan_ref": "s"}), "signed_on"),
            (json!({"pledge_text_id": "nope", "method": "paper", "signed_on": "2028-02-28", "scan_ref": "s"}), "pledge_text_id"),
        ] {
            let (s, b) = post(&app, &hr, &path, body).await;
            assert_eq!(s, 422, "{field}: {b}");
            assert!(b["error"]["fields"][field].is_string(), "{field}: {b}");
        }
        let (s, _) = post(&app, &hr, &path, json!({"pledge_text_id": exit["id"], "method": "refused",
            "signed_on": "2028-02-28", "refusal_reason": "不同意竞业条款"})).await;
        assert_eq!(s, 201);
        let list: Value = hr.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
        assert_eq!(list[0]["method"], "refused");
        assert_eq!(list[0]["refusal_reason"], "不同意竞业条款");
        assert_eq!(list[0]["kind"], "exit");

        let lead = manager_client(&app, "lead@example.com", "L001").await;
        assert_eq!(lead.get(app.url(&path)).send().await.unwrap().status(), 200, "their report");
        let other = format!("/api/v1/employees/{}/pledges", org.outsider);
        assert_eq!(lead.get(app.url(&other)).send().await.unwrap().status(), 403);
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=employee&subject_id={}", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "pledge.refused");
    }
}
