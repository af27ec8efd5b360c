//! The security officer's pages: the start page section, tier changes and extensions decided
//! through their forms, breach cases taken from a report to a decision, evidence, remedial
//! tasks, the audit trail and the check of its chain — in both languages, refused to the
//! roles that may not see them.

use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_of, page, post, submit_form};
use crate::on_both_databases;
use crate::people::{add_employee, person, small_org};

/// Switches a signed-in user's pages to Chinese, as the language button in the header does.
pub async fn speak_chinese(app: &TestApp, client: &reqwest::Client) {
    let (_, html) = page(app, client, "/").await;
    let csrf = csrf_of(&html);
    let r = client
        .post(app.url("/language"))
        .form(&[("csrf", csrf.as_str()), ("lang", "zh-CN"), ("back", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

/// A signed-in manager linked to an employee number (their own record in the register).
pub async fn manager(app: &TestApp, email: &str, employee_no: &str) -> reqwest::Client {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    let client = app.signed_in(email, &["manager"]).await;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::employee_no.eq(employee_no))
        .execute(&mut app.db())
        .unwrap();
    client
}

async fn my_id(app: &TestApp, client: &reqwest::Client) -> String {
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["id"].as_str().unwrap().to_string()
}

async fn get_json(app: &TestApp, client: &reqwest::Client, path: &str) -> Value {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An employee who left, holding the core tier: their declassification period is active.
/// Returns the obligation's id.
async fn former_core_employee(app: &TestApp, hr: &reqwest::Client, employee_id: &str) -> String {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq("core"))
        .execute(&mut app.db())
        .unwrap();
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": employee_id, "notice_date": "2026-02-01", "last_working_day": "2026-02-28",
        "reason": "contract_end"
    }))
    .await;
    assert_eq!(s, 201, "{dep}");
    let complete = format!(
        "/api/v1/departures/{}/complete",
        dep["id"].as_str().unwrap()
    );
    let (s, done) = post(app, hr, &complete, json!({"override_reason": "test"})).await;
    app.past_the_last_working_day().await;
    assert_eq!(s, 200, "{done}");
    let owed = get_json(
        app,
        hr,
        &format!("/api/v1/obligations?employee_id={employee_id}&kind=declassification"),
    )
    .await;
    owed["items"][0]["id"].as_str().unwrap().to_string()
}

/// Opens the staff report form and sends it (multipart, as the browser does); the status and
/// the page that answers.
async fn report_through_the_form(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    evidence: Option<(&str, Vec<u8>)>,
) -> (u16, String) {
    let (status, html) = page(app, client, "/breaches/new").await;
    assert_eq!(status, 200);
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf_of(&html));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((name, bytes)) = evidence {
        form = form.part(
            "evidence",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    let r = client
        .post(app.url("/breaches/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The text of `<code id="…">` on a receipt page.
fn code_of(html: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let start = html.find(&marker).expect("the receipt shows it") + marker.len();
    html[start..].split('<').next().unwrap().to_string()
}

/// Uploads a file through the case page's form; where it lands and that page.
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    case_id: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (String, String) {
    let path = format!("/breaches/{case_id}");
    let (_, html) = page(app, client, &path).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&html))
        .text("_back", path.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let r = client
        .post(app.url(&format!("{path}/evidence")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(app, client, &to).await;
    (to, html)
}

/// The PATCH form of the case page, with what it steers: the message, and the tick of an
/// irreversible step.
async fn change_case(
    app: &TestApp,
    client: &reqwest::Client,
    case_id: &str,
    fields: &[(&str, &str)],
) -> (String, String) {
    let path = format!("/breaches/{case_id}");
    let mut all = vec![("_method", "PATCH"), ("_done", "sec_case_saved")];
    if fields.iter().any(|(k, _)| *k == "status") {
        all = vec![
            ("_method", "PATCH"),
            ("_done", "sec_case_moved"),
            ("_irreversible", "1"),
            ("_confirm", "yes"),
        ];
    }
    all.extend_from_slice(fields);
    let (to, status, html) = submit_form(
        app,
        client,
        &path,
        &format!("/api/v1/breaches/{case_id}"),
        &all,
    )
    .await;
    assert_eq!(status, 200, "{html}");
    (to, html)
}

/// The part of a page inside the section whose heading has this id.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .expect("the section is on the page");
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

async fn csv(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, Vec<u8>) {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let kind = r.headers()["content-type"].to_str().unwrap().to_string();
    (kind, r.bytes().await.unwrap().to_vec())
}

on_both_databases! {
    async fn security_pages_speak_both_languages_and_are_refused_to_other_roles(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let hr2 = app.token_client("hr2@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let org = small_org(&app, &hr2).await;
        let boss = manager(&app, "boss@example.com", "M001").await;

        // A case reported by a named manager, a tier change waiting for security, an
        // extension waiting for security.
        let (s, receipt) = post(&app, &boss, "/api/v1/breaches", json!({
            "employee_id": org.dev, "what": "Design drawings were copied to a personal USB stick.",
            "discovered_on": "2028-02-27"
        })).await;
        assert_eq!(s, 201);
        let case = crate::breaches::case_id_of(&app, &sec, receipt["code"].as_str().unwrap()).await;
        let (s, change) = post(&app, &hr2, &format!("/api/v1/employees/{}/clearance-changes", org.lead),
            json!({"to_tier": "important", "reason": "调入涉密项目组"})).await;
        assert_eq!(s, 201, "{change}");
        let change = change["id"].as_str().unwrap().to_string();
        let (s, _) = post(&app, &hr, &format!("/api/v1/clearance-changes/{change}/review"),
            json!({"decision": "approve", "reason": "符合条件"})).await;
        assert_eq!(s, 200);
        let obligation = former_core_employee(&app, &hr2, &org.outsider).await;
        let (s, ext) = post(&app, &hr2, &format!("/api/v1/obligations/{obligation}/extensions"),
            json!({"new_end": "2030-02-28", "reason": "项目仍处于保密期"})).await;
        assert_eq!(s, 201, "{ext}");
        let ext = ext["id"].as_str().unwrap().to_string();

        let pages = [
            "/".to_string(),
            "/clearance-changes".into(),
            "/clearance-changes?status=reviewed&sort=-proposed".into(),
            format!("/clearance-changes/{change}"),
            "/extensions".into(),
            format!("/extensions/{ext}"),
            "/breaches".into(),
            "/breaches?status=reported&severity=&source=report&q=usb&sort=-code".into(),
            "/breaches/new".into(),
            format!("/breaches/{case}"),
            format!("/breaches/{case}?find=张"),
            "/tasks".into(),
            "/audit".into(),
            "/audit?subject_type=breach&sort=at".into(),
            "/audit/verify".into(),
        ];
        let english = [
            "Tier changes waiting for your approval", "Tier changes", "Tier changes", "Approval (security officer)",
            "Extensions of declassification periods", "Decision (security officer)", "Breach cases", "Design drawings",
            "Report a suspected leak", "Take the next step", "张伟", "My remedial tasks", "Audit trail", "breach.reported",
            "Audit chain intact",
        ];
        let chinese = [
            "待您批准的密级变更", "密级变更", "密级变更", "批准（保密员）", "脱密期延长", "决定（保密员）", "泄密案件", "已报告",
            "报告泄密隐患", "推进到下一步", "张伟", "我的整改任务", "审计记录", "breach.reported", "审计链完整",
        ];
        for (path, text) in pages.iter().zip(english) {
            let (status, html) = page(&app, &sec, path).await;
            assert_eq!(status, 200, "{path}: {html}");
            assert!(html.contains(text), "{path} should say {text:?}: {html}");
        }
        // The start page names what waits, and each case by its status.
        let (_, home) = page(&app, &sec, "/").await;
        assert!(home.contains("陈组长") && home.contains("Outsider Olsen"), "{home}");
        assert!(home.contains("/breaches?status=reported"));
        // The case shows who reported it to security.
        let (_, html) = page(&app, &sec, &format!("/breaches/{case}")).await;
        assert!(section(&html, "reporter").contains("boss@example.com"), "security sees the reporter");
        speak_chinese(&app, &sec).await;
        for (path, text) in pages.iter().zip(chinese) {
            let (status, html) = page(&app, &sec, path).await;
            assert_eq!(status, 200, "{path}: {html}");
            assert!(html.contains(text), "{path} should say {text:?}: {html}");
        }
        let (_, html) = page(&app, &sec, &format!("/breaches/{case}")).await;
        assert!(html.contains("2028年2月27日"), "dates written the Chinese way");

        // Admin reads cases and the trail, sees the reporter, and has no forms of security's.
        let (status, html) = page(&app, &admin, &format!("/breaches/{case}")).await;
        assert_eq!(status, 200);
        assert!(section(&html, "reporter").contains("boss@example.com"));
        assert!(!html.contains("Take the next step") && !html.contains("/evidence\""), "{html}");
        assert_eq!(page(&app, &admin, "/audit").await.0, 200);

        // HR: the outcomes under /breaches, never a case or its reporter; no audit trail.
        for lang in ["en", "zh-CN"] {
            if lang == "zh-CN" {
                speak_chinese(&app, &hr).await;
            }
            let (status, html) = page(&app, &hr, "/breaches").await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains(if lang == "en" { "Outcomes of substantiated cases" } else { "属实案件的处理结果" }));
            assert!(!html.contains("boss@example.com") && !html.contains("Design drawings"), "{html}");
            let (status, html) = page(&app, &hr, &format!("/breaches/{case}")).await;
            assert_eq!(status, 403);
            assert!(!html.contains("boss@example.com"));
            assert_eq!(page(&app, &hr, "/audit").await.0, 403);
            let (status, html) = page(&app, &hr, &format!("/clearance-changes/{change}")).await;
            assert_eq!(status, 200);
            assert!(!html.contains("/approve\""), "HR does not approve: {html}");
        }

        // A manager: not for their role, except their own tasks, proposals and reports.
        for path in ["/breaches", "/audit", "/audit/verify", "/extensions"] {
            let (status, html) = page(&app, &boss, path).await;
            assert_eq!(status, 403, "{path}");
            assert!(html.contains("Not for your role"), "{path}: {html}");
        }
        assert_eq!(page(&app, &boss, &format!("/breaches/{case}")).await.0, 403);
        // A manager outside the person's reporting line neither proposed the change nor may
        // review it: they do not see it. (The boss, above 陈组长, does: it is theirs to review.)
        let stranger = manager(&app, "stranger@example.com", "X001").await;
        assert_eq!(page(&app, &stranger, &format!("/clearance-changes/{change}")).await.0, 403, "not their proposal");
        for path in ["/tasks", "/breaches/new", "/clearance-changes"] {
            assert_eq!(page(&app, &boss, path).await.0, 200, "{path}");
        }
        let (_, html) = page(&app, &stranger, "/clearance-changes").await;
        assert!(html.contains("You see the tier changes you proposed") && !html.contains("陈组长"), "{html}");
        assert_eq!(page(&app, &boss, &format!("/clearance-changes/{change}")).await.0, 200, "the department head's line");

        // A stranger is sent to sign in.
        let r = app.get("/breaches").await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
        // The emails the test queued (security's notice of the report) go out before it ends.
        app.run_jobs().await;
    }

    async fn a_form_of_thousands_of_fields_is_refused_and_opens_no_case(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let fields: Vec<(String, String)> = (0..4000).map(|i| (format!("f{i}"), "x".repeat(64))).collect();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _) = report_through_the_form(&app, &hr, &fields, None).await;
        assert_eq!(status, 413, "a form of ours has no 4,000 fields");
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let cases: Value = sec.get(app.url("/api/v1/breaches")).send().await.unwrap().json().await.unwrap();
        assert_eq!(cases["total"], 0, "{cases}");
        let (status, html) = report_through_the_form(&app, &hr, &[("what", "打印室桌上遗留了机密文件")], None).await;
        assert_eq!(status, 201, "a real report still goes through: {html}");
        app.run_jobs().await;
    }

    async fn a_case_goes_from_a_staff_report_to_a_decision_through_the_forms(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let boss = manager(&app, "boss@example.com", "M001").await;
        let boss_id = my_id(&app, &boss).await;

        // A report too short comes back with what was typed; then it goes in, named.
        let (status, html) = report_through_the_form(&app, &boss, &[("what", "USB"), ("person", "张伟")], None).await;
        assert_eq!(status, 422);
        assert!(html.contains("at least 10 characters") && html.contains("value=\"张伟\""), "{html}");
        let (status, html) = report_through_the_form(&app, &boss, &[
            ("what", "张伟把设计图纸拷贝到了个人U盘"), ("person", "张伟"), ("discovered_on", "2028-02-27"),
        ], Some(("note.txt", "U盘照片说明".as_bytes().to_vec()))).await;
        assert_eq!(status, 201, "{html}");
        let code = code_of(&html, "code");
        assert!(code.starts_with("BR-") && code_of(&html, "secret").starts_with("brs"), "{html}");
        let id = crate::breaches::case_id_of(&app, &sec, &code).await;
        let path = format!("/breaches/{id}");
        let (_, html) = page(&app, &sec, &path).await;
        assert!(section(&html, "reporter").contains("boss@example.com") && html.contains("note.txt"), "named, with its evidence: {html}");

        // Triage needs a severity: the form comes back with the field and the reason typed.
        let (to, html) = change_case(&app, &sec, &id, &[("status", "triaged"), ("reason", "看起来属实")]).await;
        assert_eq!(to, path);
        assert!(html.contains("Some fields need attention") && html.contains("triage sets a severity"), "{html}");
        assert!(html.contains("看起来属实"), "what was typed is kept");
        // Without the tick, an irreversible step does not happen.
        let (_, _, html) = submit_form(&app, &sec, &path, &format!("/api/v1/breaches/{id}"), &[
            ("_method", "PATCH"), ("_irreversible", "1"), ("status", "triaged"), ("reason", "x"), ("severity", "low"),
        ]).await;
        assert!(html.contains("tick the box to confirm"), "{html}");
        let (_, html) = change_case(&app, &sec, &id, &[("status", "triaged"), ("reason", "看起来属实"), ("severity", "critical")]).await;
        assert!(html.contains("The case moved to its next step."), "{html}");
        assert!(html.contains("case_status-triaged"));
        // Only the moves allowed from here are offered.
        assert!(html.contains("value=\"investigating\"") && !html.contains("value=\"substantiated\""), "{html}");
        let (_, html) = change_case(&app, &sec, &id, &[("severity", "critical"), ("state_secret", "true")]).await;
        assert!(html.contains("The case was updated.") && html.contains("28 February 2028"), "due the day after discovery: {html}");
        let (_, home) = page(&app, &sec, "/").await;
        assert!(home.contains(&code), "the start page names the report due: {home}");
        change_case(&app, &sec, &id, &[("status", "investigating"), ("reason", "约谈相关人员")]).await;
        let (_, html) = change_case(&app, &sec, &id, &[("fault", "negligent"), ("gravity", "minor"), ("caused_loss", "false")]).await;
        assert!(html.contains("<strong>Warning</strong>"), "the ladder suggests: {html}");
        let (_, html) = change_case(&app, &sec, &id, &[("employee_id", org.dev.as_str())]).await;
        assert!(html.contains("张伟 (D001)"), "{html}");

        // Evidence: a file of the wrong kind is refused at its field; a PDF is kept and served.
        let (to, html) = upload(&app, &sec, &id, "tool.exe", b"MZ\x90\x00\x03".to_vec()).await;
        assert!(to.starts_with(&path));
        assert!(html.contains("only PDF, PNG, JPEG or plain text") && html.contains("f-file-error"), "{html}");
        let (_, html) = upload(&app, &sec, &id, "scan.pdf", b"%PDF-1.7 the scan".to_vec()).await;
        assert!(html.contains("The evidence file was added.") && html.contains("scan.pdf"), "{html}");
        let start = html.find("href=\"/api/v1/breaches/").unwrap() + "href=\"".len();
        let links: Vec<&str> = html[start..].split("href=\"").map(|l| l.split('"').next().unwrap()).filter(|l| l.contains("/evidence/")).collect();
        let mut served = Vec::new();
        for link in links {
            served.push(sec.get(app.url(link)).send().await.unwrap().bytes().await.unwrap().to_vec());
        }
        assert!(served.iter().any(|b| b == b"%PDF-1.7 the scan"), "downloaded as it was received");

        // A remedial task for the manager, who marks it done on their own page.
        let (_, status, html) = submit_form(&app, &sec, &path, &format!("/api/v1/breaches/{id}/tasks"), &[
            ("_done", "sec_task_added"), ("title", "收回并销毁U盘"), ("owner_id", boss_id.as_str()), ("due_on", "someday"),
        ]).await;
        assert_eq!(status, 200);
        assert!(html.contains("f-task-due-error") && html.contains("收回并销毁U盘"), "{html}");
        let (_, _, html) = submit_form(&app, &sec, &path, &format!("/api/v1/breaches/{id}/tasks"), &[
            ("_done", "sec_task_added"), ("title", "收回并销毁U盘"), ("owner_id", boss_id.as_str()), ("due_on", "2028-03-31"),
        ]).await;
        assert!(html.contains("The task was added."), "{html}");
        let (_, html) = page(&app, &boss, "/tasks").await;
        assert!(html.contains("收回并销毁U盘") && !html.contains(&code), "the manager sees the task, not the case");
        let task: Value = get_json(&app, &boss, "/api/v1/tasks").await;
        let task_id = task[0]["id"].as_str().unwrap().to_string();
        let (_, _, html) = submit_form(&app, &boss, "/tasks", &format!("/api/v1/tasks/{task_id}/done"), &[
            ("_done", "sec_task_done"), ("_irreversible", "1"), ("_confirm", "yes"),
        ]).await;
        assert!(html.contains("The task is marked done."), "{html}");

        // The decision, then the case is closed and offers no more steps.
        change_case(&app, &sec, &id, &[("status", "substantiated"), ("reason", "证据确凿")]).await;
        let (_, html) = change_case(&app, &sec, &id, &[("decision", "书面警告"), ("reward", "奖励举报人500元")]).await;
        assert!(html.contains("书面警告") && html.contains("奖励举报人500元"));
        let (_, html) = change_case(&app, &sec, &id, &[("status", "closed"), ("reason", "处理完毕")]).await;
        assert!(html.contains("The case is closed") && !html.contains("Take the next step"), "{html}");
        let course = section(&html, "course");
        for (status, reason) in [("Triaged", "看起来属实"), ("Investigating", "约谈相关人员"), ("Substantiated", "证据确凿"), ("Closed", "处理完毕")] {
            assert!(course.contains(status) && course.contains(reason), "each step with its reason: {course}");
        }
        assert!(course.contains("Test User 测试"), "and its officer");

        // HR sees the outcome, never who reported it.
        let (_, html) = page(&app, &hr, "/breaches").await;
        assert!(html.contains(&code) && html.contains("书面警告") && html.contains("Warning"), "{html}");
        assert!(!html.contains("boss@example.com") && !html.contains("U盘照片"), "{html}");

        // Reporting anonymously records no account.
        let (status, html) = report_through_the_form(&app, &boss, &[
            ("what", "打印室有涉密文件无人看管"), ("anonymous", "true"),
        ], None).await;
        assert_eq!(status, 201);
        let other = crate::breaches::case_id_of(&app, &sec, &code_of(&html, "code")).await;
        let (_, html) = page(&app, &sec, &format!("/breaches/{other}")).await;
        let reporter = section(&html, "reporter");
        assert!(reporter.contains("Anonymous: no account recorded") && !reporter.contains("boss@example.com"), "{html}");
        // The emails the test queued (security's notices of the reports) go out before it ends.
        app.run_jobs().await;
    }

    async fn a_tier_change_is_reviewed_and_approved_through_the_forms(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let lead = manager(&app, "lead@example.com", "L001").await;
        let other = manager(&app, "other@example.com", "X001").await;
        let (s, change) = post(&app, &lead, &format!("/api/v1/employees/{}/clearance-changes", org.dev),
            json!({"to_tier": "core", "reason": "调入核心研发岗位"})).await;
        assert_eq!(s, 201, "{change}");
        let id = change["id"].as_str().unwrap().to_string();
        let path = format!("/clearance-changes/{id}");

        // The proposer follows their proposal; another manager does not see it.
        let (_, html) = page(&app, &lead, "/clearance-changes").await;
        assert!(html.contains("张伟") && html.contains("Proposed, waiting for HR"), "{html}");
        let (status, html) = page(&app, &lead, &path).await;
        assert_eq!(status, 200);
        assert!(html.contains("调入核心研发岗位") && !html.contains("/review\""), "{html}");
        let (_, html) = page(&app, &other, "/clearance-changes").await;
        assert!(!html.contains("张伟"));
        assert_eq!(page(&app, &other, &path).await.0, 403);

        // HR reviews: no reason, it comes back; then it passes to security.
        let (_, html) = page(&app, &sec, &path).await;
        assert!(!html.contains("/review\"") && !html.contains("/approve\""), "not security's step yet");
        let review = format!("/api/v1/clearance-changes/{id}/review");
        let (to, _, html) = submit_form(&app, &hr, &path, &review, &[
            ("_done", "sec_reviewed"), ("_irreversible", "1"), ("_confirm", "yes"), ("decision", "approve"), ("reason", " "),
        ]).await;
        assert_eq!(to, path);
        assert!(html.contains("f-reason-error") && html.contains("is required"), "{html}");
        let (_, _, html) = submit_form(&app, &hr, &path, &review, &[
            ("_done", "sec_reviewed"), ("_irreversible", "1"), ("_confirm", "yes"), ("decision", "approve"), ("reason", "符合岗位要求"),
        ]).await;
        assert!(html.contains("The review was recorded.") && html.contains("Reviewed, waiting for security"), "{html}");

        // Security sees it waiting on the start page, and approves it.
        let (_, home) = page(&app, &sec, "/").await;
        assert!(home.contains(&path) && home.contains("张伟"), "{home}");
        let approve = format!("/api/v1/clearance-changes/{id}/approve");
        let (_, _, html) = submit_form(&app, &sec, &path, &approve, &[
            ("_done", "sec_approved"), ("_irreversible", "1"), ("_confirm", "yes"), ("decision", "approve"), ("reason", "同意"),
        ]).await;
        assert!(html.contains("The decision was recorded.") && html.contains("28 February 2028"), "{html}");
        assert!(html.contains("clearance.approved"), "the change's record: {html}");
        let employee = get_json(&app, &hr, &format!("/api/v1/employees/{}", org.dev)).await;
        assert_eq!(employee["clearance_tier"], "core");
        let (_, html) = page(&app, &sec, "/clearance-changes?status=approved").await;
        assert!(html.contains("张伟") && html.contains("Approved"));
    }

    async fn an_extension_is_approved_through_its_form(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        let obligation = former_core_employee(&app, &hr, &org.dev).await;
        let (s, ext) = post(&app, &hr, &format!("/api/v1/obligations/{obligation}/extensions"),
            json!({"new_end": "2030-02-28", "reason": "涉及的项目仍处于保密期"})).await;
        assert_eq!(s, 201, "{ext}");
        let id = ext["id"].as_str().unwrap().to_string();
        let (_, own) = post(&app, &sec, &format!("/api/v1/obligations/{obligation}/extensions"),
            json!({"new_end": "2031-02-28", "reason": "mine"})).await;
        let own = own["id"].as_str().unwrap().to_string();

        let (_, html) = page(&app, &sec, "/extensions?status=proposed").await;
        assert!(html.contains("张伟") && html.contains("28 February 2029") && html.contains("28 February 2030"), "{html}");
        let (_, html) = page(&app, &sec, &format!("/extensions/{own}")).await;
        assert!(!html.contains("/approve\""), "never one's own request");
        let path = format!("/extensions/{id}");
        let (_, html) = page(&app, &hr, &path).await;
        assert!(!html.contains("/approve\""), "HR does not decide");
        let (_, _, html) = submit_form(&app, &sec, &path, &format!("/api/v1/extensions/{id}/approve"), &[
            ("_done", "sec_ext_decided"), ("_irreversible", "1"), ("_confirm", "yes"), ("decision", "approve"), ("reason", "同意延长"),
        ]).await;
        assert!(html.contains("The decision on the extension was recorded."), "{html}");
        assert!(html.contains("obligation.extended"), "the obligation's record: {html}");
        let o = get_json(&app, &hr, &format!("/api/v1/obligations/{obligation}")).await;
        assert_eq!(o["ends_on"], "2030-02-28");
        speak_chinese(&app, &sec).await;
        let (_, html) = page(&app, &sec, &path).await;
        assert!(html.contains("已批准") && html.contains("同意延长"), "{html}");
    }

    async fn the_verify_action_reports_the_chain_intact_or_where_it_breaks(app: TestApp) {
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let admin = app.signed_in("admin@example.com", &["admin"]).await;
        let (_, html) = page(&app, &sec, "/audit").await;
        assert!(html.contains("href=\"/audit/verify\""));
        let (status, html) = page(&app, &sec, "/audit/verify").await;
        assert_eq!(status, 200);
        assert!(html.contains("Audit chain intact: 2 events"), "two users created: {html}");
        speak_chinese(&app, &admin).await;
        let (_, html) = page(&app, &admin, "/audit/verify").await;
        assert!(html.contains("审计链完整：2 条记录"), "{html}");

        use diesel::connection::SimpleConnection;
        app.db()
            .batch_execute("UPDATE audit_events SET details = '{\"email\":\"mallory@example.com\"}' WHERE seq = 2")
            .unwrap();
        let (_, html) = page(&app, &sec, "/audit/verify").await;
        assert!(html.contains("The audit chain does not verify") && html.contains("#event-2"), "{html}");
        assert!(html.contains("its content was changed after it was written"), "{html}");
        let (_, html) = page(&app, &admin, "/audit/verify").await;
        assert!(html.contains("写入后内容被改动"), "{html}");
    }

    async fn every_list_exports_a_csv_with_a_bom(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let sec = app.signed_in("sec@example.com", &["security"]).await;
        add_employee(&app, &hr, person("E1", "李雷", None)).await;
        let (s, _) = post(&app, &hr, "/api/v1/breaches", json!({"what": "Someone photographed the whiteboard, with \"quotes\"."})).await;
        assert_eq!(s, 201);
        for (path, header) in [
            ("/breaches?format=csv", "Case code,Reported,Source"),
            ("/breaches?status=reported&page=1&format=csv", "Case code"),
            ("/audit?format=csv", "No.,Time,Actor,Action"),
            ("/clearance-changes?format=csv", "Employee,From tier"),
            ("/extensions?format=csv", "Employee,Obligation"),
            ("/tasks?format=csv", "Task,Case code,Due"),
        ] {
            let (kind, bytes) = csv(&app, &sec, path).await;
            assert!(kind.starts_with("text/csv"), "{path}: {kind}");
            assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "{path} starts with the BOM");
            let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
            assert!(text.starts_with(header), "{path}: {text}");
        }
        let (_, bytes) = csv(&app, &sec, "/breaches?format=csv").await;
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text.lines().count(), 2, "the header and the one case: {text}");
        let (_, bytes) = csv(&app, &sec, "/audit?format=csv&per_page=1").await;
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.lines().count() > 3, "every row, not one page: {text}");
        // HR's outcomes, and in Chinese.
        speak_chinese(&app, &hr).await;
        let (_, bytes) = csv(&app, &hr, "/breaches?format=csv").await;
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        assert!(String::from_utf8(bytes[3..].to_vec()).unwrap().starts_with("案件编号,员工"));
        // The emails the test queued (security's notice of the report) go out before it ends.
        app.run_jobs().await;
    }
}
