//! Reminders (DOMAIN "Reminders"): planned from the policy's schedules, sent once through a
//! real SMTP server, kept as evidence, acknowledged through a signed link, escalated to HR.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, csrf_of, post};
use crate::on_both_databases;
use crate::people::{add_employee, person};

const SHANGHAI: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// An employee with a private email and a language, who left on 28 February 2028 (notice the
/// same day) holding `tier`; their obligations start on the 29th. Returns their id. Their
/// private email is recorded after the departure took effect, so the tests of reminders see
/// reminders only (the exit notice, sent when a departure takes effect to an address known
/// then, has its own tests: `former_told_at_exit`).
pub(crate) async fn former(
    app: &TestApp,
    hr: &reqwest::Client,
    no: &str,
    name: &str,
    language: &str,
    private_email: Option<&str>,
    tier: &str,
) -> String {
    let completion = json!({"override_reason": "test"});
    former_completed_with(app, hr, no, name, language, private_email, tier, completion).await
}

/// As [`former`], the private email known when the departure takes effect: the exit notice
/// goes to it then.
pub(crate) async fn former_told_at_exit(
    app: &TestApp,
    hr: &reqwest::Client,
    no: &str,
    name: &str,
    language: &str,
    private_email: &str,
    tier: &str,
) -> String {
    let completion = json!({"override_reason": "test"});
    departed(
        app,
        hr,
        (no, name, language),
        Some(private_email),
        tier,
        completion,
        true,
    )
    .await
}

/// A former employee whose departure was completed with `completion` (the completion body).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn former_completed_with(
    app: &TestApp,
    hr: &reqwest::Client,
    no: &str,
    name: &str,
    language: &str,
    private_email: Option<&str>,
    tier: &str,
    completion: Value,
) -> String {
    departed(
        app,
        hr,
        (no, name, language),
        private_email,
        tier,
        completion,
        false,
    )
    .await
}

async fn departed(
    app: &TestApp,
    hr: &reqwest::Client,
    (no, name, language): (&str, &str, &str),
    private_email: Option<&str>,
    tier: &str,
    completion: Value,
    email_before: bool,
) -> String {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    let last = "2028-02-28";
    let mut body = person(no, name, None);
    body["language"] = json!(language);
    if email_before {
        body["private_email"] = json!(private_email);
    }
    let id = add_employee(app, hr, body).await;
    diesel::update(employees::table.find(&id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": id, "notice_date": last, "last_working_day": last, "reason": "resignation"
    }))
    .await;
    assert_eq!(s, 201, "{dep}");
    let (s, done) = post(
        app,
        hr,
        &format!(
            "/api/v1/departures/{}/complete",
            dep["id"].as_str().unwrap()
        ),
        completion,
    )
    .await;
    app.past_the_last_working_day().await;
    assert_eq!(s, 200, "{done}");
    if !email_before {
        diesel::update(employees::table.find(&id))
            .set(employees::private_email.eq(private_email))
            .execute(&mut app.db())
            .unwrap();
    }
    id
}

/// Shanghai wall-clock time as the UTC instant the test clock is set to.
pub(crate) fn shanghai(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    SHANGHAI
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) async fn reminders(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<Value> {
    let r = client
        .get(app.url(&format!("/api/v1/reminders?per_page=200&{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Changes one setting of the policy as an admin.
async fn set_policy(app: &TestApp, admin: &reqwest::Client, change: impl Fn(&mut Value)) {
    let current: Value = admin
        .get(app.url("/api/v1/policy"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut policy = current["policy"].clone();
    change(&mut policy);
    let r = admin
        .put(app.url("/api/v1/policy"))
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

on_both_databases! {
    async fn a_former_employee_gets_one_email_per_occasion_listing_every_active_obligation(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await; // the schedules start counting from now
        let id = former(&app, &hr, "F001", "王芳", "zh-CN", Some("wang.fang@home.example"), "general").await;

        app.clock.set(shanghai(2028, 3, 31, 23, 0));
        app.run_jobs().await;
        assert!(app.smtp.to("wang.fang@home.example").is_empty(), "nothing before the quarter");

        app.clock.set(shanghai(2028, 4, 1, 9, 5));
        let stats = app.run_jobs().await;
        assert_eq!(stats.sent, 1, "{stats:?}");
        let got = app.smtp.to("wang.fang@home.example");
        assert_eq!(got.len(), 1, "one email for two obligations");
        let mail = &got[0];
        assert_eq!(mail.subject(), "保密义务提醒");
        let text = mail.text();
        assert!(text.contains("王芳，您好"), "{text}");
        assert!(text.contains("脱密期：自2028年2月29日起，至2029年2月28日止"), "{text}");
        assert!(text.contains("离职后保密义务：自2028年2月29日起，至2030年2月28日止"), "{text}");
        assert!(text.contains("出境前须报告"), "the restrictions of the general tier: {text}");
        assert!(mail.html().contains("<td>脱密期</td>"));

        // The evidence: the reminder row, the exact bytes, their hash in the audit trail.
        let rows = reminders(&app, &hr, &format!("employee_id={id}")).await;
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r["status"], "sent");
        assert_eq!(r["kind"], "periodic");
        assert_eq!(r["to_address"], "wang.fang@home.example");
        assert_eq!(format!("<{}>", mail.message_id()), r["message_id"].as_str().unwrap());
        assert!(r["message_id"].as_str().unwrap().ends_with("@example.com>"));
        assert!(r["server_reply"].as_str().unwrap().starts_with("250"));
        let kept = hr.get(app.url(&format!("/api/v1/reminders/{}/message", r["id"].as_str().unwrap())))
            .send().await.unwrap();
        assert_eq!(kept.headers()["content-type"], "message/rfc822");
        let kept = kept.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&kept)), r["message_sha256"].as_str().unwrap());
        let parsed = mail_parser::MessageParser::default().parse(&kept[..]).unwrap();
        assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n"), text, "as the person received it");
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=reminder&subject_id={}", r["id"].as_str().unwrap())))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "reminder.sent");
        assert_eq!(audit["items"][0]["details"]["sha256"], r["message_sha256"]);

        // Running again sends nothing more.
        app.clock.advance(Duration::hours(2));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("wang.fang@home.example").len(), 1);
    }

    async fn the_same_schedule_planned_twice_sends_once(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        for i in 0..3 {
            former(&app, &hr, &format!("T00{i}"), &format!("Person {i}"), "en", Some(&format!("p{i}@home.example")), "none").await;
        }
        app.clock.set(shanghai(2028, 4, 1, 10, 0));
        // A second instance on the same database ticks the same slot.
        let other = second_runner(&app);
        actix_web::web::block(move || other.tick()).await.unwrap().unwrap();
        app.run_jobs().await;
        // And the plan itself runs again, as after a crash before it was marked done.
        {
            let mut conn = app.db();
            let now = tuomi::clock::Clock::now(&*app.clock);
            let payload = json!({"slot": shanghai(2028, 4, 1, 9, 0), "kinds": ["confidentiality"]}).to_string();
            tuomi::db::write_tx(&mut conn, |c| tuomi::db::jobs::enqueue(c, now, tuomi::db::jobs::JobKind::PlanPeriodic, &payload, "replayed", now)).unwrap();
        }
        app.run_jobs().await;
        for i in 0..3 {
            assert_eq!(app.smtp.to(&format!("p{i}@home.example")).len(), 1, "person {i}");
        }
        assert_eq!(reminders(&app, &hr, "kind=periodic").await.len(), 3);
    }

    async fn a_job_of_a_kind_this_build_does_not_know_waits_and_holds_up_no_other(app: TestApp) {
        use diesel::connection::SimpleConnection;
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr, "C001", "Chen", "en", Some("chen@home.example"), "none").await;
        // A newer release on the same database queued a job of a kind added after this one,
        // due before everything else.
        app.db()
            .batch_execute(
                "INSERT INTO jobs (id, kind, payload, unique_key, state, attempts, max_attempts, \
                 run_at, created_at, updated_at) VALUES ('job-from-the-future', 'send_webhook', '{}', \
                 'future', 'queued', 0, 20, '2000-01-01 00:00:00', '2000-01-01 00:00:00', '2000-01-01 00:00:00')",
            )
            .unwrap();
        app.clock.set(shanghai(2028, 4, 1, 9, 30));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("chen@home.example").len(), 1, "the quarter's reminder went out");
        use diesel::prelude::*;
        use tuomi::db::schema::jobs;
        let (state, attempts): (String, i32) = jobs::table
            .find("job-from-the-future")
            .select((jobs::state, jobs::attempts))
            .first(&mut app.db())
            .unwrap();
        assert_eq!((state.as_str(), attempts), ("queued", 0), "left for a worker that knows it");
        app.expect_leftover_jobs();
    }

    async fn a_crash_between_claiming_and_sending_sends_once_after_the_lease_expires(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr, "C001", "Chen", "en", Some("chen@home.example"), "none").await;
        app.clock.set(shanghai(2028, 4, 1, 9, 30));
        // A worker claims the due work and dies before doing any of it.
        let now = tuomi::clock::Clock::now(&*app.clock);
        app.runner.tick().unwrap();
        let claimed = tuomi::db::jobs::claim(&mut app.db(), now, "crashed-worker", now + Duration::minutes(5), 10).unwrap();
        assert!(claimed.iter().any(|j| j.kind == tuomi::db::jobs::JobKind::PlanPeriodic), "{claimed:?}");
        let stats = app.run_jobs().await;
        assert_eq!(stats.jobs, 0, "the lease is still held");
        assert!(app.smtp.received().is_empty());

        app.clock.advance(Duration::minutes(6));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("chen@home.example").len(), 1);

        // The same for a send job: claimed, crashed, taken over after the lease.
        let now = tuomi::clock::Clock::now(&*app.clock);
        let employee = reminders(&app, &hr, "").await[0]["employee_id"].as_str().unwrap().to_string();
        tuomi::db::write_tx(&mut app.db(), |c| {
            tuomi::db::reminders::plan_one(c, now, tuomi::db::reminders::Recipient::Employee(&employee),
                tuomi::domain::reminders::ReminderKind::OnRequest, "by hand", now)
        }).unwrap();
        let send = tuomi::db::jobs::claim(&mut app.db(), now, "crashed-worker", now + Duration::minutes(5), 10).unwrap();
        assert_eq!(send[0].kind, tuomi::db::jobs::JobKind::SendReminder);
        assert_eq!(app.run_jobs().await.sent, 0);
        app.clock.advance(Duration::minutes(6));
        assert_eq!(app.run_jobs().await.sent, 1);
        app.clock.advance(Duration::minutes(6));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("chen@home.example").len(), 2, "the April reminder and the fresh link, once each");

        // Finished jobs are kept a month, then cleared by the midnight run; the reminders stay.
        let done_ids = |app: &TestApp| {
            use diesel::prelude::*;
            use tuomi::db::schema::jobs;
            jobs::table
                .filter(jobs::state.eq("done"))
                .select(jobs::id)
                .load::<String>(&mut app.db())
                .unwrap()
        };
        let finished = done_ids(&app);
        assert!(finished.len() >= 2);
        let sent_ids = |rows: Vec<Value>| rows.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        let evidence = sent_ids(reminders(&app, &hr, "status=sent").await);
        app.clock.advance(Duration::days(29));
        app.run_jobs().await;
        let kept = done_ids(&app);
        assert!(finished.iter().all(|id| kept.contains(id)), "kept for a month");
        app.clock.advance(Duration::days(2));
        app.run_jobs().await;
        let kept = done_ids(&app);
        assert!(finished.iter().all(|id| !kept.contains(id)), "then cleared by the midnight run");
        let still = sent_ids(reminders(&app, &hr, "status=sent").await);
        assert!(evidence.iter().all(|id| still.contains(id)), "the evidence stays");
    }

    async fn a_mail_server_down_for_hours_delays_reminders_but_loses_none(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        for i in 0..4 {
            former(&app, &hr, &format!("D00{i}"), &format!("Down {i}"), "en", Some(&format!("d{i}@home.example")), "none").await;
        }
        app.smtp_proxy.cut();
        app.clock.set(shanghai(2028, 4, 1, 9, 0) + Duration::seconds(1));
        // Ten hours of clock time with the worker polling every half hour.
        for _ in 0..20 {
            let stats = app.run_jobs().await;
            assert_eq!(stats.failed, 0, "a server that is down is waited for: {stats:?}");
            app.clock.advance(Duration::minutes(30));
        }
        assert!(app.smtp.received().is_empty());
        // (HR's digest of the Monday the clock jumped over waits too.)
        let waiting = reminders(&app, &hr, "status=scheduled&kind=periodic").await;
        assert_eq!(waiting.len(), 4);
        assert!(waiting[0]["last_error"].as_str().unwrap().to_lowercase().contains("connect"), "{}", waiting[0]);

        app.smtp_proxy.restore();
        for _ in 0..16 {
            app.clock.advance(Duration::minutes(30));
            app.run_jobs().await;
        }
        for i in 0..4 {
            assert_eq!(app.smtp.to(&format!("d{i}@home.example")).len(), 1, "person {i}");
        }
        assert_eq!(reminders(&app, &hr, "status=sent&kind=periodic").await.len(), 4);
        assert!(reminders(&app, &hr, "status=failed").await.is_empty());
    }

    async fn while_mail_to_the_outside_waits_hrs_digest_shows_the_backlog(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        for i in 0..2 {
            former(&app, &hr, &format!("W00{i}"), &format!("Waiting {i}"), "en", Some(&format!("w{i}@home.example")), "none").await;
        }
        // The relay to the outside defers for days; mail inside the company still flows.
        app.smtp.defer_domain(Some("home.example"));
        app.clock.set(shanghai(2028, 4, 1, 9, 0) + Duration::seconds(1));
        app.run_jobs().await;
        app.clock.set(shanghai(2028, 4, 3, 9, 30));
        let stats = app.run_jobs().await;
        assert_eq!(stats.failed, 0, "deferred mail is waited for");
        let digest = app.smtp.to("hr@example.com").last().expect("the digest").text();
        assert!(
            digest.contains("Emails waiting for the mail server (2), the oldest due on 1 April 2028"),
            "{digest}"
        );
        app.smtp.defer_domain(None);
        for _ in 0..8 {
            app.clock.advance(Duration::hours(1));
            app.run_jobs().await;
        }
        for i in 0..2 {
            assert_eq!(app.smtp.to(&format!("w{i}@home.example")).len(), 1, "person {i}");
        }
        assert!(reminders(&app, &hr, "status=failed").await.is_empty());
    }

    async fn a_temporary_refusal_is_retried_and_a_permanent_one_fails_at_once(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr, "B001", "Bounce", "en", Some("gone@bounce.example"), "none").await;
        former(&app, &hr, "N001", "Nowhere", "en", None, "none").await;
        former(&app, &hr, "R001", "Retry", "en", Some("retry@home.example"), "none").await;
        app.smtp.fail_temporarily(Some(451));
        // The refused address and the missing one fail for good: what this test checks.
        app.expect_failed_jobs();
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        let stats = app.run_jobs().await;
        assert_eq!(stats.failed, 1 + 1, "the refused address and the missing one: {stats:?}");
        let failed = reminders(&app, &hr, "status=failed").await;
        let errors: Vec<&str> = failed.iter().map(|r| r["last_error"].as_str().unwrap()).collect();
        assert!(errors.iter().any(|e| e.contains("550")), "the server's answer is kept: {errors:?}");
        assert!(errors.iter().any(|e| e.contains("no deliverable address")), "{errors:?}");
        let jobs: Value = hr.get(app.url("/api/v1/jobs?state=failed")).send().await.unwrap().json().await.unwrap();
        assert_eq!(jobs["total"], 2);
        let metrics = app.metrics().await.text().await.unwrap();
        assert!(metrics.contains("tuomi_jobs{state=\"failed\"} 2"), "{metrics}");

        let waiting = reminders(&app, &hr, "status=scheduled&kind=periodic").await;
        assert_eq!(waiting.len(), 1, "the 451 waits");
        assert!(waiting[0]["last_error"].as_str().unwrap().contains("451"));
        app.smtp.fail_temporarily(None);
        app.clock.advance(Duration::minutes(2));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("retry@home.example").len(), 1);
        assert!(app.smtp.to("gone@bounce.example").is_empty());
    }

    async fn a_year_of_reminders_follows_the_policy_and_stops_when_obligations_end(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        app.run_jobs().await;
        // Trade secrets bind everyone and never end: this year follows the periods that do, so
        // HR leaves the trade-secret duty out, with the reason it must give.
        let without_trade_secret = json!({
            "override_reason": "test", "trade_secret": false,
            "no_trade_secret_reason": "no access to trade secrets"
        });
        // A: general tier, declassified on 2029-02-28, confidential until 2030-02-28.
        former_completed_with(&app, &hr, "Y001", "Alice", "en", Some("alice@home.example"), "general",
            without_trade_secret.clone()).await;
        // B: six months of confidentiality under a changed policy, ending 2028-08-28.
        set_policy(&app, &admin, |p| p["confidentiality_months"] = json!(6)).await;
        former_completed_with(&app, &hr, "Y002", "Bob", "en", Some("bob@home.example"), "none",
            without_trade_secret).await;

        let mut seen: BTreeMap<String, Vec<(NaiveDate, String)>> = BTreeMap::new();
        let mut day = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        let last = NaiveDate::from_ymd_opt(2029, 3, 31).unwrap();
        let mut count = 0;
        while day <= last {
            app.clock.set(shanghai(day.year(), day.month(), day.day(), 10, 0));
            app.run_jobs().await;
            let all = app.smtp.received();
            for mail in &all[count..] {
                let to = mail.to[0].clone();
                let what = mail.subject();
                seen.entry(to).or_default().push((day, what));
            }
            count = all.len();
            day = day.succ_opt().unwrap();
        }
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let periodic = "Reminder: your confidentiality obligations".to_string();
        let ending = "One of your confidentiality obligations ends soon".to_string();
        let released = "A confidentiality obligation of yours has ended".to_string();
        assert_eq!(seen["alice@home.example"], vec![
            (d(2028, 4, 1), periodic.clone()),
            (d(2028, 7, 1), periodic.clone()),
            (d(2028, 10, 1), periodic.clone()),
            (d(2029, 1, 1), periodic.clone()),
            (d(2029, 1, 29), ending.clone()),
            (d(2029, 3, 1), released.clone()),
        ], "released the day after the last day, never on it");
        assert_eq!(seen["bob@home.example"], vec![
            (d(2028, 4, 1), periodic.clone()),
            (d(2028, 7, 1), periodic.clone()),
            (d(2028, 7, 29), ending.clone()),
            (d(2028, 8, 29), released.clone()),
        ], "nothing after the release");
        let mondays: Vec<NaiveDate> = d(2028, 2, 29)
            .iter_days()
            .take_while(|x| *x <= last)
            .filter(|x| x.weekday() == Weekday::Mon)
            .collect();
        let digests: Vec<NaiveDate> = seen["hr@example.com"].iter().map(|(day, _)| *day).collect();
        assert_eq!(digests, mondays, "HR's digest every Monday");
        let bob: Value = hr.get(app.url("/api/v1/obligations?status=ended")).send().await.unwrap().json().await.unwrap();
        assert_eq!(bob["total"], 2, "Bob's confidentiality and Alice's declassification ended");
    }

    async fn an_obligation_recorded_after_its_notice_date_gets_its_notice_at_the_next_run(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        app.run_jobs().await;
        // One month of confidentiality: it ends on 28 March, so its notice date (27 February)
        // has passed before it is even recorded.
        set_policy(&app, &admin, |p| p["confidentiality_months"] = json!(1)).await;
        former(&app, &hr, "L001", "Late", "en", Some("late@home.example"), "none").await;
        app.clock.set(shanghai(2028, 2, 29, 9, 30));
        app.run_jobs().await;
        let got = app.smtp.to("late@home.example");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].subject(), "One of your confidentiality obligations ends soon");
        assert!(got[0].text().contains("until the end of 28 March 2028 (ends soon)"), "{}", got[0].text());
        app.clock.set(shanghai(2028, 3, 1, 9, 30));
        app.run_jobs().await;
        assert_eq!(app.smtp.to("late@home.example").len(), 1, "once");
    }

    async fn an_end_notice_and_a_release_planned_the_same_morning_are_both_sent(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        app.run_jobs().await;
        // Declassification (general tier, a year) ends on 28 February 2029; confidentiality,
        // 13 months, on 28 March 2029: on 1 March one is released (the day after its last day)
        // and the other is in its 30 days' notice — two bulk plans in the same run of the daily
        // schedule.
        set_policy(&app, &admin, |p| p["confidentiality_months"] = json!(13)).await;
        former(&app, &hr, "T001", "Twice", "en", Some("twice@home.example"), "general").await;
        app.clock.set(shanghai(2029, 3, 1, 9, 30));
        app.run_jobs().await;
        let subjects: Vec<String> = app.smtp.to("twice@home.example").iter().map(|m| m.subject()).collect();
        assert!(subjects.contains(&"A confidentiality obligation of yours has ended".to_string()), "{subjects:?}");
        assert!(subjects.contains(&"One of your confidentiality obligations ends soon".to_string()), "{subjects:?}");
        app.run_jobs().await;
        assert_eq!(app.smtp.to("twice@home.example").len(), subjects.len(), "each once");
    }

    async fn hrs_digest_escalates_what_needs_attention(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        former(&app, &hr, "G001", "Unanswered", "en", Some("quiet@home.example"), "none").await;
        former(&app, &hr, "G002", "Nowhere", "en", None, "none").await;
        // Nowhere's reminder fails for want of an address: the digest is to say so.
        app.expect_failed_jobs();
        app.clock.set(shanghai(2028, 4, 1, 9, 30));
        app.run_jobs().await;
        // Nobody acknowledges. Three Mondays later the digest says so.
        app.clock.set(shanghai(2028, 4, 17, 9, 30));
        app.run_jobs().await;
        let digests = app.smtp.to("hr@example.com");
        let last = digests.last().expect("a digest");
        assert_eq!(last.subject(), "Weekly confidentiality digest");
        let text = last.text();
        assert!(text.contains("Reminders not acknowledged after 14 days (1):\n* Unanswered: sent on 1 April 2028"), "{text}");
        assert!(text.contains("Emails that could not be delivered (1):\n* Nowhere: no deliverable address"), "{text}");
        assert!(text.contains("Open losses (0):"), "{text}");
    }

    async fn acknowledging_through_the_link_is_recorded_and_audited(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        let id = former(&app, &hr, "A001", "李娜", "zh-CN", Some("li.na@home.example"), "important").await;
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        app.run_jobs().await;
        let path = app.smtp.to("li.na@home.example")[0].ack_path();

        let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let page = browser.get(app.url(&path)).header("Accept-Language", "en").send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("lang=\"zh-CN\""), "in the person's language, not the browser's");
        assert!(html.contains("脱密期") && html.contains("2030年2月28日"), "{html}");
        assert!(html.contains("我已知悉上述义务"));

        let r = browser.post(app.url(&path)).form(&[("csrf", csrf_of(&html))]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let done = r.text().await.unwrap();
        assert!(done.contains("已确认于2028年4月1日"), "{done}");
        let rows = reminders(&app, &hr, &format!("employee_id={id}")).await;
        assert_eq!(rows[0]["status"], "acknowledged");
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=reminder&subject_id={}", rows[0]["id"].as_str().unwrap())))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "reminder.acknowledged");

        let forged = path.replacen("/ack/", "/ack/x", 1);
        assert_eq!(browser.get(app.url(&forged)).send().await.unwrap().status(), 404);
        let r = browser.post(app.url(&path)).form(&[("csrf", "wrong")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "a form without its CSRF token is refused");
        assert!(r.text().await.unwrap().contains("The form has expired"), "as a page, not JSON");
        app.clock.advance(Duration::days(61));
        let expired = browser.get(app.url(&path)).send().await.unwrap();
        assert_eq!(expired.status(), 404, "links expire");
    }

    async fn a_fresh_link_goes_only_to_a_known_address_and_the_answer_never_tells(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        former(&app, &hr, "K001", "Known", "en", Some("known@home.example"), "none").await;
        let ask = |email: &'static str| {
            let app = &app;
            async move {
                let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
                let form = browser.get(app.url("/ack")).header("Accept-Language", "en").send().await.unwrap().text().await.unwrap();
                let r = browser.post(app.url("/ack")).header("Accept-Language", "en")
                    .form(&[("csrf", csrf_of(&form).as_str()), ("email", email)]).send().await.unwrap();
                assert_eq!(r.status(), 200);
                // The page itself, without the per-browser form token of its header.
                let html = r.text().await.unwrap();
                html[html.find("<main").unwrap()..].to_string()
            }
        };
        let known = ask("Known@Home.example").await;
        let unknown = ask("stranger@home.example").await;
        assert_eq!(known, unknown, "the same answer either way");
        assert!(known.contains("If this address belongs"));
        app.run_jobs().await;
        let got = app.smtp.to("known@home.example");
        assert_eq!(got.len(), 1);
        assert!(got[0].text().contains("Here is the fresh link you asked for"));
        assert!(app.smtp.to("stranger@home.example").is_empty());
        // Three an hour per address; the fourth is answered the same and sends nothing.
        for _ in 0..3 {
            app.clock.advance(Duration::minutes(1));
            ask("known@home.example").await;
        }
        app.run_jobs().await;
        assert_eq!(app.smtp.to("known@home.example").len(), 3);
    }

    async fn the_forecast_lists_what_will_be_sent_without_sending(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        former(&app, &hr, "P001", "Planned", "en", Some("planned@home.example"), "none").await;
        former(&app, &hr, "P002", "Silent", "en", None, "none").await;
        let page: Value = hr.get(app.url("/api/v1/reminders/forecast?days=40")).send().await.unwrap().json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        let periodic: Vec<&Value> = items.iter().filter(|e| e["kind"] == "periodic").collect();
        assert_eq!(periodic.len(), 2);
        assert_eq!(periodic[0]["at"], "2028-04-01T01:00:00Z");
        assert!(periodic.iter().any(|e| e["recipient"] == "Silent" && e["to"].is_null()), "flagged: no address");
        let digests = items.iter().filter(|e| e["kind"] == "digest").count();
        assert_eq!(digests, 5, "Mondays 6, 13, 20, 27 March and 3 April");
        assert!(app.smtp.received().is_empty());
        assert!(reminders(&app, &hr, "").await.is_empty(), "nothing planned");
        let r = hr.get(app.url("/api/v1/reminders/forecast?days=0")).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let manager = app.token_client("m@example.com", &["manager"]).await;
        for path in ["/api/v1/reminders", "/api/v1/reminders/forecast", "/api/v1/jobs"] {
            assert_eq!(manager.get(app.url(path)).send().await.unwrap().status(), 403, "{path}");
        }
        let out = app.command(&["jobs", "run-once"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("jobs run:"), "{:?} {text} {}", out.status, String::from_utf8_lossy(&out.stderr));
        let out = app.command(&["reminders", "forecast", "--days", "0"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--days"));
        let out = app.command(&["reminders", "forecast", "--days", "100"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("periodic\tPlanned\tplanned@home.example"), "{text}");
        assert!(text.contains("(no address: would fail)"), "{text}");
    }

    async fn a_manager_is_nudged_about_checklist_lines_left_open(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        let org = crate::people::small_org(&app, &hr).await;
        crate::people::manager_client(&app, "lead@corp.example", "L001").await;
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-02-28", "last_working_day": "2028-03-31", "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        for day in 1..=2 {
            app.clock.set(shanghai(2028, 3, day, 9, 30));
            app.run_jobs().await;
        }
        assert!(app.smtp.to("lead@corp.example").is_empty(), "not before three days");
        app.clock.set(shanghai(2028, 3, 3, 9, 30));
        app.run_jobs().await;
        let got = app.smtp.to("lead@corp.example");
        assert_eq!(got.len(), 1);
        assert!(got[0].text().contains("张伟"), "{}", got[0].text());
        assert!(got[0].subject().contains("waiting for you"));
    }

    async fn a_missing_carrier_is_emailed_to_hr_and_security(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.add_user("sec@example.com", &["security"]);
        let org = crate::people::small_org(&app, &hr).await;
        let (s, carrier) = post(&app, &hr, "/api/v1/carriers", json!({
            "tag": "USB-7", "kind": "document", "description": "研发资料", "classification": "secret",
            "custodian_id": org.dev, "copies": 1
        })).await;
        assert_eq!(s, 201, "{carrier}");
        let (_, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-02-28", "last_working_day": "2028-03-31", "reason": "resignation"
        })).await;
        let line = dep["lines"][0]["id"].as_str().unwrap();
        let (s, _) = post(&app, &hr, &format!("/api/v1/departures/{}/lines/{line}/confirm", dep["id"].as_str().unwrap()),
            json!({"outcome": "missing", "note": "not found"})).await;
        assert_eq!(s, 200);
        app.run_jobs().await;
        for to in ["hr@example.com", "sec@example.com"] {
            let got = app.smtp.to(to);
            assert_eq!(got.len(), 1, "{to}");
            assert!(got[0].subject().contains("USB-7"), "{}", got[0].subject());
            assert!(got[0].text().contains("张伟"));
        }
    }

    async fn a_failed_reminder_sent_again_by_hr_is_delivered_once(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        app.run_jobs().await;
        let id = former(&app, &hr, "Z001", "Zhao", "en", Some("zhao@home.example"), "none").await;
        // The mail server is down for weeks: the reminder is retried until its horizon, two
        // weeks after it was due, has passed.
        app.smtp_proxy.cut();
        // So does HR's digest of those days, which is never sent again: it stays failed.
        app.expect_failed_jobs();
        app.clock.set(shanghai(2028, 4, 1, 9, 1));
        let mut failed = Vec::new();
        for _ in 0..80 {
            app.run_jobs().await;
            failed = reminders(&app, &hr, &format!("employee_id={id}&status=failed")).await;
            if !failed.is_empty() {
                break;
            }
            app.clock.advance(Duration::hours(6) + Duration::minutes(1));
        }
        assert_eq!(failed.len(), 1, "the reminder gave up");
        let rid = failed[0]["id"].as_str().unwrap().to_string();
        let resend = format!("/api/v1/reminders/{rid}/resend");
        app.smtp_proxy.restore();
        app.clock.advance(Duration::minutes(1));
        app.run_jobs().await;
        assert!(app.smtp.to("zhao@home.example").is_empty(), "a failed reminder stays failed until sent again");

        let manager = app.token_client("m@example.com", &["manager"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        assert_eq!(post(&app, &manager, &resend, json!({})).await.0, 403);
        assert_eq!(post(&app, &sec, &resend, json!({})).await.0, 403, "HR sends again");
        assert_eq!(post(&app, &hr, "/api/v1/reminders/no-such-reminder/resend", json!({})).await.0, 404);
        let (s, again) = post(&app, &hr, &resend, json!({})).await;
        assert_eq!(s, 200, "{again}");
        assert_eq!(again["status"], "scheduled");
        assert!(again["last_error"].is_null());
        let (s, twice) = post(&app, &hr, &resend, json!({})).await;
        assert_eq!(s, 409, "only a failed reminder is sent again: {twice}");

        app.run_jobs().await;
        app.clock.advance(Duration::hours(1));
        app.run_jobs().await;
        let got = app.smtp.to("zhao@home.example");
        assert_eq!(got.len(), 1, "delivered once");
        let row = reminders(&app, &hr, &format!("employee_id={id}")).await;
        let row = row.iter().find(|r| r["id"] == rid.as_str()).unwrap();
        assert_eq!(row["status"], "sent");
        assert_eq!(format!("<{}>", got[0].message_id()), row["message_id"].as_str().unwrap());
        assert_eq!(post(&app, &hr, &resend, json!({})).await.0, 409, "a sent reminder is not sent again");

        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=reminder&subject_id={rid}")))
            .send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"reminder.failed") && actions.contains(&"reminder.resent") && actions.contains(&"reminder.sent"), "{actions:?}");
    }
}

/// Another worker on the same database, as a second `tuomi serve` would run.
fn second_runner(app: &TestApp) -> std::sync::Arc<tuomi::jobs::Runner> {
    let r = &app.runner;
    std::sync::Arc::new(
        tuomi::jobs::Runner::new(
            r.config.clone(),
            r.clock.clone(),
            r.pool.clone(),
            r.links.clone(),
            r.templates.clone(),
        )
        .unwrap(),
    )
}

#[actix_web::test]
async fn three_workers_racing_on_one_postgresql_database_send_each_reminder_once() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    for i in 0..30 {
        former(
            &app,
            &hr,
            &format!("R{i:03}"),
            &format!("Racer {i}"),
            "en",
            Some(&format!("r{i}@home.example")),
            "none",
        )
        .await;
    }
    app.clock
        .set(shanghai(2028, 4, 1, 9, 0) + Duration::seconds(5));
    let workers: Vec<_> = (0..3).map(|_| second_runner(&app)).collect();
    let handles: Vec<_> = workers
        .into_iter()
        .map(|w| std::thread::spawn(move || w.run_once().unwrap()))
        .collect();
    let stats: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let sent: usize = stats.iter().map(|s| s.sent).sum();
    assert_eq!(
        sent,
        app.smtp.received().len(),
        "every send reached the server once: {stats:?}"
    );
    for i in 0..30 {
        assert_eq!(
            app.smtp.to(&format!("r{i}@home.example")).len(),
            1,
            "racer {i}"
        );
    }
}

#[actix_web::test]
async fn reminder_emails_in_both_languages_match_their_snapshots() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    crate::identity::set_identity(&app).await;
    former_told_at_exit(
        &app,
        &hr,
        "S001",
        "王芳",
        "zh-CN",
        "zh@home.example",
        "core",
    )
    .await;
    former_told_at_exit(
        &app,
        &hr,
        "S002",
        "Alice Smith",
        "en",
        "en@home.example",
        "core",
    )
    .await;
    app.clock.set(shanghai(2028, 4, 1, 9, 1));
    app.run_jobs().await;
    for (to, lang) in [("zh@home.example", "zh-CN"), ("en@home.example", "en")] {
        // First the exit notice, when the departure took effect; then the reminder.
        let mails = app.smtp.to(to);
        assert_eq!(mails.len(), 2, "{to}");
        for (mail, message) in mails.iter().zip(["exit_notice", "reminder"]) {
            let name = format!("{message}.{lang}");
            let parsed = mail.parsed();
            let token = mail.ack_path();
            let where_ = token.replacen("/ack/", "/whereabouts/", 1);
            let blank = |s: String| {
                s.replace(&token, "/ack/<token>")
                    .replace(&token.replace('/', "&#x2f;"), "&#x2f;ack&#x2f;<token>")
                    .replace(&where_, "/whereabouts/<token>")
                    .replace(
                        &where_.replace('/', "&#x2f;"),
                        "&#x2f;whereabouts&#x2f;<token>",
                    )
            };
            let mailbox = |a: Option<&mail_parser::Address>| {
                a.and_then(|f| f.first())
                    .map(|a| {
                        format!(
                            "{} <{}>",
                            a.name().unwrap_or_default(),
                            a.address().unwrap_or_default()
                        )
                    })
                    .unwrap_or_default()
            };
            let snapshot = format!(
                "From: {}\nReply-To: {}\nTo: {}\nSubject: {}\nMessage-ID: <blank>\nDate: <blank>\n\n--- text ---\n{}\n--- html ---\n{}",
                mailbox(parsed.from()),
                mailbox(parsed.reply_to()),
                to,
                mail.subject(),
                blank(mail.text()),
                blank(mail.html()),
            );
            assert!(parsed.header("Message-ID").is_some() && parsed.header("Date").is_some());
            assert!(!snapshot.to_lowercase().contains("tuomi"), "{snapshot}");
            crate::helpers::assert_snapshot(&name, &snapshot);
        }
    }
}

/// Every other email, in both languages, rendered from fixed content and signed by the
/// example company, compared with its snapshot (the reminder and the exit notice are compared
/// as received, above).
#[test]
fn staff_and_successor_emails_in_both_languages_match_their_snapshots() {
    use tuomi::domain::users::Language;
    let templates = tuomi::mail::MailTemplates::load(None).unwrap();
    let received = ["reminder", "exit_notice"];
    for lang in [Language::En, Language::ZhCn] {
        for (message, ctx) in crate::identity::sample_messages(lang) {
            if received.contains(&message) {
                continue;
            }
            let company = crate::identity::company(lang);
            let r = templates
                .render(lang, message, &company, ctx.clone())
                .unwrap();
            let snapshot = format!(
                "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}",
                r.subject, r.text, r.html
            );
            crate::helpers::assert_snapshot(&format!("{message}.{}", lang.as_str()), &snapshot);
        }
    }
}
