//! `tuomi dev seed`: a company the product can be tried on, the same for the same numbers.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both_databases;

async fn total(app: &TestApp, hr: &reqwest::Client, path: &str) -> i64 {
    let body: Value = hr
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("{path}: {body}"))
}

on_both_databases! {
    async fn a_seeded_company_has_people_departures_and_obligations_in_every_state(app: TestApp) {
        let out = app.command(&["dev", "seed", "--employees", "400"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("rows/s"));
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        assert_eq!(total(&app, &hr, "/api/v1/employees?status=active").await, 398);
        assert_eq!(total(&app, &hr, "/api/v1/employees?status=departed").await, 120);
        assert_eq!(total(&app, &hr, "/api/v1/departures?status=in_progress").await, 2);
        assert_eq!(total(&app, &hr, "/api/v1/departures?status=completed").await, 120);
        for status in ["active", "ended"] {
            let n = total(&app, &hr, &format!("/api/v1/obligations?status={status}")).await;
            assert!(n > 0, "obligations {status}");
        }
        // A departure in progress has its 30 lines.
        let list: Value = hr
            .get(app.url("/api/v1/departures?status=in_progress"))
            .send().await.unwrap().json().await.unwrap();
        let id = list["items"][0]["id"].as_str().unwrap();
        let detail: Value = hr
            .get(app.url(&format!("/api/v1/departures/{id}")))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(detail["lines"].as_array().unwrap().len(), 30);
        // Seeding again is refused: it would double the company.
        let again = app.command(&["dev", "seed", "--employees", "400"]).output().unwrap();
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already holds"));
    }
}
