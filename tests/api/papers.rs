//! Papers signed by hand (issue 19): the printed exit notice signed at the exit interview,
//! recorded on the departure with its scan, which only HR and security read.

use chrono::{TimeZone, Utc};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, csrf_of, page, post};
use crate::on_both_databases;
use crate::people::{manager_client, small_org};

/// The "signed on paper" form of the departure page, sent as the browser sends it.
async fn send_signed(
    app: &TestApp,
    web: &reqwest::Client,
    id: &str,
    signed_on: &str,
    file: (&str, &[u8]),
) -> (u16, String) {
    let (_, html) = page(app, web, &format!("/departures/{id}")).await;
    let form = Form::new()
        .text("csrf", csrf_of(&html))
        .text("signed_on", signed_on.to_string())
        .part(
            "file",
            Part::bytes(file.1.to_vec()).file_name(file.0.to_string()),
        );
    let r = web
        .post(app.url(&format!("/departures/{id}/exit-notice/signed")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

const SCAN: &[u8] = b"%PDF-1.4 the signed exit notice";

on_both_databases! {
    async fn the_signed_exit_notice_is_recorded_with_its_scan_which_only_hr_and_security_read(app: TestApp) {
        // A leap day: the notice was given on 31 January, it is signed on 29 February.
        app.clock.set(Utc.with_ymd_and_hms(2028, 2, 29, 3, 0, 0).unwrap());
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let org = small_org(&app, &hr).await;
        let (s, dep) = post(&app, &hr, "/api/v1/departures", json!({
            "employee_id": org.dev, "notice_date": "2028-01-31", "last_working_day": "2028-03-31",
            "reason": "resignation"
        })).await;
        assert_eq!(s, 201, "{dep}");
        let id = dep["id"].as_str().unwrap().to_string();
        let web = app.signed_in("hr-web@example.com", &["hr"]).await;

        // Dated before the notice, after today, or with a file that is no scan: 422 on the
        // field, in the reader's language, and nothing recorded.
        let (s, html) = send_signed(&app, &web, &id, "2028-01-30", ("scan.pdf", SCAN)).await;
        assert_eq!(s, 422);
        assert!(html.contains("must not be before the notice date"), "{html}");
        let (s, html) = send_signed(&app, &web, &id, "2028-03-01", ("scan.pdf", SCAN)).await;
        assert_eq!(s, 422);
        assert!(html.contains("must not be after today"), "{html}");
        let (s, html) = send_signed(&app, &web, &id, "2028-02-29", ("scan.txt", "已签字".as_bytes())).await;
        assert_eq!(s, 422);
        assert!(html.contains("a scan is a PDF, JPEG or PNG file"), "{html}");
        let got: Value = hr.get(app.url(&format!("/api/v1/departures/{id}"))).send().await.unwrap().json().await.unwrap();
        assert!(got["exit_notice_signed_on"].is_null(), "nothing recorded: {got}");

        let (s, _) = send_signed(&app, &web, &id, "2028-02-29", ("签署件.pdf", SCAN)).await;
        assert_eq!(s, 303, "back to the departure page");
        let (_, html) = page(&app, &web, &format!("/departures/{id}")).await;
        assert!(html.contains("The signed exit notice is recorded with its scan."), "{html}");
        assert!(html.contains("Signed on 29 February 2028"), "{html}");
        assert!(html.contains(&format!("/departures/{id}/exit-notice/scan")), "{html}");
        let got: Value = hr.get(app.url(&format!("/api/v1/departures/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["exit_notice_signed_on"], "2028-02-29");

        // The scan, exactly as received, to HR and security; a manager sees that it was
        // signed, not the scan.
        let scan = web.get(app.url(&format!("/departures/{id}/exit-notice/scan"))).send().await.unwrap();
        assert_eq!(scan.status(), 200);
        assert_eq!(scan.headers()["content-type"], "application/pdf");
        assert_eq!(scan.headers()["content-disposition"], "attachment");
        assert_eq!(scan.bytes().await.unwrap().as_ref(), SCAN);
        let sec = app.signed_in("sec-web@example.com", &["security"]).await;
        let scan = sec.get(app.url(&format!("/departures/{id}/exit-notice/scan"))).send().await.unwrap();
        assert_eq!(scan.status(), 200);
        let lead = manager_client(&app, "lead@example.com", "L001").await;
        let (s, html) = page(&app, &lead, &format!("/departures/{id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("Signed on 29 February 2028"), "{html}");
        assert!(!html.contains("/exit-notice/scan"), "no scan link for a manager");
        let denied = lead.get(app.url(&format!("/departures/{id}/exit-notice/scan"))).send().await.unwrap();
        assert_eq!(denied.status(), 403);

        // Audited, with the scan's SHA-256.
        let audit = app.token_client("sec@example.com", &["security"]).await;
        let trail: Value = audit.get(app.url(&format!("/api/v1/audit?subject_type=departure&subject_id={id}"))).send().await.unwrap().json().await.unwrap();
        let event = &trail["items"][0];
        assert_eq!(event["action"], "departure.exit_notice_signed");
        use sha2::{Digest, Sha256};
        assert_eq!(event["details"]["sha256"], hex::encode(Sha256::digest(SCAN)));
    }
}
