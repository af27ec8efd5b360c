//! A former employee acknowledges their obligations from the link in their reminder, on a
//! phone.

use super::{Browser, PHONE, tr};
use crate::helpers::{Backend, TestApp};
use crate::reminders::{former, reminders, shanghai};

/// A former employee opens the link in their reminder on a phone, reads their obligations in
/// their language and acknowledges them; the reminder shows as acknowledged.
async fn a_former_employee_acknowledges_from_the_reminder_link_on_a_phone(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("acknowledge_on_phone_{lang}");
    let Some(mut browser) = Browser::open(&app, &test, lang, PHONE).await else {
        return;
    };
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    let name = tr(lang, "李娜", "Lena Smith");
    let id = former(
        &app,
        &hr,
        "A001",
        name,
        lang,
        Some("former@home.example"),
        "important",
    )
    .await;
    app.clock.set(shanghai(2028, 4, 1, 9, 1));
    app.run_jobs().await;
    let mails = app.smtp.to("former@home.example");
    assert_eq!(mails.len(), 1, "one reminder went out");
    let link = mails[0].ack_path();

    browser.goto(&link).await;
    browser.screenshot("obligations").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "您离职后的义务", "Your obligations after leaving")
    );
    let page = browser.text().await;
    assert!(page.contains(name), "{page}");
    assert!(
        page.contains(tr(lang, "脱密期", "Declassification period"))
            && page.contains(tr(lang, "2030年2月28日", "28 February 2030")),
        "the obligation and its last day: {page}"
    );
    assert!(
        browser.fits_width().await,
        "no sideways scrolling on a phone"
    );

    browser
        .click(tr(
            lang,
            "我已知悉上述义务",
            "I acknowledge these obligations",
        ))
        .await;
    browser.screenshot("acknowledged").await;
    assert_eq!(
        browser.text_of("[role=status]").await,
        tr(lang, "已确认于2028年4月1日", "Acknowledged on 1 April 2028")
    );
    assert!(
        !browser.text().await.contains(tr(
            lang,
            "我已知悉上述义务",
            "I acknowledge these obligations"
        )),
        "nothing left to press"
    );
    assert!(
        browser.fits_width().await,
        "no sideways scrolling on a phone"
    );

    let rows = reminders(&app, &hr, &format!("employee_id={id}")).await;
    assert_eq!(rows[0]["status"], "acknowledged");
}

#[actix_web::test]
async fn a_former_employee_acknowledges_from_the_reminder_link_on_a_phone_in_chinese() {
    a_former_employee_acknowledges_from_the_reminder_link_on_a_phone("zh-CN").await;
}

#[actix_web::test]
async fn a_former_employee_acknowledges_from_the_reminder_link_on_a_phone_in_english() {
    a_former_employee_acknowledges_from_the_reminder_link_on_a_phone("en").await;
}
