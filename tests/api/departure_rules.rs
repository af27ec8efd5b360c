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

/// An admin adds an exit pledge text; its id.
async fn exit_text(app: &TestApp) -> String {
    let admin = app.token_client("admin@example.com", &["admin"]).await;
    let (s, text) = post(
        app,
        &admin,
        "/api/v1/pledge-texts",
        json!({
            "kind": "exit", "title_zh": "离职保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Exit pledge", "body_en": "I pledge…"
        }),
    )
    .await;
    assert_eq!(s, 201, "{text}");
    text["id"].as_str().unwrap().to_string()
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
        app.past_the_last_working_day().await;
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
        app.past_the_last_working_day().await;
        assert!(!kinds(&obligations_of(&app, &hr, &org.lead).await).contains(&"trade_secret".to_string()));
    }

    async fn the_exit_pledge_line_is_confirmed_only_with_an_exit_pledge_on_record(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let text = exit_text(&app).await;
        // A pledge signed before this departure's notice is not this departure's.
        let (s, old) = post(&app, &hr, &format!("/api/v1/employees/{}/pledges", org.dev), json!({
            "pledge_text_id": text, "method": "paper", "signed_on": "2027-06-30", "scan_ref": "scan/old.pdf"
        })).await;
        assert_eq!(s, 201, "{old}");
        let (id, dep) = start(&app, &hr, json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        let pledge = line_of(&dep, "exit_pledge")["id"].as_str().unwrap().to_string();
        let confirm = format!("/api/v1/departures/{id}/lines/{pledge}/confirm");
        let (s, body) = post(&app, &hr, &confirm, json!({"outcome": "done"})).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["pledge_method"].is_string(), "{body}");
        // Recorded on the spot, each method with its evidence.
        let (s, body) = post(&app, &hr, &confirm, json!({"outcome": "done", "pledge_method": "refused"})).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["pledge_refusal_reason"].is_string(), "{body}");
        let (s, body) = post(&app, &hr, &confirm, json!({"outcome": "done", "pledge_method": "paper"})).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["pledge_scan_ref"].is_string(), "{body}");
        let interview = line_of(&dep, "exit_interview")["id"].as_str().unwrap().to_string();
        let (s, body) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{interview}/confirm"),
            json!({"outcome": "done", "pledge_method": "refused", "pledge_refusal_reason": "x"})).await;
        assert_eq!(s, 422, "a pledge goes with its own line only: {body}");
        let (s, body) = post(&app, &hr, &confirm, json!({
            "outcome": "done", "pledge_method": "refused", "pledge_refusal_reason": "本人拒绝签署，已谈话记录"
        })).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(line_of(&body, "exit_pledge")["status"], "done");
        let pledges: Value = hr.get(app.url(&format!("/api/v1/employees/{}/pledges", org.dev)))
            .send().await.unwrap().json().await.unwrap();
        let list = pledges.as_array().or_else(|| pledges["items"].as_array()).unwrap().clone();
        let refused: Vec<&Value> = list.iter().filter(|p| p["method"] == "refused").collect();
        assert_eq!(refused.len(), 1, "{pledges}");
        assert_eq!(refused[0]["kind"], "exit");
        assert_eq!(refused[0]["signed_on"], "2028-02-28", "today in the company's time zone");

        // A pledge recorded beforehand (this departure's) is enough.
        let (id, dep) = start(&app, &hr, json!({
            "employee_id": org.lead, "notice_date": "2028-02-01", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        let (s, _) = post(&app, &hr, &format!("/api/v1/employees/{}/pledges", org.lead), json!({
            "pledge_text_id": text, "method": "e_signed", "signed_on": "2028-02-01", "typed_name": "陈组长"
        })).await;
        assert_eq!(s, 201);
        let pledge = line_of(&dep, "exit_pledge")["id"].as_str().unwrap().to_string();
        let (s, body) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{pledge}/confirm"),
            json!({"outcome": "done"})).await;
        assert_eq!(s, 200, "{body}");
    }

    async fn the_secrets_handover_cannot_be_confirmed_handed_over_without_a_named_successor(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (id, dep) = start(&app, &hr, json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        let secrets = line_of(&dep, "secrets_handover")["id"].as_str().unwrap().to_string();
        let (s, body) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{secrets}/confirm"),
            json!({"outcome": "handed_over"})).await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["outcome"].is_string(), "{body}");
    }

    async fn a_secret_not_handed_over_is_treated_as_a_leak(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let api = app.token_client("hr2@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &api).await;
        set_tier(&app, &org.dev, "important");
        for tag in ["DOC-1", "DOC-2"] {
            let (s, c) = post(&app, &api, "/api/v1/carriers", json!({
                "tag": tag, "kind": "document", "classification": "secret", "custodian_id": org.dev, "copies": 1
            })).await;
            assert_eq!(s, 201, "{c}");
        }
        let (id, dep) = start(&app, &api, json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        // One carrier is returned; the other and the secret files stay open.
        let doc1 = dep["lines"].as_array().unwrap().iter()
            .find(|l| l["title"].as_str().unwrap().starts_with("DOC-1")).unwrap()["id"].as_str().unwrap().to_string();
        let (s, body) = post(&app, &api, &format!("/api/v1/departures/{id}/lines/{doc1}/confirm"),
            json!({"outcome": "returned", "count": 1})).await;
        assert_eq!(s, 200, "{body}");
        // The completion form says so before the tick.
        let (_, html) = crate::helpers::page(&app, &hr, &format!("/departures/{id}")).await;
        assert!(html.contains("id=\"leak-warning\""), "{html}");
        assert!(html.contains("视同泄密") || html.contains("treated as a leak"), "{html}");

        let (s, done) = post(&app, &api, &format!("/api/v1/departures/{id}/complete"),
            json!({"override_reason": "当事人已失联"})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 200, "{done}");
        let page: Value = sec.get(app.url("/api/v1/breaches?source=loss")).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["total"], 2, "one loss case per line not handed over: {page}");
        let mut lines: Vec<String> = page["items"].as_array().unwrap().iter()
            .map(|c| c["departure_line_id"].as_str().unwrap().to_string()).collect();
        lines.sort();
        let mut expected = vec![
            line_of(&dep, "secrets_handover")["id"].as_str().unwrap().to_string(),
            dep["lines"].as_array().unwrap().iter()
                .find(|l| l["title"].as_str().unwrap().starts_with("DOC-2")).unwrap()["id"].as_str().unwrap().to_string(),
        ];
        expected.sort();
        assert_eq!(lines, expected);
        let case = &page["items"][0];
        assert_eq!(case["employee_id"], json!(org.dev));
        assert_eq!(case["status"], "reported", "handled like any report");
        // Security is told at once, as for a carrier confirmed missing, with what was not
        // handed over and that it is treated as a leak.
        app.run_jobs().await;
        let told = app.smtp.to("sec@example.com");
        let leaks: Vec<_> = told.iter().filter(|m| m.subject().contains("treated as a leak")).collect();
        assert_eq!(leaks.len(), 2, "one notice per line: {:?}", told.iter().map(|m| m.subject()).collect::<Vec<_>>());
        assert!(leaks.iter().any(|m| m.text().contains("DOC-2") && m.text().contains("was not handed over")), "{}", leaks[0].text());
        assert!(leaks.iter().all(|m| !m.text().contains("confirmed missing")), "not told as a carrier confirmed missing");

        // The case says what happened in the reader's language, on its page and in the list.
        let secrets = line_of(&dep, "secrets_handover")["id"].as_str().unwrap().to_string();
        let case = page["items"].as_array().unwrap().iter()
            .find(|c| c["departure_line_id"] == json!(secrets)).unwrap()["id"].as_str().unwrap().to_string();
        let reader = app.signed_in("sec-reader@example.com", &["security"]).await;
        for (lang, says, never) in [
            ("zh-CN", "离职办结时未移交，视同泄密：", "Not handed over"),
            ("en", "was completed, and so treated as a leak", "未移交"),
        ] {
            let r = reader.patch(app.url("/api/v1/me")).json(&json!({"language": lang})).send().await.unwrap();
            assert_eq!(r.status(), 200);
            for path in [format!("/breaches/{case}"), "/breaches?source=loss".to_string()] {
                let (s, html) = crate::helpers::page(&app, &reader, &path).await;
                assert_eq!(s, 200);
                assert!(html.contains(says), "{lang} {path}: {html}");
                assert!(!html.contains(never), "{lang} {path}: {html}");
            }
        }
    }

    async fn the_declassification_period_starts_on_leaving_the_classified_post(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "general");
        set_tier(&app, &org.lead, "general");
        let body = |who: &str, left: Value, by: Value| json!({
            "employee_id": who, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "left_post_on": left, "left_post_approved_by": by
        });
        for (left, by, field) in [
            (json!("2028-02-01"), json!(null), "left_post_approved_by"),
            (json!("2028-01-30"), json!("王主任"), "left_post_on"),
            (json!("2028-03-01"), json!("王主任"), "left_post_on"),
            (json!("2028-02-30"), json!(null), "left_post_on"),
        ] {
            let (s, e) = post(&app, &hr, "/api/v1/departures", body(&org.dev, left, by)).await;
            assert_eq!(s, 422, "{e}");
            assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
        }
        // Moved off the post at notice, with who approved it: the period counts from then.
        let (dev, dep) = start(&app, &hr, body(&org.dev, json!("2028-01-31"), json!("保密办 王主任"))).await;
        assert_eq!(dep["left_post_on"], "2028-01-31");
        assert_eq!(dep["left_post_approved_by"], "保密办 王主任");
        // By default the last working day.
        let (lead, dep) = start(&app, &hr, body(&org.lead, json!(null), json!(null))).await;
        assert_eq!(dep["left_post_on"], "2028-02-29");
        for id in [&dev, &lead] {
            let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{id}/complete"),
                json!({"override_reason": "test"})).await;
            app.past_the_last_working_day().await;
            assert_eq!(s, 200, "{done}");
        }
        let period = |all: Vec<Value>| all.into_iter().find(|o| o["kind"] == "declassification").unwrap();
        let p = period(obligations_of(&app, &hr, &org.dev).await);
        assert_eq!((p["starts_on"].as_str(), p["ends_on"].as_str()), (Some("2028-02-01"), Some("2029-01-31")));
        let p = period(obligations_of(&app, &hr, &org.lead).await);
        assert_eq!((p["starts_on"].as_str(), p["ends_on"].as_str()), (Some("2028-03-01"), Some("2029-02-28")));
    }

    async fn a_rehire_supersedes_only_the_confidentiality_duty_and_a_running_declassification_period_continues(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let hr2 = app.token_client("hr2@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "important");
        let (id, _) = start(&app, &hr, json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{id}/complete"),
            json!({"override_reason": "test"})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 200, "{done}");
        let (s, body) = post(&app, &hr, &format!("/api/v1/employees/{}/rehire", org.dev), json!({})).await;
        assert!(s == 200 || s == 201, "{s} {body}");
        let status_of = |all: &[Value], kind: &str| all.iter().find(|o| o["kind"] == kind)
            .map(|o| o["status"].as_str().unwrap().to_string()).unwrap();
        let all = obligations_of(&app, &hr, &org.dev).await;
        assert_eq!(status_of(&all, "confidentiality"), "superseded");
        assert_eq!(status_of(&all, "declassification"), "active", "the 脱密期 continues");
        assert_eq!(status_of(&all, "trade_secret"), "active", "a rehire never ends a trade-secret duty");

        // Back into a classified post through the tier chain: only then does the period end.
        let (s, change) = post(&app, &hr2, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "general", "reason": "返聘至涉密岗位"})).await;
        assert_eq!(s, 201, "{change}");
        let cid = change["id"].as_str().unwrap();
        let (s, _) = post(&app, &hr, &format!("/api/v1/clearance-changes/{cid}/review"),
            json!({"decision": "approve", "reason": "符合岗位要求"})).await;
        assert_eq!(s, 200);
        let all = obligations_of(&app, &hr, &org.dev).await;
        assert_eq!(status_of(&all, "declassification"), "active", "not before the change is approved");
        let (s, change) = post(&app, &sec, &format!("/api/v1/clearance-changes/{cid}/approve"),
            json!({"decision": "approve", "reason": "批准"})).await;
        assert_eq!(s, 200, "{change}");
        let all = obligations_of(&app, &hr, &org.dev).await;
        assert_eq!(status_of(&all, "declassification"), "superseded");
        assert_eq!(status_of(&all, "trade_secret"), "active");
    }

    async fn a_completion_before_the_last_working_day_takes_effect_at_the_end_of_that_day(app: TestApp) {
        use chrono::TimeZone;
        use diesel::prelude::*;
        use tuomi::db::schema::users;
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "important");
        let dev = crate::people::manager_client(&app, "dev@example.com", "D001").await;
        // Today is 28 February 2028 (23:30 in Shanghai); the last working day is the 29th.
        let (id, _) = start(&app, &hr, json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation"
        })).await;
        let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{id}/complete"),
            json!({"override_reason": "test"})).await;
        assert_eq!(s, 200, "{done}");
        assert_eq!(done["status"], "completed");
        assert_eq!(done["in_effect"], false);
        assert!(done["takes_effect_at"].as_str().unwrap().starts_with("2028-02-29T16:00:00"), "24:00 in Shanghai: {done}");
        let employee = |app: &TestApp| {
            let hr = hr.clone();
            let url = app.url(&format!("/api/v1/employees/{}", org.dev));
            async move { hr.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
        };
        let active = |app: &TestApp| users::table.filter(users::email.eq("dev@example.com"))
            .select(users::active).first::<bool>(&mut app.db()).unwrap();
        assert_eq!(employee(&app).await["status"], "departing");
        assert_eq!(employee(&app).await["clearance_tier"], "important");
        assert_eq!(dev.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "their account works");
        assert!(obligations_of(&app, &hr, &org.dev).await.is_empty(), "no obligations yet");

        // 23:59 on the last working day: still that day.
        app.clock.set(chrono::Utc.with_ymd_and_hms(2028, 2, 29, 15, 59, 0).unwrap());
        app.run_jobs().await;
        assert_eq!(employee(&app).await["status"], "departing");
        assert!(active(&app));
        assert!(obligations_of(&app, &hr, &org.dev).await.is_empty());

        // 00:00 of 1 March, after a downtime: the queued job runs when the worker is back.
        app.clock.set(chrono::Utc.with_ymd_and_hms(2028, 3, 1, 3, 0, 0).unwrap());
        app.run_jobs().await;
        let emp = employee(&app).await;
        assert_eq!((emp["status"].as_str(), emp["clearance_tier"].as_str()), (Some("departed"), Some("none")), "{emp}");
        assert!(!active(&app), "their account is disabled");
        let owed = obligations_of(&app, &hr, &org.dev).await;
        assert_eq!(kinds(&owed).len(), 3, "confidentiality, declassification, trade secret: {owed:?}");
        let detail = crate::helpers::get_json(&app, &hr, &format!("/api/v1/departures/{id}")).await;
        assert_eq!(detail["in_effect"], true);

        // Exactly once: a later run changes nothing.
        app.clock.set(chrono::Utc.with_ymd_and_hms(2028, 3, 2, 3, 0, 0).unwrap());
        app.run_jobs().await;
        assert_eq!(obligations_of(&app, &hr, &org.dev).await.len(), 3);
    }
}
