//! Breaches (DOMAIN "Breaches"): reports from anyone that protect the reporter, followed with a
//! code and a secret, handled by security to a decision that marks the obligation breached.

use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_of, post};
use crate::on_both_databases;
use crate::people::{add_employee, manager_client, person, small_org};

/// A departed employee with an active confidentiality obligation; returns (employee, obligation).
async fn former_with_obligation(app: &TestApp, hr: &reqwest::Client) -> (String, String) {
    let id = add_employee(app, hr, person("F100", "赵敏", None)).await;
    let (_, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": id, "notice_date": "2028-01-31", "last_working_day": "2028-02-28", "reason": "resignation"
    }))
    .await;
    let (s, _) = post(
        app,
        hr,
        &format!(
            "/api/v1/departures/{}/complete",
            dep["id"].as_str().unwrap()
        ),
        json!({"override_reason": "test"}),
    )
    .await;
    app.past_the_last_working_day().await;
    assert_eq!(s, 200);
    let page: Value = hr
        .get(app.url(&format!("/api/v1/obligations?employee_id={id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (id, page["items"][0]["id"].as_str().unwrap().to_string())
}

async fn patch(app: &TestApp, client: &reqwest::Client, id: &str, body: Value) -> (u16, Value) {
    let r = client
        .patch(app.url(&format!("/api/v1/breaches/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn case_id_of(app: &TestApp, sec: &reqwest::Client, code: &str) -> String {
    let page: Value = sec
        .get(app.url("/api/v1/breaches"))
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
        .find(|c| c["code"] == code)
        .expect("the case")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

on_both_databases! {
    async fn an_anonymous_report_goes_in_from_a_browser_and_is_followed_with_its_code(app: TestApp) {
        app.add_user("sec@example.com", &["security"]);
        let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let form = browser.get(app.url("/report")).header("Accept-Language", "zh-CN").send().await.unwrap();
        assert_eq!(form.status(), 200);
        let html = form.text().await.unwrap();
        assert!(html.contains("报告泄密隐患") && !html.contains("<script"), "no JavaScript needed");
        let csrf = csrf_of(&html);

        // A report with a bad date keeps what was typed and says which field is wrong.
        let bad = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("what", "有人把设计图纸拍照发到了外部群里")
            .text("discovered_on", "2099-01-01");
        let r = browser.post(app.url("/report")).header("Accept-Language", "zh-CN").multipart(bad).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("有人把设计图纸拍照发到了外部群里") && page.contains("discovered_on-error"));

        let good = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("what", "有人把设计图纸拍照发到了外部群里")
            .text("person", "研发部某同事")
            .text("discovered_on", "2028-02-27")
            .part("evidence", reqwest::multipart::Part::bytes("聊天记录截图说明".as_bytes().to_vec()).file_name("note.txt"));
        let r = browser.post(app.url("/report")).header("Accept-Language", "zh-CN").multipart(good).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let page = r.text().await.unwrap();
        let grab = |id: &str| {
            let marker = format!("<code id=\"{id}\">");
            let start = page.find(&marker).unwrap() + marker.len();
            page[start..].split('<').next().unwrap().to_string()
        };
        let (code, secret) = (grab("code"), grab("secret"));
        assert!(code.starts_with("BR-"), "{code}");

        // Following it: status, then more information.
        let html = browser.get(app.url("/report/status")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&html);
        let r = browser.post(app.url("/report/status")).header("Accept-Language", "zh-CN")
            .form(&[("csrf", csrf.as_str()), ("code", code.as_str()), ("secret", secret.as_str())]).send().await.unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains("已收到，尚未处理"), "{page}");
        let r = browser.post(app.url("/report/status"))
            .form(&[("csrf", csrf.as_str()), ("code", code.as_str()), ("secret", secret.as_str()), ("text", "群名是“项目交流群”")]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let view: Value = reqwest::Client::new().post(app.url("/api/v1/public/breaches/status"))
            .json(&json!({"code": code, "secret": secret})).send().await.unwrap().json().await.unwrap();
        assert_eq!(view["status"], "reported");
        assert_eq!(view["additions"], 1);
        assert_eq!(view["evidence"], 1);
        assert!(view.get("what").is_none() && view.get("person").is_none(), "nothing of the case but its progress");

        // Security sees it, with no reporter, and was told only that it arrived.
        let sec = app.token_client("sec2@example.com", &["security"]).await;
        let id = case_id_of(&app, &sec, &code).await;
        let case: Value = sec.get(app.url(&format!("/api/v1/breaches/{id}"))).send().await.unwrap().json().await.unwrap();
        assert!(case["reporter_user_id"].is_null());
        assert_eq!(case["additions"][0]["text"], "群名是“项目交流群”");
        assert_eq!(case["evidence"][0]["content_type"], "text/plain; charset=utf-8");
        app.run_jobs().await;
        let told = app.smtp.to("sec@example.com");
        assert_eq!(told.len(), 1);
        assert!(told[0].subject().contains(&code));
        assert!(!told[0].text().contains("设计图纸"), "the email says only that a report arrived");
        assert!(told[0].text().contains(&format!("/breaches/{id}\n")), "it links the case page: {}", told[0].text());
        assert!(!told[0].text().contains("/api/"), "never the API: {}", told[0].text());

        // Guessing is throttled: five wrong secrets, then 429 even for the right one.
        for _ in 0..5 {
            let r = reqwest::Client::new().post(app.url("/api/v1/public/breaches/status"))
                .json(&json!({"code": code, "secret": "guess"})).send().await.unwrap();
            assert_eq!(r.status(), 404);
        }
        let r = reqwest::Client::new().post(app.url("/api/v1/public/breaches/status"))
            .json(&json!({"code": code, "secret": secret})).send().await.unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
    }

    async fn security_takes_a_case_to_a_decision_and_the_obligation_shows_breached(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let (employee, obligation) = former_with_obligation(&app, &hr).await;
        let (s, receipt) = post(&app, &hr, "/api/v1/breaches", json!({
            "employee_id": employee, "what": "A former engineer posted our design drawings online.",
            "carriers": "DOC-3", "discovered_on": "2028-02-27"
        })).await;
        assert_eq!(s, 201, "{receipt}");
        let id = case_id_of(&app, &sec, receipt["code"].as_str().unwrap()).await;

        let (s, body) = patch(&app, &sec, &id, json!({"status": "triaged", "reason": "credible"})).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["severity"].is_string());
        let (s, body) = patch(&app, &sec, &id, json!({"status": "substantiated", "reason": "skip"})).await;
        assert_eq!(s, 422, "no step skipped");
        assert!(body["error"]["fields"]["status"].as_str().unwrap().contains("triaged"));
        assert_eq!(patch(&app, &hr, &id, json!({"status": "triaged", "reason": "x", "severity": "low"})).await.0, 403, "security only");

        let (s, case) = patch(&app, &sec, &id, json!({
            "status": "triaged", "reason": "credible", "severity": "critical", "state_secret": true
        })).await;
        assert_eq!(s, 200, "{case}");
        assert_eq!(case["authority_report_due"], "2028-02-28", "due at the secrecy administration the day after it was discovered");
        let (s, _) = patch(&app, &sec, &id, json!({"status": "investigating", "reason": "interviews"})).await;
        assert_eq!(s, 200);
        let (_, case) = patch(&app, &sec, &id, json!({"fault": "negligent", "gravity": "minor", "caused_loss": false})).await;
        assert_eq!(case["suggested"], "warning", "the ladder suggests; nothing is decided yet");
        let (_, case) = patch(&app, &sec, &id, json!({"gravity": "serious", "caused_loss": true})).await;
        assert_eq!(case["suggested"], "termination_and_damages");
        let other = add_employee(&app, &hr, person("F101", "钱伟", None)).await;
        let (s, body) = patch(&app, &sec, &id, json!({"employee_id": other, "obligation_id": obligation})).await;
        assert_eq!(s, 422, "the obligation of one person, the case about another: {body}");
        assert!(body["error"]["fields"]["obligation_id"].is_string());
        let (s, case) = patch(&app, &sec, &id, json!({
            "status": "substantiated", "reason": "confirmed by the forum's records",
            "obligation_id": obligation, "decision": "Claim damages under the confidentiality agreement",
            "reward": "2000 CNY to the reporter"
        })).await;
        assert_eq!(s, 200, "{case}");
        assert_eq!(case["steps"].as_array().unwrap().len(), 4);
        assert_eq!(case["steps"][3]["reason"], "confirmed by the forum's records");

        let o: Value = hr.get(app.url(&format!("/api/v1/obligations/{obligation}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(o["status"], "breached");
        assert!(o["history"].as_array().unwrap().iter().any(|h| h["action"] == "obligation.breached"));
        let outcomes: Value = hr.get(app.url("/api/v1/breaches/outcomes")).send().await.unwrap().json().await.unwrap();
        assert_eq!(outcomes[0]["decision"], "Claim damages under the confidentiality agreement");
        let (s, _) = patch(&app, &sec, &id, json!({"status": "closed", "reason": "done"})).await;
        assert_eq!(s, 200);
        let (s, body) = patch(&app, &sec, &id, json!({"status": "investigating", "reason": "again"})).await;
        assert_eq!(s, 422, "{body}");
        // The emails the test queued (security's notice of the report) go out before it ends.
        app.run_jobs().await;
    }

    async fn no_other_role_email_list_or_audit_view_reveals_who_reported(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        app.add_user("sec@example.com", &["security"]);
        let org = small_org(&app, &hr).await;
        let lead = manager_client(&app, "whistle@example.com", "L001").await;
        let (s, receipt) = post(&app, &lead, "/api/v1/breaches", json!({
            "employee_id": org.dev, "what": "Saw secret drawings on a personal laptop."
        })).await;
        assert_eq!(s, 201);
        let code = receipt["code"].as_str().unwrap();
        for (who, client) in [("hr", &hr), ("manager", &lead)] {
            assert_eq!(client.get(app.url("/api/v1/breaches")).send().await.unwrap().status(), 403, "{who}");
        }
        assert_eq!(lead.get(app.url("/api/v1/breaches/outcomes")).send().await.unwrap().status(), 403);
        // Admin sees the reporter (named report); the audit trail does not name them.
        let id = case_id_of(&app, &admin, code).await;
        let case: Value = admin.get(app.url(&format!("/api/v1/breaches/{id}"))).send().await.unwrap().json().await.unwrap();
        let reporter = case["reporter_user_id"].as_str().unwrap().to_string();
        let audit = admin.get(app.url("/api/v1/audit?subject_type=breach&per_page=200")).send().await.unwrap().text().await.unwrap();
        assert!(audit.contains("breach.reported") && !audit.contains(&reporter), "{audit}");
        app.run_jobs().await;
        for mail in app.smtp.received() {
            let text = mail.text() + &mail.html() + &mail.subject();
            assert!(!text.contains("whistle") && !text.contains("laptop"), "{text}");
        }
        // HR does not even learn, from the mail log, that a report arrived.
        let seen_by_hr: Value = hr.get(app.url("/api/v1/reminders")).send().await.unwrap().json().await.unwrap();
        assert!(seen_by_hr["items"].as_array().unwrap().iter().all(|r| r["kind"] != "breach_reported"), "{seen_by_hr}");
        let seen_by_admin: Value = admin.get(app.url("/api/v1/reminders?kind=breach_reported")).send().await.unwrap().json().await.unwrap();
        assert_eq!(seen_by_admin["total"], 1);
        let notice = seen_by_admin["items"][0]["id"].as_str().unwrap();
        assert_eq!(hr.get(app.url(&format!("/api/v1/reminders/{notice}/message"))).send().await.unwrap().status(), 404);
        // Reporting anonymously while signed in records no account.
        let (_, anon) = post(&app, &lead, "/api/v1/breaches", json!({"what": "Another thing I saw happen.", "anonymous": true})).await;
        let id = case_id_of(&app, &admin, anon["code"].as_str().unwrap()).await;
        let case: Value = admin.get(app.url(&format!("/api/v1/breaches/{id}"))).send().await.unwrap().json().await.unwrap();
        assert!(case["reporter_user_id"].is_null());
        // Security's notice of that report does not name the reporter either.
        app.run_jobs().await;
        for mail in app.smtp.received() {
            let text = mail.text() + &mail.html() + &mail.subject();
            assert!(!text.contains("whistle"), "{text}");
        }
    }

    async fn a_missing_carrier_opens_a_case_that_runs_the_same_course(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let (s, _) = post(&app, &hr, "/api/v1/carriers", json!({
            "tag": "USB-9", "kind": "document", "classification": "secret", "custodian_id": org.dev, "copies": 1
        })).await;
        assert_eq!(s, 201);
        let (_, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-02-28", "last_working_day": "2028-03-31", "reason": "resignation"
        })).await;
        let line = dep["lines"][0]["id"].as_str().unwrap();
        post(&app, &hr, &format!("/api/v1/departures/{}/lines/{line}/confirm", dep["id"].as_str().unwrap()), json!({"outcome": "missing"})).await;
        let page: Value = sec.get(app.url("/api/v1/breaches?status=reported")).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["total"], 1);
        let case = &page["items"][0];
        assert_eq!(case["source"], "loss");
        assert_eq!(case["employee_id"], json!(org.dev));
        assert_eq!(case["departure_line_id"], json!(line));
        let id = case["id"].as_str().unwrap();
        let (s, _) = patch(&app, &sec, id, json!({"status": "triaged", "reason": "a lost carrier", "severity": "high"})).await;
        assert_eq!(s, 200);
        // The emails the test queued (the notices of the loss) go out before it ends.
        app.run_jobs().await;
    }

    async fn reports_without_an_account_are_throttled_at_ten_an_hour_from_one_address(app: TestApp) {
        let report = || async {
            reqwest::Client::new().post(app.url("/api/v1/public/breaches"))
                .json(&json!({"what": "Drawings left in the print room overnight."}))
                .send().await.unwrap()
        };
        for n in 1..=10 {
            assert_eq!(report().await.status(), 201, "report {n}");
        }
        let refused = report().await;
        assert_eq!(refused.status(), 429, "the eleventh within the hour");
        assert!(refused.headers().contains_key("retry-after"));
        app.clock.advance(chrono::Duration::minutes(61));
        assert_eq!(report().await.status(), 201, "an hour later reports go in again");
    }

    async fn evidence_is_checked_by_its_content_and_read_by_security_only(app: TestApp) {
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let r = reqwest::Client::new().post(app.url("/api/v1/public/breaches"))
            .json(&json!({"what": "Drawings left in the print room overnight."})).send().await.unwrap();
        assert_eq!(r.status(), 201);
        let receipt: Value = r.json().await.unwrap();
        let upload = |bytes: Vec<u8>, secret: String| {
            let code = receipt["code"].as_str().unwrap().to_string();
            reqwest::Client::new().post(app.url("/api/v1/public/breaches/evidence"))
                .header("X-Case-Code", code).header("X-Case-Secret", secret).header("X-File-Name", "photo.pdf")
                .body(bytes).send()
        };
        let secret = receipt["secret"].as_str().unwrap().to_string();
        let r = upload(b"MZ\x90\x00not really a pdf".to_vec(), secret.clone()).await.unwrap();
        assert_eq!(r.status(), 422, "typed by content, not by name");
        assert_eq!(upload(b"%PDF-1.7 x".to_vec(), "wrong".into()).await.unwrap().status(), 404);
        let r = upload(b"%PDF-1.7 the scan".to_vec(), secret).await.unwrap();
        assert_eq!(r.status(), 201);
        let evidence: Value = r.json().await.unwrap();
        use sha2::Digest;
        assert_eq!(evidence["sha256"], hex::encode(sha2::Sha256::digest(b"%PDF-1.7 the scan")));
        let id = case_id_of(&app, &sec, receipt["code"].as_str().unwrap()).await;
        let path = format!("/api/v1/breaches/{id}/evidence/{}", evidence["id"].as_str().unwrap());
        let file = sec.get(app.url(&path)).send().await.unwrap();
        assert_eq!(file.headers()["content-type"], "application/pdf");
        assert_eq!(file.headers()["content-disposition"], "attachment");
        assert_eq!(&file.bytes().await.unwrap()[..], b"%PDF-1.7 the scan");
        assert_eq!(admin.get(app.url(&path)).send().await.unwrap().status(), 403, "security only");
        // The emails the test queued (security's notice of the report) go out before it ends.
        app.run_jobs().await;
    }

    async fn a_manager_sees_only_the_remedial_tasks_they_own(app: TestApp) {
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        small_org(&app, &hr).await;
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let other = manager_client(&app, "other@example.com", "L001").await;
        let boss_id = {
            let me: Value = boss.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
            me["id"].as_str().unwrap().to_string()
        };
        let (_, receipt) = post(&app, &hr, "/api/v1/breaches", json!({"what": "Visitors walked through the lab unescorted."})).await;
        let id = case_id_of(&app, &sec, receipt["code"].as_str().unwrap()).await;
        let (s, task) = post(&app, &sec, &format!("/api/v1/breaches/{id}/tasks"), json!({
            "title": "Escort every visitor", "owner_id": boss_id, "due_on": "2028-03-31"
        })).await;
        assert_eq!(s, 201, "{task}");
        let (s, body) = post(&app, &sec, &format!("/api/v1/breaches/{id}/tasks"), json!({
            "title": "x", "owner_id": boss_id, "due_on": "someday"
        })).await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["due_on"].is_string());
        let mine: Value = boss.get(app.url("/api/v1/tasks")).send().await.unwrap().json().await.unwrap();
        assert_eq!(mine.as_array().unwrap().len(), 1);
        assert_eq!(other.get(app.url("/api/v1/tasks")).send().await.unwrap().json::<Value>().await.unwrap().as_array().unwrap().len(), 0);
        assert_eq!(boss.get(app.url(&format!("/api/v1/breaches/{id}"))).send().await.unwrap().status(), 403);
        let done = format!("/api/v1/tasks/{}/done", task["id"].as_str().unwrap());
        assert_eq!(post(&app, &other, &done, json!({})).await.0, 403);
        let (s, finished) = post(&app, &boss, &done, json!({})).await;
        assert_eq!(s, 200);
        assert!(finished["done_at"].is_string());
        // The emails the test queued (security's notice of the report) go out before it ends.
        app.run_jobs().await;
    }

    async fn cases_are_listed_by_search_status_severity_and_source_in_the_order_asked(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let mut codes = Vec::new();
        for what in ["Drawings left on the printer overnight.", "A laptop with the source code went missing.", "Someone photographed the whiteboard."] {
            let (s, receipt) = post(&app, &hr, "/api/v1/breaches", json!({"what": what})).await;
            assert_eq!(s, 201);
            codes.push(receipt["code"].as_str().unwrap().to_string());
            app.clock.advance(chrono::Duration::minutes(1));
        }
        let laptop = case_id_of(&app, &sec, &codes[1]).await;
        let (s, _) = patch(&app, &sec, &laptop, json!({"status": "triaged", "reason": "credible", "severity": "high"})).await;
        assert_eq!(s, 200);
        let list = |query: &str| {
            let sec = sec.clone();
            let url = app.url(&format!("/api/v1/breaches?{query}"));
            async move {
                let r = sec.get(url).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap())
            }
        };
        let codes_of = |page: &Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_string()).collect()
        };
        let (_, page) = list("").await;
        assert_eq!(codes_of(&page), [codes[2].clone(), codes[1].clone(), codes[0].clone()], "newest first");
        let (_, page) = list("sort=created").await;
        assert_eq!(codes_of(&page), codes, "oldest first when asked");
        let (_, page) = list("q=LAPTOP").await;
        assert_eq!(codes_of(&page), [codes[1].clone()], "any case");
        let (_, page) = list(&format!("q={}", codes[0].to_lowercase())).await;
        assert_eq!(codes_of(&page), [codes[0].clone()], "by code");
        let (_, page) = list("severity=high&status=triaged&source=report").await;
        assert_eq!(codes_of(&page), [codes[1].clone()]);
        let (_, page) = list("source=loss").await;
        assert_eq!(page["total"], 0);
        let (s, body) = list("sort=severity&source=leak").await;
        assert_eq!(s, 422);
        assert!(body["error"]["fields"]["sort"].is_string() && body["error"]["fields"]["source"].is_string(), "{body}");
        // The emails the test queued (security's notices of the reports) go out before it ends.
        app.run_jobs().await;
    }
}
