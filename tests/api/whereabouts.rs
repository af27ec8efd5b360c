//! Where former employees work now (issue 20 item 4): HR records a new employer, or the
//! person reports it through their link; a competitor during a non-compete, or a foreign
//! employer during a declassification period of a tier the policy names, opens one breach
//! case about the obligation, and HR and security are emailed.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_of, get_json, page, post};
use crate::noncompete::{depart, put_terms, terms};
use crate::obligations::{leave, set_tier};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

async fn record(app: &TestApp, hr: &reqwest::Client, employee: &str, body: Value) -> Value {
    let path = format!("/api/v1/employees/{employee}/whereabouts");
    let (s, done) = post(app, hr, &path, body).await;
    assert_eq!(s, 201, "{done}");
    done
}

/// The breach cases opened by a new employer.
fn employer_cases(app: &TestApp) -> i64 {
    use tuomi::db::schema::breach_cases;
    breach_cases::table
        .filter(breach_cases::source.eq("employer"))
        .count()
        .get_result(&mut app.db())
        .unwrap()
}

/// The emails about a forbidden new employer that reached `to`.
fn notices(app: &TestApp, to: &str) -> Vec<crate::smtp::Received> {
    app.smtp
        .to(to)
        .into_iter()
        .filter(|m| m.subject().contains("禁止的新单位") || m.subject().contains("Forbidden"))
        .collect()
}

on_both_databases! {
    async fn a_forbidden_employer_opens_a_case_once(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        assert_eq!(put_terms(&app, &hr, &org.dev, terms(12, 9000.0)).await.0, 200);
        // The non-compete runs from 1 February 2028 to the end of 31 January 2029.
        let non_compete = depart(&app, &hr, &org.dev, "2029-01-31").await;
        let (s, listed) = post(&app, &hr, "/api/v1/competitors", json!({"name": "华为技术有限公司"})).await;
        assert_eq!(s, 201, "{listed}");
        let (s, again) = post(&app, &hr, "/api/v1/competitors", json!({"name": "华为 技术有限公司"})).await;
        assert_eq!(s, 422, "listed already, however it is spaced: {again}");
        assert!(again["error"]["fields"]["name"].is_string(), "{again}");

        let body = json!({"employer": "华为技术（有限）公司", "post": "研发工程师", "starts_on": "2029-01-31"});
        let first = record(&app, &hr, &org.dev, body.clone()).await;
        assert_eq!(first["kind"], "competitor", "{first}");
        assert_eq!(first["obligation_id"], json!(non_compete), "the last day of the non-compete counts");
        let case_id = first["breach_case_id"].as_str().expect("a case").to_string();
        let case = get_json(&app, &sec, &format!("/api/v1/breaches/{case_id}")).await;
        assert_eq!(case["source"], "employer", "{case}");
        assert_eq!(case["obligation_id"], json!(non_compete), "linked to the obligation: {case}");
        assert_eq!(case["employee_id"], json!(org.dev), "{case}");
        // Its page says where it came from and which obligation it is about.
        let reader = app.signed_in("sec-reader@example.com", &["security"]).await;
        let (s, html) = page(&app, &reader, &format!("/breaches/{case_id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("a new employer the person&#39;s running restrictions forbid"), "{html}");
        assert!(html.contains("Non-compete (1 February 2028"), "the linked obligation: {html}");
        app.run_jobs().await;
        let to_hr = notices(&app, "hr@example.com");
        let to_security = notices(&app, "sec@example.com");
        assert_eq!((to_hr.len(), to_security.len()), (1, 1), "HR and security are told once each");
        assert!(to_hr[0].text().contains("华为技术（有限）公司") && to_hr[0].text().contains("Non-compete"), "{}", to_hr[0].text());
        assert!(to_hr[0].text().contains(&format!("/employees/{}#whereabouts", org.dev)));
        assert!(!to_hr[0].text().contains("/breaches/"), "HR does not read the case");
        assert!(to_security[0].text().contains(&format!("/breaches/{case_id}")), "{}", to_security[0].text());

        // The same employer again: no second case, no second email.
        let second = record(&app, &hr, &org.dev, body).await;
        assert_eq!(second["breach_case_id"], json!(case_id), "{second}");
        app.run_jobs().await;
        assert_eq!(employer_cases(&app), 1);
        assert_eq!(notices(&app, "hr@example.com").len(), 1);

        // The day after the non-compete ended the person may join a competitor.
        let after = record(&app, &hr, &org.dev, json!({"employer": "华为技术有限公司", "starts_on": "2029-02-01"})).await;
        assert_eq!((after["kind"].as_str(), &after["obligation_id"], &after["breach_case_id"]), (Some("competitor"), &Value::Null, &Value::Null), "{after}");
        let history = get_json(&app, &sec, &format!("/api/v1/employees/{}/whereabouts", org.dev)).await;
        assert_eq!(history.as_array().unwrap().len(), 3, "{history}");
        assert_eq!(history[0]["starts_on"], "2029-02-01", "the latest first");
        let trail = get_json(&app, &sec, &format!("/api/v1/audit?subject_type=employee&subject_id={}", org.dev)).await;
        assert!(trail.to_string().contains("whereabouts.recorded"), "{trail}");
        app.run_jobs().await;
        assert_eq!(employer_cases(&app), 1);
    }

    async fn a_foreign_employer_during_a_core_period_opens_a_case_and_other_nothing(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");
        leave(&app, &hr, &org.dev, "2028-02-01", "2028-02-28").await;
        set_tier(&app, &org.outsider, "general");
        leave(&app, &hr, &org.outsider, "2028-02-01", "2028-02-28").await;
        let other = record(&app, &hr, &org.dev, json!({"employer": "某国有企业", "starts_on": "2028-04-01"})).await;
        assert_eq!((other["kind"].as_str(), &other["breach_case_id"]), (Some("other"), &Value::Null), "{other}");
        let foreign = json!({"employer": "某外资企业", "post": "顾问", "starts_on": "2028-04-01", "kind": "foreign"});
        let core = record(&app, &hr, &org.dev, foreign.clone()).await;
        assert!(core["breach_case_id"].is_string(), "forbidden during a core period: {core}");
        // A general tier's period does not forbid it under the default policy.
        let general = record(&app, &hr, &org.outsider, foreign.clone()).await;
        assert_eq!(general["breach_case_id"], Value::Null, "{general}");
        assert_eq!(employer_cases(&app), 1);
        // The administrator may forbid it for the general tier too; a tier without a period is
        // refused.
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let mut policy = get_json(&app, &admin, "/api/v1/policy").await["policy"].clone();
        assert_eq!(policy["whereabouts"]["foreign_forbidden_tiers"], json!(["core", "important"]));
        policy["whereabouts"]["foreign_forbidden_tiers"] = json!(["none"]);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 422);
        policy["whereabouts"]["foreign_forbidden_tiers"] = json!(["core", "important", "general"]);
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let general = record(&app, &hr, &org.outsider, foreign).await;
        assert!(general["breach_case_id"].is_string(), "{general}");
        assert_eq!(employer_cases(&app), 2);
        // The policy page shows the setting.
        let admin_page = app.signed_in("admin-page@example.com", &["admin"]).await;
        let (_, html) = page(&app, &admin_page, "/admin/policy").await;
        assert!(html.contains("Foreign employer forbidden during a general tier"), "{html}");
        app.run_jobs().await;
        assert_eq!(notices(&app, "hr@example.com").len(), 2);
    }

    async fn the_person_reports_a_new_employer_through_their_link(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        app.run_jobs().await;
        let id = crate::reminders::former_told_at_exit(&app, &hr, "S001", "王芳", "zh-CN", "wang@home.example", "core").await;
        app.run_jobs().await;
        let ack = app.smtp.to("wang@home.example")[0].ack_path();
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let (_, html) = page(&app, &browser, &ack).await;
        let path = ack.replacen("/ack/", "/whereabouts/", 1);
        assert!(html.contains(&format!("href=\"{path}\"")), "the ack page links to the report");
        let (s, html) = page(&app, &browser, &path).await;
        assert_eq!(s, 200);
        assert!(html.contains("报告您的新单位") && html.contains("是否为境外驻华机构"), "in the person's language: {html}");
        let english = crate::languages::words_of_the_other_language(&app, &html, "zh-CN");
        assert!(english.is_empty(), "English words on the Chinese page: {english:?}");
        // Refused: the field at fault, what was typed kept.
        let form = |employer: &str, starts_on: &str| {
            vec![("csrf", csrf_of(&html)), ("employer", employer.to_string()), ("post", "顾问".into()),
                 ("starts_on", starts_on.to_string()), ("kind", "foreign".into())]
        };
        let r = browser.post(app.url(&path)).form(&form("某外资企业", "2028-13-01")).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let refused = r.text().await.unwrap();
        assert!(refused.contains("aria-invalid=\"true\"") && refused.contains("value=\"某外资企业\""), "{refused}");
        let r = browser.post(app.url(&path)).form(&form("某外资企业", "2028-04-01")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, thanked) = page(&app, &browser, r.headers()["location"].to_str().unwrap()).await;
        assert!(thanked.contains("谢谢，您的新单位已登记。") && thanked.contains("某外资企业"), "{thanked}");
        let english = crate::languages::words_of_the_other_language(&app, &thanked, "zh-CN");
        assert!(english.is_empty(), "English words on the Chinese page: {english:?}");
        assert!(!thanked.contains("/breaches/"), "the person learns nothing of a case");
        let history = get_json(&app, &hr, &format!("/api/v1/employees/{id}/whereabouts")).await;
        assert_eq!(history[0]["recorded_by"], Value::Null, "reported through the link: {history}");
        assert!(history[0]["breach_case_id"].is_string(), "a foreign employer during a core period");
        // A forged link finds nothing.
        let (s, _) = page(&app, &browser, &path.replacen("/whereabouts/", "/whereabouts/x", 1)).await;
        assert_eq!(s, 404);

        // HR's card on the person page, in both languages; security also reaches the case.
        let hr_page = app.signed_in("hr-page@example.com", &["hr"]).await;
        let r = hr_page.patch(app.url("/api/v1/me")).json(&json!({"language": "zh-CN"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (s, html) = page(&app, &hr_page, &format!("/employees/{id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("离职去向") && html.contains("某外资企业") && html.contains("本人报告"), "{html}");
        assert!(html.contains("境外驻华机构、组织或外资企业") && !html.contains("打开案件"), "HR sees no case link");
        let english = crate::languages::words_of_the_other_language(&app, &html, "zh-CN");
        assert!(english.is_empty(), "English words on the Chinese page: {english:?}");
        let (_, html) = page(&app, &sec, &format!("/employees/{id}")).await;
        assert!(html.contains("/breaches/"), "security opens the case");
        let r = hr_page.patch(app.url("/api/v1/me")).json(&json!({"language": "en"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (_, html) = page(&app, &hr_page, &format!("/employees/{id}")).await;
        assert!(html.contains("Where they work now") && html.contains("Record a new employer"), "{html}");
        assert!(html.contains("reported by the person"));
        let chinese = crate::languages::words_of_the_other_language(&app, &html, "en");
        assert!(chinese.is_empty(), "Chinese words on the English page: {chinese:?}");
        app.run_jobs().await;
    }

    async fn only_hr_records_whereabouts_and_a_manager_reads_none(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let body = json!({"employer": "某公司", "starts_on": "2028-04-01"});
        let path = format!("/api/v1/employees/{}/whereabouts", org.dev);
        assert_eq!(post(&app, &sec, &path, body.clone()).await.0, 403);
        assert_eq!(post(&app, &sec, "/api/v1/competitors", json!({"name": "某公司"})).await.0, 403);
        let (s, bad) = post(&app, &hr, &path, json!({"employer": "", "starts_on": "2028-04-01", "ends_on": "2028-03-01", "credit_code": "123"})).await;
        assert_eq!(s, 422, "{bad}");
        for field in ["employer", "ends_on", "credit_code"] {
            assert!(bad["error"]["fields"][field].is_string(), "{field}: {bad}");
        }
        record(&app, &hr, &org.dev, body).await;
        // The manager of the person's team reads neither the records nor the card.
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let r = lead.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let lead_page = app.signed_in("lead-page@example.com", &["manager"]).await;
        let r = lead_page.get(app.url(&format!("/employees/{}", org.dev))).send().await.unwrap();
        assert!(!r.text().await.unwrap().contains("Where they work now"));
        // The competitor list page: HR adds and removes, security reads.
        let hr_page = app.signed_in("hr-page@example.com", &["hr"]).await;
        let (s, html) = page(&app, &hr_page, "/competitors").await;
        assert_eq!(s, 200);
        assert!(html.contains("Add a competitor"), "{html}");
        let (to, _, html) = crate::helpers::submit_form(&app, &hr_page, "/competitors", "/api/v1/competitors",
            &[("name", "某竞争公司"), ("credit_code", "91440300192203821X"), ("_next", "/competitors"), ("_done", "competitor_added")]).await;
        assert_eq!(to, "/competitors");
        assert!(html.contains("The competitor was added to the list.") && html.contains("91440300192203821X"), "{html}");
        let listed = get_json(&app, &sec, "/api/v1/competitors").await;
        let id = listed[0]["id"].as_str().unwrap().to_string();
        let sec_page = app.signed_in("sec-page@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec_page, "/competitors").await;
        assert!(html.contains("某竞争公司") && !html.contains("Take off the list"), "security only reads");
        let r = sec.delete(app.url(&format!("/api/v1/competitors/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = hr.delete(app.url(&format!("/api/v1/competitors/{id}"))).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(get_json(&app, &sec, "/api/v1/competitors").await, json!([]));
        let trail = get_json(&app, &sec, "/api/v1/audit?subject_type=competitor").await;
        assert!(trail.to_string().contains("competitor.removed"), "{trail}");
        app.run_jobs().await;
    }
}
