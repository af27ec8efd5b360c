//! The obligations and reminders pages, and the former employee's page: what each role sees in
//! both languages, the filters, the forms (a payment in the ledger, a waiver only with its tick,
//! a failed reminder sent again), the CSV files.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, page, post, submit_form};
use crate::on_both_databases;
use crate::people::small_org;
use crate::reminders::{former, reminders, shanghai};

/// Switches a signed-in user's language with the form in every page's header.
async fn speak(app: &TestApp, client: &reqwest::Client, lang: &str) {
    let (_, html) = page(app, client, "/obligations").await;
    let r = client
        .post(app.url("/language"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("lang", lang),
            ("back", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

/// A browser session of an existing user (after the clock has moved past the last one).
async fn sign_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(app.url("/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "sign-in of {email}");
    client
}

/// Starts and completes (with an override) a departure.
async fn leave(
    app: &TestApp,
    hr: &reqwest::Client,
    employee_id: &str,
    last: &str,
    trade_secret: bool,
) {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": last, "last_working_day": last, "reason": "resignation"
    }))
    .await;
    assert_eq!(s, 201, "{dep}");
    let (s, done) = post(
        app,
        hr,
        &format!(
            "/api/v1/departures/{}/complete",
            dep["id"].as_str().unwrap()
        ),
        // Trade secrets bind everyone: leaving the duty out takes a written reason.
        json!({"override_reason": "test", "trade_secret": trade_secret,
            "no_trade_secret_reason": (!trade_secret).then_some("not exposed to trade secrets")}),
    )
    .await;
    app.past_the_last_working_day().await;
    assert_eq!(s, 200, "{done}");
}

async fn obligations(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<Value> {
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

fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

/// The rows of a CSV answer, after checking it is UTF-8 with a byte-order mark.
async fn csv_rows(app: &TestApp, client: &reqwest::Client, path: &str) -> Vec<String> {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"),
        "{path}"
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a BOM: {path}");
    String::from_utf8(bytes[3..].to_vec())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

on_both_databases! {
    async fn obligation_pages_speak_both_languages_to_their_roles_and_refuse_the_others(app: TestApp) {
        let hr_api = app.token_client("api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "important");
        leave(&app, &hr_api, &org.dev, "2028-01-31", false).await;
        let declass = obligations(&app, &hr_api, &format!("employee_id={}&kind=declassification", org.dev)).await;
        let id = declass[0]["id"].as_str().unwrap().to_string();
        let detail = format!("/obligations/{id}");

        for (n, role) in ["admin", "hr", "security"].into_iter().enumerate() {
            let client = app.signed_in(&format!("u{n}@example.com"), &[role]).await;
            let (status, html) = page(&app, &client, "/obligations").await;
            assert_eq!(status, 200, "{role}");
            assert!(html.contains("<h1>Obligations after leaving</h1>"), "{role}: {html}");
            assert!(html.contains("张伟") && html.contains(&format!("href=\"/employees/{}\"", org.dev)), "the person, linked");
            assert!(html.contains("Declassification period") && html.contains("31 January 2030"), "{html}");
            let (status, html) = page(&app, &client, &detail).await;
            assert_eq!(status, 200, "{role}");
            assert!(html.contains("important classified personnel"), "what the tier means: {html}");
            assert!(html.contains("until the end of 31 January 2030"));
            assert!(html.contains("Under the current policy this lasts 24 months"), "{html}");
            assert!(html.contains("do not take a post with a competitor"), "the tier's restrictions from the policy");
            assert!(html.contains("Obligation recorded"), "the history");
            assert_eq!(html.contains("Ask for the extension"), role != "admin", "HR and security ask for extensions");

            speak(&app, &client, "zh-CN").await;
            let (status, html) = page(&app, &client, "/obligations").await;
            assert_eq!(status, 200);
            assert!(html.contains("<h1>离职后义务</h1>") && html.contains("脱密期") && html.contains("2030年1月31日"), "{html}");
            let (status, html) = page(&app, &client, &detail).await;
            assert_eq!(status, 200);
            assert!(html.contains("至2030年1月31日止") && html.contains("重要涉密人员"), "{html}");
            assert!(html.contains("按现行制度，期限为24个月"), "{html}");
        }

        let manager = app.signed_in("m@example.com", &["manager"]).await;
        for path in ["/obligations", detail.as_str(), "/reminders"] {
            let (status, html) = page(&app, &manager, path).await;
            assert_eq!(status, 403, "{path}");
            assert!(html.contains("Not for your role"), "{path}: {html}");
        }
        let r = app.get("/obligations").await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
        let hr = app.signed_in("hr2@example.com", &["hr"]).await;
        let (status, _) = page(&app, &hr, "/obligations/no-such-obligation").await;
        assert_eq!(status, 404);
    }

    async fn the_list_filters_sorts_pages_and_exports_every_matching_row(app: TestApp) {
        let hr_api = app.token_client("api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        // The test clock stands at 2028-02-28 (Shanghai 23:30).
        leave(&app, &hr_api, &org.dev, "2026-03-31", false).await; // ends 2028-03-31
        leave(&app, &hr_api, &org.lead, "2026-06-30", true).await; // ends 2028-06-30, and trade secrets
        let hr = app.signed_in("hr@example.com", &["hr"]).await;

        let (_, html) = page(&app, &hr, "/obligations?ending_within_days=33").await;
        assert!(html.contains("张伟") && !html.contains("陈组长"), "only what ends within 33 days");
        let (_, html) = page(&app, &hr, "/obligations?ending_within_days=180").await;
        assert!(html.contains("张伟") && html.contains("陈组长"));
        assert!(html.contains("value=\"180\""), "the filter keeps what was typed");
        let (_, html) = page(&app, &hr, "/obligations?ending_within_days=180&sort=-ends_on").await;
        assert!(html.find("陈组长").unwrap() < html.find("张伟").unwrap(), "latest end first");
        assert!(html.contains("aria-sort=\"descending\""));
        let (_, html) = page(&app, &hr, "/obligations?sort=ends_on").await;
        assert!(html.find("31 March 2028").unwrap() < html.find("until the information becomes public").unwrap(),
            "no end date sorts after every date");
        let (_, html) = page(&app, &hr, "/obligations?q=d001").await;
        assert!(html.contains("张伟") && !html.contains("陈组长"), "found by employee number");
        let (_, html) = page(&app, &hr, "/obligations?kind=trade_secret").await;
        assert!(html.contains("陈组长") && !html.contains("张伟"));
        let (_, html) = page(&app, &hr, &format!("/obligations?employee_id={}", org.lead)).await;
        assert!(html.contains("Only the obligations of") && html.contains("陈组长") && !html.contains("张伟"));

        let (status, html) = page(&app, &hr, "/obligations?ending_within_days=soon&kind=forever").await;
        assert_eq!(status, 200, "a bad filter is shown on the page, not refused");
        assert!(html.contains("Some filters are not valid") && html.contains("aria-invalid=\"true\""), "{html}");
        let (status, html) = page(&app, &hr, "/obligations?sort=sideways").await;
        assert_eq!(status, 200);
        assert!(html.contains("<p class=\"field-error\">Order:"), "a refused parameter with no field is named in words: {html}");

        let (_, html) = page(&app, &hr, "/obligations?per_page=1&sort=ends_on").await;
        assert!(html.contains("Page 1 / 3") && html.contains("page=2"), "{html}");

        let rows = csv_rows(&app, &hr, "/obligations?per_page=1&ending_within_days=180&format=csv").await;
        assert_eq!(rows[0], "Employee number,Person,Obligation,Tier,From,Last day,Status,Id");
        assert_eq!(rows.len(), 1 + 2, "every matching row, not one page: {rows:?}");
        assert!(rows[1].starts_with("D001,张伟,Confidentiality after leaving,,2026-04-01,2028-03-31,Active,"), "{rows:?}");
        speak(&app, &hr, "zh-CN").await;
        let rows = csv_rows(&app, &hr, "/obligations?format=csv&kind=trade_secret").await;
        assert_eq!(rows[0], "工号,人员,义务,涉密等级,起始,截止日,状态,编号");
        assert!(rows[1].contains("商业秘密保密义务") && rows[1].contains("至信息公开时止"), "{rows:?}");
    }

    async fn a_payment_recorded_through_the_form_shows_in_the_ledger_and_a_waiver_needs_its_tick(app: TestApp) {
        let hr_api = app.token_client("api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        let r = hr_api.put(app.url(&format!("/api/v1/employees/{}/non-compete", org.dev)))
            .json(&json!({"months": 6, "monthly_compensation": 7000.0, "currency": "CNY",
                "scope": "竞争对手的研发岗位", "region": "中国大陆", "bound_as": "senior_technical", "average_monthly_wage": 20000.0}))
            .send().await.unwrap();
        assert_eq!(r.status(), 200);
        leave(&app, &hr_api, &org.dev, "2028-01-31", false).await;
        let nc = obligations(&app, &hr_api, &format!("employee_id={}&kind=non_compete", org.dev)).await;
        let id = nc[0]["id"].as_str().unwrap().to_string();
        let detail = format!("/obligations/{id}");
        let hr = app.signed_in("hr@example.com", &["hr"]).await;

        let (status, html) = page(&app, &hr, &detail).await;
        assert_eq!(status, 200);
        assert!(html.contains("Non-compete compensation") && html.contains("7,000.00 CNY") && html.contains("竞争对手的研发岗位"));
        assert!(html.contains("Record a payment") && html.contains("value=\"1\"") && html.contains("value=\"7000.00\""), "the term month due and its balance are offered: {html}");

        // A refused amount comes back with its message and what was typed.
        let action = format!("/api/v1/obligations/{id}/payments");
        let (to, _, html) = submit_form(&app, &hr, &detail, &action, &[
            ("_next", &detail), ("_done", "obligation_payment_recorded"),
            ("month", "1"), ("amount", "-5"), ("paid_on", "2028-02-28"),
        ]).await;
        assert_eq!(to, detail);
        assert!(html.contains("must be an amount from 0 up") && html.contains("value=\"-5\""), "{html}");

        let (to, _, html) = submit_form(&app, &hr, &detail, &action, &[
            ("_next", &detail), ("_done", "obligation_payment_recorded"),
            ("month", "1"), ("amount", "7000.00"), ("paid_on", "2028-02-27"),
        ]).await;
        assert_eq!(to, detail);
        assert!(html.contains("The payment was recorded."), "{html}");
        let ledger_row = html.split("<td data-label=\"Month\">1</td>").nth(1).expect("the month in the ledger");
        let ledger_row = &ledger_row[..ledger_row.find("</tr>").unwrap()];
        assert!(ledger_row.contains("Paid") && ledger_row.contains("7,000.00 CNY") && ledger_row.contains("1 February 2028"), "{ledger_row}");
        assert!(html.contains("27 February 2028"), "the payment listed: {html}");
        assert!(html.contains("Compensation paid"), "in the history");

        // Waiving: its own page, and nothing happens without the tick.
        let waive = format!("/obligations/{id}/waive");
        let (status, html) = page(&app, &hr, &waive).await;
        assert_eq!(status, 200);
        assert!(html.contains("21,000.00 CNY"), "three more months are owed: {html}");
        let action = format!("/api/v1/obligations/{id}/waive");
        let (to, _, html) = submit_form(&app, &hr, &waive, &action, &[
            ("_irreversible", "1"), ("_next", &detail), ("_done", "obligation_waived"), ("reason", "公司不再需要竞业限制"),
        ]).await;
        assert_eq!(to, waive);
        assert!(html.contains("tick the box to confirm") && html.contains("公司不再需要竞业限制"), "{html}");
        assert_eq!(obligations(&app, &hr_api, &format!("employee_id={}&kind=non_compete", org.dev)).await[0]["status"], "active");
        let (to, _, html) = submit_form(&app, &hr, &waive, &action, &[
            ("_irreversible", "1"), ("_confirm", "yes"), ("_next", &detail), ("_done", "obligation_waived"), ("reason", "公司不再需要竞业限制"),
        ]).await;
        assert_eq!(to, detail);
        assert!(html.contains("The non-compete was waived.") && html.contains("Waived by the company"), "{html}");
        assert!(html.contains("Record a payment") && html.contains("value=\"7\""), "the waiver's three months are paid into like any month: {html}");
        assert_eq!(obligations(&app, &hr_api, &format!("employee_id={}&kind=non_compete", org.dev)).await[0]["status"], "waived");

        speak(&app, &hr, "zh-CN").await;
        let (status, html) = page(&app, &hr, &detail).await;
        assert_eq!(status, 200);
        assert!(html.contains("竞业限制经济补偿") && html.contains("公司放弃") && html.contains("已放弃"), "{html}");
        let (status, html) = page(&app, &hr, &waive).await;
        assert_eq!(status, 200);
        assert!(html.contains("该竞业限制已不再有效"), "{html}");
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (status, html) = page(&app, &sec, &waive).await;
        assert_eq!(status, 403, "HR waives");
        assert!(html.contains("Not for your role"));
        let (status, html) = page(&app, &sec, &detail).await;
        assert_eq!(status, 200);
        assert!(!html.contains("Record a payment"));
    }

    async fn an_extension_is_asked_for_from_the_obligations_page(app: TestApp) {
        let hr_api = app.token_client("api@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "general");
        leave(&app, &hr_api, &org.dev, "2028-01-31", false).await;
        let id = obligations(&app, &hr_api, &format!("employee_id={}&kind=declassification", org.dev)).await[0]["id"]
            .as_str().unwrap().to_string();
        let detail = format!("/obligations/{id}");
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        speak(&app, &hr, "zh-CN").await;
        let action = format!("/api/v1/obligations/{id}/extensions");
        let (to, _, html) = submit_form(&app, &hr, &detail, &action, &[
            ("_next", &detail), ("_done", "obligation_extension_requested"),
            ("new_end", "2028-12-31"), ("reason", "项目仍在保密期"),
        ]).await;
        assert_eq!(to, detail);
        assert!(html.contains("须晚于当前截止日") && html.contains("项目仍在保密期"), "the message translated, what was typed kept: {html}");
        let (_, _, html) = submit_form(&app, &hr, &detail, &action, &[
            ("_next", &detail), ("_done", "obligation_extension_requested"),
            ("new_end", "2029-07-31"), ("reason", "项目仍在保密期"),
        ]).await;
        assert!(html.contains("已提交延长申请") && html.contains("待审批") && html.contains("2029年7月31日"), "{html}");
        assert!(html.contains("提出延长申请"), "in the history");
    }

    async fn a_failed_reminder_sent_again_from_its_page_is_delivered_once(app: TestApp) {
        let hr_api = app.token_client("api@example.com", &["hr"]).await;
        app.run_jobs().await;
        let id = former(&app, &hr_api, "F001", "Fiona Field", "en", None, "none").await;
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        app.run_jobs().await;
        let failed = reminders(&app, &hr_api, &format!("employee_id={id}&status=failed")).await;
        assert_eq!(failed.len(), 1, "no address: it could not be sent");
        let rid = failed[0]["id"].as_str().unwrap().to_string();

        let hr = sign_in(&app, "api@example.com").await;
        let (status, html) = page(&app, &hr, "/reminders?status=failed").await;
        assert_eq!(status, 200);
        assert!(html.contains("Fiona Field") && html.contains("no deliverable address") && html.contains("Send again"), "{html}");
        let rows = csv_rows(&app, &hr, "/reminders?status=failed&format=csv").await;
        assert!(rows[0].starts_with("For,Kind,Due,Status,"), "{rows:?}");
        assert!(rows.iter().any(|r| r.contains("Fiona Field") && r.contains("Failed")), "{rows:?}");

        // HR corrects the address, then sends it again from the page.
        let r = hr_api.patch(app.url(&format!("/api/v1/employees/{id}")))
            .json(&json!({"private_email": "fiona@home.example"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (to, _, html) = submit_form(&app, &hr, "/reminders?status=failed", &format!("/api/v1/reminders/{rid}/resend"), &[
            ("_done", "reminder_resent"),
        ]).await;
        assert_eq!(to, "/reminders?status=failed");
        assert!(html.contains("will be sent again") && !html.contains("Fiona Field"), "no longer failed: {html}");
        app.run_jobs().await;
        app.clock.advance(Duration::hours(1));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("fiona@home.example").len(), 1, "delivered once");

        let detail = format!("/reminders/{rid}");
        let (status, html) = page(&app, &hr, &detail).await;
        assert_eq!(status, 200);
        assert!(html.contains("Dear Fiona Field"), "the text as sent: {html}");
        assert!(html.contains("matches its SHA-256") && html.contains("Sent again on request"), "{html}");
        assert!(!html.contains("<table style="), "never the message's HTML");
        let (_, html) = page(&app, &hr, "/reminders?status=sent").await;
        assert!(html.contains("Fiona Field") && html.contains("@example.com&gt;</code>"), "with its Message-ID: {html}");
        // Sending again what was sent is refused, with the reason.
        let (to, _, html) = submit_form(&app, &hr, &detail, &format!("/api/v1/reminders/{rid}/resend"), &[]).await;
        assert_eq!(to, detail);
        assert!(html.contains("only a failed reminder is sent again"), "{html}");
        assert_eq!(app.smtp.to("fiona@home.example").len(), 1);

        speak(&app, &hr, "zh-CN").await;
        for path in [detail.as_str(), "/reminders", "/reminders?status=scheduled", "/reminders?view=forecast&days=100", "/reminders?status=acknowledged"] {
            let (status, html) = page(&app, &hr, path).await;
            assert_eq!(status, 200, "{path}");
            assert!(html.contains("<h1>提醒"), "{path}: {html}");
        }
        let (_, html) = page(&app, &hr, "/reminders?view=forecast&days=100").await;
        assert!(html.contains("Fiona Field") && html.contains("定期提醒"), "the July reminder is forecast: {html}");
        let rows = csv_rows(&app, &hr, "/reminders?view=forecast&days=100&format=csv").await;
        assert_eq!(rows[0], "时间,类型,收件人,地址");
        let (_, html) = page(&app, &hr, "/reminders?view=forecast&days=0").await;
        assert!(html.contains("aria-invalid=\"true\""), "{html}");
        let security = app.signed_in("sec@example.com", &["security"]).await;
        let (status, html) = page(&app, &security, &detail).await;
        assert_eq!(status, 200);
        assert!(!html.contains("Send again"));
    }

    async fn the_former_employees_page_explains_each_obligation_in_their_language(app: TestApp) {
        let hr_api = app.token_client("api@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr_api, "Q001", "王芳", "zh-CN", Some("wang@home.example"), "core").await;
        let org = small_org(&app, &hr_api).await;
        let r = hr_api.patch(app.url(&format!("/api/v1/employees/{}", org.outsider)))
            .json(&json!({"language": "en", "private_email": "olsen@home.example"})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        leave(&app, &hr_api, &org.outsider, "2028-02-28", true).await;
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        app.run_jobs().await;

        let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let path = app.smtp.to("wang@home.example")[0].ack_path();
        let html = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<h1>您离职后的义务</h1>"));
        assert!(html.contains("自2028年2月29日起") && html.contains("至2031年2月28日止"), "written dates: {html}");
        assert!(html.contains("脱密期（《涉密人员管理制度》第十一条）") && html.contains("核心涉密人员"), "what it means");
        assert!(html.contains("不得到境外驻华机构"), "the core tier's restrictions");
        assert!(html.contains("href=\"/report\""), "a way to report a concern");
        let done = browser.post(app.url(&path)).form(&[("csrf", csrf_of(&html))]).send().await.unwrap().text().await.unwrap();
        assert!(done.contains("已确认于2028年4月1日") && done.contains("目前无需再做任何事"), "{done}");
        assert!(!done.contains("我已知悉上述义务"));

        let path = app.smtp.to("olsen@home.example")[0].ack_path();
        let html = browser.get(app.url(&path)).header("Accept-Language", "zh-CN").send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<h1>Your obligations after leaving</h1>"), "in the person's language");
        assert!(html.contains("Trade secrets") && html.contains("until the information becomes public"), "{html}");
        assert!(html.contains("until the end of 28 February 2030") && html.contains("from 29 February 2028"), "{html}");
        assert!(html.contains("I acknowledge these obligations"));

        // The switch in the header shows the page in the other language.
        let path = app.smtp.to("wang@home.example")[0].ack_path();
        let html = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        let switched = browser.post(app.url("/language"))
            .form(&[("csrf", csrf_of(&html).as_str()), ("lang", "en"), ("back", path.as_str())])
            .send().await.unwrap().text().await.unwrap();
        assert!(switched.contains("<h1>Your obligations after leaving</h1>") && switched.contains("Acknowledged on 1 April 2028"), "{switched}");
    }
}

/// HR, on a phone, finds a non-compete among the obligations, records a month's compensation
/// and sees it paid in the ledger; then sends a failed reminder again. Every page fits the
/// phone's width.
async fn hr_keeps_the_non_compete_ledger_on_a_phone(lang: &str) {
    use crate::browser::{Browser, PHONE};
    let tr = |zh: &'static str, en: &'static str| if lang == "zh-CN" { zh } else { en };
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let Some(mut browser) =
        Browser::open(&app, &format!("ledger_on_phone_{lang}"), lang, PHONE).await
    else {
        return;
    };
    let hr_api = app.token_client("api@example.com", &["hr"]).await;
    app.run_jobs().await; // the schedules start counting from now
    let org = small_org(&app, &hr_api).await;
    let r = hr_api
        .put(app.url(&format!("/api/v1/employees/{}/non-compete", org.dev)))
        .json(
            &json!({"months": 6, "monthly_compensation": 7000.0, "currency": "CNY",
            "scope": "竞争对手的研发岗位", "region": "中国大陆", "bound_as": "senior_technical"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    leave(&app, &hr_api, &org.dev, "2028-01-31", false).await;
    app.add_user("hr@example.com", &["hr"]);
    {
        use diesel::prelude::*;
        use tuomi::db::schema::users;
        diesel::update(users::table.filter(users::email.eq("hr@example.com")))
            .set(users::language.eq(lang))
            .execute(&mut app.db())
            .unwrap();
    }
    browser.goto("/login").await;
    browser
        .fill(tr("电子邮箱", "Email"), "hr@example.com")
        .await;
    browser.fill(tr("密码", "Password"), PASSWORD).await;
    browser.click(tr("登录", "Sign in")).await;

    browser.goto("/obligations?kind=non_compete").await;
    browser.screenshot("list").await;
    assert!(browser.fits_width().await, "the list fits a phone");
    browser.click(tr("查看", "Open")).await;
    browser.screenshot("obligation").await;
    assert!(browser.fits_width().await, "the obligation fits a phone");
    assert_eq!(
        browser.heading().await,
        tr("竞业限制 · 张伟", "Non-compete · 张伟")
    );
    browser.fill("month", "1").await;
    browser.fill("amount", "7000").await;
    browser.fill("paid_on", "2028-02-27").await;
    browser.click(tr("登记支付", "Record the payment")).await;
    browser.screenshot("paid").await;
    assert_eq!(
        browser.text_of("[role=status]").await,
        tr("已登记该笔支付。", "The payment was recorded.")
    );
    let page = browser.text().await;
    assert!(
        page.contains("7,000.00 CNY") && page.contains(tr("2028年2月27日", "27 February 2028")),
        "{page}"
    );
    assert!(browser.fits_width().await);

    // The reminder to the departed employee fails (no private email): sent again from its page.
    app.clock.set(shanghai(2028, 4, 1, 9, 1));
    app.run_jobs().await;
    browser.goto("/login").await;
    browser
        .fill(tr("电子邮箱", "Email"), "hr@example.com")
        .await;
    browser.fill(tr("密码", "Password"), PASSWORD).await;
    browser.click(tr("登录", "Sign in")).await;
    browser.goto("/reminders?status=failed").await;
    browser.screenshot("failed").await;
    assert!(browser.fits_width().await, "the reminders fit a phone");
    browser.click(tr("查看", "Open")).await;
    browser.screenshot("reminder").await;
    assert!(browser.fits_width().await, "the reminder fits a phone");
    browser.click(tr("重新发送", "Send again")).await;
    assert_eq!(
        browser.text_of("[role=status]").await,
        tr(
            "该提醒将在后台任务下次运行时重新发送。",
            "The reminder will be sent again at the worker's next run."
        )
    );
}

#[actix_web::test]
async fn hr_keeps_the_non_compete_ledger_on_a_phone_in_chinese() {
    hr_keeps_the_non_compete_ledger_on_a_phone("zh-CN").await;
}

#[actix_web::test]
async fn hr_keeps_the_non_compete_ledger_on_a_phone_in_english() {
    hr_keeps_the_non_compete_ledger_on_a_phone("en").await;
}
