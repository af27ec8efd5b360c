//! What the job list and the metrics tell: HR sees no breach-report notifications (their times
//! would narrow down an anonymous reporter), and `/metrics` answers only to its token and
//! counts reports without telling staff from public.

use serde_json::{Value, json};

use crate::helpers::{METRICS_TOKEN, TestApp, get_json, post};
use crate::on_both_databases;

/// The kinds and payloads of the jobs a client is shown.
async fn jobs_seen(app: &TestApp, client: &reqwest::Client) -> Vec<(String, String)> {
    let page = get_json(app, client, "/api/v1/jobs?per_page=200").await;
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|j| {
            (
                j["kind"].as_str().unwrap().into(),
                j["payload"].as_str().unwrap().into(),
            )
        })
        .collect()
}

on_both_databases! {
    async fn hr_is_shown_no_breach_notification_jobs_security_and_admin_are(app: TestApp) {
        let hr = app.token_client("hr@example.com", &["hr"]).await;
        let sec = app.token_client("sec@example.com", &["security"]).await;
        let admin = app.token_client("admin@example.com", &["admin"]).await;
        let (s, _) = post(&app, &reqwest::Client::new(), "/api/v1/public/breaches", json!({
            "what": "Drawings left in the print room overnight."
        })).await;
        assert_eq!(s, 201);
        let notices = |jobs: &[(String, String)]| {
            jobs.iter().filter(|(kind, _)| kind == "send_reminder").count()
        };
        let for_security = jobs_seen(&app, &sec).await;
        assert!(notices(&for_security) > 0, "the notices are jobs: {for_security:?}");
        assert_eq!(notices(&jobs_seen(&app, &admin).await), notices(&for_security));
        let for_hr = jobs_seen(&app, &hr).await;
        assert_eq!(notices(&for_hr), 0, "HR sees no breach notice: {for_hr:?}");
        app.run_jobs().await;
    }

    async fn metrics_answer_only_to_their_token_and_count_reports_as_one(app: TestApp) {
        let stranger = reqwest::Client::new();
        assert_eq!(stranger.get(app.url("/metrics")).send().await.unwrap().status(), 404);
        let wrong = stranger.get(app.url("/metrics")).bearer_auth("metrics-token-of-another").send().await.unwrap();
        assert_eq!(wrong.status(), 404, "another token learns nothing");
        let staff = app.signed_in("staff@example.com", &["manager"]).await;
        assert_eq!(staff.get(app.url("/metrics")).send().await.unwrap().status(), 404, "nor a user");
        let (s, _) = post(&app, &stranger, "/api/v1/public/breaches", json!({
            "what": "Drawings left in the print room overnight."
        })).await;
        assert_eq!(s, 201);
        let (s, body) = post(&app, &staff, "/api/v1/breaches", json!({
            "what": "A laptop left in a taxi.", "anonymous": true
        })).await;
        assert_eq!(s, 201, "{body}");
        let text = app.metrics().await.text().await.unwrap();
        assert!(
            text.contains(r#"tuomi_http_requests_total{method="POST",route="(breach report)",status="201"} 2"#),
            "{text}"
        );
        assert!(!text.contains("/public/breaches\""), "{text}");
        assert!(!text.contains("route=\"/api/v1/breaches\""), "{text}");
        let ok = stranger.get(app.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        app.run_jobs().await;
    }
}

#[actix_web::test]
async fn without_a_token_metrics_are_served_only_on_their_own_address() {
    let (dir, url, _) = crate::helpers::fresh_database(crate::helpers::Backend::Sqlite).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(dir, url, None, |config| {
        config.metrics_token = None;
        config.metrics_listen = Some(format!("127.0.0.1:{port}").parse().unwrap());
    })
    .await;
    let end = app.end_of_test();
    let client = reqwest::Client::new();
    let main = client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 404, "no token set: not on the main address");
    let own = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(
        own.text()
            .await
            .unwrap()
            .contains("tuomi_http_requests_total")
    );
    let other: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null);
    assert_eq!(other, Value::Null, "only the metrics there");
    end.check_jobs();
}
