//! What the import answers about a file: every problem of every row at once, the column as
//! the file heads it, in the reader's language; and the template it offers imports as it is.

use serde_json::Value;

use crate::helpers::{TestApp, csrf_of, page};
use crate::on_both_databases;

fn speak(app: &TestApp, email: &str, lang: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::language.eq(lang))
        .execute(&mut app.db())
        .unwrap();
}

/// A file headed as HR's own system heads it: line 2 has a bad email and a manager nobody
/// has; line 3 only the unknown manager; line 4 is good.
const CHINESE: &str = "工号,姓名,工作邮箱,部门,直接上级工号\n\
                       E1,张伟,bad-email,研发部,E9\n\
                       E2,李娜,,研发部,E8\n\
                       E3,王芳,,研发部,E2\n";

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    bytes: Vec<u8>,
    name: &str,
) -> (u16, String) {
    let (_, html) = page(app, client, "/employees/import").await;
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&html))
        .text("dry_run", "true")
        .part("file", part);
    let r = client
        .post(app.url("/employees/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

on_both_databases! {
    async fn every_problem_of_every_row_is_reported_at_once_naming_the_column_as_headed(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let r = hr.post(app.url("/api/v1/employees/import?dry_run=false"))
            .header("content-type", "text/csv").body(CHINESE).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let report: Value = r.json().await.unwrap();
        let got: Vec<(u64, &str, &str, &str)> = report["errors"].as_array().unwrap().iter()
            .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap(), e["column"].as_str().unwrap(), e["problem"]["code"].as_str().unwrap()))
            .collect();
        assert_eq!(got, [
            (2, "manager_no", "直接上级工号", "problem.manager_not_found"),
            (2, "work_email", "工作邮箱", got[1].3),
            (3, "manager_no", "直接上级工号", "problem.manager_not_found"),
        ], "the bad row's unknown manager with its other problem: {report}");
        assert_eq!(report["dry_run"], true, "nothing written");
        let listed: Value = hr.get(app.url("/api/v1/employees")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["total"], 0);

        // The page, in Chinese: the columns as headed, the reasons in Chinese.
        let browser = app.signed_in("hr2@example.com", &["hr"]).await;
        speak(&app, "hr2@example.com", "zh-CN");
        let (status, html) = upload(&app, &browser, CHINESE.as_bytes().to_vec(), "人员.csv").await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("<td data-label=\"列\">工作邮箱</td>"), "{html}");
        assert!(html.contains("文件和人员登记册中都没有工号为 E9 的人员"), "{html}");
        assert!(html.contains("文件和人员登记册中都没有工号为 E8 的人员"), "{html}");
        assert!(!html.contains("no employee numbered"), "no English on the Chinese page");
    }

    async fn the_template_in_either_form_and_language_has_one_example_row_that_imports(app: TestApp) {
        let browser = app.signed_in("hr@example.com", &["hr"]).await;
        for (lang, first, name) in [("zh-CN", "工号", "张伟"), ("en", "Employee number", "Li Na")] {
            speak(&app, "hr@example.com", lang);
            let csv = browser.get(app.url("/employees/import/template")).send().await.unwrap();
            assert_eq!(csv.status(), 200);
            let bytes = csv.bytes().await.unwrap().to_vec();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM, so Excel reads UTF-8");
            let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "a header and one example: {text}");
            assert!(lines[0].starts_with(first) && lines[1].contains(name), "{text}");
            let xlsx = browser.get(app.url("/employees/import/template?format=xlsx")).send().await.unwrap().bytes().await.unwrap().to_vec();
            for (file, bytes) in [("template.csv", text.into_bytes()), ("template.xlsx", xlsx)] {
                let (status, html) = upload(&app, &browser, bytes, file).await;
                assert_eq!(status, 200, "{lang} {file}: {html}");
                let created = if lang == "en" { "<dt>New people</dt><dd>1</dd>" } else { "<dt>新增人员</dt><dd>1</dd>" };
                assert!(html.contains(created) && html.contains(">E0001<"), "{lang} {file}: {html}");
            }
        }
        let (_, html) = page(&app, &browser, "/employees/import").await;
        assert!(html.contains("href=\"/employees/import/template\"") && html.contains("href=\"/employees/import/template?format=xlsx\""));
    }
}
