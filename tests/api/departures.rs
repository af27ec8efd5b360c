//! The departure (离职): the checklist from the custody list, confirmations by the manager or
//! HR with the register following, the successor's receipt, and completion with the
//! obligations it creates.

use serde_json::{Value, json};

use crate::helpers::{TestApp, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

async fn carrier(
    app: &TestApp,
    hr: &reqwest::Client,
    tag: &str,
    kind: &str,
    copies: i32,
    custodian: &str,
) -> String {
    let (s, c) = post(app, hr, "/api/v1/carriers", json!({
        "tag": tag, "kind": kind, "classification": "secret", "custodian_id": custodian, "copies": copies
    })).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

fn line<'a>(departure: &'a Value, title_start: &str) -> &'a Value {
    departure["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"].as_str().unwrap().starts_with(title_start))
        .unwrap_or_else(|| panic!("no line {title_start} in {departure}"))
}

async fn obligations_of(
    app: &TestApp,
    client: &reqwest::Client,
    employee_id: &str,
) -> Vec<(String, String, String)> {
    let page: Value = client
        .get(app.url(&format!("/api/v1/obligations?employee_id={employee_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut got: Vec<(String, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap().to_string(),
                o["starts_on"].as_str().unwrap().to_string(),
                o["ends_on"].as_str().unwrap_or("until public").to_string(),
            )
        })
        .collect();
    got.sort();
    got
}

on_both_databases! {
    async fn a_departure_runs_from_start_to_completion_with_the_register_following(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "important");
        let laptop = carrier(&app, &hr, "LT-9", "laptop", 1, &org.dev).await;
        let drawings = carrier(&app, &hr, "DOC-3", "document", 3, &org.dev).await;

        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": org.lead
        })).await;
        assert_eq!(s, 201, "{dep}");
        let id = dep["id"].as_str().unwrap().to_string();
        assert_eq!(dep["lines"].as_array().unwrap().len(), 7, "two carriers, four standard lines, and the documents line: security holds no passport of theirs");
        assert_eq!(line(&dep, "DOC-3")["expected_count"], 3);
        let emp: Value = hr.get(app.url(&format!("/api/v1/employees/{}", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(emp["status"], "departing");

        // The manager confirms from their phone; the departing person never can.
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let dev = manager_client(&app, "dev@example.com", "D001").await;
        let confirm = |line_id: &str| format!("/api/v1/departures/{id}/lines/{line_id}/confirm");
        let doc_line = line(&dep, "DOC-3")["id"].as_str().unwrap().to_string();
        assert_eq!(post(&app, &dev, &confirm(&doc_line), json!({"outcome": "returned", "count": 3})).await.0, 403);
        let (s, body) = post(&app, &boss, &confirm(&doc_line), json!({"outcome": "returned", "count": 2})).await;
        assert_eq!(s, 422, "two of three copies is not a return");
        assert!(body["error"]["fields"]["count"].as_str().unwrap().contains("3 copies"));
        let (s, dep) = post(&app, &boss, &confirm(&doc_line), json!({"outcome": "returned", "count": 3, "note": "清点无误"})).await;
        assert_eq!(s, 200, "{dep}");
        assert_eq!(line(&dep, "DOC-3")["status"], "returned");
        let doc: Value = hr.get(app.url(&format!("/api/v1/carriers/{drawings}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(doc["status"], "in_pool", "custody ends with the return");

        // The laptop is handed to the successor, who signs for it.
        let lt_line = line(&dep, "LT-9")["id"].as_str().unwrap().to_string();
        let (s, dep) = post(&app, &boss, &confirm(&lt_line), json!({"outcome": "handed_over"})).await;
        assert_eq!(s, 200);
        assert_eq!(dep["open_lines"], 6, "a handover counts once signed for");
        let receive = format!("/api/v1/departures/{id}/lines/{lt_line}/receive");
        assert_eq!(post(&app, &boss, &receive, json!({})).await.0, 403, "only the successor signs");
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let (s, dep) = post(&app, &lead, &receive, json!({})).await;
        assert_eq!(s, 200, "{dep}");
        assert_eq!(dep["open_lines"], 5);
        assert_eq!(post(&app, &lead, &receive, json!({})).await.0, 409, "signed for once");
        assert_eq!(post(&app, &boss, &receive, json!({})).await.0, 403, "others learn nothing of the line");
        let lt: Value = hr.get(app.url(&format!("/api/v1/carriers/{laptop}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(lt["custodian_id"], json!(org.lead));

        // Completing with open lines needs a reason.
        let complete = format!("/api/v1/departures/{id}/complete");
        let (s, body) = post(&app, &hr, &complete, json!({})).await;
        assert_eq!(s, 409, "{body}");
        let secrets = line(&dep, "涉密文件")["id"].as_str().unwrap().to_string();
        post(&app, &boss, &confirm(&secrets), json!({"outcome": "handed_over"})).await;
        post(&app, &lead, &format!("/api/v1/departures/{id}/lines/{secrets}/receive"), json!({})).await;
        // The exit pledge line needs an exit pledge on record: recorded here on the spot.
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let (s, text) = post(&app, &admin, "/api/v1/pledge-texts", json!({
            "kind": "exit", "title_zh": "离职保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Exit pledge", "body_en": "I pledge…"
        })).await;
        assert_eq!(s, 201, "{text}");
        // HR confirms the documents line too: the person holds no passport or permit.
        for title in ["账号", "签署", "离职保密谈话", "出入境证件"] {
            let lid = line(&dep, title)["id"].as_str().unwrap().to_string();
            let body = if title == "签署" {
                json!({"outcome": "done", "pledge_method": "paper", "pledge_scan_ref": "scan/D001-exit.pdf"})
            } else {
                json!({"outcome": "done"})
            };
            let (s, body) = post(&app, &hr, &confirm(&lid), body).await;
            assert_eq!(s, 200, "{body}");
        }
        let (s, done) = post(&app, &hr, &complete, json!({"trade_secret": true})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 200, "{done}");
        assert_eq!(done["status"], "completed");
        assert_eq!(done["open_lines"], 0);

        let emp: Value = hr.get(app.url(&format!("/api/v1/employees/{}", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(emp["status"], "departed");
        assert_eq!(dev.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401, "their account is disabled");
        // Left on 29 February 2028 holding `important`: two years of declassification end on
        // 28 February 2030 (no 29th), confidentiality likewise; the trade secret never ends.
        assert_eq!(obligations_of(&app, &hr, &org.dev).await, [
            ("confidentiality".to_string(), "2028-03-01".to_string(), "2030-02-28".to_string()),
            ("declassification".to_string(), "2028-03-01".to_string(), "2030-02-28".to_string()),
            ("trade_secret".to_string(), "2028-03-01".to_string(), "until public".to_string()),
        ]);
        let obligations: Value = hr.get(app.url(&format!("/api/v1/obligations?employee_id={}&kind=declassification", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(obligations["items"][0]["tier"], "important");
        assert_eq!(obligations["items"][0]["status"], "active");
        // The emails the test queued (the successor's requests to sign for the handovers) go out before it ends.
        app.run_jobs().await;
    }

    async fn a_successor_without_an_account_signs_for_a_handover_through_the_emailed_link(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let laptop = carrier(&app, &hr, "LT-5", "laptop", 1, &org.dev).await;
        let (_, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": org.outsider
        })).await;
        let id = dep["id"].as_str().unwrap().to_string();
        let lt_line = line(&dep, "LT-5")["id"].as_str().unwrap().to_string();
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{lt_line}/confirm"), json!({"outcome": "handed_over"})).await;
        assert_eq!(s, 200);
        app.run_jobs().await;
        // The successor (X001, no user account) gets the link at their work email.
        let mail = app.smtp.to("x001@corp.example");
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].subject(), "请签收张伟移交的物品");
        let text = mail[0].text();
        let start = text.find("/receipt/").expect("a signing link");
        let path = text[start..].split_whitespace().next().unwrap().to_string();

        let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let html = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("LT-5") && html.contains("确认签收"), "{html}");
        let forged = path.replacen("/receipt/", "/receipt/x", 1);
        assert_eq!(browser.get(app.url(&forged)).send().await.unwrap().status(), 404);
        let ack_path = path.replacen("/receipt/", "/ack/", 1);
        assert_eq!(browser.get(app.url(&ack_path)).send().await.unwrap().status(), 404, "a signing link is not an acknowledgement link");

        assert!(html.contains("机密") && html.contains("登记份数"), "the 密级 and the copies: {html}");
        let csrf = crate::helpers::csrf_of(&html);
        // Counted wrong: 422 naming the count, in the successor's language; nothing signed.
        let wrong = browser.post(app.url(&path)).form(&[("csrf", csrf.as_str()), ("line_id", lt_line.as_str()), ("count", "2")]).send().await.unwrap();
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains("清点2份，登记为1份"));
        let signed = browser.post(app.url(&path)).form(&[("csrf", csrf.as_str()), ("line_id", lt_line.as_str()), ("count", "1")]).send().await.unwrap();
        assert_eq!(signed.status(), 200);
        assert!(signed.text().await.unwrap().contains("已签收于2028年2月28日"));
        let lt: Value = hr.get(app.url(&format!("/api/v1/carriers/{laptop}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(lt["custodian_id"], json!(org.outsider), "custody passes to the successor");
        let dep: Value = hr.get(app.url(&format!("/api/v1/departures/{id}"))).send().await.unwrap().json().await.unwrap();
        assert!(line(&dep, "LT-5")["received_at"].is_string());
        // The register and the history name the successor as the one who signed, by name.
        let web = app.signed_in("hr-web@example.com", &["hr"]).await;
        let (_, register) = crate::helpers::page(&app, &web, &format!("/departures/{id}/register")).await;
        assert!(register.contains("Outsider Olsen · "), "the signer by name: {register}");
        assert!(!register.contains("through the emailed link"), "{register}");
        let (_, detail) = crate::helpers::page(&app, &web, &format!("/departures/{id}")).await;
        let history = &detail[detail.find("id=\"history\"").expect("the history")..];
        let signed = history.split("<tr").find(|r| r.contains("Signed for") || r.contains("signed for")).unwrap_or_else(|| panic!("the signing in the history: {history}"));
        assert!(signed.contains("Outsider Olsen"), "the successor signed, not the system: {signed}");
        // Signing twice changes nothing.
        let again = browser.post(app.url(&path)).form(&[("csrf", csrf.as_str()), ("line_id", lt_line.as_str()), ("count", "1")]).send().await.unwrap();
        assert_eq!(again.status(), 200);
        let history = lt["history"].as_array().unwrap().len();
        let lt: Value = hr.get(app.url(&format!("/api/v1/carriers/{laptop}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(lt["history"].as_array().unwrap().len(), history);
    }

    async fn the_successor_gets_one_receipt_for_everything_handed_over_and_may_say_it_is_not_as_described(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        carrier(&app, &hr, "LT-5", "laptop", 1, &org.dev).await;
        carrier(&app, &hr, "DOC-5", "document", 3, &org.dev).await;
        let (_, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": org.outsider
        })).await;
        let id = dep["id"].as_str().unwrap().to_string();
        for title in ["LT-5", "DOC-5", "涉密文件"] {
            let l = line(&dep, title)["id"].as_str().unwrap().to_string();
            let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{l}/confirm"), json!({"outcome": "handed_over"})).await;
            assert_eq!(s, 200);
        }
        app.run_jobs().await;
        let mail = app.smtp.to("x001@corp.example");
        assert_eq!(mail.len(), 1, "one email for the three handovers");
        let text = mail[0].text();
        assert!(text.contains("LT-5") && text.contains("DOC-5") && text.contains("涉密文件资料移交接替人"), "{text}");
        assert!(text.contains("机密，登记3份"), "{text}");
        let start = text.find("/receipt/").expect("a signing link");
        let path = text[start..].split_whitespace().next().unwrap().to_string();
        let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let html = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert_eq!(html.matches("name=\"line_id\"").count(), 6, "each item signed for or reported: {html}");
        let csrf = crate::helpers::csrf_of(&html);
        let doc = line(&dep, "DOC-5")["id"].as_str().unwrap().to_string();
        let empty = browser.post(app.url(&path)).form(&[("csrf", csrf.as_str()), ("line_id", doc.as_str()), ("action", "dispute"), ("note", " ")]).send().await.unwrap();
        assert_eq!(empty.status(), 422, "a note says what is wrong");
        let disputed = browser.post(app.url(&path)).form(&[("csrf", csrf.as_str()), ("line_id", doc.as_str()), ("action", "dispute"), ("note", "只收到2份")]).send().await.unwrap();
        assert_eq!(disputed.status(), 200);
        assert!(disputed.text().await.unwrap().contains("已报告与描述不符"));
        // The line is open again for the manager, with the note; the history names the successor.
        let dep: Value = hr.get(app.url(&format!("/api/v1/departures/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(line(&dep, "DOC-5")["status"], "open");
        assert_eq!(line(&dep, "DOC-5")["note"], "只收到2份");
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=departure&subject_id={id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "departure.handover_disputed");
        assert_eq!(audit["items"][0]["actor"], json!(org.outsider));
        // HR is told, in their language: the departure, the item, the note and the page.
        app.run_jobs().await;
        let told = app.smtp.to("hr@example.com");
        assert_eq!(told.len(), 1, "one email to each HR user");
        let text = told[0].text();
        for part in ["张伟", "DOC-5", "只收到2份", "Outsider Olsen", &format!("/departures/{id}")] {
            assert!(text.contains(part), "{part} in {text}");
        }
        assert!(told[0].subject().contains("Not as described"), "{}", told[0].subject());
        assert!(app.smtp.to("sec@example.com").is_empty(), "security is not told of a dispute");
    }

    async fn a_missing_carrier_is_a_loss_recorded_at_once_and_open_lines_need_an_override(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        carrier(&app, &hr, "USB-1", "removable_media", 1, &org.dev).await;
        let (_, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2026-12-01", "last_working_day": "2026-12-31",
            "reason": "dismissal"
        })).await;
        let id = dep["id"].as_str().unwrap().to_string();
        let usb = line(&dep, "USB-1")["id"].as_str().unwrap().to_string();
        let (s, dep) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{usb}/confirm"), json!({"outcome": "missing", "note": "无法找到"})).await;
        assert_eq!(s, 200);
        assert_eq!(line(&dep, "USB-1")["status"], "missing");
        let secrets = line(&dep, "涉密文件")["id"].as_str().unwrap().to_string();
        let (s, body) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{secrets}/confirm"), json!({"outcome": "handed_over"})).await;
        assert_eq!(s, 422, "no successor named: {body}");

        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=departure&subject_id={id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "departure.loss_reported");

        let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{id}/complete"), json!({"override_reason": "当事人已失联"})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 200, "{done}");
        assert_eq!(done["override_reason"], "当事人已失联");
        assert_eq!(done["open_lines"], 4, "the open lines stay visible");
        assert_eq!(obligations_of(&app, &hr, &org.dev).await, [
            ("confidentiality".to_string(), "2027-01-01".to_string(), "2028-12-31".to_string()),
            ("trade_secret".to_string(), "2027-01-01".to_string(), "until public".to_string()),
        ], "no tier: no declassification period; dismissal still owes confidentiality, and trade secrets bind everyone");
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/complete"), json!({})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 409, "completed once");
        // The emails the test queued (the notice of the loss) go out before it ends.
        app.run_jobs().await;
    }

    async fn a_departure_checks_its_dates_people_and_roles(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (s, body) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-03-01", "last_working_day": "2028-02-29", "reason": "resignation"
        })).await;
        assert_eq!(s, 422);
        assert_eq!(body["error"]["fields"]["last_working_day"], "must not be before notice_date");
        let (s, body) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-02-01", "last_working_day": "2028-02-29", "reason": "resignation", "successor_id": org.dev
        })).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["successor_id"].is_string());
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        assert_eq!(post(&app, &boss, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-02-01", "last_working_day": "2028-02-29", "reason": "resignation"
        })).await.0, 403, "HR starts departures");
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.outsider, "notice_date": "2028-02-01", "last_working_day": "2028-02-29", "reason": "retirement"
        })).await;
        assert_eq!(s, 201);
        let (s, _) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.outsider, "notice_date": "2028-02-01", "last_working_day": "2028-02-29", "reason": "retirement"
        })).await;
        assert_eq!(s, 409, "already departing");
        // A manager sees and confirms only their reports' departures.
        let id = dep["id"].as_str().unwrap();
        assert_eq!(boss.get(app.url(&format!("/api/v1/departures/{id}"))).send().await.unwrap().status(), 403);
        let list: Value = boss.get(app.url("/api/v1/departures?status=in_progress")).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["total"], 0);
        let line_id = dep["lines"][0]["id"].as_str().unwrap();
        assert_eq!(post(&app, &boss, &format!("/api/v1/departures/{id}/lines/{line_id}/confirm"), json!({"outcome": "handed_over"})).await.0, 403);
        // Retirement ends as retired, and retirees keep their obligations.
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/complete"), json!({"override_reason": "退休手续另行办理"})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 200);
        let emp: Value = hr.get(app.url(&format!("/api/v1/employees/{}", org.outsider))).send().await.unwrap().json().await.unwrap();
        assert_eq!(emp["status"], "retired");
        assert_eq!(obligations_of(&app, &hr, &org.outsider).await.len(), 2, "confidentiality and trade secrets");
    }

    async fn the_checklist_template_is_a_policy_setting(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let org = small_org(&app, &hr).await;
        let mut policy: Value = admin.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        policy["policy"]["checklist"] = json!([
            {"kind": "accounts_revoked", "title": "注销全部账号"},
            {"kind": "custom", "title": "归还门禁卡 · Access card returned"}
        ]);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy["policy"]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (_, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-02-01", "last_working_day": "2028-02-29", "reason": "other"
        })).await;
        let titles: Vec<&str> = dep["lines"].as_array().unwrap().iter().map(|l| l["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["注销全部账号", "归还门禁卡 · Access card returned"]);
        let (s, dep) = post(&app, &hr, &format!("/api/v1/departures/{}/lines", dep["id"].as_str().unwrap()), json!({"title": "交还公章"})).await;
        assert_eq!(s, 201);
        assert_eq!(dep["lines"].as_array().unwrap().len(), 3, "HR adds lines");
        assert_eq!((&dep["lines"][2]["title_zh"], &dep["lines"][2]["title_en"]), (&json!("交还公章"), &json!("交还公章")),
            "one text for both when no English is given");
        let add = format!("/api/v1/departures/{}/lines", dep["id"].as_str().unwrap());
        let (s, dep) = post(&app, &hr, &add, json!({"title": "交还工作证", "title_en": "Staff card returned"})).await;
        assert_eq!(s, 201, "{dep}");
        assert_eq!((&dep["lines"][3]["title_zh"], &dep["lines"][3]["title_en"]), (&json!("交还工作证"), &json!("Staff card returned")));
        let (s, e) = post(&app, &hr, &add, json!({"title": "x", "title_en": "y".repeat(301)})).await;
        assert_eq!(s, 422, "{e}");
        assert!(e["error"]["fields"]["title_en"].is_string(), "{e}");
    }
}
