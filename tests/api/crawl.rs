//! A crawl of the pages each role reaches from its start page: no server error, the security
//! headers on every answer, a CSRF token in every form that posts, a label on every field.

use crate::on_both_databases;

/// Every page a signed-in user can reach by following links from the start page (up to
/// `limit` pages): each answers without a server error, carries the security headers, and
/// every form that posts carries its CSRF token.
async fn crawl(app: &crate::helpers::TestApp, client: &reqwest::Client, limit: usize) -> usize {
    walk(app, client, "/", limit).await.pages
}

/// The same, from the page `start`.
async fn crawl_from(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    start: &str,
    limit: usize,
) -> usize {
    walk(app, client, start, limit).await.pages
}

/// What a walk found: how many pages, and the CSV exports they link to.
pub(crate) struct Walk {
    pub pages: usize,
    pub exports: std::collections::BTreeSet<String>,
}

/// The crawl itself, from `start`; CSV links are collected (as paths), not followed.
pub(crate) async fn walk(
    app: &crate::helpers::TestApp,
    client: &reqwest::Client,
    start: &str,
    limit: usize,
) -> Walk {
    let mut queue = std::collections::VecDeque::from([String::from(start)]);
    let mut seen = std::collections::HashSet::new();
    let mut exports = std::collections::BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() >= limit || !seen.insert(path.clone()) {
            continue;
        }
        let r = client.get(app.url(&path)).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status < 500, "{path} answered {status}");
        let headers = r.headers().clone();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        let is_html = headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if !is_html {
            continue;
        }
        let html = r.text().await.unwrap();
        for form in html.split("<form").skip(1) {
            let form = &form[..form.find("</form>").unwrap_or(form.len())];
            if form.contains("method=\"post\"") {
                assert!(
                    form.contains("name=\"csrf\""),
                    "a form on {path} without its token: <form{form}"
                );
            }
        }
        assert_fields_labelled(&path, &html);
        for link in html.split("href=\"").skip(1) {
            let href = &link[..link.find('"').unwrap_or(0)];
            let href = href.replace("&amp;", "&");
            if href.contains("format=csv") {
                // Relative (`?format=csv`) links export the page they are on.
                exports.insert(match href.strip_prefix('?') {
                    Some(query) => format!("{}?{query}", path.split('?').next().unwrap_or("")),
                    None => href.clone(),
                });
            }
            // Pages of this site; not downloads, not sign-out, not CSV exports.
            if href.starts_with('/')
                && !href.starts_with("//")
                && !href.starts_with("/static/")
                && !href.starts_with("/api/")
                && !href.contains("format=csv")
                && !seen.contains(&href)
            {
                queue.push_back(href);
            }
        }
    }
    Walk {
        pages: seen.len(),
        exports,
    }
}

/// Every field a person fills has a label tied to it (or an accessible name of its own).
fn assert_fields_labelled(path: &str, html: &str) {
    for tag in ["<input", "<select", "<textarea"] {
        for field in html.split(tag).skip(1) {
            let field = &field[..field.find('>').unwrap_or(field.len())];
            if ["type=\"hidden\"", "type=\"submit\"", "type=\"button\""]
                .iter()
                .any(|t| field.contains(t))
            {
                continue;
            }
            if field.contains("aria-label=") || field.contains("aria-labelledby=") {
                continue;
            }
            let id = field
                .split("id=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("a field without id or label on {path}: {tag}{field}"));
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "the field {id:?} on {path} has no label"
            );
        }
    }
}

on_both_databases! {
    async fn every_page_reached_from_the_start_page_is_safe_and_its_forms_carry_tokens(app: TestApp) {
        let out = app.command(&["dev", "seed", "--employees", "30"]).output().unwrap();
        assert!(out.status.success());
        for role in ["hr", "security", "admin", "manager"] {
            let client = app.signed_in(&format!("{role}@example.com"), &[role]).await;
            // A second session, so the settings page shows a session's revoke form too.
            let again = reqwest::Client::new()
                .post(app.url("/api/v1/session"))
                .json(&serde_json::json!({"email": format!("{role}@example.com"), "password": crate::helpers::PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 200);
            let (_, settings) = crate::helpers::page(&app, &client, "/settings").await;
            assert!(
                settings.contains("action=\"/api/v1/me/sessions/")
                    && settings.contains("action=\"/api/v1/me/sessions\""),
                "the settings page lists the sessions with their forms: {settings}"
            );
            let pages = crawl(&app, &client, 150).await;
            eprintln!("crawl: {role} reached {pages} pages");
            // A manager without reports has little to see; the others a whole company.
            let least = if role == "manager" { 5 } else { 100 };
            assert!(pages >= least, "{role} reached only {pages} pages");
        }
    }

    async fn the_pages_a_stranger_reaches_from_the_sign_in_page_are_safe(app: TestApp) {
        let stranger = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let pages = crawl_from(&app, &stranger, "/login", 20).await;
        // The sign-in page and "forgot password?" at least.
        assert!(pages >= 2, "a stranger reached only {pages} pages");
    }
}
