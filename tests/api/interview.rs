//! The exit interview record (离职保密谈话记录, issue 19): HR records who held it and when, the
//! policy's topics covered, the person's statement and whether they signed; recording it
//! confirms the checklist's exit-interview line. Security reads it; a manager of the person
//! sees only that it was held. It prints on A4 for signature.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_of, get_json, page, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

/// A departure of the small organisation's developer (张伟, reporting to L001), noticed on
/// 31 January 2028; today is 10 February 2028.
async fn departure(app: &TestApp, hr: &reqwest::Client) -> String {
    app.clock
        .set(Utc.with_ymd_and_hms(2028, 2, 10, 3, 0, 0).unwrap());
    let org = small_org(app, hr).await;
    let (s, dep) = post(
        app,
        hr,
        "/api/v1/departures",
        json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-03-31",
            "reason": "resignation"
        }),
    )
    .await;
    assert_eq!(s, 201, "{dep}");
    dep["id"].as_str().unwrap().to_string()
}

fn interview_line(dep: &Value) -> &Value {
    dep["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "exit_interview")
        .expect("an exit interview line")
}

fn good() -> Value {
    json!({
        "held_by": "李娜、赵刚", "held_on": "2028-02-10", "topics": [0, 1, 3],
        "statement": "本人已知悉上述义务，将严格遵守。", "signed": true
    })
}

/// The page's form, sent as the browser sends it (`topics` once a ticked box).
async fn send_form(
    app: &TestApp,
    web: &reqwest::Client,
    id: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, html) = page(app, web, &format!("/departures/{id}/exit-interview")).await;
    let mut body: Vec<(&str, String)> = vec![("csrf", csrf_of(&html))];
    body.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let r = web
        .post(app.url(&format!("/departures/{id}/exit-interview")))
        .form(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

on_both_databases! {
    async fn the_exit_interview_is_recorded_once_confirming_its_line_and_each_role_reads_what_it_must(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let id = departure(&app, &hr).await;
        let path = format!("/api/v1/departures/{id}/exit-interview");
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        assert_eq!(get_json(&app, &lead, &path).await["held"], false);

        // Each fault is named on its field, and nothing changes.
        for (field, value) in [
            ("held_by", json!(" ")),
            ("held_on", json!("2028-01-30")),
            ("held_on", json!("2028-02-11")),
            ("held_on", json!("10/02/2028")),
            ("topics", json!([])),
            ("topics", json!([0, 9])),
            ("topics", json!([1, 1])),
            ("statement", json!("话".repeat(5001))),
        ] {
            let mut body = good();
            body[field] = value.clone();
            let (s, err) = post(&app, &hr, &path, body).await;
            assert_eq!(s, 422, "{field} = {value}: {err}");
            assert!(err["error"]["field_problems"].get(field).is_some(), "{field}: {err}");
        }
        let (s, err) = post(&app, &hr, &path, json!({"held_on": "2028-02-10", "topics": [0], "signed": true})).await;
        assert_eq!(s, 422);
        assert!(err["error"]["field_problems"].get("held_by").is_some(), "{err}");
        let dep = get_json(&app, &hr, &format!("/api/v1/departures/{id}")).await;
        assert_eq!(interview_line(&dep)["status"], "open");
        assert_eq!(get_json(&app, &hr, &path).await["held"], false);

        // Recorded: the topics as the policy words them, and the line confirmed with it.
        let (s, record) = post(&app, &hr, &path, good()).await;
        assert_eq!(s, 201, "{record}");
        let details = &record["details"];
        assert_eq!(record["held_on"], "2028-02-10");
        assert_eq!(details["held_by"], "李娜、赵刚");
        assert_eq!(details["signed"], true);
        let topics: Vec<&str> = details["topics"].as_array().unwrap().iter()
            .map(|t| t["zh"].as_str().unwrap()).collect();
        assert_eq!(topics, ["在职期间及离职后应履行的保密义务", "本人涉密等级在脱密期内的各项限制", "发现泄密或可能泄密时的报告方式"]);
        let dep = get_json(&app, &hr, &format!("/api/v1/departures/{id}")).await;
        let line = interview_line(&dep);
        assert_eq!(line["status"], "done");
        assert!(line["confirmed_at"].is_string(), "{line}");

        // Once: a second record is refused.
        let (s, _) = post(&app, &hr, &path, good()).await;
        assert_eq!(s, 409);

        // Audited: the record and the line's confirmation.
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit = get_json(&app, &sec, &format!("/api/v1/audit?subject_type=departure&subject_id={id}")).await;
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter()
            .map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"departure.exit_interview_recorded"), "{actions:?}");
        assert!(actions.contains(&"departure.line_confirmed"), "{actions:?}");

        // Security reads it all; the person's manager only that it was held, and when.
        let read = get_json(&app, &sec, &path).await;
        assert_eq!(read["record"]["details"]["statement"], "本人已知悉上述义务，将严格遵守。");
        let seen = get_json(&app, &lead, &path).await;
        assert_eq!(seen["held"], true);
        assert_eq!(seen["record"]["held_on"], "2028-02-10");
        assert!(seen["record"]["details"].is_null(), "no statement for the manager: {seen}");
        let outsider = manager_client(&app, "boss-of-none@example.com", "X001").await;
        let s = outsider.get(app.url(&path)).send().await.unwrap().status().as_u16();
        assert!(s == 403 || s == 404, "{s}");
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        assert_eq!(admin.get(app.url(&path)).send().await.unwrap().status(), 403);
    }

    async fn the_exit_interview_page_records_it_from_the_checklist_and_prints_it_for_signature(app: TestApp) {
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let id = departure(&app, &hr_api).await;
        let web = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, detail) = page(&app, &web, &format!("/departures/{id}")).await;
        assert!(detail.contains(&format!("href=\"/departures/{id}/exit-interview\"")), "the checklist line links to it");

        // Before it is held, the print lists the policy's topics to tick, in the person's
        // language, with signature lines.
        let (s, blank) = page(&app, &web, &format!("/departures/{id}/exit-interview/print")).await;
        assert_eq!(s, 200);
        for expected in ["离职保密谈话记录", "<dd id=\"person\">张伟</dd>", "☐ 竞业限制的约定及经济补偿", "离职人员签字", "谈话人签字"] {
            assert!(blank.contains(expected), "{expected}: {blank}");
        }
        assert!(!blank.contains('☑'), "nothing ticked before it is held");

        // A day to come: 422 on the field, in the reader's language, and nothing recorded.
        let (s, html) = send_form(&app, &web, &id, &[
            ("held_by", "Li Na"), ("held_on", "2028-02-11"), ("topics", "0"), ("topics", "2"),
            ("statement", "I understand."), ("signed", "true"),
        ]).await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("must not be after today"), "{html}");
        assert!(html.contains("value=\"Li Na\""), "what was typed comes back");
        let (s, html) = send_form(&app, &web, &id, &[
            ("held_by", "Li Na"), ("held_on", "2028-02-10"), ("statement", ""), ("signed", "false"),
        ]).await;
        assert_eq!(s, 422);
        assert!(html.contains("tick at least one topic covered"), "{html}");
        assert_eq!(get_json(&app, &hr_api, &format!("/api/v1/departures/{id}/exit-interview")).await["held"], false);

        let (s, _) = send_form(&app, &web, &id, &[
            ("held_by", "Li Na"), ("held_on", "2028-02-10"), ("topics", "0"), ("topics", "2"),
            ("statement", "I understand."), ("signed", "false"),
        ]).await;
        assert_eq!(s, 303);
        let (_, shown) = page(&app, &web, &format!("/departures/{id}/exit-interview")).await;
        for expected in ["Held on 10 February 2028.", "<dd id=\"held-by\">Li Na</dd>", "I understand.", "Not signed by the person"] {
            assert!(shown.contains(expected), "{expected}: {shown}");
        }
        assert!(!shown.contains("name=\"held_by\""), "recorded once: no form any more");
        let dep = get_json(&app, &hr_api, &format!("/api/v1/departures/{id}")).await;
        assert_eq!(interview_line(&dep)["status"], "done", "the line is confirmed with it");

        // The print is filled in: the topics covered ticked, the statement, who held it.
        let (_, printed) = page(&app, &web, &format!("/departures/{id}/exit-interview/print")).await;
        for expected in ["☑ 在职期间及离职后应履行的保密义务", "☑ 竞业限制的约定及经济补偿", "I understand.", "<dd id=\"print-held-by\">Li Na</dd>", "2028年2月10日"] {
            assert!(printed.contains(expected), "{expected}: {printed}");
        }

        // The manager sees that it was held, not what was said, and prints nothing.
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let (s, seen) = page(&app, &lead, &format!("/departures/{id}/exit-interview")).await;
        assert_eq!(s, 200);
        assert!(seen.contains("Held on 10 February 2028."), "{seen}");
        assert!(!seen.contains("I understand.") && !seen.contains("Li Na"), "{seen}");
        let (s, _) = page(&app, &lead, &format!("/departures/{id}/exit-interview/print")).await;
        assert_eq!(s, 403);
    }

    async fn the_policy_words_the_exit_interviews_topics_in_both_languages(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (s, html) = page(&app, &admin, "/admin/policy").await;
        assert_eq!(s, 200);
        assert!(html.contains("name=\"interview_topics.zh\"") && html.contains("竞业限制的约定及经济补偿"), "{html}");
        let policy = get_json(&app, &admin, "/api/v1/policy").await;
        assert_eq!(policy["policy"]["interview_topics"].as_array().map(Vec::len), Some(4), "{policy}");
        // A topic worded in one language only is refused on the field, and nothing changes.
        let api = app.token_client("admin-api@example.com", &["admin"]).await;
        let mut changed = policy["policy"].clone();
        changed["interview_topics"][1]["en"] = json!("");
        let r = api.put(app.url("/api/v1/policy")).json(&changed).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let err: Value = r.json().await.unwrap();
        assert!(err["error"]["field_problems"].get("interview_topics").is_some(), "{err}");
        changed["interview_topics"] = json!([{"zh": "保密义务", "en": "The duties"}]);
        let r = api.put(app.url("/api/v1/policy")).json(&changed).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (_, html) = page(&app, &admin, "/admin/policy").await;
        assert!(html.contains(">保密义务</textarea>"), "{html}");
    }
}
