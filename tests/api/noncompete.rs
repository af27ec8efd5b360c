//! The non-compete (竞业限制): the cap (PRC Labor Contract Law art. 24), the compensation
//! floor, the monthly ledger, HR's warning before rescission, waiver and rescission.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::small_org;

pub(crate) async fn put_terms(
    app: &TestApp,
    hr: &reqwest::Client,
    employee_id: &str,
    body: Value,
) -> (u16, Value) {
    let r = hr
        .put(app.url(&format!("/api/v1/employees/{employee_id}/non-compete")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap())
}

pub(crate) fn terms(months: u32, compensation: f64) -> Value {
    json!({"months": months, "monthly_compensation": compensation, "currency": "CNY",
           "scope": "竞争对手的研发岗位", "region": "中国大陆", "bound_as": "senior_technical", "average_monthly_wage": 20000.0})
}

/// Departs `employee_id` on 31 January 2028 and returns their non-compete obligation's id,
/// checking its term ends on `ends_on`.
pub(crate) async fn depart(
    app: &TestApp,
    hr: &reqwest::Client,
    employee_id: &str,
    ends_on: &str,
) -> String {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": "2028-01-02", "last_working_day": "2028-01-31", "reason": "resignation"
    })).await;
    assert_eq!(s, 201, "{dep}");
    let id = dep["id"].as_str().unwrap();
    assert_eq!(
        post(
            app,
            hr,
            &format!("/api/v1/departures/{id}/complete"),
            json!({"override_reason": "test"})
        )
        .await
        .0,
        200
    );
    app.past_the_last_working_day().await;
    let page: Value = hr
        .get(app.url(&format!(
            "/api/v1/obligations?employee_id={employee_id}&kind=non_compete"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["starts_on"], "2028-02-01");
    assert_eq!(page["items"][0]["ends_on"], ends_on);
    page["items"][0]["id"].as_str().unwrap().to_string()
}

/// Starts and completes `employee_id`'s departure (left 31 January 2028): the completion's answer.
async fn complete_departure(
    app: &TestApp,
    hr: &reqwest::Client,
    employee_id: &str,
) -> (u16, Value) {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": "2028-01-02", "last_working_day": "2028-01-31", "reason": "resignation"
    })).await;
    assert_eq!(s, 201, "{dep}");
    let id = dep["id"].as_str().unwrap();
    post(
        app,
        hr,
        &format!("/api/v1/departures/{id}/complete"),
        json!({"override_reason": "test"}),
    )
    .await
}

pub(crate) async fn ledger(app: &TestApp, hr: &reqwest::Client, id: &str) -> Value {
    hr.get(app.url(&format!("/api/v1/obligations/{id}/ledger")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

on_both_databases! {
    async fn a_non_compete_longer_than_the_cap_is_refused_and_a_low_compensation_is_warned(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (s, body) = put_terms(&app, &hr, &org.dev, terms(25, 8000.0)).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["months"].as_str().unwrap().contains("art. 24"), "{body}");
        let (s, body) = put_terms(&app, &hr, &org.dev, terms(12, 5000.0)).await;
        assert_eq!(s, 200, "accepted…");
        assert!(body["warning"].as_str().unwrap().contains("6000.00"), "…with a warning: {body}");
        let (s, body) = put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        assert_eq!((s, &body["warning"]), (200, &Value::Null));
        assert_eq!(body["monthly_compensation"], 800000);
    }

    async fn hr_is_warned_at_the_second_unpaid_month_and_rescission_is_possible_at_the_third(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        let id = depart(&app, &hr, &org.dev, "2029-01-31").await;
        let pay = |month: u32| json!({"month": month, "amount": 8000.0, "paid_on": "2028-02-28"});
        let (s, book) = post(&app, &hr, &format!("/api/v1/obligations/{id}/payments"), pay(1)).await;
        assert_eq!(s, 201, "{book}");
        assert_eq!((&book["months"][0]["month"], &book["months"][0]["status"]), (&json!(1), &json!("paid")));
        assert_eq!(book["months"].as_array().unwrap().len(), 12);
        let (s, again) = post(&app, &hr, &format!("/api/v1/obligations/{id}/payments"), pay(1)).await;
        assert_eq!(s, 422, "a paid month takes no more than its balance: {again}");
        assert!(again["error"]["fields"]["amount"].is_string(), "{again}");
        assert_eq!(post(&app, &hr, &format!("/api/v1/obligations/{id}/payments"), pay(13)).await.0, 422);

        // A month is late only 15 days after it ends: March is late from 16 April.
        app.clock.set(Utc.with_ymd_and_hms(2028, 4, 1, 2, 0, 0).unwrap());
        assert_eq!(ledger(&app, &hr, &id).await["alert"], "none", "nothing late yet");
        app.clock.set(Utc.with_ymd_and_hms(2028, 5, 16, 2, 0, 0).unwrap());
        let book = ledger(&app, &hr, &id).await;
        assert_eq!((book["late_months"].as_i64(), book["alert"].as_str()), (Some(2), Some("rescission_near")));
        let rescind = format!("/api/v1/obligations/{id}/rescind");
        assert_eq!(post(&app, &hr, &rescind, json!({"reason": "未支付补偿"})).await.0, 409, "not yet");
        app.clock.set(Utc.with_ymd_and_hms(2028, 6, 16, 2, 0, 0).unwrap());
        assert_eq!(ledger(&app, &hr, &id).await["alert"], "may_rescind");
        let (s, _) = post(&app, &hr, &rescind, json!({"reason": "三个月未支付补偿，员工解除"})).await;
        assert_eq!(s, 200);
        let page: Value = hr.get(app.url(&format!("/api/v1/obligations?employee_id={}&kind=non_compete", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["items"][0]["status"], "rescinded");
    }

    async fn waiving_a_non_compete_owes_three_more_months_of_compensation(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(6, 7000.0)).await;
        let id = depart(&app, &hr, &org.dev, "2028-07-31").await;
        let (s, record) = post(&app, &hr, &format!("/api/v1/obligations/{id}/waive"), json!({"reason": "公司放弃竞业限制"})).await;
        assert_eq!(s, 200, "{record}");
        assert_eq!(record["extra_compensation_owed"], 2_100_000);
        assert_eq!(record["extra_months"], 3);
        assert_eq!(post(&app, &hr, &format!("/api/v1/obligations/{id}/waive"), json!({"reason": "again"})).await.0, 409);
        let (s, _) = put_terms(&app, &hr, &org.dev, terms(6, 7000.0)).await;
        assert_eq!(s, 409, "agreed before the departure only");
    }

    async fn the_cap_is_the_laws_and_is_checked_again_when_the_departure_completes(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let org = small_org(&app, &hr).await;
        let mut policy: Value = admin.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        policy["policy"]["non_compete_cap_months"] = json!(36);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy["policy"]).send().await.unwrap();
        assert_eq!(r.status(), 422, "the policy may not raise the law's cap");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["fields"]["non_compete_cap_months"].as_str().unwrap().contains("art. 24"), "{body}");

        assert_eq!(put_terms(&app, &hr, &org.dev, terms(18, 8000.0)).await.0, 200);
        policy["policy"]["non_compete_cap_months"] = json!(12);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy["policy"]).send().await.unwrap();
        assert_eq!(r.status(), 200, "a lower cap is the policy's to set");
        let (s, body) = complete_departure(&app, &hr, &org.dev).await;
        assert_eq!(s, 409, "18 months under a cap of 12 is refused, not shortened: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("18 months") && message.contains("12-month cap"), "{message}");
        let page: Value = hr.get(app.url(&format!("/api/v1/obligations?employee_id={}", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 0, "nothing was created: {page}");
    }
}
