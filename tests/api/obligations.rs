//! Obligations after leaving: the policy they are computed under, the daily end, and rehiring.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::small_org;

/// Starts and completes (with an override) a departure; returns the departure.
pub async fn leave(
    app: &TestApp,
    hr: &reqwest::Client,
    employee_id: &str,
    notice: &str,
    last: &str,
) -> Value {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": notice, "last_working_day": last, "reason": "contract_end"
    })).await;
    assert_eq!(s, 201, "{dep}");
    let id = dep["id"].as_str().unwrap();
    let (s, done) = post(
        app,
        hr,
        &format!("/api/v1/departures/{id}/complete"),
        json!({"override_reason": "test"}),
    )
    .await;
    app.past_the_last_working_day().await;
    assert_eq!(s, 200, "{done}");
    done
}

pub async fn obligations(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<Value> {
    let page: Value = client
        .get(app.url(&format!("/api/v1/obligations?{query}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

pub fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

on_both_databases! {
    async fn the_policy_is_read_by_staff_changed_by_admin_and_applies_to_new_obligations_only(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let manager = app.token_client("m@example.com", &["manager"]).await;
        let org = small_org(&app, &hr).await;
        let current: Value = manager.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        assert_eq!(current["version"], 0);
        assert_eq!(current["policy"]["core_months"], 36);
        assert_eq!(current["policy"]["confidentiality_months"], 24);

        set_tier(&app, &org.dev, "general");
        leave(&app, &hr, &org.dev, "2026-01-10", "2026-01-31").await;

        let mut changed = current["policy"].clone();
        changed["general_months"] = json!(18);
        let r = hr.put(app.url("/api/v1/policy")).json(&changed).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let mut bad = changed.clone();
        bad["general_months"] = json!(48);
        let r = admin.put(app.url("/api/v1/policy")).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422, "general longer than core");
        let r = admin.put(app.url("/api/v1/policy")).json(&changed).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["version"], 1);

        set_tier(&app, &org.lead, "general");
        leave(&app, &hr, &org.lead, "2026-01-10", "2026-01-31").await;
        let ends = |items: Vec<Value>| items[0]["ends_on"].as_str().unwrap().to_string();
        assert_eq!(ends(obligations(&app, &hr, &format!("employee_id={}&kind=declassification", org.dev)).await), "2027-01-31", "kept");
        assert_eq!(ends(obligations(&app, &hr, &format!("employee_id={}&kind=declassification", org.lead)).await), "2027-07-31", "18 months");
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url("/api/v1/audit?subject_type=policy")).send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["details"]["to"]["general_months"], 18);
    }

    async fn an_obligation_ends_the_day_after_its_last_day(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        leave(&app, &hr, &org.dev, "2026-02-01", "2026-02-28").await;
        let owed = obligations(&app, &hr, "status=active").await;
        assert_eq!(owed[0]["ends_on"], "2028-02-28");
        let end_due = |today: NaiveDate| {
            let now = Utc.from_utc_datetime(&today.and_hms_opt(1, 0, 0).unwrap());
            tuomi::db::write_tx(&mut app.db(), |conn| tuomi::db::obligations::end_due(conn, now, today)).unwrap()
        };
        assert_eq!(end_due(NaiveDate::from_ymd_opt(2028, 2, 28).unwrap()), 0, "its last day is still owed");
        assert_eq!(end_due(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()), 1);
        // The trade-secret duty (created by default) has no end and stays active.
        assert!(obligations(&app, &hr, "status=active&kind=confidentiality").await.is_empty());
        assert_eq!(obligations(&app, &hr, "status=ended").await.len(), 1);
        assert_eq!(end_due(NaiveDate::from_ymd_opt(2028, 3, 1).unwrap()), 0, "ended once");
    }

    async fn ending_within_days_lists_what_ends_soon(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // The test clock stands at 2028-02-28 (Shanghai 23:30).
        leave(&app, &hr, &org.dev, "2026-03-01", "2026-03-31").await; // ends 2028-03-31
        leave(&app, &hr, &org.lead, "2026-06-01", "2026-06-30").await; // ends 2028-06-30
        assert_eq!(obligations(&app, &hr, "ending_within_days=30").await.len(), 0);
        assert_eq!(obligations(&app, &hr, "ending_within_days=33").await.len(), 1);
        assert_eq!(obligations(&app, &hr, "ending_within_days=180").await.len(), 2);
        // Soonest end first, the latest first when asked, and paged without overlap.
        let ends = |items: Vec<Value>| -> Vec<String> {
            items.iter().map(|o| o["ends_on"].as_str().unwrap().to_string()).collect()
        };
        let soonest = ends(obligations(&app, &hr, "ending_within_days=180").await);
        assert_eq!(soonest, ["2028-03-31", "2028-06-30"]);
        let latest = ends(obligations(&app, &hr, "ending_within_days=180&sort=-ends_on").await);
        assert_eq!(latest, ["2028-06-30", "2028-03-31"]);
        let second = ends(obligations(&app, &hr, "ending_within_days=180&per_page=1&page=2").await);
        assert_eq!(second, ["2028-06-30"]);
        let r = hr.get(app.url("/api/v1/obligations?kind=forever")).send().await.unwrap();
        assert_eq!(r.status(), 422);
    }

    async fn rehiring_supersedes_post_departure_obligations(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let r = hr.post(app.url(&format!("/api/v1/employees/{}/rehire", org.dev))).send().await.unwrap();
        assert_eq!(r.status(), 409, "still employed");
        leave(&app, &hr, &org.dev, "2026-02-01", "2026-02-28").await;
        let r = hr.post(app.url(&format!("/api/v1/employees/{}/rehire", org.dev))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "active");
        let all = obligations(&app, &hr, &format!("employee_id={}", org.dev)).await;
        assert_eq!(all.len(), 2, "kept, not deleted: confidentiality and trade secrets");
        let status_of = |kind: &str| all.iter().find(|o| o["kind"] == kind).unwrap()["status"].clone();
        assert_eq!(status_of("confidentiality"), "superseded");
        assert_eq!(status_of("trade_secret"), "active", "a rehire never ends a trade-secret duty");
    }

    async fn a_declassification_period_is_extended_only_with_security_approval(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let sec2 = app.token_client("sec2@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");
        leave(&app, &hr, &org.dev, "2026-02-01", "2026-02-28").await;
        let declass = obligations(&app, &hr, &format!("employee_id={}&kind=declassification", org.dev)).await;
        let id = declass[0]["id"].as_str().unwrap().to_string();
        assert_eq!(declass[0]["ends_on"], "2029-02-28");
        let conf = obligations(&app, &hr, &format!("employee_id={}&kind=confidentiality", org.dev)).await;
        let path = |id: &str| format!("/api/v1/obligations/{id}/extensions");
        let (s, _) = post(&app, &hr, &path(conf[0]["id"].as_str().unwrap()), json!({"new_end": "2030-01-01", "reason": "r"})).await;
        assert_eq!(s, 409, "only declassification periods are extended");
        let (s, body) = post(&app, &hr, &path(&id), json!({"new_end": "2029-02-28", "reason": "r"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["new_end"].is_string());
        let (s, ext) = post(&app, &hr, &path(&id), json!({"new_end": "2030-02-28", "reason": "涉及的项目仍处于保密期"})).await;
        assert_eq!(s, 201, "{ext}");
        let ext_id = ext["id"].as_str().unwrap();
        let approve = format!("/api/v1/extensions/{ext_id}/approve");
        assert_eq!(post(&app, &hr, &approve, json!({"decision": "approve", "reason": "ok"})).await.0, 403);
        let queue: Value = sec.get(app.url("/api/v1/extensions?status=proposed")).send().await.unwrap().json().await.unwrap();
        assert_eq!(queue["total"], 1);
        let (s, ext) = post(&app, &sec, &approve, json!({"decision": "approve", "reason": "同意延长"})).await;
        assert_eq!((s, ext["status"].as_str()), (200, Some("approved")));
        let declass = obligations(&app, &hr, &format!("employee_id={}&kind=declassification", org.dev)).await;
        assert_eq!(declass[0]["ends_on"], "2030-02-28");
        assert_eq!(post(&app, &sec2, &approve, json!({"decision": "approve", "reason": "ok"})).await.0, 409);
        // Security cannot approve its own request.
        let (_, own) = post(&app, &sec, &path(&id), json!({"new_end": "2031-02-28", "reason": "r"})).await;
        let own_path = format!("/api/v1/extensions/{}/approve", own["id"].as_str().unwrap());
        assert_eq!(post(&app, &sec, &own_path, json!({"decision": "approve", "reason": "mine"})).await.0, 403);
        assert_eq!(post(&app, &sec2, &own_path, json!({"decision": "reject", "reason": "不必要"})).await.0, 200);
        let declass = obligations(&app, &hr, &format!("employee_id={}&kind=declassification", org.dev)).await;
        assert_eq!(declass[0]["ends_on"], "2030-02-28", "a rejection changes nothing");
        // The obligation keeps its whole history.
        let detail: Value = hr.get(app.url(&format!("/api/v1/obligations/{id}"))).send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions, [
            "obligation.created", "obligation.extension_requested", "obligation.extended",
            "obligation.extension_requested", "obligation.extension_rejected",
        ]);
        assert_eq!(detail["history"][2]["details"]["new_end"], "2030-02-28");
        let outsider = crate::people::manager_client(&app, "x@example.com", "X001").await;
        assert_eq!(outsider.get(app.url(&format!("/api/v1/obligations/{id}"))).send().await.unwrap().status(), 403);
    }
}
