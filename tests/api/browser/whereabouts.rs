//! A former employee tells the company about a new employer from the link in their
//! reminder, on a phone; HR reads it on the person's page at a desk.

use super::{Browser, DESKTOP, PHONE, sign_in, tr, user};
use crate::helpers::{Backend, TestApp};
use crate::reminders::{former, shanghai};

/// From the periodic reminder's link the person reports a foreign-invested firm on a phone,
/// in their language; HR finds it, with the obligation it breaches, on the person's card.
async fn a_former_employee_reports_a_new_employer_on_a_phone(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("whereabouts_on_phone_{lang}");
    let Some(mut phone) = Browser::open(&app, &format!("{test}/1-person"), lang, PHONE).await
    else {
        return;
    };
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    let name = tr(lang, "李娜", "Lena Smith");
    let id = former(
        &app,
        &hr,
        "W001",
        name,
        lang,
        Some("former@home.example"),
        "core",
    )
    .await;
    app.clock.set(shanghai(2028, 4, 1, 9, 1));
    app.run_jobs().await;
    let mails = app.smtp.to("former@home.example");
    let reminder = mails.last().expect("the periodic reminder");
    let start = reminder
        .text()
        .find("/whereabouts/")
        .expect("a link to report");
    let link = reminder.text()[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    phone.goto(&link).await;
    phone.screenshot("form").await;
    assert_eq!(
        phone.heading().await,
        tr(lang, "报告您的新单位", "Tell us about your new employer")
    );
    assert!(phone.fits_width().await, "no sideways scrolling on a phone");
    phone
        .fill(tr(lang, "单位", "Employer"), "某外资咨询公司")
        .await;
    phone.fill(tr(lang, "职务", "Post"), "顾问").await;
    phone
        .fill(tr(lang, "入职日期", "First day there"), "2028-03-15")
        .await;
    phone
        .select(
            tr(
                lang,
                "是否为境外驻华机构、境外组织或外资企业？",
                "Is it a foreign body in China, a foreign organisation or a foreign-invested firm?",
            ),
            "foreign",
        )
        .await;
    phone.click(tr(lang, "提交", "Send")).await;
    phone.screenshot("thanked").await;
    let page = phone.text().await;
    assert!(
        page.contains(tr(
            lang,
            "谢谢，您的新单位已登记。",
            "Thank you: your new employer was recorded."
        )) && page.contains("某外资咨询公司"),
        "{page}"
    );
    assert!(phone.fits_width().await, "no sideways scrolling on a phone");

    let Some(mut desk) = Browser::open(&app, &format!("{test}/2-hr"), lang, DESKTOP).await else {
        return;
    };
    user(
        &app,
        "hr-desk@example.com",
        &["hr"],
        tr(lang, "李娟", "Li Juan"),
        lang,
        None,
    );
    sign_in(&mut desk, lang, "hr-desk@example.com").await;
    desk.goto(&format!("/employees/{id}#whereabouts")).await;
    desk.screenshot("card").await;
    let page = desk.text().await;
    assert!(
        page.contains("某外资咨询公司")
            && page.contains(tr(lang, "本人报告", "reported by the person")),
        "{page}"
    );
    assert!(
        page.contains(tr(lang, "脱密期", "Declassification period")),
        "{page}"
    );
    app.run_jobs().await;
}

#[actix_web::test]
async fn a_former_employee_reports_a_new_employer_on_a_phone_in_chinese() {
    a_former_employee_reports_a_new_employer_on_a_phone("zh-CN").await;
}

#[actix_web::test]
async fn a_former_employee_reports_a_new_employer_on_a_phone_in_english() {
    a_former_employee_reports_a_new_employer_on_a_phone("en").await;
}
