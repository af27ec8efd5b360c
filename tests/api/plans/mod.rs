//! A page costs the same whatever the size of the company: on a seeded company of a few
//! thousand people, every page each role reaches and every JSON list runs statements whose query
//! plans read no table that grows with the company from end to end (SQLite `SCAN <table>`
//! without an index; PostgreSQL `Seq Scan` after `ANALYZE`).

mod explain;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both_databases;

/// People in the seeded company: enough that PostgreSQL's planner, after `ANALYZE`, prefers an
/// index wherever one serves (and a scan shows where none does).
const EMPLOYEES: &str = "10000";
/// How many pages of one shape (the same path with another id) each role visits.
const PER_SHAPE: usize = 2;
/// The most pages one role's walk visits.
const PAGES: usize = 150;

/// The JSON lists (and one search) every role asks for; the details are added with the ids
/// the lists answer.
const LISTS: &[&str] = &[
    "/api/v1/me",
    "/api/v1/me/sessions",
    "/api/v1/tokens",
    "/api/v1/users",
    "/api/v1/audit",
    "/api/v1/employees",
    "/api/v1/employees?q=%E7%8E%8B",
    "/api/v1/employees?status=departed",
    "/api/v1/clearance-changes",
    "/api/v1/carriers",
    "/api/v1/pledge-texts",
    "/api/v1/pledges/missing",
    "/api/v1/departures",
    "/api/v1/departures?status=in_progress",
    "/api/v1/departures?status=completed",
    "/api/v1/obligations",
    "/api/v1/obligations?ending_within_days=90",
    "/api/v1/extensions",
    "/api/v1/trips",
    "/api/v1/travel-documents",
    "/api/v1/entry-exit-filing",
    "/api/v1/entry-exit-filing/changes",
    "/api/v1/policy",
    "/api/v1/reminders",
    "/api/v1/reminders/forecast",
    "/api/v1/jobs",
    "/api/v1/breaches",
    "/api/v1/breaches/outcomes",
    "/api/v1/tasks",
];

/// The details of one record, `{}` standing for the id of the first record of `list`.
const DETAILS: &[(&str, &str)] = &[
    ("/api/v1/employees", "/api/v1/employees/{}"),
    (
        "/api/v1/employees",
        "/api/v1/employees/{}/clearance-history",
    ),
    ("/api/v1/employees", "/api/v1/employees/{}/pledges"),
    ("/api/v1/carriers", "/api/v1/carriers/{}"),
    (
        "/api/v1/departures?status=in_progress",
        "/api/v1/departures/{}",
    ),
    ("/api/v1/obligations", "/api/v1/obligations/{}"),
    ("/api/v1/obligations", "/api/v1/obligations/{}/ledger"),
    ("/api/v1/obligations", "/api/v1/obligations/{}/compensation"),
    ("/api/v1/reminders", "/api/v1/reminders/{}"),
    ("/api/v1/reminders", "/api/v1/reminders/{}/message"),
];

/// The statements each visited route ran, by the route as visited (role and path).
type Runs = BTreeMap<String, Vec<String>>;

/// A path with its ids blanked and its query reduced to its keys: pages of one shape run the
/// same statements with other values.
fn shape(path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let segments: Vec<&str> = path
        .split('/')
        .map(|s| {
            if s.len() >= 8 && s.chars().any(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect();
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    format!("{}?{}", segments.join("/"), keys.join("&"))
}

/// One GET as `client`; the statements it ran (the log holds this request's only, the app
/// running no jobs of its own).
async fn visit(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, Vec<String>) {
    let log = app.config.statement_log.as_ref().expect("a logging app");
    log.take();
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    assert!(status < 500, "{path} answered {status}");
    let is_html = r
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
    let body = r.text().await.unwrap();
    (if is_html { body } else { String::new() }, log.take())
}

/// The pages reached from the start page (a few of each shape) and the JSON lists and details.
async fn walk(app: &TestApp, role: &str, client: &reqwest::Client, runs: &mut Runs) {
    let mut queue = VecDeque::from([String::from("/")]);
    let mut seen = HashSet::new();
    let mut shapes: HashMap<String, usize> = HashMap::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() >= PAGES || !seen.insert(path.clone()) {
            continue;
        }
        let count = shapes.entry(shape(&path)).or_default();
        if *count >= PER_SHAPE {
            continue;
        }
        *count += 1;
        let (html, statements) = visit(app, client, &path).await;
        runs.insert(format!("{role} GET {path}"), statements);
        for link in html.split("href=\"").skip(1) {
            let href = link[..link.find('"').unwrap_or(0)].replace("&amp;", "&");
            // Pages of this site; not downloads, exports (which read everything by design)
            // or sign-out.
            if href.starts_with('/')
                && !href.starts_with("//")
                && !href.starts_with("/static/")
                && !href.starts_with("/api/")
                && !href.contains("format=csv")
                && !href.contains("/print")
                && !seen.contains(&href)
            {
                queue.push_back(href);
            }
        }
    }
    let mut first = HashMap::new();
    for path in LISTS {
        let r = client.get(app.url(path)).send().await.unwrap();
        if r.status() == 200 {
            let body: Value = r.json().await.unwrap_or(Value::Null);
            if let Some(id) = body["items"][0]["id"].as_str() {
                first.insert(*path, id.to_string());
            }
        }
        let (_, statements) = visit(app, client, path).await;
        runs.insert(format!("{role} GET {path}"), statements);
    }
    for (list, detail) in DETAILS {
        if let Some(id) = first.get(list) {
            let path = detail.replace("{}", id);
            let (_, statements) = visit(app, client, &path).await;
            runs.insert(format!("{role} GET {path}"), statements);
        }
    }
}

on_both_databases! {
    async fn no_page_or_list_reads_a_table_that_grows_with_the_company_from_end_to_end(given: TestApp) {
        let Some(app) = TestApp::spawn_logging_statements(given.backend()).await else { return };
        let out = app.command(&["dev", "seed", "--employees", EMPLOYEES]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut conn = app.db();
        explain::analyze(&mut conn);
        let mut clients = Vec::new();
        for role in ["hr", "security", "admin"] {
            clients.push((role, app.signed_in(&format!("{role}@example.com"), &[role]).await));
        }
        // A department head: the manager who sees the most, through the reporting line.
        clients.push((
            "manager",
            crate::people::manager_client(&app, "manager@example.com", "E0000001").await,
        ));
        let mut runs = Runs::new();
        for (role, client) in &clients {
            walk(&app, role, client, &mut runs).await;
        }
        let routes = runs.len();
        let problems = explain::full_scans(&mut conn, &runs);
        eprintln!("plans: {routes} routes visited");
        assert!(routes > 150, "the walk reached only {routes} routes");
        assert!(
            problems.is_empty(),
            "{} statements read a table that grows with the company from end to end:\n\n{}",
            problems.len(),
            problems.join("\n\n")
        );
    }
}
