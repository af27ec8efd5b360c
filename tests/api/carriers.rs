//! The carrier register (载体): custody moves with their history, destruction before two
//! witnesses, and a manager's view limited to their reports.

use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

async fn register(
    app: &TestApp,
    hr: &reqwest::Client,
    tag: &str,
    custodian: Option<&str>,
) -> String {
    let (status, c) = post(
        app,
        hr,
        "/api/v1/carriers",
        json!({
            "tag": tag, "kind": "document", "description": "设计图纸", "classification": "secret",
            "custodian_id": custodian, "copies": 3
        }),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn custody_list(app: &TestApp, client: &reqwest::Client, employee_id: &str) -> Vec<String> {
    let page: Value = client
        .get(app.url(&format!("/api/v1/carriers?custodian_id={employee_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tag"].as_str().unwrap().to_string())
        .collect()
}

on_both_databases! {
    async fn a_carrier_moves_through_assign_transfer_and_return_with_its_history(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let id = register(&app, &hr, "DOC-001", None).await;
        let detail: Value = hr.get(app.url(&format!("/api/v1/carriers/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(detail["status"], "in_pool");
        assert_eq!(detail["copies"], 3);

        let (s, c) = post(&app, &hr, &format!("/api/v1/carriers/{id}/assign"), json!({"custodian_id": org.dev, "note": "领用"})).await;
        assert_eq!((s, c["status"].as_str()), (200, Some("in_custody")));
        assert_eq!(custody_list(&app, &hr, &org.dev).await, ["DOC-001"]);
        let (s, _) = post(&app, &hr, &format!("/api/v1/carriers/{id}/assign"), json!({"custodian_id": org.lead})).await;
        assert_eq!(s, 409, "a held carrier is transferred, not assigned");

        let (s, c) = post(&app, &hr, &format!("/api/v1/carriers/{id}/transfer"), json!({"to_custodian_id": org.lead, "note": "交接"})).await;
        assert_eq!((s, c["custodian_id"].as_str()), (200, Some(org.lead.as_str())));
        assert!(custody_list(&app, &hr, &org.dev).await.is_empty());
        assert_eq!(custody_list(&app, &hr, &org.lead).await, ["DOC-001"]);

        let (s, c) = post(&app, &hr, &format!("/api/v1/carriers/{id}/return"), json!({"note": "清退"})).await;
        assert_eq!((s, c["status"].as_str(), &c["custodian_id"]), (200, Some("in_pool"), &Value::Null));
        let (s, _) = post(&app, &hr, &format!("/api/v1/carriers/{id}/return"), json!({})).await;
        assert_eq!(s, 409);

        let detail: Value = hr.get(app.url(&format!("/api/v1/carriers/{id}"))).send().await.unwrap().json().await.unwrap();
        let events: Vec<(&str, &Value, &Value)> = detail["history"].as_array().unwrap().iter()
            .map(|e| (e["event"].as_str().unwrap(), &e["from_custodian_id"], &e["to_custodian_id"])).collect();
        let (dev, lead) = (json!(org.dev), json!(org.lead));
        assert_eq!(events, [
            ("registered", &Value::Null, &Value::Null),
            ("assigned", &Value::Null, &dev),
            ("transferred", &dev, &lead),
            ("returned", &lead, &Value::Null),
        ]);
        assert_eq!(detail["history"][2]["note"], "交接");
    }

    async fn destruction_needs_an_approver_and_two_witnesses(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let id = register(&app, &hr, "USB-7", Some(&org.dev)).await;
        let path = format!("/api/v1/carriers/{id}/destroy");
        let witnesses = json!({"witness_ids": [org.boss, org.outsider], "note": "粉碎"});
        assert_eq!(post(&app, &hr, &path, witnesses.clone()).await.0, 403, "HR does not approve destruction");
        let (s, body) = post(&app, &sec, &path, json!({"witness_ids": [org.boss]})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["witness_ids"].is_string());
        let (s, _) = post(&app, &sec, &path, json!({"witness_ids": [org.boss, org.boss]})).await;
        assert_eq!(s, 422, "two different people");
        let (s, _) = post(&app, &sec, &path, json!({"witness_ids": [org.boss, "nobody"]})).await;
        assert_eq!(s, 422);

        let (s, c) = post(&app, &sec, &path, witnesses.clone()).await;
        assert_eq!((s, c["status"].as_str()), (200, Some("destroyed")));
        assert!(custody_list(&app, &hr, &org.dev).await.is_empty(), "custody ends");
        let detail: Value = sec.get(app.url(&format!("/api/v1/carriers/{id}"))).send().await.unwrap().json().await.unwrap();
        let last = detail["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["event"], "destroyed");
        assert!(last["approver_id"].is_string());
        assert_eq!((last["witness_1_id"].as_str(), last["witness_2_id"].as_str()), (Some(org.boss.as_str()), Some(org.outsider.as_str())));
        assert_eq!(post(&app, &sec, &path, witnesses).await.0, 409);
        assert_eq!(post(&app, &hr, &format!("/api/v1/carriers/{id}/assign"), json!({"custodian_id": org.dev})).await.0, 409);
    }

    async fn a_managers_view_of_carriers_is_limited_to_their_reports(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let mine = register(&app, &hr, "A-DEV", Some(&org.dev)).await;
        let theirs = register(&app, &hr, "B-OUT", Some(&org.outsider)).await;
        register(&app, &hr, "C-POOL", None).await;
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let page: Value = boss.get(app.url("/api/v1/carriers")).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["tag"], "A-DEV");
        assert_eq!(boss.get(app.url(&format!("/api/v1/carriers/{mine}"))).send().await.unwrap().status(), 200);
        assert_eq!(boss.get(app.url(&format!("/api/v1/carriers/{theirs}"))).send().await.unwrap().status(), 403);
        assert_eq!(post(&app, &boss, &format!("/api/v1/carriers/{mine}/return"), json!({})).await.0, 403);
        let all: Value = hr.get(app.url("/api/v1/carriers?status=in_custody")).send().await.unwrap().json().await.unwrap();
        assert_eq!(all["total"], 2);
    }

    async fn carrier_input_is_checked_field_by_field(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        register(&app, &hr, "K-1", None).await;
        let (s, body) = post(&app, &hr, "/api/v1/carriers", json!({"tag": "K-1", "kind": "document", "classification": "secret"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["tag"].as_str().unwrap().contains("another carrier"));
        let (s, body) = post(&app, &hr, "/api/v1/carriers", json!({"tag": "L-1", "kind": "laptop", "classification": "secret", "copies": 2})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["copies"].is_string());
        let (s, body) = post(&app, &hr, "/api/v1/carriers", json!({"tag": "X", "kind": "scroll", "classification": "secret"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["kind"].is_string(), "{body}");
        let (s, _) = post(&app, &hr, "/api/v1/carriers", json!({"tag": "Y", "kind": "key", "classification": "secret", "custodian_id": "nobody"})).await;
        assert_eq!(s, 422);
    }

    async fn racing_custody_changes_let_one_win_and_refuse_the_rest(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let id = register(&app, &hr, "RACE-1", None).await;
        let people = [&org.boss, &org.lead, &org.dev, &org.outsider];
        let attempts = (0..40).map(|i| {
            let (hr, app, to) = (hr.clone(), &app, people[i % 4].clone());
            let path = format!("/api/v1/carriers/{id}/assign");
            async move { post(app, &hr, &path, json!({"custodian_id": to})).await.0 }
        });
        let statuses = futures_util::future::join_all(attempts).await;
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
        let detail: Value = hr.get(app.url(&format!("/api/v1/carriers/{id}"))).send().await.unwrap().json().await.unwrap();
        let assigned = detail["history"].as_array().unwrap().iter().filter(|h| h["event"] == "assigned").count();
        assert_eq!(assigned, 1, "one custody change in the history");

        // The same race without HTTP in between: eight writers released together.
        let id = register(&app, &hr, "RACE-2", None).await;
        let hr_user = {
            use diesel::prelude::*;
            tuomi::db::schema::users::table
                .filter(tuomi::db::schema::users::email.eq("hr@example.com"))
                .select(tuomi::db::schema::users::id)
                .first::<String>(&mut app.db())
                .unwrap()
        };
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let now = tuomi::clock::Clock::now(&*app.clock);
        let results: Vec<bool> = (0..8)
            .map(|i| {
                let (barrier, mut conn) = (barrier.clone(), app.db());
                let (id, who, to) = (id.clone(), hr_user.clone(), people[i % 4].clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    tuomi::db::write_tx(&mut conn, |c| {
                        tuomi::db::carriers::move_custody(c, now, &who, &id, &tuomi::db::carriers::Custody::Assign { to }, "")
                    })
                    .is_ok()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "{results:?}");
    }

    async fn people_are_named_by_employee_number_in_custody_changes_and_the_list_sorts(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let (s, c) = post(&app, &hr, "/api/v1/carriers", json!({
            "tag": "N-1", "kind": "key", "classification": "internal", "custodian_no": "D001"
        })).await;
        assert_eq!(s, 201, "{c}");
        assert_eq!(c["custodian_id"], json!(org.dev));
        let id = c["id"].as_str().unwrap().to_string();
        register(&app, &hr, "A-2", None).await;

        let page: Value = hr.get(app.url("/api/v1/carriers?custodian_no=D001")).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["total"], 1);
        let page: Value = hr.get(app.url("/api/v1/carriers?custodian_no=NOPE")).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["total"], 0, "nobody's carriers");

        let transfer = format!("/api/v1/carriers/{id}/transfer");
        let (s, body) = post(&app, &hr, &transfer, json!({"to_custodian_no": "NOPE"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["to_custodian_no"].is_string(), "{body}");
        let (s, body) = post(&app, &hr, &transfer, json!({"note": "x"})).await;
        assert_eq!(s, 422);
        assert_eq!(body["error"]["fields"]["to_custodian_id"], "is required");
        let (s, c) = post(&app, &hr, &transfer, json!({"to_custodian_no": "L001"})).await;
        assert_eq!((s, &c["custodian_id"]), (200, &json!(org.lead)));
        assert_eq!(post(&app, &hr, &format!("/api/v1/carriers/{id}/return"), json!({})).await.0, 200);
        let (s, c) = post(&app, &hr, &format!("/api/v1/carriers/{id}/assign"), json!({"custodian_no": "X001"})).await;
        assert_eq!((s, &c["custodian_id"]), (200, &json!(org.outsider)));

        let destroy = format!("/api/v1/carriers/{id}/destroy");
        let (s, body) = post(&app, &sec, &destroy, json!({"witness_1_no": "M001", "witness_2_no": "NOPE"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["witness_2_no"].is_string(), "{body}");
        let (s, c) = post(&app, &sec, &destroy, json!({"witness_1_no": "M001", "witness_2_no": "L001"})).await;
        assert_eq!((s, c["status"].as_str()), (200, Some("destroyed")));
        let detail: Value = sec.get(app.url(&format!("/api/v1/carriers/{id}"))).send().await.unwrap().json().await.unwrap();
        let last = detail["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["witness_1_id"].as_str(), last["witness_2_id"].as_str()), (Some(org.boss.as_str()), Some(org.lead.as_str())));

        let tags = |page: Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|c| c["tag"].as_str().unwrap().to_string()).collect()
        };
        let page: Value = hr.get(app.url("/api/v1/carriers?sort=-tag")).send().await.unwrap().json().await.unwrap();
        assert_eq!(tags(page), ["N-1", "A-2"]);
        let page: Value = hr.get(app.url("/api/v1/carriers?sort=-classification")).send().await.unwrap().json().await.unwrap();
        assert_eq!(tags(page), ["A-2", "N-1"], "secret before internal");
        let r = hr.get(app.url("/api/v1/carriers?sort=owner")).send().await.unwrap();
        assert_eq!(r.status(), 422);
    }
}
