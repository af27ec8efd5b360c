//! Travel abroad from a former employee's own link (issue 20 item 1): they reach it from their
//! acknowledgement page, ask for a trip (refused with why outside their period), are told
//! security's decision by email in their language, and report their return.

use serde_json::json;

use crate::helpers::{TestApp, csrf_of, get_json, page, post};
use crate::on_both_databases;
use crate::reminders::former_told_at_exit;
use crate::travel::{decide, trip};

/// The `/travel/…` link of a page or an email text.
fn travel_link(text: &str) -> String {
    let start = text.find("/travel/").expect("a travel link");
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '"')
        .next()
        .unwrap()
        .to_string()
}

/// Sends a form of the travel page as a browser would; returns the status and where it
/// redirected to, or the page drawn again.
async fn send(
    app: &TestApp,
    person: &reqwest::Client,
    link: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, html) = page(app, person, link).await;
    let mut form = vec![("csrf".to_string(), csrf_of(&html))];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let r = person
        .post(app.url(action))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status == 303 {
        return (
            status,
            r.headers()["location"].to_str().unwrap().to_string(),
        );
    }
    (status, r.text().await.unwrap())
}

on_both_databases! {
    async fn a_former_employee_asks_to_travel_through_their_link_and_is_told_the_decision(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        // An important-tier 脱密期 from 29 February 2028 to 28 February 2030.
        let id = former_told_at_exit(&app, &hr, "E001", "王芳", "zh-CN", "wang@home.example", "important").await;
        let notice = app.smtp.to("wang@home.example").pop().expect("the exit notice");
        let person = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let (s, ack) = page(&app, &person, &notice.ack_path()).await;
        assert_eq!(s, 200);
        assert!(ack.contains("我的出境申请"), "the acknowledgement page links to travel: {ack}");
        let link = travel_link(&ack);
        let (s, html) = page(&app, &person, &link).await;
        assert_eq!(s, 200);
        assert!(html.contains("王芳") && html.contains("您尚未提交出境申请") && html.contains("第四十六条"), "{html}");

        // After the period no approval is needed: refused with why, in Chinese, what was typed kept.
        let late = [("countries", "新加坡"), ("purpose", "探亲"), ("starts_on", "2030-03-01"),
            ("ends_on", "2030-03-05"), ("invited_by", "亲属")];
        let (s, html) = send(&app, &person, &link, &link, &late).await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("aria-invalid") && html.contains("value=\"新加坡\""), "{html}");
        assert!(html.contains("无需") || html.contains("不需要"), "the fault in Chinese: {html}");
        assert!(get_json(&app, &hr, &format!("/api/v1/trips?employee_id={id}")).await.as_array().unwrap().is_empty());

        let asked = [("countries", "新加坡"), ("purpose", "探亲"), ("starts_on", "2028-04-01"),
            ("ends_on", "2028-04-05"), ("invited_by", "亲属")];
        let (s, to) = send(&app, &person, &link, &link, &asked).await;
        assert_eq!(s, 303, "{to}");
        let (_, html) = page(&app, &person, &to).await;
        assert!(html.contains("申请已提交") && html.contains("待保密办审批"), "{html}");
        let trips = get_json(&app, &hr, &format!("/api/v1/trips?employee_id={id}")).await;
        let trip = trips[0].clone();
        assert_eq!((trip["status"].as_str(), trip["tier"].as_str()), (Some("requested"), Some("important")), "{trip}");
        assert_eq!(trip["requested_by"], serde_json::Value::Null, "asked through the link");

        // Security approves: the person is told, once, in Chinese, with a link back to the page.
        assert_eq!(decide(&app, &sec, &trip, "approve").await.0, 200);
        app.run_jobs().await;
        app.run_jobs().await;
        let told: Vec<_> = app.smtp.to("wang@home.example").into_iter()
            .filter(|m| m.subject().contains("出境申请")).collect();
        assert_eq!(told.len(), 1, "told once");
        assert_eq!(told[0].subject(), "您的出境申请已批准：新加坡");
        let text = told[0].text();
        assert!(text.contains("2028年4月1日至2028年4月5日") && text.contains("审批意见：符合规定") && text.contains("7日内报告回国"), "{text}");
        let from_mail = travel_link(&text);
        let (s, html) = page(&app, &person, &from_mail).await;
        assert_eq!(s, 200);
        assert!(html.contains("已批准") && html.contains("符合规定"), "{html}");
        assert!(!html.contains("报告回国</button>"), "no return before the trip began");

        // Back from the trip: reported through the link, recorded once.
        app.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2028, 4, 6, 2, 0, 0).unwrap());
        let trip_id = trip["id"].as_str().unwrap();
        let back = [("trip_id", trip_id), ("returned_on", "2028-04-05")];
        let action = format!("{from_mail}/return");
        let (s, to) = send(&app, &person, &from_mail, &action, &back).await;
        assert_eq!(s, 303, "{to}");
        let (_, html) = page(&app, &person, &to).await;
        assert!(html.contains("已登记您的回国情况"), "{html}");
        let one = get_json(&app, &hr, &format!("/api/v1/trips?employee_id={id}")).await;
        assert_eq!(one[0]["returned_on"], "2028-04-05", "{one}");
        assert_eq!(one[0]["return_recorded_by"], serde_json::Value::Null);
        let trail = get_json(&app, &sec, &format!("/api/v1/audit?subject_type=trip&subject_id={trip_id}")).await;
        assert!(trail.to_string().contains("trip.returned"), "{trail}");
    }

    async fn the_link_reaches_only_its_own_persons_trips(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        former_told_at_exit(&app, &hr, "E001", "Alice Smith", "en", "alice@home.example", "general").await;
        let bob = former_told_at_exit(&app, &hr, "E002", "Bob Jones", "en", "bob@home.example", "general").await;
        let alice = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let (_, ack) = page(&app, &alice, &app.smtp.to("alice@home.example").pop().unwrap().ack_path()).await;
        let link = travel_link(&ack);
        let (s, html) = page(&app, &alice, &link).await;
        assert_eq!(s, 200);
        assert!(html.contains("Travel abroad") && html.contains("Alice Smith") && !html.contains("Bob Jones"), "{html}");

        // Bob's trip, approved: Alice's link cannot report his return.
        let bob_trip = post(&app, &sec, "/api/v1/trips/unapproved", json!({
            "employee_id": bob, "countries": "Japan", "purpose": "p", "starts_on": "2028-02-20",
            "ends_on": "2028-02-22", "invited_by": "x",
        })).await.1;
        let (s, _) = send(&app, &alice, &link, &format!("{link}/return"),
            &[("trip_id", bob_trip["id"].as_str().unwrap()), ("returned_on", "2028-02-22")]).await;
        assert_eq!(s, 404);
        // A link altered by one character leads nowhere.
        let mut forged = link.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        let (s, html) = page(&app, &alice, &forged).await;
        assert_eq!(s, 404);
        assert!(html.contains("链接无效"), "a browser that says no language reads Chinese: {html}");

        // A refusal is told in English, with the reason.
        let body = trip("2028-05-01", "2028-05-03");
        let (s, html) = send(&app, &alice, &link, &link, &[
            ("countries", body["countries"].as_str().unwrap()), ("purpose", "a conference"),
            ("starts_on", "2028-05-01"), ("ends_on", "2028-05-03"), ("invited_by", "a university"),
        ]).await;
        assert_eq!(s, 303, "{html}");
        let asked = get_json(&app, &sec, "/api/v1/trips?status=requested").await;
        let (s, _) = post(&app, &sec, &format!("/api/v1/trips/{}/decision", asked[0]["id"].as_str().unwrap()),
            json!({"decision": "reject", "reason": "the dates overlap a project review"})).await;
        assert_eq!(s, 200);
        app.run_jobs().await;
        let told: Vec<_> = app.smtp.to("alice@home.example").into_iter()
            .filter(|m| m.subject().starts_with("Your trip abroad")).collect();
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].subject(), "Your trip abroad is not approved: 日本");
        let text = told[0].text();
        assert!(text.contains("Please do not make this trip") && text.contains("the dates overlap a project review"), "{text}");
        assert!(!text.contains("report your return"), "{text}");
    }
}
