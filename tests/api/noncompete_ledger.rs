//! The non-compete's ledger (Labor Contract Law art. 23): term months from the term's first
//! day, amounts owed and paid, partial payments, audited reversals, the waiver's three months
//! (SPC Interpretation (I) art. 39), arrears after the end, and the end a rehire makes.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, get_json, post};
use crate::noncompete::{depart, ledger, put_terms, terms};
use crate::on_both_databases;
use crate::people::small_org;

/// Starts and completes a departure whose last working day is `last_working_day`; the
/// non-compete's id.
async fn leave_on(app: &TestApp, hr: &reqwest::Client, employee_id: &str, last: &str) -> String {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": "2028-01-02", "last_working_day": last, "reason": "resignation"
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
    let page = get_json(
        app,
        hr,
        &format!("/api/v1/obligations?employee_id={employee_id}&kind=non_compete"),
    )
    .await;
    page["items"][0]["id"].as_str().unwrap().to_string()
}

fn pay(month: Value, amount: f64) -> Value {
    json!({"month": month, "amount": amount, "paid_on": "2028-02-28"})
}

on_both_databases! {
    async fn term_months_run_from_the_terms_first_day(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(24, 8000.0)).await;
        // The last working day is 30 August: the term runs from 31 August.
        let id = leave_on(&app, &hr, &org.dev, "2028-08-30").await;
        let book = ledger(&app, &hr, &id).await;
        let months = book["months"].as_array().unwrap();
        assert_eq!(months.len(), 24, "a 24-month term has exactly 24 months: {book}");
        assert_eq!(months[0]["starts_on"], "2028-08-31");
        assert_eq!(months[0]["ends_on"], "2028-09-30", "the first month ends on 30 September");
        assert_eq!(months[0]["due_on"], "2028-10-15", "due 15 days after it ends");
        assert_eq!(months[1]["starts_on"], "2028-10-01");
        assert_eq!(months[23]["ends_on"], "2030-08-30");
        assert_eq!(book["owed"], 24 * 800_000);
        let (s, body) = post(&app, &hr, &format!("/api/v1/obligations/{id}/payments"), pay(json!("2028-09"), 8000.0)).await;
        assert_eq!(s, 422, "payments name the term month, not a calendar month");
        assert!(body["error"]["fields"]["month"].is_string(), "{body}");
    }

    async fn a_ledger_of_amounts_not_ticks(app: TestApp) {
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        let id = depart(&app, &hr, &org.dev, "2029-01-31").await;
        let payments = format!("/api/v1/obligations/{id}/payments");
        let (s, book) = post(&app, &hr, &payments, pay(json!(1), 3000.0)).await;
        assert_eq!(s, 201, "{book}");
        assert_eq!((&book["months"][0]["paid"], &book["months"][0]["balance"]), (&json!(300_000), &json!(500_000)));
        assert_eq!(book["months"][0]["status"], "due", "partly paid, not yet due");
        let (_, book) = post(&app, &hr, &payments, pay(json!(1), 5000.0)).await;
        assert_eq!(book["months"][0]["status"], "paid", "covered by two payments");
        assert_eq!((&book["owed"], &book["paid"], &book["balance"]), (&json!(9_600_000), &json!(800_000), &json!(8_800_000)));
        assert_eq!(post(&app, &hr, &payments, pay(json!(2), 0.0)).await.0, 422, "an amount above 0");

        // The 5000.00 was wrong: reversed with a reason, kept and audited, no longer counted.
        let audit = get_json(&app, &sec, &format!("/api/v1/audit?subject_id={id}")).await;
        let paid_events: Vec<&Value> = audit["items"].as_array().map(|a| a.iter().filter(|e| e["action"] == "non_compete.paid").collect()).unwrap_or_default();
        let wrong = paid_events.iter().find(|e| e["details"]["amount"] == 500_000).map(|e| e["details"]["payment_id"].as_str().unwrap().to_string());
        let wrong = wrong.unwrap_or_else(|| panic!("the payment's id in the audit: {audit}"));
        let reverse = format!("/api/v1/obligations/{id}/payments/{wrong}/reverse");
        assert_eq!(post(&app, &hr, &reverse, json!({"reason": " "})).await.0, 422, "a reason is required");
        let (s, book) = post(&app, &hr, &reverse, json!({"reason": "金额录入错误"})).await;
        assert_eq!(s, 200, "{book}");
        assert_eq!((&book["months"][0]["paid"], &book["months"][0]["status"]), (&json!(300_000), &json!("due")));
        assert_eq!(post(&app, &hr, &reverse, json!({"reason": "again"})).await.0, 409, "reversed once");
        let audit = get_json(&app, &sec, &format!("/api/v1/audit?subject_id={id}")).await;
        assert!(audit.to_string().contains("non_compete.payment_reversed"), "{audit}");
        // Late only after the due date: February's is 15 March.
        app.clock.set(Utc.with_ymd_and_hms(2028, 3, 15, 12, 0, 0).unwrap());
        assert_eq!(ledger(&app, &hr, &id).await["months"][0]["status"], "due");
        app.clock.set(Utc.with_ymd_and_hms(2028, 3, 16, 12, 0, 0).unwrap());
        assert_eq!(ledger(&app, &hr, &id).await["months"][0]["status"], "late", "partly paid past its due date");
    }

    async fn a_waiver_during_the_term_owes_three_more_months_payable_like_any_month(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(6, 7000.0)).await;
        let id = depart(&app, &hr, &org.dev, "2028-07-31").await;
        // Today is 28 February 2028, the term's first month.
        let (s, record) = post(&app, &hr, &format!("/api/v1/obligations/{id}/waive"), json!({"reason": "公司放弃竞业限制"})).await;
        assert_eq!(s, 200, "{record}");
        assert_eq!(record["extra_months"], 3);
        let book = ledger(&app, &hr, &id).await;
        let months = book["months"].as_array().unwrap();
        assert_eq!(months.len(), 9, "six term months and three more: {book}");
        assert_eq!(months[0]["owed"], 700_000, "February ran");
        assert_eq!(months[1]["status"], "not_owed", "March began after the waiver");
        assert_eq!((&months[6]["kind"], &months[6]["owed"], &months[6]["due_on"]), (&json!("waiver_month"), &json!(700_000), &json!("2028-03-14")));
        assert_eq!(book["owed"], 4 * 700_000);
        let payments = format!("/api/v1/obligations/{id}/payments");
        assert_eq!(post(&app, &hr, &payments, pay(json!(7), 7000.0)).await.0, 201, "payable after the waiver");
        assert_eq!(post(&app, &hr, &payments, pay(json!(2), 7000.0)).await.0, 422, "not owed");
    }

    async fn a_waiver_on_or_before_the_last_working_day_owes_nothing_extra(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let page_hr = app.signed_in("hr2@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(6, 7000.0)).await;
        // Today is 28 February; the last working day is 31 March.
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-02", "last_working_day": "2028-03-31", "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        let did = dep["id"].as_str().unwrap();
        let waive = format!("/api/v1/departures/{did}/non-compete/waive");
        let (s, e) = post(&app, &hr, &waive, json!({"reason": " "})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["error"]["fields"]["reason"].is_string(), "{e}");
        // The departure page says which applies before the tick.
        let (_, html) = crate::helpers::page(&app, &page_hr, &format!("/departures/{did}")).await;
        assert!(html.contains("nothing extra is owed") && html.contains("/non-compete/waive"), "{html}");
        let (s, record) = post(&app, &hr, &waive, json!({"reason": "公司决定不要求竞业限制"})).await;
        assert_eq!(s, 200, "{record}");
        assert_eq!((&record["extra_months"], &record["extra_compensation_owed"]), (&json!(0), &json!(null)));
        assert_eq!(record["waived_on"], "2028-02-28");
        let (s, again) = post(&app, &hr, &waive, json!({"reason": "again"})).await;
        assert_eq!(s, 409, "waived once: {again}");
        let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{did}/complete"), json!({"override_reason": "test"})).await;
        assert_eq!(s, 200, "{done}");
        let (_, html) = crate::helpers::page(&app, &page_hr, &format!("/departures/{did}")).await;
        assert!(html.contains("id=\"non-compete-waived\"") && html.contains("公司决定不要求竞业限制"), "{html}");
        // When the completion takes effect the non-compete is created waived: nothing is owed,
        // not a term month, not the three months a waiver during the term owes.
        app.past_the_last_working_day().await;
        let page = get_json(&app, &hr, &format!("/api/v1/obligations?employee_id={}&kind=non_compete", org.dev)).await;
        let nc = &page["items"][0];
        assert_eq!(nc["status"], "waived", "{page}");
        let id = nc["id"].as_str().unwrap();
        let book = ledger(&app, &hr, id).await;
        assert_eq!(book["owed"], 0, "{book}");
        let months = book["months"].as_array().unwrap();
        assert_eq!(months.len(), 6, "no waiver months: {book}");
        assert!(months.iter().all(|m| m["status"] == "not_owed"), "{book}");
        let audit = get_json(&app, &sec, &format!("/api/v1/audit?subject_id={id}")).await;
        assert!(audit.to_string().contains("non_compete.waived") && audit.to_string().contains("before_term"), "{audit}");
        // Once the term has begun it is waived on the obligation itself, owing three months.
        let (s, late) = post(&app, &hr, &waive, json!({"reason": "late"})).await;
        assert_eq!(s, 409, "{late}");
        put_terms(&app, &hr, &org.lead, terms(6, 7000.0)).await;
        let lead_nc = depart(&app, &hr, &org.lead, "2028-07-31").await;
        let lead = get_json(&app, &hr, &format!("/api/v1/obligations/{lead_nc}")).await;
        let lead_dep = lead["departure_id"].as_str().unwrap_or_default().to_string();
        let (s, begun) = post(&app, &hr, &format!("/api/v1/departures/{lead_dep}/non-compete/waive"), json!({"reason": "x"})).await;
        assert_eq!(s, 409, "{begun}");
        assert!(begun.to_string().contains("three more months"), "says where to waive it: {begun}");
        app.run_jobs().await;
    }

    async fn arrears_are_paid_after_a_rescission(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        let id = depart(&app, &hr, &org.dev, "2029-01-31").await;
        app.clock.set(Utc.with_ymd_and_hms(2028, 5, 16, 2, 0, 0).unwrap());
        let (s, body) = post(&app, &hr, &format!("/api/v1/obligations/{id}/rescind"), json!({"reason": "三个月未支付补偿，员工解除"})).await;
        assert_eq!(s, 200, "February, March and April late past their due dates: {body}");
        let book = ledger(&app, &hr, &id).await;
        assert_eq!((&book["owed"], &book["alert"]), (&json!(4 * 800_000), &json!("none")));
        let (s, book) = post(&app, &hr, &format!("/api/v1/obligations/{id}/payments"), pay(json!(1), 8000.0)).await;
        assert_eq!(s, 201, "the debt survives: {book}");
        assert_eq!(book["balance"], 3 * 800_000);
    }

    async fn a_rehire_ends_the_running_non_compete_and_a_later_departure_does_not_rebuild_it(app: TestApp) {
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        // An address for 张伟's reminders, so none fails whichever job run reaches it.
        let r = hr.patch(app.url(&format!("/api/v1/employees/{}", org.dev)))
            .json(&json!({"private_email": "zhang.wei@home.example"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let id = depart(&app, &hr, &org.dev, "2029-01-31").await;
        app.clock.set(Utc.with_ymd_and_hms(2028, 5, 1, 2, 0, 0).unwrap());
        let r = hr.post(app.url(&format!("/api/v1/employees/{}/rehire", org.dev))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let book = ledger(&app, &hr, &id).await;
        assert_eq!(book["ended_on"], "2028-04-30", "{book}");
        assert_eq!(book["months"][2]["owed"], 800_000, "April ran before the rehire");
        assert_eq!(book["months"][3]["status"], "not_owed", "May began with it");
        assert_eq!(book["owed"], 3 * 800_000);
        let audit = get_json(&app, &sec, &format!("/api/v1/audit?subject_id={id}")).await;
        assert!(audit.to_string().contains("non_compete.ended_by_rehire"), "{audit}");
        // A later departure without new terms binds no non-compete.
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-05-02", "last_working_day": "2028-05-31", "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        let did = dep["id"].as_str().unwrap();
        assert_eq!(post(&app, &hr, &format!("/api/v1/departures/{did}/complete"), json!({"override_reason": "test"})).await.0, 200);
        app.past_the_last_working_day().await;
        let page = get_json(&app, &hr, &format!("/api/v1/obligations?employee_id={}&kind=non_compete", org.dev)).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "only the earlier one: {page}");
    }

    async fn hrs_weekly_digest_warns_a_month_before_the_former_employee_may_rescind(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        // Last working day 31 January: term month 1 is February, due 15 March; March is due 15
        // April, April 15 May. Nothing is paid.
        let id = depart(&app, &hr, &org.dev, "2029-01-31").await;
        // 张伟 has no private email recorded: his reminders fail, as the digest also says.
        app.expect_failed_jobs();
        let digest_on = |y, m, d| {
            let app = &app;
            async move {
                app.clock.set(crate::reminders::shanghai(y, m, d, 9, 30));
                app.run_jobs().await;
                let digests = app.smtp.to("hr@example.com");
                let last = digests.into_iter().last().expect("a digest");
                assert_eq!(last.subject(), "Weekly confidentiality digest");
                last.text()
            }
        };
        // Monday 24 April: February and March are late, one month short of the grace.
        let text = digest_on(2028, 4, 24).await;
        assert!(text.contains("(SPC Interpretation (I) art. 38) (1):\n* 张伟: 2 months late; one more and they may rescind"), "{text}");
        // Monday 22 May: three months late; the former employee may rescind — their option,
        // never automatic: the non-compete still runs.
        let text = digest_on(2028, 5, 22).await;
        assert!(text.contains("* 张伟: 3 months late; they may rescind now"), "{text}");
        let o = get_json(&app, &hr, &format!("/api/v1/obligations/{id}")).await;
        assert_eq!(o["status"], "active", "{o}");
        // Paid up, the digest says nothing of it the next Monday.
        for month in 1..=4 {
            let (s, b) = post(&app, &hr, &format!("/api/v1/obligations/{id}/payments"), pay(json!(month), 8000.0)).await;
            assert_eq!(s, 201, "{b}");
        }
        let text = digest_on(2028, 5, 29).await;
        assert!(text.contains("(SPC Interpretation (I) art. 38) (0):"), "{text}");
        assert!(!text.contains("张伟: 3 months late"), "{text}");
    }
}
