//! No N+1: a list or page runs as many SQL statements for a few rows as for many. Measured
//! with the service's own counter (`tuomi_sql_statements_total` in /metrics) on two seeded
//! companies of different sizes.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both_databases;

/// Statements run by one request as `client`.
async fn statements(app: &TestApp, client: &reqwest::Client, path: &str) -> u64 {
    let count = || async {
        let text = app.metrics().await.text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("tuomi_sql_statements_total "))
            .expect("the statement counter in /metrics")
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let before = count().await;
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let _ = r.bytes().await;
    count().await - before
}

async fn first_id(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let body: Value = client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["items"][0]["id"].as_str().expect(path).to_string()
}

async fn seeded(app: &TestApp, employees: &str) -> reqwest::Client {
    let out = app
        .command(&["dev", "seed", "--employees", employees])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.token_client("hr@example.com", &["hr"]).await
}

/// The lists and pages whose statement count must not grow with their rows.
const LISTS: &[&str] = &[
    "/api/v1/employees?per_page=200",
    "/api/v1/employees?q=%E7%8E%8B",
    "/api/v1/departures?status=completed&per_page=200",
    "/api/v1/obligations?per_page=200",
    "/api/v1/obligations?ending_within_days=90",
    "/api/v1/carriers?per_page=200",
    "/api/v1/reminders?per_page=200",
];

on_both_databases! {
    async fn lists_run_as_many_statements_for_many_rows_as_for_few(small: TestApp) {
        let Some(large) = TestApp::spawn(small.backend()).await else { return };
        let few = seeded(&small, "30").await;
        let many = seeded(&large, "600").await;
        // Warm both (the first request of a connection prepares its session).
        for path in LISTS {
            statements(&small, &few, path).await;
            statements(&large, &many, path).await;
        }
        for path in LISTS {
            let a = statements(&small, &few, path).await;
            let b = statements(&large, &many, path).await;
            assert!(a > 0, "{path}: the counter counts");
            assert_eq!(a, b, "{path}: {a} statements for a few rows, {b} for many");
        }
        // A departure's checklist: 4 lines against 30.
        let short = first_id(&few, &small, "/api/v1/departures?status=completed").await;
        let long = first_id(&many, &large, "/api/v1/departures?status=in_progress").await;
        let a = statements(&small, &few, &format!("/api/v1/departures/{short}")).await;
        let b = statements(&large, &many, &format!("/api/v1/departures/{long}")).await;
        assert_eq!(a, b, "a departure runs {a} statements with 4 lines, {b} with 30");
    }
}
