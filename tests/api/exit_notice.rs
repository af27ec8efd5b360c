//! The exit notice (离职保密告知书, issue 19): sent to the former employee's private address
//! the moment the departure takes effect, exactly once, kept as evidence like every reminder.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, page, post};
use crate::identity::set_identity;
use crate::on_both_databases;
use crate::people::{add_employee, person};
use crate::reminders::{former_told_at_exit, reminders};

/// The exit notices sent to `to`.
fn notices(app: &TestApp, to: &str) -> Vec<crate::smtp::Received> {
    app.smtp
        .to(to)
        .into_iter()
        .filter(|m| m.subject() == "离职保密告知书" || m.subject().starts_with("Exit notice"))
        .collect()
}

on_both_databases! {
    async fn the_exit_notice_goes_once_at_the_end_of_the_last_working_day_naming_the_company(app: TestApp) {
        set_identity(&app).await;
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        // Completed on the last working day: it takes effect at 24:00, and the notice with it.
        let id = former_told_at_exit(&app, &hr, "E001", "王芳", "zh-CN", "wang@home.example", "core").await;
        let sent = notices(&app, "wang@home.example");
        assert_eq!(sent.len(), 1);
        let mail = &sent[0];
        let text = mail.text();
        for expected in [
            "王芳，您好", "2028年2月28日24时生效", "脱密期：自2028年2月29日起，至2031年2月28日止",
            "《涉密人员管理制度》第十一条", "脱密期内须遵守以下限制", "示例科技有限公司",
            "保密员：赵刚，电话：010-6000 1002", "/ack/",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(!text.to_lowercase().contains("tuomi") && !mail.html().to_lowercase().contains("tuomi"));
        let parsed = mail.parsed();
        let from = parsed.from().and_then(|f| f.first()).unwrap();
        assert_eq!((from.name(), from.address()), (Some("示例科技人力资源部"), Some("hr@example.com")));
        let reply_to = parsed.reply_to().and_then(|f| f.first()).unwrap();
        assert_eq!(reply_to.address(), Some("hr-help@example.com"));

        // Kept as every reminder is: the exact bytes, their hash, in the audit chain.
        let rows = reminders(&app, &hr, &format!("employee_id={id}&kind=exit_notice")).await;
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r["status"], "sent");
        let kept = hr.get(app.url(&format!("/api/v1/reminders/{}/message", r["id"].as_str().unwrap())))
            .send().await.unwrap().bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&kept)), r["message_sha256"].as_str().unwrap());
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let audit: Value = sec.get(app.url(&format!("/api/v1/audit?subject_type=reminder&subject_id={}", r["id"].as_str().unwrap())))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(audit["items"][0]["action"], "reminder.sent");
        assert_eq!(audit["items"][0]["details"]["sha256"], r["message_sha256"]);

        // Its link opens the acknowledgement page, which names whom to ask.
        let page = reqwest::Client::new().get(app.url(&mail.ack_path())).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("赵刚") && html.contains("security@example.com"), "{html}");

        // Running again, and again a day later, sends nothing more.
        app.run_jobs().await;
        app.clock.advance(chrono::Duration::days(1));
        app.run_jobs().await;
        assert_eq!(notices(&app, "wang@home.example").len(), 1);
    }

    async fn a_crash_between_completion_and_sending_still_sends_the_exit_notice_once(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let mut body = person("E002", "Alice Smith", None);
        body["language"] = json!("en");
        body["private_email"] = json!("alice@home.example");
        let id = add_employee(&app, &hr, body).await;
        // Completed after the last working day: it takes effect at once, the notice queued
        // in the same transaction.
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": id, "notice_date": "2028-01-31", "last_working_day": "2028-02-25", "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        let (s, done) = post(&app, &hr, &format!("/api/v1/departures/{}/complete", dep["id"].as_str().unwrap()),
            json!({"override_reason": "test"})).await;
        assert_eq!(s, 200, "{done}");
        assert!(app.smtp.received().is_empty(), "nothing sent within the completion");

        // The service stops before its worker ran; another one on the same database sends it.
        let restarted = app.second_instance().await;
        restarted.run_jobs().await;
        restarted.run_jobs().await;
        app.run_jobs().await;
        let everywhere: Vec<_> = [&app, &restarted].iter()
            .flat_map(|a| a.smtp.to("alice@home.example"))
            .filter(|m| m.subject().starts_with("Exit notice"))
            .collect();
        assert_eq!(everywhere.len(), 1, "sent exactly once");
        assert!(everywhere[0].text().contains("Your departure took effect at the end of your last working day, 25 February 2028"));
        let rows = reminders(&app, &hr, &format!("employee_id={id}&kind=exit_notice")).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["status"], "sent");
    }

    async fn the_printed_exit_notice_shows_the_persons_name_their_duties_and_signature_lines(app: TestApp) {
        set_identity(&app).await;
        let hr_api = app.token_client("hr-api@example.com", &["hr"]).await;
        let mut body = person("E003", "Alice Smith", None);
        body["language"] = json!("en");
        let id = add_employee(&app, &hr_api, body).await;
        {
            use diesel::prelude::*;
            use tuomi::db::schema::employees;
            diesel::update(employees::table.find(&id))
                .set(employees::clearance_tier.eq("important"))
                .execute(&mut app.db())
                .unwrap();
        }
        let (_, dep) = post(&app, &hr_api, "/api/v1/departures", json!({
            "employee_id": id, "notice_date": "2028-02-28", "last_working_day": "2028-03-03", "reason": "resignation"
        })).await;
        let dep = dep["id"].as_str().unwrap().to_string();
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (_, detail) = page(&app, &hr, &format!("/departures/{dep}")).await;
        assert!(detail.contains(&format!("href=\"/departures/{dep}/exit-notice\"")), "linked from the departure");
        // Printed at the exit interview, before it takes effect: the duties it will create,
        // in the person's language whatever the reader's.
        let (status, html) = page(&app, &hr, &format!("/departures/{dep}/exit-notice")).await;
        assert_eq!(status, 200);
        for expected in [
            "<dd id=\"person\">Alice Smith</dd>", "Declassification period", "3 March 2028",
            "Example Technology Co., Ltd.", "id=\"signatures\"", "Signature of the former employee",
            "For the company", "Zhao Gang",
        ] {
            assert!(html.contains(expected), "{expected}: {html}");
        }
        assert!(html.contains("id=\"exit-notice\" lang=\"en\""), "in the person's language");
        let notice = html.split("id=\"exit-notice\"").nth(1).unwrap().split("</article>").next().unwrap();
        assert!(!notice.to_lowercase().contains("tuomi"), "the document names the company only: {notice}");
        // Someone who may not see the departure may not print it.
        let outsider = app.signed_in("m@example.com", &["manager"]).await;
        let (status, _) = page(&app, &outsider, &format!("/departures/{dep}/exit-notice")).await;
        assert_eq!(status, 403);
    }
}
