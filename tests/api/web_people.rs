//! The pages of the people and carrier registers: each for its roles in both languages and
//! refused to the others, their forms acting through the API (a message after, or the form
//! back with the field at fault and what was typed), the CSV exports, the timeline picture,
//! the printable pledge and the import upload.

use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_of, page, post, submit_form};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

/// Sets a user's language (a signed-in user's pages follow it, not the browser's).
fn speak(app: &TestApp, email: &str, lang: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::language.eq(lang))
        .execute(&mut app.db())
        .unwrap();
}

fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

/// The text of a CSV download, checking the byte-order mark.
async fn csv(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    String::from_utf8(bytes[3..].to_vec()).unwrap()
}

/// The rows of the first table of a page, as the texts of their first cells.
fn first_cells(html: &str) -> Vec<String> {
    let body = html
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let cell = row.split("<td").nth(1).unwrap();
            let text = cell
                .split_once('>')
                .unwrap()
                .1
                .split("</td>")
                .next()
                .unwrap();
            text.trim().to_string()
        })
        .collect()
}

async fn register_carrier(
    app: &TestApp,
    hr: &reqwest::Client,
    tag: &str,
    custodian: Option<&str>,
) -> String {
    let (s, c) = post(
        app,
        hr,
        "/api/v1/carriers",
        json!({
            "tag": tag, "kind": "document", "description": "设计图纸", "classification": "secret",
            "custodian_id": custodian, "copies": 2
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// SQL statements run by one request as `client`, by the service's own counter in /metrics.
async fn statements(app: &TestApp, client: &reqwest::Client, path: &str) -> u64 {
    let count = || async {
        let text = app.metrics().await.text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("tuomi_sql_statements_total "))
            .expect("the statement counter in /metrics")
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let before = count().await;
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let _ = r.bytes().await;
    count().await - before
}

async fn seeded(app: &TestApp, employees: &str) -> reqwest::Client {
    let out = app
        .command(&["dev", "seed", "--employees", employees])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.token_client("hr@example.com", &["hr"]).await
}

on_both_databases! {
    async fn the_register_pages_run_as_many_statements_for_many_rows_as_for_few(small: TestApp) {
        let Some(large) = TestApp::spawn(small.backend()).await else { return };
        let few = seeded(&small, "30").await;
        let many = seeded(&large, "600").await;
        let pages = [
            "/employees?per_page=200",
            "/employees?per_page=200&sort=-hire_date&status=active",
            "/employees?format=csv",
            "/carriers?per_page=200&status=in_custody",
            "/carriers?format=csv&sort=-classification",
        ];
        for path in pages {
            statements(&small, &few, path).await;
            statements(&large, &many, path).await;
        }
        for path in pages {
            let a = statements(&small, &few, path).await;
            let b = statements(&large, &many, path).await;
            assert!(a > 0, "{path}: the counter counts");
            assert_eq!(a, b, "{path}: {a} statements for a few rows, {b} for many");
        }
    }

    async fn a_persons_page_and_a_carriers_page_run_as_many_statements_for_many_records_as_for_few(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (_, text) = post(&app, &admin, "/api/v1/pledge-texts", json!({
            "kind": "entry", "title_zh": "保密承诺书", "body_zh": "本人承诺……", "title_en": "Pledge", "body_en": "I pledge…"
        })).await;
        let pledge = json!({"pledge_text_id": text["id"], "method": "paper", "signed_on": "2028-02-28", "scan_ref": "s"});
        let pledges = format!("/api/v1/employees/{}/pledges", org.dev);
        let carrier = register_carrier(&app, &hr, "C-0", Some(&org.dev)).await;
        assert_eq!(post(&app, &hr, &pledges, pledge.clone()).await.0, 201);
        let (s, _) = post(&app, &hr, &format!("/api/v1/employees/{}/clearance-changes", org.dev), json!({"to_tier": "general", "reason": "岗位"})).await;
        assert_eq!(s, 201);
        let here = format!("/employees/{}", org.dev);
        let there = format!("/carriers/{carrier}");
        statements(&app, &hr, &here).await;
        let (person_few, carrier_few) = (statements(&app, &hr, &here).await, statements(&app, &hr, &there).await);
        for i in 1..6 {
            register_carrier(&app, &hr, &format!("C-{i}"), Some(&org.dev)).await;
            assert_eq!(post(&app, &hr, &pledges, pledge.clone()).await.0, 201);
            let to = if i % 2 == 1 { &org.lead } else { &org.dev };
            let (s, _) = post(&app, &hr, &format!("/api/v1/carriers/{carrier}/transfer"), json!({"to_custodian_id": to})).await;
            assert_eq!(s, 200);
        }
        let (person_many, carrier_many) = (statements(&app, &hr, &here).await, statements(&app, &hr, &there).await);
        assert_eq!(person_few, person_many, "a person with 1 carrier and pledge, then 6");
        assert_eq!(carrier_few, carrier_many, "a carrier with 1 event, then 6");
    }


    async fn the_register_is_searched_sorted_and_exported_by_every_role_in_both_languages(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");

        let (status, html) = page(&app, &hr, "/employees").await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>People</h1>"), "{html}");
        assert!(html.contains(&format!("href=\"/employees/{}\"", org.dev)), "each row links to the person");
        assert!(html.contains("href=\"/employees/new\""), "HR adds people");
        assert_eq!(first_cells(&html).len(), 4);

        let (_, html) = page(&app, &hr, "/employees?q=%E5%BC%A0").await;
        assert_eq!(first_cells(&html), ["D001"], "search by name");
        let (_, html) = page(&app, &hr, "/employees?q=x001").await;
        assert_eq!(first_cells(&html), ["X001"], "search by number");
        let (_, html) = page(&app, &hr, "/employees?sort=-employee_no").await;
        assert_eq!(first_cells(&html), ["X001", "M001", "L001", "D001"]);
        assert!(html.contains("aria-sort=\"descending\""));
        let (_, html) = page(&app, &hr, "/employees?sort=tier&per_page=1&page=4").await;
        assert_eq!(first_cells(&html), ["D001"], "core sorts last by secrecy");
        assert!(html.contains("rel=\"prev\""), "the pager keeps the other parameters");
        assert!(html.contains("href=\"?sort=tier&amp;per_page=1&amp;page=3\"") || html.contains("href=\"?sort=tier&per_page=1&page=3\""), "{html}");
        let (_, html) = page(&app, &hr, "/employees?tier=core&status=active").await;
        assert_eq!(first_cells(&html), ["D001"]);
        let (status, _) = page(&app, &hr, "/employees?sort=salary").await;
        assert_eq!(status, 422, "sorting only by the listed columns");

        let text = csv(&app, &hr, "/employees?department=%E7%A0%94%E5%8F%91%E9%83%A8&per_page=1&format=csv").await;
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Employee number,Name,Department"), "{text}");
        assert_eq!(lines.len(), 5, "every matching row, not one page: {text}");
        assert!(text.contains("D001,张伟,研发部,工程师,Core,Active,L001,陈组长"), "{text}");

        speak(&app, "hr@example.com", "zh-CN");
        let (_, html) = page(&app, &hr, "/employees").await;
        assert!(html.contains("<h1>人员</h1>") && html.contains("核心涉密人员"), "{html}");
        let text = csv(&app, &hr, "/employees?format=csv").await;
        assert!(text.starts_with("工号,姓名,部门"), "{text}");

        for (email, role) in [("admin@example.com", "admin"), ("sec@example.com", "security")] {
            let client = app.signed_in(email, &[role]).await;
            for lang in ["en", "zh-CN"] {
                speak(&app, email, lang);
                let (status, html) = page(&app, &client, "/employees").await;
                assert_eq!(status, 200, "{role} {lang}");
                assert_eq!(first_cells(&html).len(), 4);
                let (status, _) = page(&app, &client, &format!("/employees/{}", org.dev)).await;
                assert_eq!(status, 200, "{role} {lang}");
            }
        }

        // A manager sees their reports only, and nobody else's page.
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let (status, html) = page(&app, &boss, "/employees").await;
        assert_eq!(status, 200);
        let mut seen = first_cells(&html);
        seen.sort();
        assert_eq!(seen, ["D001", "L001"]);
        assert!(!html.contains("href=\"/employees/new\""), "managers do not add people");
        let (status, html) = page(&app, &boss, &format!("/employees/{}", org.outsider)).await;
        assert_eq!(status, 403);
        assert!(html.contains("Not for your role"), "{html}");
        assert!(!html.contains("Outsider Olsen"));
        speak(&app, "boss@example.com", "zh-CN");
        let (status, html) = page(&app, &boss, &format!("/employees/{}", org.dev)).await;
        assert_eq!(status, 200);
        assert!(html.contains("张伟") && html.contains("提议变更涉密等级"), "a manager proposes tiers for reports");
        let (status, html) = page(&app, &boss, "/employees/no-such-person").await;
        assert_eq!(status, 404);
        assert!(html.contains("页面不存在"));
        let (_, html) = page(&app, &boss, &format!("/employees?manager_id={}", org.lead)).await;
        assert_eq!(first_cells(&html), ["D001"], "the reports of one manager");

        // A stranger is sent to sign in.
        let r = app.get("/employees?q=x").await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
    }

    async fn a_new_person_is_added_through_the_form_and_a_bad_field_keeps_what_was_typed(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        for lang in ["en", "zh-CN"] {
            speak(&app, "hr@example.com", lang);
            let (status, html) = page(&app, &hr, "/employees/new").await;
            assert_eq!(status, 200, "{lang}");
            assert!(html.contains("name=\"manager_no\""));
        }
        speak(&app, "hr@example.com", "en");
        let (_, html) = page(&app, &hr, &format!("/employees/new?manager_id={}", org.lead)).await;
        assert!(html.contains("value=\"L001\""), "a link from the manager's page fills the manager");

        let fields = [
            ("_next", "/employees/{id}"), ("_done", "people_created"),
            ("employee_no", "E200"), ("name", "王芳"), ("department", "法务部"), ("title", "法务"),
            ("manager_no", "L001"), ("work_email", "e200@corp.example"), ("private_email", ""),
            ("language", "zh-CN"), ("hire_date", "2024-03-01"),
        ];
        let (to, status, html) = submit_form(&app, &hr, "/employees/new", "/api/v1/employees", &fields).await;
        assert_eq!(status, 200);
        assert!(to.starts_with("/employees/") && to.len() > "/employees/".len() + 8, "{to}");
        assert!(html.contains("The person was added."), "{html}");
        assert!(html.contains("王芳") && html.contains("陈组长"), "the new person's page with their manager");
        assert!(html.contains("1 March 2024"));

        // Refused: the fields at fault say why, and what was typed is still there.
        let fields = [
            ("_next", "/employees/{id}"), ("_done", "people_created"),
            ("employee_no", "E 201"), ("name", "赵六"), ("department", "法务部"),
            ("manager_no", "NOBODY"), ("work_email", "not-an-email"),
        ];
        let (to, status, html) = submit_form(&app, &hr, "/employees/new", "/api/v1/employees", &fields).await;
        assert_eq!((to.as_str(), status), ("/employees/new", 200));
        assert!(html.contains("Some fields need attention"), "{html}");
        assert!(html.contains("must not contain spaces"));
        assert!(html.contains("value=\"赵六\"") && html.contains("value=\"E 201\""), "typed values kept");
        assert!(html.contains("aria-invalid=\"true\""));
        // The manager's number is checked once the person's own fields are right.
        let fields = [
            ("employee_no", "E201"), ("name", "赵六"), ("department", "法务部"), ("manager_no", "NOBODY"),
        ];
        speak(&app, "hr@example.com", "zh-CN");
        let (_, _, html) = submit_form(&app, &hr, "/employees/new", "/api/v1/employees", &fields).await;
        assert!(html.contains("没有此工号的人员"), "the message in the reader's language: {html}");
        assert!(html.contains("value=\"NOBODY\""));

        let listed: Value = hr.get(app.url("/api/v1/employees?q=E201")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["total"], 0, "nothing was created");

        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (status, html) = page(&app, &sec, "/employees/new").await;
        assert_eq!(status, 403, "only admin and HR add people");
        assert!(html.contains("Not for your role"));
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        assert_eq!(page(&app, &boss, "/employees/new").await.0, 403);
        let _ = org;
    }

    async fn the_person_page_edits_proposes_records_pledges_and_non_compete_terms(app: TestApp) {
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (s, text) = post(&app, &admin, "/api/v1/pledge-texts", json!({
            "kind": "entry", "title_zh": "保密承诺书", "body_zh": "本人承诺遵守保密规定。\n不泄露国家秘密。",
            "title_en": "Confidentiality pledge", "body_en": "I pledge to keep secrets."
        })).await;
        assert_eq!(s, 201);
        register_carrier(&app, &hr, "DOC-9", Some(&org.dev)).await;
        let here = format!("/employees/{}", org.dev);

        for lang in ["en", "zh-CN"] {
            speak(&app, "hr@example.com", lang);
            let (status, html) = page(&app, &hr, &here).await;
            assert_eq!(status, 200, "{lang}");
            assert!(html.contains("DOC-9"), "the carriers held");
            assert!(html.contains(&format!("href=\"/departures/new?employee_id={}\"", org.dev)));
        }
        speak(&app, "hr@example.com", "en");

        // Edit.
        let (to, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}", org.dev), &[
            ("_method", "PATCH"), ("_next", &here), ("_done", "people_saved"),
            ("employee_no", "D001"), ("name", "张伟"), ("department", "研发部"), ("title", "高级工程师"),
            ("manager_no", "M001"), ("language", "zh-CN"),
        ]).await;
        assert_eq!(to, here);
        assert!(html.contains("The changes were saved.") && html.contains("高级工程师"), "{html}");
        assert!(html.contains("刘经理"), "the new manager, named by number");
        // Emptying a box of the edit form clears that field.
        let (_, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}", org.dev), &[
            ("_method", "PATCH"), ("_next", &here), ("_clearable", "title,manager_no"),
            ("employee_no", "D001"), ("name", "张伟"), ("department", "研发部"), ("title", ""),
            ("manager_no", "M001"),
        ]).await;
        assert!(!html.contains("高级工程师"), "the title was cleared");
        assert!(html.contains("刘经理"), "the manager stays");
        let (_, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}", org.dev), &[
            ("_method", "PATCH"), ("_next", &here), ("employee_no", "D 001"), ("name", "张伟"), ("department", "研发部"),
        ]).await;
        assert!(html.contains("Some fields need attention") && html.contains("id=\"e-employee_no-error\""), "{html}");
        assert!(html.contains("value=\"D 001\""), "what was typed");

        // Propose a tier: HR proposes; the change then waits.
        let (_, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}/clearance-changes", org.dev), &[
            ("_next", &here), ("_done", "people_tier_proposed"), ("to_tier", "important"), ("reason", ""),
        ]).await;
        assert!(html.contains("id=\"f-reason-error\""), "{html}");
        assert!(html.contains("<option value=\"important\" selected>"), "the choice is kept");
        let (_, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}/clearance-changes", org.dev), &[
            ("_next", &here), ("_done", "people_tier_proposed"), ("to_tier", "important"), ("reason", "调入涉密岗位"),
        ]).await;
        assert!(html.contains("The tier change was proposed"), "{html}");
        assert!(html.contains("调入涉密岗位") && html.contains("waiting for its review"));
        assert!(!html.contains("name=\"to_tier\""), "one change at a time");

        // A pledge, and its printable page.
        let text_id = text["id"].as_str().unwrap();
        let (_, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}/pledges", org.dev), &[
            ("_next", &format!("{here}#pledges")), ("_done", "people_pledge_recorded"),
            ("pledge_text_id", text_id), ("method", "e_signed"), ("signed_on", "2028-02-28"), ("typed_name", ""),
        ]).await;
        assert!(html.contains("an e-signature is the signer&#39;s typed name") || html.contains("an e-signature is the signer's typed name"), "{html}");
        let (to, _, html) = submit_form(&app, &hr, &here, &format!("/api/v1/employees/{}/pledges", org.dev), &[
            ("_next", &format!("{here}#pledges")), ("_done", "people_pledge_recorded"),
            ("pledge_text_id", text_id), ("method", "e_signed"), ("signed_on", "2028-02-28"), ("typed_name", "张伟"),
        ]).await;
        assert!(to.ends_with("#pledges"));
        assert!(html.contains("The pledge was recorded.") && html.contains("Signed electronically"), "{html}");
        let print = html.split("href=\"").find(|s| s.contains("/print\"")).unwrap().split('"').next().unwrap().to_string();
        let (status, sheet) = page(&app, &hr, &print).await;
        assert_eq!(status, 200);
        assert!(sheet.contains("lang=\"zh-CN\""), "in the language of the person who signed");
        assert!(sheet.contains("<p>本人承诺遵守保密规定。</p>") && sheet.contains("<p>不泄露国家秘密。</p>"), "{sheet}");
        assert!(sheet.contains("员工签名") && sheet.contains("class=\"signature\"") && sheet.contains("2028年2月28日"));
        assert!(sheet.contains("张伟") && sheet.contains("D001"));

        // Non-compete terms (HR): a bad length comes back with what was typed.
        let nc = format!("/api/v1/employees/{}/non-compete", org.dev);
        let (_, _, html) = submit_form(&app, &hr, &here, &nc, &[
            ("_method", "PUT"), ("_next", &format!("{here}#non-compete")), ("_done", "people_non_compete_saved"),
            ("months", "25"), ("monthly_compensation", "8000"), ("currency", "CNY"), ("scope", "竞争对手研发岗位"), ("region", "中国大陆"), ("bound_as", "senior_technical"),
        ]).await;
        assert!(html.contains("art. 24") && html.contains(">竞争对手研发岗位</textarea>"), "{html}");
        assert!(html.contains("id=\"f-months-error\"") && html.contains("value=\"25\""));
        speak(&app, "hr@example.com", "zh-CN");
        let (_, _, html) = submit_form(&app, &hr, &here, &nc, &[
            ("_method", "PUT"), ("months", "30"), ("monthly_compensation", "8000"), ("currency", "CNY"), ("scope", "x"), ("region", "y"), ("bound_as", "senior_technical"),
        ]).await;
        assert!(html.contains("30 个月超过了 24 个月的上限"), "the message in Chinese: {html}");
        speak(&app, "hr@example.com", "en");
        let (_, _, html) = submit_form(&app, &hr, &here, &nc, &[
            ("_method", "PUT"), ("_next", &format!("{here}#non-compete")), ("_done", "people_non_compete_saved"),
            ("months", "12"), ("monthly_compensation", "8000.50"), ("currency", "CNY"), ("scope", "竞争对手研发岗位"), ("region", "中国大陆"), ("bound_as", "senior_technical"),
        ]).await;
        assert!(html.contains("The non-compete terms were saved.") && html.contains("8,000.50 CNY"), "{html}");
        assert!(
            html.contains(r#"name="monthly_compensation" type="number" value="8000.50""#),
            "the form box holds the amount as it takes it back: {html}"
        );

        // Who sees which forms.
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec, &here).await;
        assert!(!html.contains("_method\" value=\"PATCH\""), "security does not edit the register");
        assert!(html.contains("8,000.50 CNY"), "security reads the terms");
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let (status, html) = page(&app, &boss, &here).await;
        assert_eq!(status, 200, "now a direct report");
        assert!(!html.contains("8,000.50") && !html.contains("8000.50"), "a manager does not read the compensation");
        assert!(html.contains("DOC-9"), "but sees what their report holds");
        assert!(!html.contains("/carriers/new?custodian_id="), "and registers no carriers");
        let (status, _) = page(&app, &boss, &format!("/employees/{}", org.outsider)).await;
        assert_eq!(status, 403, "not a report");
        let (status, _) = page(&app, &boss, &print).await;
        assert_eq!(status, 200, "the pledge of a report");
        let (status, _) = page(&app, &boss, &format!("/employees/{}/pledges/x/print", org.outsider)).await;
        assert_eq!(status, 403);
        let (status, _) = page(&app, &hr, &format!("{here}/pledges/nope/print")).await;
        assert_eq!(status, 404);
    }

    async fn the_timeline_draws_one_bar_per_obligation_and_rehiring_needs_its_tick(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "core");
        let here = format!("/employees/{}", org.dev);
        let (_, html) = page(&app, &hr, &here).await;
        assert!(!html.contains("<svg"), "no obligations, no picture");

        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-02", "last_working_day": "2028-01-31", "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{}/complete", dep["id"].as_str().unwrap()),
            json!({"override_reason": "test", "trade_secret": true})).await;
        app.past_the_last_working_day().await;
        assert_eq!(s, 200);
        let listed: Value = hr.get(app.url(&format!("/api/v1/obligations?employee_id={}", org.dev))).send().await.unwrap().json().await.unwrap();
        let obligations = listed["items"].as_array().unwrap().clone();
        assert_eq!(obligations.len(), 3, "declassification, confidentiality, trade secrets");
        let declass = obligations.iter().find(|o| o["kind"] == "declassification").unwrap()["id"].as_str().unwrap().to_string();
        let confid = obligations.iter().find(|o| o["kind"] == "confidentiality").unwrap()["id"].as_str().unwrap().to_string();

        // Extended: the part added is drawn apart. Breached: in its colour.
        let (s, ext) = post(&app, &hr, &format!("/api/v1/obligations/{declass}/extensions"), json!({"new_end": "2032-01-31", "reason": "接触核心技术"})).await;
        assert_eq!(s, 201, "{ext}");
        let (s, _) = post(&app, &sec, &format!("/api/v1/extensions/{}/approve", ext["id"].as_str().unwrap()), json!({"decision": "approve", "reason": "同意"})).await;
        assert_eq!(s, 200);
        {
            use diesel::prelude::*;
            use tuomi::db::schema::obligations;
            diesel::update(obligations::table.find(&confid)).set(obligations::status.eq("breached")).execute(&mut app.db()).unwrap();
        }

        for lang in ["en", "zh-CN"] {
            speak(&app, "hr@example.com", lang);
            let (status, html) = page(&app, &hr, &here).await;
            assert_eq!(status, 200);
            let svg = html.split("<svg").nth(1).expect("the timeline").split("</svg>").next().unwrap();
            assert_eq!(svg.matches("<g class=\"obligation\">").count(), 3, "one bar per obligation");
            assert!(svg.contains("role=\"img\" aria-label=\"") && svg.contains("<title>"));
            assert!(svg.contains("<line class=\"today\""));
            assert_eq!(svg.matches("<rect class=\"extension\"").count(), 2, "the extension and its legend");
            assert_eq!(svg.matches("<rect class=\"bar breached\"").count(), 2, "the breached bar and its legend");
            assert!(svg.contains("<polygon class=\"bar open\""), "until public runs off to the right");
            assert!(!svg.contains("style="));
            let label = if lang == "en" { "Declassification period" } else { "脱密期" };
            assert!(svg.contains(label), "{lang}");
            let extended = if lang == "en" { "extended; the original last day was 31 January 2031" } else { "已延长，原截止日为2031年1月31日" };
            assert!(html.contains(extended) || html.contains(&extended.replace("为", "为 ")), "{lang}: {html}");
        }
        speak(&app, "hr@example.com", "en");
        let (_, html) = page(&app, &hr, &here).await;
        assert!(html.contains(&format!("href=\"/departures/{}\"", dep["id"].as_str().unwrap())), "the departure is linked");
        assert!(html.contains(&format!("href=\"/obligations/{declass}\"")), "each obligation is linked");
        assert!(!html.contains("/departures/new?employee_id"), "no new departure for someone who left");

        // Rehire: irreversible, so the box must be ticked.
        let rehire = format!("/api/v1/employees/{}/rehire", org.dev);
        let (to, _, html) = submit_form(&app, &hr, &here, &rehire, &[
            ("_irreversible", "1"), ("_next", &here), ("_done", "people_rehired"),
        ]).await;
        assert_eq!(to, here);
        assert!(html.contains("tick the box to confirm"), "{html}");
        let e: Value = hr.get(app.url(&format!("/api/v1/employees/{}", org.dev))).send().await.unwrap().json().await.unwrap();
        assert_eq!(e["status"], "departed", "not rehired without the tick");
        let (_, _, html) = submit_form(&app, &hr, &here, &rehire, &[
            ("_irreversible", "1"), ("_confirm", "yes"), ("_next", &here), ("_done", "people_rehired"),
        ]).await;
        assert!(html.contains("The person was rehired."), "{html}");
        // A rehire supersedes only a running confidentiality duty (this one was breached): the
        // 脱密期 runs on until the person is put back into a classified post, and trade secrets
        // never end by a rehire.
        assert!(!html.contains("Superseded"), "nothing here is superseded by the rehire");
        let listed: Value = hr.get(app.url(&format!("/api/v1/obligations?employee_id={}", org.dev))).send().await.unwrap().json().await.unwrap();
        let status_of = |kind: &str| listed["items"].as_array().unwrap().iter().find(|o| o["kind"] == kind).unwrap()["status"].clone();
        assert_eq!(status_of("declassification"), "active", "the 脱密期 continues after a rehire");
        assert_eq!(status_of("trade_secret"), "active");
        assert!(!html.contains("/rehire\""), "no second rehire");
    }

    async fn the_import_page_checks_a_file_reports_each_line_and_imports_it(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        for lang in ["en", "zh-CN"] {
            speak(&app, "hr@example.com", lang);
            let (status, html) = page(&app, &hr, "/employees/import").await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains("enctype=\"multipart/form-data\""));
        }
        speak(&app, "hr@example.com", "en");
        let upload = |file: Option<Vec<u8>>, dry_run: bool| {
            let (app, hr) = (&app, &hr);
            async move {
                let (_, html) = page(app, hr, "/employees/import").await;
                let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&html));
                if let Some(bytes) = file {
                    let part = reqwest::multipart::Part::bytes(bytes).file_name("people.csv").mime_str("text/csv").unwrap();
                    form = form.part("file", part);
                }
                if dry_run {
                    form = form.text("dry_run", "true");
                }
                let r = hr.post(app.url("/employees/import")).multipart(form).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let good = "employee_no,name,work_email,private_email,language,department,title,manager_no,hire_date\n\
                    M1,刘经理,m1@corp.example,,zh-CN,研发部,经理,,2019-01-01\n\
                    D1,张伟,d1@corp.example,,en,研发部,工程师,M1,2020/2/29\n";
        let (status, html) = upload(Some(good.as_bytes().to_vec()), true).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Dry run: nothing was written."), "{html}");
        assert!(html.contains("<dt>New people</dt><dd>2</dd>"));
        assert!(html.contains("name=\"dry_run\" value=\"true\" checked"), "the box as it was");
        let total = |hr: reqwest::Client| {
            let app = &app;
            async move {
                let page: Value = hr.get(app.url("/api/v1/employees")).send().await.unwrap().json().await.unwrap();
                page["total"].as_i64().unwrap()
            }
        };
        assert_eq!(total(hr.clone()).await, 0);

        let bad = format!("{good}X 1,,,,fr,研发部,,NOPE,2020-02-30\n");
        let (status, html) = upload(Some(bad.into_bytes()), false).await;
        assert_eq!(status, 422);
        assert!(html.contains("Nothing was written"), "{html}");
        // Each column named as the file heads it.
        for column in ["employee_no", "name", "language", "hire_date"] {
            assert!(html.contains(&format!("<td data-label=\"Column\">{column}</td>")), "{column}: {html}");
        }
        assert!(html.contains("<td data-label=\"Line\">4</td>"));
        assert_eq!(total(hr.clone()).await, 0, "all or nothing");

        let (status, html) = upload(None, false).await;
        assert_eq!(status, 422);
        assert!(html.contains("choose a file") && html.contains("id=\"f-file-error\""), "{html}");

        speak(&app, "hr@example.com", "zh-CN");
        // The empty template, headed in the reader's language, in both forms.
        let csv_template = hr.get(app.url("/employees/import/template")).send().await.unwrap();
        assert_eq!(csv_template.status(), 200);
        let text = csv_template.text().await.unwrap();
        assert!(text.trim_start_matches('\u{feff}').starts_with("工号,姓名,工作邮箱,私人邮箱,语言,部门,职务,直接上级工号,入职日期"), "{text}");
        let xlsx = hr.get(app.url("/employees/import/template?format=xlsx")).send().await.unwrap();
        assert_eq!(xlsx.status(), 200);
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK\x03\x04"), "an Excel workbook");
        // A file headed in Chinese, as HR's own system writes it, with a column we do not read.
        let chinese = "工号,姓名,部门,职务,直接上级工号,入职日期,岗位级别\n\
                       M1,刘经理,研发部,经理,,2019-01-01,P8\n\
                       D1,张伟,研发部,工程师,M1,2020/2/29,P5\n";
        let (status, html) = upload(Some(chinese.as_bytes().to_vec()), false).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("文件已导入。") && html.contains("<dt>新增人员</dt><dd>2</dd>"), "{html}");
        assert!(html.contains("未读取的列: 岗位级别"), "{html}");
        let (status, html) = upload(Some("姓名,部门\n张三,研发部\n".as_bytes().to_vec()), true).await;
        assert_eq!(status, 422);
        assert!(html.contains("缺少“工号”列（employee_no）"), "the missing column in Chinese: {html}");
        assert_eq!(total(hr.clone()).await, 2);
        // A dry run of a changed file shows each row it would change, field by field.
        let changed = chinese.replace("2020/2/29", "2021/3/1").replace("张伟,研发部,工程师", "张伟,市场部,工程师");
        let (status, html) = upload(Some(changed.into_bytes()), true).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("<dt>已修改</dt><dd>1</dd>"), "{html}");
        assert!(html.contains("部门: 研发部 → 市场部<br>入职日期: 2020-02-29 → 2021-03-01"), "{html}");
        assert_eq!(total(hr.clone()).await, 2, "nothing written by the dry run");

        let sec = app.signed_in("sec@example.com", &["security"]).await;
        assert_eq!(page(&app, &sec, "/employees/import").await.0, 403);
        let (_, html) = page(&app, &hr, "/employees/import").await;
        let r = sec.post(app.url("/employees/import"))
            .multipart(reqwest::multipart::Form::new().text("csrf", csrf_of(&html)))
            .send().await.unwrap();
        assert_eq!(r.status(), 403, "refused before the file is read");
    }

    async fn carriers_are_registered_listed_exported_and_moved_through_their_forms(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        register_carrier(&app, &hr, "B-POOL", None).await;

        let (status, html) = page(&app, &hr, &format!("/carriers/new?custodian_id={}", org.dev)).await;
        assert_eq!(status, 200);
        assert!(html.contains("value=\"D001\""), "the holder from the person's page");
        let fields = [
            ("_next", "/carriers/{id}"), ("_done", "carrier_registered"),
            ("tag", "L-7"), ("kind", "laptop"), ("classification", "secret"), ("copies", "2"), ("custodian_no", "D001"),
        ];
        let (to, _, html) = submit_form(&app, &hr, "/carriers/new", "/api/v1/carriers", &fields).await;
        assert_eq!(to, "/carriers/new");
        assert!(html.contains("only documents have more than one copy") && html.contains("value=\"L-7\""), "{html}");
        let fields = [
            ("_next", "/carriers/{id}"), ("_done", "carrier_registered"),
            ("tag", "A-DOC"), ("kind", "document"), ("classification", "top_secret"), ("copies", "3"),
            ("description", "总体设计"), ("custodian_no", "D001"),
        ];
        let (here, _, html) = submit_form(&app, &hr, "/carriers/new", "/api/v1/carriers", &fields).await;
        assert!(here.starts_with("/carriers/") && html.contains("The carrier was registered."), "{html}");
        assert!(html.contains("张伟") && html.contains("Top secret"));

        for lang in ["en", "zh-CN"] {
            speak(&app, "hr@example.com", lang);
            let (status, html) = page(&app, &hr, "/carriers").await;
            assert_eq!(status, 200);
            assert_eq!(first_cells(&html).len(), 2, "{lang}");
            let (status, _) = page(&app, &hr, &here).await;
            assert_eq!(status, 200);
        }
        speak(&app, "hr@example.com", "en");
        let (_, html) = page(&app, &hr, "/carriers?custodian_no=D001").await;
        assert_eq!(first_cells(&html).len(), 1);
        assert!(html.contains("A-DOC"));
        let (_, html) = page(&app, &hr, "/carriers?sort=-classification").await;
        assert!(first_cells(&html)[0].contains("A-DOC"), "top secret first");
        let (_, html) = page(&app, &hr, "/carriers?status=in_pool").await;
        assert!(html.contains("B-POOL") && !html.contains("A-DOC"));
        let (_, html) = page(&app, &hr, &format!("/carriers?custodian_id={}", org.dev)).await;
        assert!(html.contains("Held by") && html.contains("A-DOC") && !html.contains("B-POOL"));
        let text = csv(&app, &hr, "/carriers?format=csv").await;
        assert!(text.starts_with("Tag,Kind,Description,Classification"), "{text}");
        assert!(text.contains("A-DOC,Document,总体设计,Top secret,3,Held,D001,张伟"), "{text}");

        // The person's page lists what they hold.
        let (_, html) = page(&app, &hr, &format!("/employees/{}", org.dev)).await;
        assert!(html.contains(&format!("href=\"{here}\"")));

        // Transfer with a bad number: back with the message and the typed number.
        let action = |what: &str| format!("/api/v1{here}/{what}");
        let (_, _, html) = submit_form(&app, &hr, &here, &action("transfer"), &[
            ("_next", &here), ("_done", "carrier_transferred"), ("to_custodian_no", "ZZZ"), ("note", "交接"),
        ]).await;
        assert!(html.contains("no employee has this number") && html.contains("value=\"ZZZ\""), "{html}");
        let (_, _, html) = submit_form(&app, &hr, &here, &action("transfer"), &[
            ("_next", &here), ("_done", "carrier_transferred"), ("to_custodian_no", "L001"), ("note", "交接"),
        ]).await;
        assert!(html.contains("The carrier was transferred.") && html.contains("陈组长"), "{html}");
        let (_, _, html) = submit_form(&app, &hr, &here, &action("return"), &[
            ("_next", &here), ("_done", "carrier_returned"), ("note", "清退"),
        ]).await;
        assert!(html.contains("The carrier is back in the pool."), "{html}");
        assert!(html.contains(&format!("action=\"{}\"", action("assign"))), "from the pool it is assigned");
        assert!(!html.contains(&action("destroy")), "HR does not destroy");

        // Destruction: the security officer, two witnesses by number, and the tick.
        let fields = [("_irreversible", "1"), ("_next", here.as_str()), ("_done", "carrier_destroyed"),
            ("witness_1_no", "M001"), ("witness_2_no", "X001"), ("note", "粉碎")];
        let (_, _, html) = submit_form(&app, &sec, &here, &action("destroy"), &fields).await;
        assert!(html.contains("tick the box to confirm") && html.contains("value=\"X001\""), "{html}");
        let (_, _, html) = submit_form(&app, &sec, &here, &action("destroy"), &[
            ("_irreversible", "1"), ("_confirm", "yes"), ("_next", &here), ("witness_1_no", "M001"), ("witness_2_no", "M001"),
        ]).await;
        assert!(html.contains("must be two different people"), "{html}");
        let mut fields = fields.to_vec();
        fields.push(("_confirm", "yes"));
        let (_, _, html) = submit_form(&app, &sec, &here, &action("destroy"), &fields).await;
        assert!(html.contains("The destruction was recorded."), "{html}");
        assert!(html.contains("Witnesses: 刘经理, Outsider Olsen"), "{html}");
        let events: Vec<&str> = ["Registered", "Transferred", "Returned to the pool", "Destroyed"].to_vec();
        for e in events {
            assert!(html.contains(&format!("<td data-label=\"What\">{e}</td>")), "{e}");
        }
        assert!(!html.contains(&action("assign")), "nothing moves a destroyed carrier");

        // Managers: not the register, but a report's carrier, read only.
        let mine = register_carrier(&app, &hr, "C-DEV", Some(&org.dev)).await;
        let theirs = register_carrier(&app, &hr, "C-OUT", Some(&org.outsider)).await;
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        assert_eq!(page(&app, &boss, "/carriers").await.0, 403);
        assert_eq!(page(&app, &boss, "/carriers/new").await.0, 403);
        let (status, html) = page(&app, &boss, &format!("/carriers/{mine}")).await;
        assert_eq!(status, 200);
        assert!(!html.contains("<form method=\"post\" action=\"/api"), "no custody forms for a manager");
        assert_eq!(page(&app, &boss, &format!("/carriers/{theirs}")).await.0, 403);
        for (email, role) in [("admin@example.com", "admin"), ("sec@example.com", "security")] {
            let client = if role == "admin" { app.signed_in(email, &[role]).await } else { sec.clone() };
            speak(&app, email, "zh-CN");
            let (status, html) = page(&app, &client, "/carriers").await;
            assert_eq!(status, 200, "{role}");
            assert!(html.contains("<h1>载体</h1>"));
        }
    }

    async fn after_the_declassification_period_the_person_page_shows_the_lasting_duty_to_keep_state_secrets(app: TestApp) {
        let setup = app.token_client("setup@example.com", &["hr"]).await;
        // General tier, left on 28 February 2028: the 脱密期's last day is 28 February 2029.
        let id = crate::reminders::former(&app, &setup, "R001", "Alice", "en", Some("alice@home.example"), "general").await;
        let path = format!("/employees/{id}");
        app.clock.set(crate::reminders::shanghai(2029, 2, 28, 9, 30));
        app.run_jobs().await;
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, html) = page(&app, &hr, &path).await;
        assert!(!html.contains("lasting-duty") && !html.contains("For life"), "the period still runs on its last day: {html}");

        app.clock.set(crate::reminders::shanghai(2029, 3, 1, 9, 30));
        app.run_jobs().await;
        let hr = app.signed_in("hr2@example.com", &["hr"]).await;
        let (status, html) = page(&app, &hr, &path).await;
        assert_eq!(status, 200);
        let row = html.split("id=\"lasting-duty\"").nth(1).expect("the lasting duty's row").split("</tr>").next().unwrap();
        assert!(row.contains("Keeping state secrets (lasting duty)") && row.contains("1 March 2029"), "{row}");
        assert!(row.contains("For life, with no last day") && row.contains("Lasting"), "{row}");
        assert!(html.contains("art. 46"), "{html}");
        speak(&app, "hr2@example.com", "zh-CN");
        let (_, html) = page(&app, &hr, &path).await;
        let row = html.split("id=\"lasting-duty\"").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(row.contains("保守国家秘密（长期义务）") && row.contains("2029年3月1日"), "{row}");
        assert!(row.contains("终身有效，没有截止日"), "{row}");
        assert!(html.contains("第四十六条"), "{html}");
    }
}
