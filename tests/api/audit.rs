//! The audit trail: written with every change, readable by admin and security only, and
//! tamper-evident (`tuomi audit verify`).

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_databases;

fn verify(app: &TestApp) -> (bool, String) {
    let out = app.command(&["audit", "verify"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), stdout)
}

on_both_databases! {
    async fn every_change_writes_an_audit_event_shown_to_admin_and_security(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let created = hr
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"name": "sync"}))
            .send()
            .await
            .unwrap();
        let token_id = created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();

        let security = app.signed_in("sec@example.com", &["security"]).await;
        let page: Value = security
            .get(app.url(&format!("/api/v1/audit?subject_type=api_token&subject_id={token_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], 1);
        let event = &page["items"][0];
        assert_eq!(event["action"], "token.created");
        assert_eq!(event["details"]["name"], "sync");
        assert_eq!(event["at"], "2028-02-28T15:30:00.000000Z");
        assert_eq!(event["hash"].as_str().unwrap().len(), 64);

        let all: Value = security.get(app.url("/api/v1/audit?per_page=2")).send().await.unwrap().json().await.unwrap();
        assert_eq!(all["total"], 3, "two users created and one token: {all}");
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        assert_eq!(all["per_page"], 2);

        for role in ["hr", "manager"] {
            let other = app.signed_in(&format!("{role}2@example.com"), &[role]).await;
            let r = other.get(app.url("/api/v1/audit")).send().await.unwrap();
            assert_eq!(r.status(), 403, "{role} must not read the audit trail");
        }
        assert_eq!(reqwest::get(app.url("/api/v1/audit")).await.unwrap().status(), 401);
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        assert_eq!(admin.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 200);
        let too_many = admin.get(app.url("/api/v1/audit?per_page=500")).send().await.unwrap();
        assert_eq!(too_many.status(), 422);
        let body: Value = too_many.json().await.unwrap();
        assert!(body["error"]["fields"]["per_page"].is_string(), "{body}");
    }

    async fn audit_verify_catches_a_row_edited_behind_the_services_back(app: TestApp) {
        for i in 0..3 {
            app.add_user(&format!("u{i}@example.com"), &["hr"]);
        }
        let (ok, out) = verify(&app);
        assert!(ok, "{out}");
        assert_eq!(out.trim(), "audit chain intact: 3 events");

        use diesel::connection::SimpleConnection;
        app.db()
            .batch_execute("UPDATE audit_events SET details = '{\"email\":\"mallory@example.com\"}' WHERE seq = 2")
            .unwrap();
        let (ok, out) = verify(&app);
        assert!(!ok);
        assert!(out.contains("event 2"), "{out}");
    }

    async fn audit_verify_catches_a_deleted_event_even_the_last(app: TestApp) {
        for i in 0..3 {
            app.add_user(&format!("u{i}@example.com"), &["hr"]);
        }
        use diesel::connection::SimpleConnection;
        app.db().batch_execute("DELETE FROM audit_events WHERE seq = 3").unwrap();
        let (ok, out) = verify(&app);
        assert!(!ok);
        assert!(out.contains("removed"), "{out}");

        app.db().batch_execute("DELETE FROM audit_events WHERE seq = 1").unwrap();
        let (ok, out) = verify(&app);
        assert!(!ok);
        assert!(out.contains("event 1"), "{out}");
    }

    async fn concurrent_changes_keep_one_unbroken_chain(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let requests = (0..24).map(|i| {
            hr.post(app.url("/api/v1/tokens"))
                .json(&json!({"name": format!("token {i}")}))
                .send()
        });
        for response in futures_util::future::join_all(requests).await {
            assert_eq!(response.unwrap().status(), 201);
        }
        let (ok, out) = verify(&app);
        assert!(ok, "{out}");
        assert_eq!(out.trim(), "audit chain intact: 25 events");
    }

    async fn the_trail_is_listed_oldest_first_when_asked(app: TestApp) {
        for i in 0..3 {
            app.add_user(&format!("u{i}@example.com"), &["hr"]);
        }
        let security = app.signed_in("sec@example.com", &["security"]).await;
        let seqs = |page: Value| -> Vec<i64> {
            page["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect()
        };
        let newest: Value = security.get(app.url("/api/v1/audit?per_page=2")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seqs(newest), [4, 3]);
        let oldest: Value = security.get(app.url("/api/v1/audit?per_page=2&sort=at")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seqs(oldest), [1, 2]);
        let r = security.get(app.url("/api/v1/audit?sort=actor")).send().await.unwrap();
        assert_eq!(r.status(), 422);
    }
}
