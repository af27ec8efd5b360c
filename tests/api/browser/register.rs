//! The printed handover register (移交登记表): HR prints it from the browser on A4, and the
//! PDF's text (read with pdftotext, Debian's poppler-utils) carries the register number, each
//! carrier's 密级 and the successor who signed for the handover through the emailed link.

use serde_json::json;

use super::{Browser, DESKTOP, sign_in, tr, user};
use crate::helpers::{Backend, TestApp, csrf_of, post};
use crate::people::{add_employee, person};

/// The text of a PDF, laid out as printed.
fn pdf_text(pdf: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("pdftotext reads the printed register (apt-get install poppler-utils): {e}")
        });
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8(out.stdout).expect("the PDF's text in UTF-8")
}

async fn the_printed_register_names_its_number_classifications_and_signer(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let hr_api = app.token_client("setup@example.com", &["hr"]).await;
    let successor_name = tr(lang, "王芳", "Olivia Brown");
    let mut p = person("S001", successor_name, None);
    p["language"] = json!(lang);
    let leaver = add_employee(&app, &hr_api, person("D001", "张伟", None)).await;
    add_employee(&app, &hr_api, p).await;
    let (s, c) = post(&app, &hr_api, "/api/v1/carriers", json!({
        "tag": "LT-7", "kind": "laptop", "description": "ThinkPad", "classification": "top_secret",
        "custodian_id": leaver, "copies": 1
    }))
    .await;
    assert_eq!(s, 201, "{c}");
    let successor_id = {
        use diesel::prelude::*;
        use tuomi::db::schema::employees;
        employees::table
            .filter(employees::employee_no.eq("S001"))
            .select(employees::id)
            .first::<String>(&mut app.db())
            .unwrap()
    };
    let (s, dep) = post(
        &app,
        &hr_api,
        "/api/v1/departures",
        json!({
            "employee_id": leaver, "notice_date": "2028-01-31", "last_working_day": "2028-02-29",
            "reason": "resignation", "successor_id": successor_id
        }),
    )
    .await;
    assert_eq!(s, 201, "{dep}");
    let id = dep["id"].as_str().unwrap().to_string();
    let register_no = dep["register_no"].as_str().unwrap().to_string();
    assert_eq!(register_no, "2028-0001");
    let lt = dep["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"].as_str().unwrap().contains("LT-7"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = post(
        &app,
        &hr_api,
        &format!("/api/v1/departures/{id}/lines/{lt}/confirm"),
        json!({"outcome": "handed_over"}),
    )
    .await;
    assert_eq!(s, 200);
    // The successor signs through the emailed link.
    app.run_jobs().await;
    let mail = app.smtp.to("s001@corp.example");
    let text = mail[0].text();
    let at = text.find("/receipt/").expect("a signing link");
    let link = text[at..].split_whitespace().next().unwrap().to_string();
    let web = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let html = web
        .get(app.url(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let signed = web
        .post(app.url(&link))
        .form(&[
            ("csrf", csrf_of(&html)),
            ("line_id", lt.clone()),
            ("count", "1".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);

    user(
        &app,
        "hr@example.com",
        &["hr"],
        tr(lang, "李静", "Helen Hart"),
        lang,
        None,
    );
    let Some(mut hr) = Browser::open(&app, &format!("register_{lang}"), lang, DESKTOP).await else {
        return;
    };
    sign_in(&mut hr, lang, "hr@example.com").await;
    hr.goto(&format!("/departures/{id}")).await;
    hr.click(tr(lang, "打印移交登记表", "Print the handover register"))
        .await;
    hr.screenshot("register").await;
    assert_eq!(
        hr.heading().await,
        tr(lang, "移交登记表", "Handover register")
    );
    let pdf = hr.print_pdf("register").await;
    let text = pdf_text(&pdf);
    // Words wrap inside narrow cells: compare without whitespace.
    let flat: String = text.split_whitespace().collect();
    let has = |s: &str| flat.contains(&s.split_whitespace().collect::<String>());
    assert!(has(&register_no), "the register number: {text}");
    assert!(
        has(tr(lang, "绝密", "Top secret")),
        "the carrier's 密级: {text}"
    );
    // The successor: in the facts, as whom it was handed to, as who signed for it (the
    // register's last column, so the table fits the page) and under a signature line.
    let named = flat
        .matches(&successor_name.split_whitespace().collect::<String>())
        .count();
    assert!(named >= 4, "the successor named {named} times: {text}");
    assert!(
        !has(tr(lang, "通过邮件链接", "through the emailed link")),
        "{text}"
    );
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("(A4)"), "printed on A4: {info}");
}

#[actix_web::test]
async fn the_printed_register_names_its_number_classifications_and_signer_in_chinese() {
    the_printed_register_names_its_number_classifications_and_signer("zh-CN").await;
}

#[actix_web::test]
async fn the_printed_register_names_its_number_classifications_and_signer_in_english() {
    the_printed_register_names_its_number_classifications_and_signer("en").await;
}
