//! A former employee in their 脱密期 asks to travel abroad through the link of their
//! acknowledgement page, on a phone; security approves and hands the passport out; back from
//! the trip, the person reports their return through the same page and security takes the
//! passport back — in Chinese and in English.

use chrono::TimeZone;
use serde_json::json;

use super::{Browser, PHONE, sign_in, tr, user};
use crate::helpers::{Backend, TestApp, get_json, post};
use crate::reminders::former_told_at_exit;

async fn a_former_employee_travels_with_approval_and_the_passport_goes_out_and_back(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let journey = format!("travel_link_{lang}");
    let Some(mut me) = Browser::open(&app, &format!("{journey}/1-former"), lang, PHONE).await
    else {
        return;
    };
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    let sec_api = app.token_client("sec-api@example.com", &["security"]).await;
    let name = tr(lang, "王芳", "Fang Wang");
    let id = former_told_at_exit(
        &app,
        &hr,
        "E001",
        name,
        lang,
        "wang@home.example",
        "important",
    )
    .await;
    let path = format!("/api/v1/employees/{id}/travel-documents");
    let body = json!({"kind": "passport", "number": "E7654321", "expires_on": "2033-05-31"});
    assert_eq!(post(&app, &sec_api, &path, body).await.0, 201);
    user(
        &app,
        "sec@example.com",
        &["security"],
        tr(lang, "周敏", "Mina Zhou"),
        lang,
        None,
    );

    // 1. From the exit notice's link to the acknowledgement page, then to the travel page.
    let notice = app
        .smtp
        .to("wang@home.example")
        .pop()
        .expect("the exit notice");
    me.goto(&notice.ack_path()).await;
    me.click(tr(lang, "我的出境申请", "My trips abroad")).await;
    let travel = me.path().await;
    assert!(travel.starts_with("/travel/"), "{travel}");
    assert!(me.fits_width().await, "the travel page fits a phone");
    me.screenshot("travel-page").await;
    me.fill("countries", tr(lang, "新加坡", "Singapore")).await;
    me.fill("purpose", tr(lang, "探亲", "Visiting family"))
        .await;
    me.fill("starts_on", "2028-03-01").await;
    me.fill("ends_on", "2028-03-10").await;
    me.fill("invited_by", tr(lang, "亲属", "My sister")).await;
    me.click(tr(lang, "提交申请", "Send the request")).await;
    let page = me.text().await;
    assert!(
        page.contains(tr(lang, "申请已提交", "Your request is sent"))
            && page.contains(tr(lang, "待保密办审批", "Waiting for the security office")),
        "{page}"
    );
    me.screenshot("asked").await;

    // 2. Security approves it on a phone and hands the passport out.
    let trips = get_json(&app, &hr, &format!("/api/v1/trips?employee_id={id}")).await;
    let trip = trips[0]["id"].as_str().unwrap().to_string();
    let Some(mut sec) = Browser::open(&app, &format!("{journey}/2-security"), lang, PHONE).await
    else {
        return;
    };
    sign_in(&mut sec, lang, "sec@example.com").await;
    sec.goto(&format!("/trips/{trip}")).await;
    sec.select("decision", tr(lang, "同意", "Approve")).await;
    sec.fill(
        "reason",
        tr(lang, "探亲，符合规定", "Family visit, within the rules"),
    )
    .await;
    sec.tick("_confirm").await;
    sec.click(tr(lang, "提交审批意见", "Record the decision"))
        .await;
    assert!(sec.text().await.contains(tr(lang, "已批准", "Approved")));
    sec.fill(tr(lang, "发放日期", "Handed out on"), "2028-02-29")
        .await;
    let hand_out = format!(
        "{}{}{} E7654321",
        tr(lang, "发放", "Hand out"),
        tr(lang, "：", ": "),
        tr(lang, "护照", "Passport")
    );
    sec.click(&hand_out).await;
    assert!(sec.fits_width().await, "the trip's page fits a phone");
    sec.screenshot("handed-out").await;

    // The person is told by email, in their language, with the link back.
    app.run_jobs().await;
    let told = app
        .smtp
        .to("wang@home.example")
        .pop()
        .expect("the decision");
    assert_eq!(
        told.subject(),
        tr(
            lang,
            "您的出境申请已批准：新加坡",
            "Your trip abroad is approved: Singapore"
        )
    );

    // 3. Back from the trip, the person reports their return through the same page.
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2028, 3, 11, 2, 0, 0).unwrap());
    me.goto(&travel).await;
    me.fill("returned_on", "2028-03-10").await;
    me.click(tr(lang, "报告回国", "Report my return")).await;
    assert!(
        me.text()
            .await
            .contains(tr(lang, "已登记您的回国情况", "Your return is recorded")),
        "{}",
        me.text().await
    );
    me.screenshot("returned").await;

    // 4. Security takes the passport back (a new day: signed in again).
    sign_in(&mut sec, lang, "sec@example.com").await;
    sec.goto(&format!("/trips/{trip}")).await;
    sec.click(tr(lang, "收回", "Take back")).await;
    let page = sec.text().await;
    assert!(
        page.contains(tr(lang, "2028年3月10日", "10 March 2028")),
        "the return is on the trip: {page}"
    );
    sec.screenshot("taken-back").await;
    let docs = get_json(
        &app,
        &sec_api,
        &format!("/api/v1/travel-documents?employee_id={id}"),
    )
    .await;
    assert_eq!(docs[0]["status"], "held", "{docs}");
}

#[actix_web::test]
async fn a_former_employee_asks_through_their_link_and_the_passport_goes_out_and_back_in_chinese() {
    a_former_employee_travels_with_approval_and_the_passport_goes_out_and_back("zh-CN").await;
}

#[actix_web::test]
async fn a_former_employee_asks_through_their_link_and_the_passport_goes_out_and_back_in_english() {
    a_former_employee_travels_with_approval_and_the_passport_goes_out_and_back("en").await;
}
