//! Travel abroad on a phone (390 px): an employee on a classified post asks for a trip from
//! the form, security opens it from the list, approves it and hands the passport out from the
//! trip's page; every page fits the phone's width, in Chinese and in English.

use serde_json::json;

use super::{Browser, PHONE, sign_in, tr, user};
use crate::helpers::{Backend, TestApp, post};
use crate::people::{add_employee, person};

async fn a_trip_is_asked_for_approved_and_its_passport_handed_out_on_a_phone(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let journey = format!("travel_{lang}");
    let Some(mut me) = Browser::open(&app, &format!("{journey}/1-employee"), lang, PHONE).await
    else {
        return;
    };
    let hr = app.token_client("setup@example.com", &["hr"]).await;
    let p = person("D001", tr(lang, "张伟", "Wei Zhang"), None);
    let employee = add_employee(&app, &hr, p).await;
    crate::obligations::set_tier(&app, &employee, "important");
    user(
        &app,
        "dev@example.com",
        &["manager"],
        tr(lang, "张伟", "Wei Zhang"),
        lang,
        Some("D001"),
    );
    user(
        &app,
        "sec@example.com",
        &["security"],
        tr(lang, "周敏", "Mina Zhou"),
        lang,
        None,
    );
    let sec_api = app.token_client("sec-api@example.com", &["security"]).await;
    let path = format!("/api/v1/employees/{employee}/travel-documents");
    let body = json!({"kind": "passport", "number": "E7654321", "expires_on": "2033-05-31"});
    assert_eq!(post(&app, &sec_api, &path, body).await.0, 201);

    sign_in(&mut me, lang, "dev@example.com").await;
    me.goto("/trips/new").await;
    assert!(me.fits_width().await, "the request form fits a phone");
    me.screenshot("request").await;
    me.fill("countries", tr(lang, "日本", "Japan")).await;
    me.fill(
        "purpose",
        tr(lang, "参加学术会议", "An academic conference"),
    )
    .await;
    me.fill("starts_on", "2028-03-01").await;
    me.fill("ends_on", "2028-03-10").await;
    me.fill("invited_by", tr(lang, "东京大学", "University of Tokyo"))
        .await;
    me.click(tr(lang, "提交申请", "Ask for approval")).await;
    assert!(me.path().await.starts_with("/trips/"), "on the trip's page");
    let trip_path = me.path().await;
    assert!(
        me.text()
            .await
            .contains(tr(lang, "待保密部门审批", "Waiting for security")),
        "{}",
        me.text().await
    );
    assert!(me.fits_width().await, "the trip's page fits a phone");
    me.screenshot("asked").await;

    let Some(mut sec) = Browser::open(&app, &format!("{journey}/2-security"), lang, PHONE).await
    else {
        return;
    };
    sign_in(&mut sec, lang, "sec@example.com").await;
    sec.goto("/trips").await;
    assert!(sec.fits_width().await, "the list fits a phone");
    sec.screenshot("trips").await;
    sec.goto(&trip_path).await;
    sec.select("decision", tr(lang, "同意", "Approve")).await;
    sec.fill(
        "reason",
        tr(
            lang,
            "学术交流，符合规定",
            "Academic exchange, within the rules",
        ),
    )
    .await;
    sec.tick("_confirm").await;
    sec.click(tr(lang, "提交审批意见", "Record the decision"))
        .await;
    assert!(
        sec.text().await.contains(tr(lang, "已批准", "Approved")),
        "{}",
        sec.text().await
    );
    assert!(sec.fits_width().await, "the decided trip fits a phone");
    sec.screenshot("approved").await;
    sec.fill(tr(lang, "发放日期", "Handed out on"), "2028-02-28")
        .await;
    let hand_out = format!(
        "{}{}{} E7654321",
        tr(lang, "发放", "Hand out"),
        tr(lang, "：", ": "),
        tr(lang, "护照", "Passport")
    );
    sec.click(&hand_out).await;
    assert!(
        sec.text().await.contains(tr(
            lang,
            "已为本次出境发放证照",
            "The document was handed out"
        )),
        "{}",
        sec.text().await
    );
    sec.screenshot("handed-out").await;
    sec.goto("/travel-documents").await;
    assert!(sec.text().await.contains("E7654321"));
    assert!(sec.fits_width().await, "the register fits a phone");
    sec.screenshot("register").await;
    sec.goto(&format!("/employees/{employee}")).await;
    assert!(
        sec.fits_width().await,
        "the person's page with its card fits a phone"
    );
    sec.screenshot("person").await;
}

#[actix_web::test]
async fn a_trip_is_asked_for_approved_and_its_passport_handed_out_on_a_phone_in_chinese() {
    a_trip_is_asked_for_approved_and_its_passport_handed_out_on_a_phone("zh-CN").await;
}

#[actix_web::test]
async fn a_trip_is_asked_for_approved_and_its_passport_handed_out_on_a_phone_in_english() {
    a_trip_is_asked_for_approved_and_its_passport_handed_out_on_a_phone("en").await;
}
