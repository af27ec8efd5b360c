//! The calendar feed: each staff user's private ICS address, read back by an iCalendar parser
//! of its own (not the writer's), with what concerns each role and nobody else's, a month back
//! to a year ahead; ended, replaced and a deactivated user's feeds answer 404.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{TestApp, get_json, post};
use crate::noncompete::{depart, put_terms, terms};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};
use crate::users::patch;

/// One event of a feed: its properties by name.
type Event = BTreeMap<String, String>;

/// A new feed for `client`'s user: its address.
async fn new_feed(app: &TestApp, client: &reqwest::Client) -> String {
    let (s, feed) = post(app, client, "/api/v1/me/calendar-feed", json!({})).await;
    assert_eq!(s, 201, "{feed}");
    to_app(app, feed["url"].as_str().unwrap())
}

/// The feed's address (on the service's `base_url`) as the test app serves it.
fn to_app(app: &TestApp, url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    assert!(
        url.path().starts_with("/calendar/cal_") && url.path().ends_with(".ics"),
        "{url}"
    );
    app.url(url.path())
}

/// Reads a feed as a calendar program does (no cookie, no token): the status and its events.
async fn read(url: &str) -> (u16, Vec<Event>) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    if status != 200 {
        return (status, Vec::new());
    }
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let text = r.text().await.unwrap();
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = parser
        .next()
        .expect("one calendar")
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{text}"));
    assert!(parser.next().is_none(), "one calendar only");
    let events = calendar
        .events
        .into_iter()
        .map(|e| {
            let event: Event = e
                .properties
                .into_iter()
                .map(|p| (p.name, p.value.unwrap_or_default()))
                .collect();
            for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL"] {
                assert!(event.contains_key(required), "{required} in {event:?}");
            }
            event
        })
        .collect();
    (status, events)
}

/// The events whose summary contains `text`.
fn about<'a>(events: &'a [Event], text: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e["SUMMARY"].contains(text))
        .collect()
}

fn ics_date(date: &str) -> String {
    date.replace('-', "")
}

on_both_databases! {
    async fn each_role_reads_in_its_calendar_what_concerns_it_and_no_one_else(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let (s, _) = patch(&app, &hr, "/api/v1/me", json!({"language": "zh-CN"})).await;
        assert_eq!(s, 200);
        let org = small_org(&app, &hr).await;
        // A non-compete of 12 months from 1 February 2028: each month's compensation is due.
        put_terms(&app, &hr, &org.dev, terms(12, 8000.0)).await;
        let non_compete = depart(&app, &hr, &org.dev, "2029-01-31").await;
        // A general-tier leaver on 28 February: a one-year declassification period.
        let former = crate::reminders::former(&app, &hr, "A001", "王伟", "zh-CN", None, "general").await;
        let periods = get_json(&app, &hr, &format!("/api/v1/obligations?employee_id={former}")).await;
        let period_of = |kind: &str| {
            periods["items"].as_array().unwrap().iter().find(|o| o["kind"] == kind).unwrap().clone()
        };
        let declassification = period_of("declassification");
        let period_end = declassification["ends_on"].as_str().unwrap().to_string();
        let confidentiality_end = period_of("confidentiality")["ends_on"].as_str().unwrap().to_string();
        // Two departures in progress: the boss's report's and an outsider's.
        let mut in_progress = BTreeMap::new();
        for (who, last) in [(&org.lead, "2028-03-31"), (&org.outsider, "2028-04-30")] {
            let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
                "employee_id": who, "notice_date": "2028-02-29", "last_working_day": last, "reason": "resignation"
            })).await;
            assert_eq!(s, 201, "{dep}");
            in_progress.insert(who.clone(), dep);
        }
        // An extension of 王伟's period, asked by HR: security decides it.
        let (s, asked) = post(&app, &hr, &format!("/api/v1/obligations/{}/extensions", declassification["id"].as_str().unwrap()),
            json!({"new_end": "2029-08-31", "reason": "项目仍在保密期内"})).await;
        assert_eq!(s, 201, "{asked}");

        // HR: the period's end and the compensation due, in HR's language, with their pages.
        let hr_feed = new_feed(&app, &hr).await;
        let (s, events) = read(&hr_feed).await;
        assert_eq!(s, 200);
        let ends = about(&events, "王伟的脱密期期满");
        assert_eq!(ends.len(), 1, "{events:?}");
        assert_eq!(ends[0]["DTSTART"], ics_date(&period_end));
        assert!(ends[0]["URL"].ends_with(&format!("/obligations/{}", declassification["id"].as_str().unwrap())));
        assert!(
            about(&events, "离职后保密义务期满").iter().all(|e| e["DTSTART"] != ics_date(&confidentiality_end)),
            "two years ahead is past the feed's year: {events:?}"
        );
        let payments = about(&events, "竞业限制补偿");
        assert_eq!(payments.len(), 12, "each unpaid month: {payments:?}");
        assert!(payments[0]["SUMMARY"].contains("张伟") && payments[0]["SUMMARY"].contains("第1个月"), "{payments:?}");
        assert_eq!(payments[0]["DTSTART"], "20280315", "month 1 ends 29 February, due 15 days after");
        assert_eq!(payments[0]["DTEND"], "20280316", "an all-day event ends the next day");
        assert!(payments[0]["URL"].ends_with(&format!("/obligations/{non_compete}")));
        assert!(about(&events, "最后工作日").is_empty(), "HR is no manager: {events:?}");
        // Paid, a month leaves the feed.
        let (s, paid) = post(&app, &hr, &format!("/api/v1/obligations/{non_compete}/payments"),
            json!({"month": 1, "amount": 8000.0, "paid_on": "2028-03-10"})).await;
        assert_eq!(s, 201, "{paid}");
        let (_, events) = read(&hr_feed).await;
        assert_eq!(about(&events, "竞业限制补偿").len(), 11);

        // A manager: their own report's last working day, with the lines still open; not the
        // outsider's.
        let boss = manager_client(&app, "boss@example.com", "M001").await;
        let boss_feed = new_feed(&app, &boss).await;
        let (_, events) = read(&boss_feed).await;
        let days = about(&events, "Last working day");
        assert_eq!(days.len(), 1, "the manager reads English, their own report only: {events:?}");
        assert!(days[0]["SUMMARY"].contains("陈组长"));
        assert_eq!(days[0]["DTSTART"], "20280331");
        let lead_departure = &in_progress[&org.lead];
        let open = lead_departure["lines"].as_array().unwrap().iter().filter(|l| l["status"] == "open").count();
        assert!(open > 0);
        assert!(days[0]["DESCRIPTION"].contains(&format!("still open: {open}")), "{:?}", days[0]);
        assert!(days[0]["URL"].ends_with(&format!("/departures/{}", lead_departure["id"].as_str().unwrap())));
        assert!(about(&events, "Outsider").is_empty() && about(&events, "王伟").is_empty());

        // Security: the extension to decide before the period ends.
        let security = app.token_client("security@example.com", &["security"]).await;
        // And a state-secret case, due at the secrecy administration the day after it was
        // discovered.
        let (s, receipt) = post(&app, &hr, "/api/v1/breaches", json!({
            "employee_id": former, "what": "Drawings posted online.", "carriers": "DOC-3",
            "discovered_on": "2028-02-27"
        })).await;
        assert_eq!(s, 201, "{receipt}");
        let code = receipt["code"].as_str().unwrap().to_string();
        let case = crate::breaches::case_id_of(&app, &security, &code).await;
        let (s, triaged) = patch(&app, &security, &format!("/api/v1/breaches/{case}"), json!({
            "status": "triaged", "reason": "credible", "severity": "critical", "state_secret": true
        })).await;
        assert_eq!(s, 200, "{triaged}");
        // And a tier change proposed by one HR user, reviewed by another: security approves.
        let hr2 = app.token_client("hr2@example.com", &["hr"]).await;
        let (s, change) = post(&app, &hr2, &format!("/api/v1/employees/{}/clearance-changes", org.boss),
            json!({"to_tier": "important", "reason": "岗位调整"})).await;
        assert_eq!(s, 201, "{change}");
        let change = change["id"].as_str().unwrap().to_string();
        let (s, reviewed) = post(&app, &hr, &format!("/api/v1/clearance-changes/{change}/review"),
            json!({"decision": "approve", "reason": "符合岗位要求"})).await;
        assert_eq!(s, 200, "{reviewed}");
        let security_feed = new_feed(&app, &security).await;
        let (_, events) = read(&security_feed).await;
        let decide = about(&events, "Decide the extension");
        assert_eq!(decide.len(), 1, "{events:?}");
        assert_eq!(decide[0]["DTSTART"], ics_date(&period_end));
        assert!(decide[0]["URL"].ends_with(&format!("/extensions/{}", asked["id"].as_str().unwrap())));
        let approve = about(&events, "Tier change of 刘经理 awaits your approval");
        assert_eq!(approve.len(), 1, "{events:?}");
        assert!(approve[0]["URL"].ends_with(&format!("/clearance-changes/{change}")));
        let report = about(&events, &format!("Report case {code} to the secrecy administration"));
        assert_eq!(report.len(), 1, "{events:?}");
        assert_eq!(report[0]["DTSTART"], "20280228");
        assert!(report[0]["URL"].ends_with(&format!("/breaches/{case}")));
        assert!(about(&events, "compensation").is_empty(), "not security's: {events:?}");

        // The settings say when a calendar program last read it.
        let state: Value = get_json(&app, &security, "/api/v1/me/calendar-feed").await;
        assert_eq!(state["active"], true, "{state}");
        assert!(state["last_used_at"].is_string(), "{state}");
        // The report's notice to security goes out before the test ends.
        app.run_jobs().await;
    }

    async fn an_ended_replaced_or_deactivated_users_feed_answers_404(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let r = hr.delete(app.url("/api/v1/me/calendar-feed")).send().await.unwrap();
        assert_eq!(r.status(), 204, "no feed to end: none after either");
        let first = new_feed(&app, &hr).await;
        assert_eq!(read(&first).await.0, 200);
        let second = new_feed(&app, &hr).await;
        assert_ne!(first, second);
        assert_eq!(read(&first).await.0, 404, "a new address ends the old one");
        assert_eq!(read(&second).await.0, 200);
        let r = hr.delete(app.url("/api/v1/me/calendar-feed")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(read(&second).await.0, 404, "ended");
        let state = get_json(&app, &hr, "/api/v1/me/calendar-feed").await;
        assert_eq!(state["active"], false, "{state}");
        assert_eq!(read(&app.url("/calendar/cal_nothing.ics")).await.0, 404);
        assert_eq!(read(&app.url("/calendar/cal_nothing")).await.0, 404);

        let manager = app.token_client("manager@example.com", &["manager"]).await;
        let feed = new_feed(&app, &manager).await;
        assert_eq!(read(&feed).await.0, 200);
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let users = get_json(&app, &admin, "/api/v1/users?per_page=200").await;
        let id = users["items"].as_array().unwrap().iter()
            .find(|u| u["email"] == "manager@example.com").unwrap()["id"].as_str().unwrap().to_string();
        let (s, _) = patch(&app, &admin, &format!("/api/v1/users/{id}"), json!({"active": false})).await;
        assert_eq!(s, 200);
        assert_eq!(read(&feed).await.0, 404, "a deactivated user's feed is closed");

        let trail = get_json(&app, &admin, "/api/v1/audit?per_page=200").await;
        let actions: Vec<&str> = trail["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "calendar_feed.created").count(), 3, "{actions:?}");
        assert_eq!(actions.iter().filter(|a| **a == "calendar_feed.revoked").count(), 1, "{actions:?}");
    }

    async fn the_settings_page_shows_a_new_feeds_address_once_and_ends_it(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, html) = crate::helpers::page(&app, &hr, "/settings").await;
        assert!(html.contains("Create a calendar feed"), "{html}");
        let r = hr
            .post(app.url("/settings/calendar"))
            .form(&[("csrf", crate::helpers::csrf_of(&html))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let shown = r.text().await.unwrap();
        let marker = "id=\"feed-url\" value=\"";
        let at = shown.find(marker).expect("the address, once") + marker.len();
        let shown_url = shown[at..].split('"').next().unwrap().to_string();
        let url = to_app(&app, &shown_url);
        assert_eq!(read(&url).await.0, 200);
        let (_, html) = crate::helpers::page(&app, &hr, "/settings").await;
        assert!(!html.contains(&shown_url), "shown only once");
        assert!(html.contains("End the feed") && html.contains("New address"), "{html}");
        let r = hr
            .post(app.url("/api/v1/me/calendar-feed"))
            .form(&[
                ("csrf", crate::helpers::csrf_of(&html).as_str()),
                ("_method", "DELETE"),
                ("_back", "/settings"),
                ("_done", "calendar_feed_ended"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = crate::helpers::page(&app, &hr, "/settings").await;
        assert!(html.contains("The calendar feed was ended"), "{html}");
        assert_eq!(read(&url).await.0, 404);
    }
}
