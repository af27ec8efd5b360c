//! The departure pages: the list (with CSV), starting a departure from the form, the checklist
//! confirmed line by line (also from a manager's start page), completion with an override, the
//! printable register, and HR's start page with its figures and its picture.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, page, post, submit_form};
use crate::on_both_databases;
use crate::people::{Org, add_employee, person, small_org};

/// A browser-like client (no redirects followed) signed in as a manager linked to an employee.
async fn manager(app: &TestApp, email: &str, employee_no: &str) -> reqwest::Client {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    app.add_user(email, &["manager"]);
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::employee_no.eq(employee_no))
        .execute(&mut app.db())
        .unwrap();
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
    assert_eq!(r.status(), 200);
    client
}

/// Switches the signed-in user's language with the switch every page carries.
async fn speak(app: &TestApp, client: &reqwest::Client, lang: &str) {
    let (_, html) = page(app, client, "/").await;
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

fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

async fn carrier(app: &TestApp, hr: &reqwest::Client, tag: &str, copies: i32, custodian: &str) {
    let (s, c) = post(
        app,
        hr,
        "/api/v1/carriers",
        json!({
            "tag": tag, "kind": "document", "classification": "secret", "custodian_id": custodian,
            "copies": copies
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
}

/// Starts the departure of 张伟 (dev) with 陈组长 (lead) as successor; returns it.
async fn start_dev(app: &TestApp, hr: &reqwest::Client, org: &Org) -> Value {
    let (s, dep) = post(
        app,
        hr,
        "/api/v1/departures",
        json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": org.lead
        }),
    )
    .await;
    assert_eq!(s, 201, "{dep}");
    dep
}

/// The register's row for the line whose title contains `title`.
fn register_row<'a>(html: &'a str, title: &str) -> &'a str {
    html.split("<tr class=\"register-line\">")
        .skip(1)
        .map(|r| &r[..r.find("</tr>").unwrap()])
        .find(|r| r.contains(title))
        .unwrap_or_else(|| panic!("a register line for {title}"))
}

/// Starts a second departure (the outsider's), for a second register number.
async fn start_second(app: &TestApp, hr: &reqwest::Client, org: &Org) -> Value {
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": org.outsider, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
        "reason": "resignation"
    }))
    .await;
    assert_eq!(s, 201, "{dep}");
    dep
}

fn line_id(departure: &Value, title_start: &str) -> String {
    departure["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"].as_str().unwrap().starts_with(title_start))
        .unwrap_or_else(|| panic!("no line {title_start}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The figure of the start page's tile linking to `href`.
fn stat(html: &str, href: &str) -> String {
    let marker = format!("<a class=\"stat\" href=\"{href}\"><span class=\"n\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no tile {href}"))
        + marker.len();
    html[start..].split('<').next().unwrap().to_string()
}

on_both_databases! {
    async fn the_pages_speak_both_languages_to_every_staff_role_and_a_manager_sees_only_their_team(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        carrier(&app, &hr, "DOC-3", 3, &org.dev).await;
        let dep = start_dev(&app, &hr, &org).await;
        let id = dep["id"].as_str().unwrap();
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let boss = manager(&app, "boss@example.com", "M001").await;
        let paths = [
            "/departures".to_string(),
            "/departures?status=in_progress&sort=-name".to_string(),
            format!("/departures/{id}"),
            format!("/departures/{id}/register"),
        ];
        for client in [&hr, &sec, &admin, &boss] {
            for path in &paths {
                let (s, html) = page(&app, client, path).await;
                assert_eq!(s, 200, "{path}: {html}");
                assert!(html.contains("张伟") && html.contains("Last working day"), "{path}: {html}");
            }
            speak(&app, client, "zh-CN").await;
            for path in &paths {
                let (s, html) = page(&app, client, path).await;
                assert_eq!(s, 200, "{path}");
                assert!(html.contains("张伟") && html.contains("最后工作日"), "{path}: {html}");
                assert!(!html.contains("Last working day"), "{path}");
            }
            let (s, html) = page(&app, client, &format!("/departures/{id}")).await;
            assert_eq!(s, 200);
            assert!(html.contains("2028年2月29日") && html.contains("辞职"), "dates and reasons in Chinese");
        }
        // HR and the manager see the confirm forms; security reads only.
        let (_, html) = page(&app, &hr, &format!("/departures/{id}")).await;
        assert!(html.contains("/confirm\"") && html.contains("/complete\""));
        let (_, html) = page(&app, &boss, &format!("/departures/{id}")).await;
        assert!(html.contains("/confirm\"") && !html.contains("/complete\""));
        let (_, html) = page(&app, &sec, &format!("/departures/{id}")).await;
        assert!(!html.contains("/confirm\""));

        // Another team's manager: an empty list, and the departure itself refused.
        let other = manager(&app, "other@example.com", "X001").await;
        let (s, html) = page(&app, &other, "/departures").await;
        assert_eq!(s, 200);
        assert!(!html.contains("张伟"));
        let (s, html) = page(&app, &other, &format!("/departures/{id}")).await;
        assert_eq!(s, 403);
        assert!(html.contains("Not for your role") && !html.contains("DOC-3"));
        let (s, _) = page(&app, &other, &format!("/departures/{id}/register")).await;
        assert_eq!(s, 403);
        // Only HR starts departures.
        let (s, _) = page(&app, &boss, "/departures/new").await;
        assert_eq!(s, 403);
        // A stranger is sent to sign in.
        let r = app.get("/departures").await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
    }

    async fn the_list_filters_sorts_and_exports_csv_with_a_bom(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        start_dev(&app, &hr, &org).await;
        let (s, _) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.outsider, "notice_date": "2028-02-01", "last_working_day": "2028-03-31",
            "reason": "retirement"
        })).await;
        assert_eq!(s, 201);
        let (_, html) = page(&app, &hr, "/departures?sort=-last_working_day").await;
        let (olsen, zhang) = (html.find("Outsider Olsen").unwrap(), html.find("张伟").unwrap());
        assert!(olsen < zhang, "latest last working day first");
        assert!(html.contains("aria-sort=\"descending\""));
        let (_, html) = page(&app, &hr, "/departures?q=d001").await;
        assert!(html.contains("张伟") && !html.contains("Outsider Olsen"), "searched by number");
        let (_, html) = page(&app, &hr, "/departures?status=completed").await;
        assert!(!html.contains("张伟"));
        let (s, _) = page(&app, &hr, "/departures?sort=salary").await;
        assert_eq!(s, 422, "an unknown sort is refused");
        let body: Value = hr.get(app.url("/api/v1/departures?sort=name&q=olsen")).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["total"], 1, "the API takes the same filters");

        let r = hr.get(app.url("/departures?format=csv&per_page=1")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Employee number,Employee,Reason"), "{text}");
        assert_eq!(lines.len(), 3, "every row, not one page: {text}");
        assert!(text.contains("D001,张伟,Resignation,2028-01-31,2028-02-29,In progress"), "{text}");
    }

    async fn hr_starts_a_departure_from_the_form_and_a_refused_form_keeps_what_was_typed(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // Find the person by name, then the successor by number: links that choose them.
        let (s, html) = page(&app, &hr, "/departures/new?q=%E5%BC%A0").await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("href=\"/departures/new?employee_id={}\"", org.dev)), "{html}");
        let (_, html) = page(&app, &hr, &format!("/departures/new?employee_id={}&successor_q=L001", org.dev)).await;
        assert!(html.contains(&format!("/departures/new?successor_id={}&amp;employee_id={}", org.lead, org.dev)), "{html}");
        let form = format!("/departures/new?employee_id={}&successor_id={}", org.dev, org.lead);
        let (_, html) = page(&app, &hr, &form).await;
        assert!(html.contains("张伟") && html.contains("陈组长") && html.contains("name=\"notice_date\""));

        let fields = |notice: &'static str| {
            vec![
                ("employee_id", org.dev.clone()), ("successor_id", org.lead.clone()),
                ("notice_date", notice.to_string()), ("last_working_day", "2028-02-29".to_string()),
                ("reason", "dismissal".to_string()), ("_next", "/departures/{id}".to_string()),
                ("_done", "departure_started".to_string()),
            ]
        };
        let bad = fields("2028-03-01");
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (to, _, html) = submit_form(&app, &hr, &form, "/api/v1/departures", &bad).await;
        assert_eq!(to, form, "back to the form");
        assert!(html.contains("must not be before notice_date"), "{html}");
        assert!(html.contains("value=\"2028-03-01\"") && html.contains("<option value=\"dismissal\" selected>"), "typed values kept");
        assert!(html.contains("aria-invalid=\"true\""));
        speak(&app, &hr, "zh-CN").await;
        let (_, _, html) = submit_form(&app, &hr, &form, "/api/v1/departures", &bad).await;
        assert!(html.contains("不得早于提出日期"), "the message in Chinese");
        speak(&app, &hr, "en").await;

        let good = fields("2028-01-31");
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (to, s, html) = submit_form(&app, &hr, &form, "/api/v1/departures", &good).await;
        assert_eq!(s, 200);
        assert!(to.starts_with("/departures/") && to != form, "{to}");
        assert!(html.contains("The departure has started"), "{html}");
        assert!(html.contains("陈组长") && html.contains("Dismissal"));
        // The person is no longer active: the form says so instead of offering itself.
        let (_, html) = page(&app, &hr, &format!("/departures/new?employee_id={}", org.dev)).await;
        assert!(html.contains("Only an active employee") && !html.contains("name=\"notice_date\""));
    }

    async fn a_manager_confirms_a_line_from_the_start_page_in_a_couple_of_taps(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.lead, "important");
        carrier(&app, &hr, "DOC-3", 3, &org.dev).await;
        let dep = start_dev(&app, &hr, &org).await;
        let doc = line_id(&dep, "DOC-3");
        let boss = manager(&app, "boss@example.com", "M001").await;
        let (_, html) = page(&app, &boss, "/").await;
        assert!(html.contains("Checklist lines to confirm") && html.contains("DOC-3"), "{html}");
        let action = format!("/api/v1/departures/{}/lines/{doc}/confirm", dep["id"].as_str().unwrap());
        assert!(html.contains(&format!("action=\"{action}\"")));
        // My team: the direct report with their tier, linking to their page.
        assert!(html.contains(&format!("href=\"/employees/{}\"", org.lead)));
        assert!(html.contains("badge tier-important"));

        // The form comes back to the start page, at itself (its own _back).
        let back = format!("/?line={doc}#line-{doc}");
        assert!(html.contains(&format!("name=\"_back\" value=\"{back}\"")));
        let (to, _, html) = submit_form(&app, &boss, "/", &action, &[
            ("_back", &back), ("_next", "/"), ("_done", "line_confirmed"),
            ("outcome", "returned"), ("count", "2"),
        ]).await;
        assert_eq!(to, back);
        assert!(html.contains("The count does not match the register"), "{html}");
        assert!(html.contains("value=\"2\""), "the count typed comes back");
        let (to, _, html) = submit_form(&app, &boss, "/", &action, &[
            ("_back", &back), ("_next", "/"), ("_done", "line_confirmed"),
            ("outcome", "returned"), ("count", "3"), ("note", "清点无误"),
        ]).await;
        assert_eq!(to, "/");
        assert!(html.contains("The line is confirmed."));
        assert!(!html.contains(&format!("action=\"{action}\"")), "no longer to confirm");
        let now: Value = hr.get(app.url(&format!("/api/v1/departures/{}", dep["id"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
        let line = now["lines"].as_array().unwrap().iter().find(|l| l["id"] == doc.as_str()).unwrap().clone();
        assert_eq!(line["status"], "returned");
        assert_eq!(line["counted"], 3);
        // In Chinese too.
        speak(&app, &boss, "zh-CN").await;
        let (s, html) = page(&app, &boss, "/").await;
        assert_eq!(s, 200);
        assert!(html.contains("待确认的清单项") && html.contains("我的团队") && html.contains("重要涉密"));
        // A manager with no employee record is told why nothing shows.
        let unlinked = app.signed_in("m2@example.com", &["manager"]).await;
        let (_, html) = page(&app, &unlinked, "/").await;
        assert!(html.contains("not linked to an employee record"));
    }

    async fn hr_adds_a_line_and_completes_with_an_override_after_ticking_the_box(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let dep = start_dev(&app, &hr, &org).await;
        let id = dep["id"].as_str().unwrap().to_string();
        let here = format!("/departures/{id}");
        let (_, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/departures/{id}/lines"), &[
            ("title", "交还公章"), ("_done", "line_added"),
        ]).await;
        assert!(html.contains("The line is added") && html.contains("交还公章"));
        let (_, html) = page(&app, &hr, &here).await;
        assert!(html.contains("name=\"override_reason\"") && html.contains("Checklist lines still open: 5"), "{html}");
        // Before the end of the last working day the form's message says it takes effect then.
        assert!(html.contains("value=\"departure_completed_later\""), "{html}");

        let complete = format!("/api/v1/departures/{id}/complete");
        let fields = [
            ("_next", "/departures/{id}"), ("_done", "departure_completed"), ("_irreversible", "1"),
            ("override_reason", "当事人已失联"), ("trade_secret", "true"),
        ];
        let (to, _, html) = submit_form(&app, &hr, &here, &complete, &fields).await;
        assert_eq!(to, here, "not done without the tick");
        assert!(html.contains("当事人已失联"), "what was typed comes back");
        let mut ticked = fields.to_vec();
        ticked.push(("_confirm", "yes"));
        let (to, _, html) = submit_form(&app, &hr, &here, &complete, &ticked).await;
        assert_eq!(to, here);
        assert!(html.contains("The departure is completed"), "{html}");
        assert!(html.contains("badge departure-completed") && html.contains("当事人已失联"));
        assert!(!html.contains(&format!("action=\"{complete}\"")), "completed once");
        assert!(html.contains("Departure completed") && html.contains("Line added"), "the history");
        assert!(html.contains("takes effect at the end of 29 February 2028"), "{html}");
        // The session would not outlive the day; a token does.
        let api = app.token_client("hr2@example.com", &["hr"]).await;
        app.past_the_last_working_day().await;
        let (_, html) = page(&app, &api, &here).await;
        assert!(!html.contains("takes effect at the end of"), "in effect now");
        let obligations: Value = api.get(app.url(&format!("/api/v1/obligations?employee_id={}&kind=trade_secret", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(obligations["total"], 1, "the tick box reached the API");
    }

    async fn the_register_lists_every_line_with_counts_outcomes_and_signatures(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        carrier(&app, &hr, "DOC-3", 3, &org.dev).await;
        carrier(&app, &hr, "USB-1", 1, &org.dev).await;
        let dep = start_dev(&app, &hr, &org).await;
        let id = dep["id"].as_str().unwrap();
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{}/confirm", line_id(&dep, "DOC-3")), json!({"outcome": "returned", "count": 3})).await;
        assert_eq!(s, 200);
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{}/confirm", line_id(&dep, "USB-1")), json!({"outcome": "missing", "note": "无法找到"})).await;
        assert_eq!(s, 200);
        let (s, html) = page(&app, &hr, &format!("/departures/{id}/register")).await;
        assert_eq!(s, 200, "{html}");
        // The register is in its reader's language, English here.
        for title in ["DOC-3", "USB-1", "Secret files handed over to the successor", "Accounts and access revoked", "Exit confidentiality pledge signed", "Exit interview held"] {
            assert!(html.contains(title), "{title} listed");
        }
        assert!(html.contains("Returned") && html.contains("Missing") && html.contains("无法找到"));
        assert!(html.contains("Test User 测试"), "who confirmed");
        assert!(html.contains("Departing employee") && html.contains("Successor (receipt of the handover)") && html.contains("Manager") && html.contains("class=\"signature\""));
        assert!(html.contains("陈组长"), "the successor named for the signature");
        // Numbered for the year it started in (today is 28 February 2028), each carrier with
        // its 密级, and copies only for things.
        assert!(html.contains("Register no. <strong>2028-0001</strong>"), "{html}");
        assert!(html.contains("陈组长 · L001"), "the manager by name and number");
        let row = |title: &str| register_row(&html, title);
        assert!(row("DOC-3").contains(">Secret<") && row("DOC-3").contains(">3<"), "{}", row("DOC-3"));
        let accounts = row("Accounts and access revoked");
        assert!(!accounts.contains(">Secret<") && !accounts.contains(">1<") && accounts.matches(">—<").count() == 3, "no 密级, no copies: {accounts}");
        let dep2 = start_second(&app, &hr, &org).await;
        let (_, html) = page(&app, &hr, &format!("/departures/{}/register", dep2["id"].as_str().unwrap())).await;
        assert!(html.contains("2028-0002"), "the year's next number");
        // The loss is on HR's start page and behind it, the list of departures with one.
        let (_, home) = page(&app, &hr, "/").await;
        assert_eq!(stat(&home, "/departures?loss=open"), "1");
        let (_, list) = page(&app, &hr, "/departures?loss=open").await;
        assert!(list.contains("张伟"));
        // The emails the test queued (the notice of the loss) go out before it ends.
        app.run_jobs().await;
    }

    async fn hrs_start_page_counts_what_is_there_and_draws_24_months(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // Three people who left a general-tier post: their declassification periods end on
        // 15 and 20 March and 10 May 2028 (today is 28 February 2028).
        let a = add_employee(&app, &hr, person("A001", "甲", None)).await;
        let b = add_employee(&app, &hr, person("B001", "乙", None)).await;
        let c = add_employee(&app, &hr, person("C001", "丙", None)).await;
        let r = hr.put(app.url(&format!("/api/v1/employees/{c}/non-compete")))
            .json(&json!({"months": 12, "monthly_compensation": 8000.0, "currency": "CNY",
                "scope": "竞争对手", "region": "中国大陆", "bound_as": "senior_technical", "average_monthly_wage": 20000.0}))
            .send().await.unwrap();
        assert_eq!(r.status(), 200);
        for (who, last) in [(&a, "2027-03-15"), (&b, "2027-03-20"), (&c, "2027-05-10")] {
            set_tier(&app, who, "general");
            let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
                "employee_id": who, "notice_date": "2027-02-01", "last_working_day": last, "reason": "resignation"
            })).await;
            assert_eq!(s, 201, "{dep}");
            let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{}/complete", dep["id"].as_str().unwrap()), json!({"override_reason": "补录"})).await;
            app.past_the_last_working_day().await;
            assert_eq!(s, 200);
        }
        start_dev(&app, &hr, &org).await;
        // Three reminders sent and not acknowledged, two that could not be delivered.
        {
            use diesel::prelude::*;
            use tuomi::db::schema::reminders;
            let at = chrono::NaiveDate::from_ymd_opt(2028, 2, 1).unwrap().and_hms_opt(1, 0, 0).unwrap();
            for (i, status) in ["sent", "sent", "sent", "failed", "failed"].iter().enumerate() {
                diesel::insert_into(reminders::table)
                    .values((
                        reminders::id.eq(format!("r{i}")), reminders::unique_key.eq(format!("k{i}")),
                        reminders::employee_id.eq(&a), reminders::kind.eq("periodic"),
                        reminders::period.eq(format!("p{i}")), reminders::due_at.eq(at),
                        reminders::status.eq(*status), reminders::created_at.eq(at),
                        reminders::updated_at.eq(at),
                    ))
                    .execute(&mut app.db())
                    .unwrap();
            }
        }

        let (s, html) = page(&app, &hr, "/").await;
        assert_eq!(s, 200);
        assert_eq!(stat(&html, "/departures?status=in_progress"), "1");
        assert_eq!(stat(&html, "/obligations?ending_within_days=30&amp;status=active"), "2");
        // …and within 90 days also C's declassification and non-compete (10 May).
        assert_eq!(stat(&html, "/obligations?ending_within_days=90&amp;status=active"), "4");
        assert_eq!(stat(&html, "/reminders?status=sent"), "3");
        assert_eq!(stat(&html, "/reminders?status=failed"), "2");
        assert_eq!(stat(&html, "/departures?loss=open"), "0");
        // C's non-compete ran from 11 May 2027 unpaid: its first nine term months (to 10
        // February 2028, due on 25 February) are late; the tenth runs to 10 March, so none
        // has ended and awaits payment.
        let late = html.find("/obligations?kind=non_compete&amp;status=active\"><span class=\"n\">9</span>");
        let due = html.find("/obligations?kind=non_compete&amp;status=active\"><span class=\"n\">0</span>");
        assert!(late.is_some() && due.is_some(), "{html}");
        assert!(html.contains("张伟"), "the departure in progress is listed");

        // The picture: 24 months from February 2028, each a bar; 2 in March 2028.
        assert_eq!(html.matches("<rect class=\"bar\"").count(), 24);
        assert!(html.contains("role=\"img\""));
        assert!(html.contains("<title>March 2028: 2</title>") && html.contains("<title>May 2028: 2</title>"));
        assert!(html.contains("<title>January 2030: 0</title>"));
        assert!(html.contains("February 2028 to January 2030: 7 in all"), "{html}");
        assert!(!html.contains("style=\""), "no inline style");

        speak(&app, &hr, "zh-CN").await;
        let (s, html) = page(&app, &hr, "/").await;
        assert_eq!(s, 200);
        assert!(html.contains("离职与义务") && html.contains("<title>2028年3月: 2</title>"));
        assert!(html.contains(">3月</text>"));
        assert_eq!(html.matches("<rect class=\"bar\"").count(), 24);
    }

    async fn the_successor_signs_for_a_handover_on_the_departure_page(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let dep = start_dev(&app, &hr, &org).await;
        let id = dep["id"].as_str().unwrap();
        let secrets = line_id(&dep, "涉密文件");
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{id}/lines/{secrets}/confirm"), json!({"outcome": "handed_over"})).await;
        assert_eq!(s, 200);
        let lead = manager(&app, "lead@example.com", "L001").await;
        let here = format!("/departures/{id}");
        let (_, html) = page(&app, &lead, &here).await;
        assert!(html.contains("waiting for the successor") && html.contains("I have received it"), "{html}");
        let (_, _, html) = submit_form(&app, &lead, &here, &format!("/api/v1/departures/{id}/lines/{secrets}/receive"), &[("_done", "handover_received")]).await;
        assert!(html.contains("You have signed for the handover") && html.contains("signed for"));
        assert!(!html.contains("I have received it"));
        // The emails the test queued (the successor's request to sign for the handover) go out before it ends.
        app.run_jobs().await;
    }

    async fn each_reader_sees_the_checklist_titles_in_their_language_even_from_an_old_policy(app: TestApp) {
        use diesel::prelude::*;
        use tuomi::db::schema::{employees, policy_versions};
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // A policy stored before the titles were kept per language: one "中文 · English" a line.
        let mut old = serde_json::to_value(tuomi::domain::policy::Policy::default()).unwrap();
        old["checklist"] = json!([
            {"kind": "secrets_handover", "title": "涉密文件资料移交接替人 · Secret files handed over to the successor"},
            {"kind": "custom", "title": "交还门禁卡"}
        ]);
        let admin_id = app.add_user("admin@example.com", &["admin"]);
        diesel::insert_into(policy_versions::table)
            .values((
                policy_versions::version.eq(1),
                policy_versions::body.eq(old.to_string()),
                policy_versions::created_at.eq(crate::helpers::test_start().naive_utc()),
                policy_versions::created_by.eq(&admin_id),
            ))
            .execute(&mut app.db())
            .unwrap();
        let policy: Value = hr.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        assert_eq!(policy["policy"]["checklist"], json!([
            {"kind": "secrets_handover", "title": "涉密文件资料移交接替人", "title_en": "Secret files handed over to the successor"},
            {"kind": "custom", "title": "交还门禁卡", "title_en": "交还门禁卡"}
        ]), "the old policy loads, each title split into its two languages");

        // The successor reads English.
        diesel::update(employees::table.find(&org.outsider))
            .set(employees::language.eq("en"))
            .execute(&mut app.db())
            .unwrap();
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": org.outsider
        })).await;
        assert_eq!(s, 201, "{dep}");
        let id = dep["id"].as_str().unwrap();
        let secrets = &dep["lines"][0];
        assert_eq!(secrets["title"], "涉密文件资料移交接替人 · Secret files handed over to the successor", "the API's title as it was");
        assert_eq!((&secrets["title_zh"], &secrets["title_en"]), (&json!("涉密文件资料移交接替人"), &json!("Secret files handed over to the successor")));

        let (_, html) = page(&app, &hr, &format!("/departures/{id}")).await;
        assert!(html.contains("Secret files handed over to the successor") && !html.contains("涉密文件资料移交接替人"), "{html}");
        speak(&app, &hr, "zh-CN").await;
        let (_, html) = page(&app, &hr, &format!("/departures/{id}")).await;
        assert!(html.contains("涉密文件资料移交接替人") && !html.contains("Secret files"), "{html}");

        let confirm = format!("/api/v1/departures/{id}/lines/{}/confirm", secrets["id"].as_str().unwrap());
        assert_eq!(post(&app, &hr, &confirm, json!({"outcome": "handed_over"})).await.0, 200);
        // 陈组长 (Chinese) is the successor of the manager's own departure.
        let (s, boss_dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.boss, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": org.lead
        })).await;
        assert_eq!(s, 201, "{boss_dep}");
        let confirm = format!("/api/v1/departures/{}/lines/{}/confirm", boss_dep["id"].as_str().unwrap(), boss_dep["lines"][0]["id"].as_str().unwrap());
        assert_eq!(post(&app, &hr, &confirm, json!({"outcome": "handed_over"})).await.0, 200);
        app.run_jobs().await;

        let english = app.smtp.to("x001@corp.example");
        assert_eq!(english.len(), 1);
        let text = english[0].text();
        assert!(text.contains("Secret files handed over to the successor") && !text.contains("涉密文件"), "{text}");
        assert!(!english[0].html().contains("涉密文件"));
        // The receipt page the email links to is in the successor's language too.
        let start = text.find("/receipt/").expect("a signing link");
        let path = text[start..].split_whitespace().next().unwrap();
        let receipt = reqwest::get(app.url(path)).await.unwrap().text().await.unwrap();
        assert!(receipt.contains("Secret files handed over to the successor") && !receipt.contains("涉密文件"), "{receipt}");
        let chinese = app.smtp.to("l001@corp.example");
        assert_eq!(chinese.len(), 1);
        let text = chinese[0].text();
        assert!(text.contains("涉密文件资料移交接替人") && !text.contains("Secret files"), "{text}");
    }
}
