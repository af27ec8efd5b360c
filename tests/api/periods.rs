//! The 脱密期 and the other duties as they run and end (issue 17 rules 4, 6, 7, 12, 21): a
//! breached obligation counts as a running one and still ends on its end date; the release
//! notice goes out the day after the last day, and after a 脱密期 names the lifelong duty to
//! keep state secrets; the restrictions shown are the highest running tier's; serving staff
//! are written to at work, as serving staff.

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use tuomi::clock::Clock;
use tuomi::domain::audit::Actor;
use tuomi::domain::people::ClearanceTier;

use crate::helpers::TestApp;
use crate::obligations::{leave, obligations};
use crate::on_both_databases;
use crate::people::{add_employee, person, small_org};
use crate::reminders::{former, shanghai};

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

/// Records a declassification period for a person directly (as a tier change would).
fn add_period(
    app: &TestApp,
    employee_id: &str,
    tier: ClearanceTier,
    left_on: NaiveDate,
    months: u32,
) {
    use tuomi::domain::obligations::{NewObligation, ObligationKind};
    let p = tuomi::domain::periods::months_after(left_on, months);
    let o = NewObligation {
        kind: ObligationKind::Declassification,
        starts_on: p.starts_on,
        ends_on: Some(p.ends_on),
        tier: Some(tier),
    };
    let now = app.clock.now();
    tuomi::db::write_tx(&mut app.db(), |tx| {
        tuomi::db::obligations::create_all(
            tx,
            now,
            &Actor::System,
            employee_id,
            &[o],
            Default::default(),
        )
    })
    .unwrap();
}

async fn ack_page(app: &TestApp, mail: &crate::smtp::Received) -> String {
    app.get(&mail.ack_path()).await.text().await.unwrap()
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
        // Only the trade-secret duty (created by default, never ending) is still active.
        assert!(obligations(&app, &hr, "status=active&kind=confidentiality").await.is_empty());
    }

    async fn the_release_notice_goes_out_the_day_after_and_leaves_the_lasting_duty_to_keep_state_secrets(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        // General tier, left on 28 February 2028: the 脱密期's last day is 28 February 2029.
        former(&app, &hr, "R001", "Alice", "en", Some("alice@home.example"), "general").await;
        former(&app, &hr, "R002", "王芳", "zh-CN", Some("wang@home.example"), "general").await;
        app.clock.set(shanghai(2029, 2, 28, 9, 30));
        app.run_jobs().await;
        let released = |to: &str| -> Vec<crate::smtp::Received> {
            app.smtp.to(to).into_iter().filter(|m| m.text().contains("/ack/") && (m.subject().contains("ended") || m.subject().contains("解除"))).collect()
        };
        assert!(released("alice@home.example").is_empty(), "never on its last day, while it still runs");
        app.clock.set(shanghai(2029, 3, 1, 9, 30));
        app.run_jobs().await;
        let en = released("alice@home.example");
        assert_eq!(en.len(), 1);
        let text = en[0].text();
        assert!(text.contains("ended at the end of its last day, 28 February 2029"), "{text}");
        assert!(text.contains("Keeping state secrets: from 1 March 2029, for life"), "{text}");
        assert!(en[0].html().contains("for life"), "one layout, both parts");
        let page = ack_page(&app, &en[0]).await;
        assert!(page.contains("Keeping state secrets") && page.contains("For life"), "{page}");
        let zh = released("wang@home.example");
        assert_eq!(zh.len(), 1);
        let text = zh[0].text();
        assert!(text.contains("已于2029年2月28日24时届满"), "{text}");
        assert!(text.contains("保守国家秘密的义务：自2029年3月1日起，终身有效"), "{text}");
        assert!(!text.contains("今日解除"), "{text}");
        let page = ack_page(&app, &zh[0]).await;
        assert!(page.contains("终身有效，没有截止日"), "{page}");
    }

    async fn the_restrictions_shown_are_those_of_the_highest_tier_still_running(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        // General until 28 February 2029 (ending first), core from an earlier downgrade until 2031.
        let id = former(&app, &hr, "H001", "Hana", "en", Some("hana@home.example"), "general").await;
        add_period(&app, &id, ClearanceTier::Core, day(2028, 2, 28), 36);
        app.clock.set(shanghai(2028, 4, 1, 9, 30));
        app.run_jobs().await;
        let mail = &app.smtp.to("hana@home.example")[0];
        let core = "do not work for foreign bodies";
        let general = "report before travelling abroad";
        assert!(mail.text().contains(core) && !mail.text().contains(general), "{}", mail.text());
        let page = ack_page(&app, mail).await;
        assert!(page.contains(core) && !page.contains(general), "{page}");
    }

    async fn a_serving_employee_who_left_a_classified_post_is_written_to_at_work_as_serving_staff(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        for (no, lang) in [("S001", "en"), ("S002", "zh-CN")] {
            let mut body = person(no, "Sam", None);
            body["language"] = json!(lang);
            body["private_email"] = json!(format!("{no}@home.example"));
            let id = add_employee(&app, &hr, body).await;
            // Downgraded from general on 28 February 2028 and still employed.
            add_period(&app, &id, ClearanceTier::General, day(2028, 2, 28), 12);
        }
        app.clock.set(shanghai(2028, 4, 1, 9, 30));
        app.run_jobs().await;
        assert!(app.smtp.to("S001@home.example").is_empty() && app.smtp.to("s001@home.example").is_empty());
        let en = &app.smtp.to("s001@corp.example")[0];
        assert!(en.text().contains("when you left your classified post"), "{}", en.text());
        let zh = &app.smtp.to("s002@corp.example")[0];
        assert!(zh.text().contains("调离涉密岗位"), "{}", zh.text());
        assert!(!zh.text().contains("离职"), "{}", zh.text());
        let page = ack_page(&app, zh).await;
        assert!(page.contains("调离涉密岗位后") && !page.contains("离职后仍须"), "{page}");
    }

    async fn rule_references_shown_to_former_employees_are_the_companys_own_as_the_policy_states_them(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        app.run_jobs().await;
        former(&app, &hr, "Q001", "Alice", "en", Some("alice@home.example"), "general").await;
        former(&app, &hr, "Q002", "王芳", "zh-CN", Some("wang@home.example"), "general").await;
        let current: Value = admin.get(app.url("/api/v1/policy")).send().await.unwrap().json().await.unwrap();
        let mut policy = current["policy"].clone();
        policy["rule_references"]["confidentiality"] = json!({
            "zh": "《示例公司保密管理办法》第二十条", "en": "Example Co. Confidentiality Rules, art. 20"
        });
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        app.clock.set(shanghai(2028, 4, 1, 9, 30));
        app.run_jobs().await;
        let en = ack_page(&app, &app.smtp.to("alice@home.example")[0]).await;
        assert!(en.contains("Example Co. Confidentiality Rules, art. 20"), "{en}");
        assert!(en.contains("Rules on Classified Personnel, art. 11"), "{en}");
        let zh = ack_page(&app, &app.smtp.to("wang@home.example")[0]).await;
        assert!(zh.contains("《示例公司保密管理办法》第二十条"), "{zh}");
        for page in [&en, &zh] {
            for placeholder in ["第七篇第八条", "rule 000", "part 7", "rule 002"] {
                assert!(!page.contains(placeholder), "{placeholder}");
            }
        }
        policy["rule_references"]["confidentiality"]["zh"] = json!("");
        let r = admin.put(app.url("/api/v1/policy")).json(&policy).send().await.unwrap();
        assert_eq!(r.status(), 422);
    }
}
