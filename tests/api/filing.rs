//! The entry-exit filing list (issue 20 item 3): serving classified staff and everyone in a
//! 脱密期 on file, each with the day to take them off (extensions included); the changes since
//! the last filing; recording a filing (security), audited.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, get_json, page, post, submit_form};
use crate::obligations::{leave, obligations, set_tier};
use crate::on_both_databases;
use crate::people::small_org;

/// The person's line of the filing list, if they are on it.
async fn on_file(app: &TestApp, client: &reqwest::Client, employee_id: &str) -> Option<Value> {
    let list = get_json(app, client, "/api/v1/entry-exit-filing").await;
    list["on_file"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee_id"] == employee_id)
        .cloned()
}

async fn changes(app: &TestApp, client: &reqwest::Client) -> Value {
    get_json(app, client, "/api/v1/entry-exit-filing/changes").await
}

async fn file(app: &TestApp, sec: &reqwest::Client, on: &str, reference: &str) -> (u16, Value) {
    post(
        app,
        sec,
        "/api/v1/entry-exit-filings",
        json!({"filed_on": on, "reference": reference}),
    )
    .await
}

on_both_databases! {
    async fn the_filing_lists_removal_date_moves_with_an_extension(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.lead, "important");
        set_tier(&app, &org.dev, "core");
        // Left on 28 February 2028, a leap year: three years end on 28 February 2031.
        leave(&app, &hr, &org.dev, "2028-02-01", "2028-02-28").await;
        let dev = on_file(&app, &hr, &org.dev).await.expect("in a period, on file");
        assert_eq!(dev["basis"], "period", "{dev}");
        assert_eq!(dev["tier"], "core", "{dev}");
        assert_eq!(dev["since"], "2028-02-29", "{dev}");
        assert_eq!(dev["remove_on"], "2031-02-28", "{dev}");
        assert_eq!(dev["first_filed_on"], Value::Null, "{dev}");
        let lead = on_file(&app, &hr, &org.lead).await.expect("serving, on file");
        assert_eq!(lead["basis"], "serving", "{lead}");
        assert_eq!(lead["remove_on"], Value::Null, "{lead}");
        assert!(on_file(&app, &hr, &org.boss).await.is_none(), "no tier, not on file");

        let (s, filed) = file(&app, &sec, "2028-02-29", "出入境备2028-001").await;
        assert_eq!(s, 201, "{filed}");
        assert_eq!(changes(&app, &hr).await["changes"], json!([]), "nothing changed since");
        assert_eq!(on_file(&app, &hr, &org.dev).await.unwrap()["first_filed_on"], "2028-02-29");

        let period = &obligations(&app, &hr, &format!("employee_id={}&kind=declassification", org.dev)).await[0];
        let path = format!("/api/v1/obligations/{}/extensions", period["id"].as_str().unwrap());
        let (s, ext) = post(&app, &hr, &path, json!({"new_end": "2032-02-29", "reason": "项目仍在保密期内"})).await;
        assert_eq!(s, 201, "{ext}");
        assert_eq!(on_file(&app, &hr, &org.dev).await.unwrap()["remove_on"], "2031-02-28", "asked, not yet approved");
        let path = format!("/api/v1/extensions/{}/approve", ext["id"].as_str().unwrap());
        let (s, _) = post(&app, &sec, &path, json!({"decision": "approve", "reason": "同意"})).await;
        assert_eq!(s, 200);
        assert_eq!(on_file(&app, &hr, &org.dev).await.unwrap()["remove_on"], "2032-02-29");
        let c = changes(&app, &hr).await;
        assert_eq!(c["last_filing"]["reference"], "出入境备2028-001", "{c}");
        assert_eq!(c["changes"], json!([{
            "employee_id": org.dev, "employee_no": "D001", "name": "张伟",
            "department": c["changes"][0]["department"], "change": "new_removal_date",
            "filed_remove_on": "2031-02-28", "remove_on": "2032-02-29",
        }]), "{c}");
    }

    async fn a_person_whose_period_ended_is_a_removal_and_then_off_the_list(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let org = small_org(&app, &hr).await;
        set_tier(&app, &org.dev, "general");
        leave(&app, &hr, &org.dev, "2028-01-01", "2028-02-28").await;
        let end = on_file(&app, &hr, &org.dev).await.unwrap()["remove_on"].as_str().unwrap().to_string();
        let (s, _) = file(&app, &sec, "2028-02-29", "A-1").await;
        assert_eq!(s, 201);
        // The last day of the period still counts; the day after, the person is taken off.
        let end: chrono::NaiveDate = end.parse().unwrap();
        let last_day = Utc.from_utc_datetime(&end.and_hms_opt(12, 0, 0).unwrap());
        app.clock.set(last_day);
        assert!(on_file(&app, &hr, &org.dev).await.is_some(), "on file on their last day");
        app.clock.set(last_day + chrono::Duration::days(1));
        // The year's reminders find no private address for the person (none was given).
        app.expect_failed_jobs();
        app.run_jobs().await;
        assert!(on_file(&app, &hr, &org.dev).await.is_none(), "off the day after");
        let c = changes(&app, &hr).await;
        assert_eq!(c["changes"][0]["change"], "removal", "{c}");
        assert_eq!(c["changes"][0]["employee_id"], org.dev, "{c}");
        assert_eq!(c["changes"][0]["filed_remove_on"], end.to_string(), "{c}");
        let (s, _) = file(&app, &sec, &end.succ_opt().unwrap().to_string(), "A-2").await;
        assert_eq!(s, 201);
        assert_eq!(changes(&app, &hr).await["changes"], json!([]));
    }

    async fn a_bad_filing_is_refused_naming_the_fields_and_only_security_records_one(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let (s, body) = file(&app, &sec, "2099-01-01", "  ").await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["filed_on"].is_string(), "{body}");
        assert!(body["error"]["fields"]["reference"].is_string(), "{body}");
        let (s, body) = file(&app, &sec, "2028-02-30", "A-1").await;
        assert_eq!(s, 422, "{body}");
        assert!(body["error"]["fields"]["filed_on"].is_string(), "{body}");
        let (s, _) = file(&app, &hr, "2028-02-28", "A-1").await;
        assert_eq!(s, 403, "HR reads the list, security files it");
        assert_eq!(changes(&app, &hr).await["last_filing"], Value::Null, "nothing recorded");
    }

    async fn the_pages_show_the_list_its_csv_its_print_and_record_a_filing(app: TestApp) {
        let hr_api = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr_api).await;
        set_tier(&app, &org.dev, "important");
        let hr = app.signed_in("hr2@example.com", &["hr"]).await;
        let (s, html) = page(&app, &hr, "/filing").await;
        assert_eq!(s, 200);
        assert!(html.contains("张伟") && html.contains("/filing/changes"), "{html}");
        let csv = hr.get(app.url("/filing?format=csv")).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        let bytes = csv.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "Excel-ready");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("张伟") && text.contains("D001"), "{text}");
        let (s, print) = page(&app, &hr, "/filing/print").await;
        assert_eq!(s, 200);
        assert!(print.contains("register-line") && print.contains("张伟"), "{print}");
        let (_, changes_html) = page(&app, &hr, "/filing/changes").await;
        assert!(!changes_html.contains("/api/v1/entry-exit-filings"), "HR has no form");

        let sec = app.signed_in("sec@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec, "/filing/changes").await;
        assert!(html.contains("/api/v1/entry-exit-filings") && html.contains("张伟"), "{html}");
        let (to, s, html) = submit_form(&app, &sec, "/filing/changes", "/api/v1/entry-exit-filings", &[
            ("filed_on", "2028-02-28"), ("reference", "备-9"), ("_done", "filing_recorded"),
        ]).await;
        assert_eq!((to.as_str(), s), ("/filing/changes", 200));
        assert!(html.contains("备-9"), "{html}");
        let (to, _, html) = submit_form(&app, &sec, "/filing/changes", "/api/v1/entry-exit-filings", &[
            ("filed_on", "2028-02-28"), ("reference", ""),
        ]).await;
        assert_eq!(to, "/filing/changes");
        assert!(html.contains("f-reference-error"), "the field named: {html}");
        let trail = get_json(&app, &app.token_client("audit@example.com", &["security"]).await,
            "/api/v1/audit?subject_type=entry_exit_filing").await;
        assert_eq!(trail["items"].as_array().unwrap().len(), 1, "{trail}");
    }
}
