//! What every page shares: forms that act through the API (a message after, or the form back
//! with what was typed and the field at fault), sign-in first, the language switch, the menu
//! by role, error pages instead of JSON.

use crate::helpers::{page, submit_form};
use crate::on_both_databases;
use crate::people::person;

on_both_databases! {
    async fn a_form_acts_through_the_api_and_the_next_page_says_it_was_done(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let mut fields = vec![("_next", "/?created={id}"), ("_done", "saved")];
        let p = person("E1", "李雷", None);
        let values: Vec<(String, String)> = p
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect();
        fields.extend(values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let (to, status, html) = submit_form(&app, &hr, "/", "/api/v1/employees", &fields).await;
        assert_eq!(status, 200);
        assert!(to.starts_with("/?created=") && to.len() > "/?created=".len(), "{to}");
        assert!(html.contains("Saved."), "the page after says it was done");
        // The message shows once.
        let (_, again) = page(&app, &hr, &to).await;
        assert!(!again.contains("Saved."));
        let listed: serde_json::Value = hr
            .get(app.url("/api/v1/employees?q=E1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed["total"], 1);
    }

    async fn a_refused_form_comes_back_with_the_field_at_fault_and_nothing_changes(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let long_title = "标题".repeat(1500);
        let (to, _, html) = submit_form(
            &app,
            &hr,
            "/",
            "/api/v1/employees",
            &[
                ("employee_no", "E 2"),
                ("name", "韩梅梅"),
                ("department", "法务部"),
                ("title", &long_title),
            ],
        )
        .await;
        assert_eq!(to, "/", "back to the form's page");
        assert!(html.contains("Some fields need attention"), "{html}");
        let listed: serde_json::Value = hr
            .get(app.url("/api/v1/employees"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed["total"], 0, "nothing was created");
    }

    async fn a_form_without_its_token_is_refused_with_a_page(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let r = hr
            .post(app.url("/api/v1/employees"))
            .form(&[("employee_no", "E3"), ("name", "x"), ("department", "d"), ("csrf", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.text().await.unwrap().contains("The form has expired"));
    }

    async fn an_irreversible_action_needs_its_box_ticked(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (to, _, html) = submit_form(
            &app,
            &hr,
            "/",
            "/api/v1/employees",
            &[("_irreversible", "1"), ("employee_no", "E4"), ("name", "x"), ("department", "d")],
        )
        .await;
        assert_eq!(to, "/");
        assert!(html.contains("Some fields need attention"));
        let listed: serde_json::Value =
            hr.get(app.url("/api/v1/employees")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["total"], 0, "not done without the tick");
    }

    async fn a_stranger_is_sent_to_sign_in_and_comes_back_where_they_were(app: TestApp) {
        app.add_user("sec@example.com", &["security"]);
        let r = app.get("/?tab=1").await;
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/login?next="), "{to}");
        let (_, html) = page(&app, &app.client, &to).await;
        let csrf = crate::helpers::csrf_of(&html);
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "sec@example.com"),
                ("password", crate::helpers::PASSWORD),
                ("next", "/?tab=1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/?tab=1");
        // A foreign address is never followed.
        let (_, html) = page(&app, &app.client, "/login?next=https://evil.example/").await;
        assert!(!html.contains("evil.example"));
    }

    async fn pages_speak_the_language_chosen_then_the_browsers(app: TestApp) {
        let r = app
            .client
            .get(app.url("/login"))
            .header("accept-language", "en-US,en;q=0.9")
            .send()
            .await
            .unwrap();
        let html = r.text().await.unwrap();
        assert!(html.contains("Sign in"));
        let csrf = crate::helpers::csrf_of(&html);
        let r = app
            .client
            .post(app.url("/language"))
            .form(&[("csrf", csrf.as_str()), ("lang", "zh-CN"), ("back", "/login")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/login");
        let html = app
            .client
            .get(app.url("/login"))
            .header("accept-language", "en-US,en;q=0.9")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("登录"), "the choice outranks the browser");
    }

    async fn a_page_that_does_not_exist_speaks_the_signed_in_readers_language(app: TestApp) {
        let hr = app.signed_in("hr@example.com", &["hr"]).await;
        let (s, html) = page(&app, &hr, "/no-such-page").await;
        assert_eq!(s, 404);
        assert!(html.contains("There is no page at this address.") && !html.contains("此地址没有页面"), "{html}");
        assert!(html.contains("href=\"/employees\""), "the menu stays: {html}");
        let (s, html) = page(&app, &reqwest::Client::new(), "/no-such-page").await;
        assert_eq!(s, 404);
        assert!(html.contains("此地址没有页面"), "a stranger without a language reads Chinese: {html}");
    }

    async fn the_menu_offers_each_role_its_own_pages(app: TestApp) {
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        let (_, html) = page(&app, &manager, "/").await;
        assert!(html.contains("href=\"/departures\""));
        assert!(!html.contains("href=\"/audit\""), "a manager has no audit trail");
        assert!(!html.contains("href=\"/breaches\""));
        let sec = app.signed_in("s@example.com", &["security"]).await;
        let (_, html) = page(&app, &sec, "/").await;
        assert!(html.contains("href=\"/audit\""));
    }

    async fn a_page_that_fails_answers_with_a_page_not_json(app: TestApp) {
        let manager = app.signed_in("m@example.com", &["manager"]).await;
        let (status, html) = page(&app, &manager, "/no/such/page").await;
        assert_eq!(status, 404);
        assert!(html.starts_with("<!doctype html>"));
    }
}
