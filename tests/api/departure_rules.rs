//! The departure rules of issue 17 as the API enforces them: trade secrets bind everyone, the
//! exit pledge on record, a secret not handed over treated as a leak, the 脱密期 from leaving
//! the post, what a rehire supersedes, and a completion taking effect at the end of the last
//! working day.

use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::small_org;

pub fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

/// Starts a departure; its id and the answer.
async fn start(app: &TestApp, hr: &reqwest::Client, body: Value) -> (String, Value) {
    let (s, dep) = post(app, hr, "/api/v1/departures", body).await;
    assert_eq!(s, 201, "{dep}");
    (dep["id"].as_str().unwrap().to_string(), dep)
}

fn line_of<'a>(departure: &'a Value, kind: &str) -> &'a Value {
    departure["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} line in {departure}"))
}

async fn obligations_of(app: &TestApp, hr: &reqwest::Client, employee_id: &str) -> Vec<Value> {
    let page: Value = hr
        .get(app.url(&format!("/api/v1/obligations?employee_id={employee_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

fn kinds(obligations: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = obligations
        .iter()
        .map(|o| o["kind"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

on_both_databases! {
    async fn trade_secrets_bind_everyone_unless_hr_unticks_them_with_a_written_reason(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (dev, _) = start(&app, &hr, json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        // Nothing said: the duty is created.
        let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{dev}/complete"),
            json!({"override_reason": "test"})).await;
        assert_eq!(s, 200, "{done}");
        assert_eq!(done["no_trade_secret_reason"], Value::Null);
        assert!(kinds(&obligations_of(&app, &hr, &org.dev).await).contains(&"trade_secret".to_string()));

        let (lead, _) = start(&app, &hr, json!({
            "employee_id": org.lead, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        let complete = format!("/api/v1/departures/{lead}/complete");
        for reason in [json!(null), json!("  ")] {
            let (s, body) = post(&app, &hr, &complete,
                json!({"override_reason": "test", "trade_secret": false, "no_trade_secret_reason": reason})).await;
            assert_eq!(s, 422, "{body}");
            assert!(body["error"]["fields"]["no_trade_secret_reason"].is_string(), "{body}");
        }
        let (s, done) = post(&app, &hr, &complete, json!({
            "override_reason": "test", "trade_secret": false, "no_trade_secret_reason": "外包人员，未接触商业秘密"
        })).await;
        assert_eq!(s, 200, "{done}");
        assert_eq!(done["no_trade_secret_reason"], "外包人员，未接触商业秘密");
        assert!(!kinds(&obligations_of(&app, &hr, &org.lead).await).contains(&"trade_secret".to_string()));
    }
}
