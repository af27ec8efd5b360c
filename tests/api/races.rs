//! Throttles hold under concurrent requests: the check and the count are one write, so a burst
//! gets exactly the limit through, no more.

use futures_util::future::join_all;
use serde_json::json;

use crate::on_both_databases;

on_both_databases! {
    async fn concurrent_public_reports_beyond_the_hourly_limit_are_refused(app: TestApp) {
        let client = reqwest::Client::new();
        let report = || async {
            client.post(app.url("/api/v1/public/breaches"))
                .json(&json!({"what": "Drawings left in the print room overnight."}))
                .send().await.unwrap().status().as_u16()
        };
        let answers = join_all((0..30).map(|_| report())).await;
        let accepted = answers.iter().filter(|s| **s == 201).count();
        let refused = answers.iter().filter(|s| **s == 429).count();
        assert_eq!(
            (accepted, refused),
            (tuomi::startup::PUBLIC_REPORTS_PER_HOUR as usize, 30 - tuomi::startup::PUBLIC_REPORTS_PER_HOUR as usize),
            "{answers:?}"
        );
        app.run_jobs().await;
    }

    async fn fifty_concurrent_wrong_passwords_get_exactly_the_limit_of_checks(app: TestApp) {
        app.add_user("target@example.com", &["admin"]);
        let client = reqwest::Client::new();
        let guess = |password: &'static str| {
            let client = &client;
            let app = &app;
            async move {
                client.post(app.url("/api/v1/session"))
                    .json(&json!({"email": "target@example.com", "password": password}))
                    .send().await.unwrap().status().as_u16()
            }
        };
        let answers = join_all((0..50).map(|_| guess("a wrong guess of a password"))).await;
        let checked = answers.iter().filter(|s| **s == 401).count();
        let refused = answers.iter().filter(|s| **s == 429).count();
        let limit = tuomi::startup::SIGNIN_FAILURES_PER_ACCOUNT as usize;
        assert_eq!((checked, refused), (limit, 50 - limit), "{answers:?}");
        // Locked now, even for the right password, until the window has passed.
        assert_eq!(guess(crate::helpers::PASSWORD).await, 429);
        app.clock.advance(chrono::Duration::minutes(tuomi::startup::SIGNIN_WINDOW_MINUTES + 1));
        assert_eq!(guess(crate::helpers::PASSWORD).await, 200);
    }
}
