//! The 脱密期 and the other duties as they run and end (issue 17 rule 4): a breached obligation
//! counts as a running one everywhere and still ends on its end date, its breach kept.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::obligations::{leave, obligations};
use crate::on_both_databases;
use crate::people::small_org;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn set_status(app: &TestApp, id: &str, status: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::obligations;
    diesel::update(obligations::table.find(id))
        .set(obligations::status.eq(status))
        .execute(&mut app.db())
        .unwrap();
}

pub fn end_due(app: &TestApp, today: NaiveDate) -> usize {
    let now = Utc.from_utc_datetime(&today.and_hms_opt(1, 0, 0).unwrap());
    tuomi::db::write_tx(&mut app.db(), |conn| {
        tuomi::db::obligations::end_due(conn, now, today)
    })
    .unwrap()
}

on_both_databases! {
    async fn a_breached_obligation_counts_while_it_runs_and_still_ends_on_its_end_date(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        // Confidentiality for two years from 15 March 2026: its last day is 15 March 2028,
        // within 30 days of the test clock's 28 February 2028.
        leave(&app, &hr, &org.dev, "2026-03-01", "2026-03-15").await;
        let owed = obligations(&app, &hr, &format!("employee_id={}", org.dev)).await;
        let id = owed[0]["id"].as_str().unwrap().to_string();
        assert_eq!(owed[0]["ends_on"], "2028-03-15");
        set_status(&app, &id, "breached");

        let today = day(2028, 2, 28);
        assert_eq!(tuomi::db::overview::ending_within(&mut app.db(), today, 30).unwrap(), 1);
        let chart = tuomi::db::overview::ending_per_month(&mut app.db(), today, 24).unwrap();
        assert_eq!(chart[1].1, 1, "March 2028 in the chart: {chart:?}");
        let listed = obligations(&app, &hr, "ending_within_days=30&status=active").await;
        assert_eq!(listed.len(), 1, "the list HR's count links to");
        assert_eq!(listed[0]["status"], "breached");
        assert_eq!(obligations(&app, &hr, "status=breached").await.len(), 1);

        assert_eq!(end_due(&app, day(2028, 3, 15)), 0, "its last day still runs");
        assert_eq!(end_due(&app, day(2028, 3, 16)), 1);
        let detail: Value = hr
            .get(app.url(&format!("/api/v1/obligations/{id}")))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(detail["status"], "ended");
        let ended = detail["history"].as_array().unwrap().iter()
            .find(|h| h["action"] == "obligation.ended").unwrap();
        assert_eq!(ended["details"]["was"], "breached", "the breach kept in its history");
        assert!(obligations(&app, &hr, "status=active").await.is_empty());
    }
}
