//! The role matrix: every route of the service (the JSON API and the pages) asked by each of
//! six callers — admin, HR, security, a manager, a former employee holding their emailed link,
//! and someone anonymous — against the answer the table below expects. The test fails when a
//! route is registered that the table does not list (or the table lists one that is gone), so a
//! new route cannot ship without someone deciding who may use it.
//!
//! Where the answer depends on whose record it is (`Scoped`), the caller asks twice: about
//! something of their own (a manager: their report's), which must be let in, and about
//! someone else's, which must be refused (403, or 404 where the id is not even revealed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, csrf_of, post};
use crate::on_both_databases;
use crate::people::{add_employee, person};
use crate::reminders::shanghai;

/// What a caller gets from a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Let in: 2xx/3xx for a GET (3xx not to the sign-in page); for an action anything but a
    /// refusal (a 4xx about the body or the state still means the caller got in).
    Ok,
    /// Open to anyone, no sign-in involved; checked as `Ok`.
    Public,
    /// 403 (for a page: the "not for your role" page, HTML).
    Denied,
    /// 401 from the API; 303 to /login from a page.
    SignIn,
    /// 404: the caller has no link (or a forged one) and learns nothing.
    NotFound,
    /// Let in about their own (a manager: their reports'); someone else's is refused with
    /// 403 or 404.
    Scoped,
}
use Expect::*;

/// The six callers, in the order of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Admin,
    Hr,
    Security,
    Manager,
    /// A former employee: no account, only the signed link of their reminder email.
    Former,
    Anonymous,
}

const CALLERS: [Who; 6] = [
    Who::Admin,
    Who::Hr,
    Who::Security,
    Who::Manager,
    Who::Former,
    Who::Anonymous,
];

// The rows most routes share. Columns: admin, hr, security, manager, former (by link), anonymous.
/// Anyone, signed in or not.
const ANYONE: [Expect; 6] = [Public; 6];
/// Every staff role; strangers sign in first.
const STAFF: [Expect; 6] = [Ok, Ok, Ok, Ok, SignIn, SignIn];
/// Every staff role; a manager only about their own reports.
const TEAM: [Expect; 6] = [Ok, Ok, Ok, Scoped, SignIn, SignIn];
/// Every staff role, each only about their own (their remedial tasks).
const OWN: [Expect; 6] = [Scoped, Scoped, Scoped, Scoped, SignIn, SignIn];
/// Admin, HR and security (who read the whole register).
const OVERSEERS: [Expect; 6] = [Ok, Ok, Ok, Denied, SignIn, SignIn];
const ADMIN: [Expect; 6] = [Ok, Denied, Denied, Denied, SignIn, SignIn];
const HR: [Expect; 6] = [Denied, Ok, Denied, Denied, SignIn, SignIn];
const SECURITY: [Expect; 6] = [Denied, Denied, Ok, Denied, SignIn, SignIn];
/// Admin and security: the audit trail and the breach cases (with their reporters).
const ADMIN_SECURITY: [Expect; 6] = [Ok, Denied, Ok, Denied, SignIn, SignIn];
/// Admin and HR: the people register.
const ADMIN_HR: [Expect; 6] = [Ok, Ok, Denied, Denied, SignIn, SignIn];
/// HR, and a manager for their own reports (tier proposals, checklist confirmations).
const HR_TEAM: [Expect; 6] = [Denied, Ok, Denied, Scoped, SignIn, SignIn];
/// Only the successor named on the line signs for it (here the manager, for their report).
/// The others are asked first, while the line still waits for the signature: the route says
/// 409 about the line's state before it says 403 about who asks.
const SUCCESSOR: [Expect; 6] = [Denied, Denied, Denied, Scoped, SignIn, SignIn];
/// The former employee's own reminder link; anyone else only has a forged one.
const LINK_HOLDER: [Expect; 6] = [NotFound, NotFound, NotFound, NotFound, Scoped, NotFound];
/// Links sent to someone who is none of the six callers (a successor's receipt link, the
/// first administrator's setup link, void once a user exists): everyone here tries a forged
/// or void one. The real receipt link is checked in `links_and_reports_open_only_their_own`.
const NOBODYS_LINK: [Expect; 6] = [NotFound; 6];

/// Every route: method, path as registered, and the answer of each caller. Adding a route
/// means adding its row here (the test names the missing ones).
const ROUTES: &[(&str, &str, [Expect; 6])] = &[
    // --- Operations, outside the API prefix.
    ("GET", "/healthz", ANYONE),
    ("GET", "/readyz", ANYONE),
    ("GET", "/metrics", ANYONE),
    // --- The JSON API: sessions and tokens.
    ("GET", "/api/v1/openapi.json", ANYONE),
    ("POST", "/api/v1/session", ANYONE),
    ("DELETE", "/api/v1/session", ANYONE),
    ("GET", "/api/v1/me", STAFF),
    ("PATCH", "/api/v1/me", STAFF),
    ("POST", "/api/v1/tokens", STAFF),
    ("GET", "/api/v1/tokens", STAFF),
    // An administrator revokes anyone's token; the others only their own.
    (
        "DELETE",
        "/api/v1/tokens/{id}",
        [Ok, Scoped, Scoped, Scoped, SignIn, SignIn],
    ),
    // Users and the audit trail.
    ("GET", "/api/v1/users", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("GET", "/api/v1/users/{id}", ADMIN),
    ("PATCH", "/api/v1/users/{id}", ADMIN),
    ("GET", "/api/v1/audit", ADMIN_SECURITY),
    // People, tiers, carriers, pledges.
    ("POST", "/api/v1/employees/import", ADMIN_HR),
    ("POST", "/api/v1/employees", ADMIN_HR),
    ("GET", "/api/v1/employees", STAFF),
    ("GET", "/api/v1/employees/{id}", TEAM),
    ("PATCH", "/api/v1/employees/{id}", ADMIN_HR),
    ("POST", "/api/v1/employees/{id}/rehire", ADMIN_HR),
    ("POST", "/api/v1/employees/{id}/clearance-changes", HR_TEAM),
    ("POST", "/api/v1/clearance-changes/{id}/review", HR),
    ("POST", "/api/v1/clearance-changes/{id}/approve", SECURITY),
    ("GET", "/api/v1/clearance-changes", OVERSEERS),
    ("GET", "/api/v1/employees/{id}/clearance-history", TEAM),
    ("POST", "/api/v1/carriers", OVERSEERS),
    ("GET", "/api/v1/carriers", STAFF),
    ("GET", "/api/v1/carriers/{id}", TEAM),
    ("POST", "/api/v1/carriers/{id}/assign", OVERSEERS),
    ("POST", "/api/v1/carriers/{id}/transfer", OVERSEERS),
    ("POST", "/api/v1/carriers/{id}/return", OVERSEERS),
    ("POST", "/api/v1/carriers/{id}/destroy", SECURITY),
    ("POST", "/api/v1/pledge-texts", ADMIN),
    ("GET", "/api/v1/pledge-texts", STAFF),
    ("POST", "/api/v1/employees/{id}/pledges", ADMIN_HR),
    ("GET", "/api/v1/employees/{id}/pledges", TEAM),
    ("GET", "/api/v1/pledges/missing", OVERSEERS),
    // Departures and obligations.
    ("POST", "/api/v1/departures", HR),
    ("GET", "/api/v1/departures", STAFF),
    ("GET", "/api/v1/departures/{id}", TEAM),
    ("POST", "/api/v1/departures/{id}/lines", HR),
    (
        "POST",
        "/api/v1/departures/{id}/lines/{line_id}/confirm",
        HR_TEAM,
    ),
    (
        "POST",
        "/api/v1/departures/{id}/lines/{line_id}/receive",
        SUCCESSOR,
    ),
    ("POST", "/api/v1/departures/{id}/complete", HR),
    ("GET", "/api/v1/obligations", STAFF),
    ("GET", "/api/v1/obligations/{id}", TEAM),
    ("PUT", "/api/v1/employees/{id}/non-compete", HR),
    ("POST", "/api/v1/obligations/{id}/payments", HR),
    ("GET", "/api/v1/obligations/{id}/ledger", OVERSEERS),
    ("POST", "/api/v1/obligations/{id}/waive", HR),
    ("POST", "/api/v1/obligations/{id}/rescind", HR),
    ("POST", "/api/v1/obligations/{id}/extensions", OVERSEERS),
    ("POST", "/api/v1/extensions/{id}/approve", SECURITY),
    ("GET", "/api/v1/extensions", OVERSEERS),
    ("GET", "/api/v1/policy", STAFF),
    ("PUT", "/api/v1/policy", ADMIN),
    // Reminders.
    ("GET", "/api/v1/reminders", OVERSEERS),
    ("GET", "/api/v1/reminders/forecast", OVERSEERS),
    ("GET", "/api/v1/reminders/{id}", OVERSEERS),
    ("POST", "/api/v1/reminders/{id}/resend", HR),
    ("GET", "/api/v1/reminders/{id}/message", OVERSEERS),
    ("GET", "/api/v1/jobs", OVERSEERS),
    // Breaches: anyone reports; the reporter follows with code and secret; security handles.
    ("POST", "/api/v1/breaches", STAFF),
    ("POST", "/api/v1/public/breaches", ANYONE),
    ("POST", "/api/v1/public/breaches/status", ANYONE),
    ("POST", "/api/v1/public/breaches/information", ANYONE),
    ("POST", "/api/v1/public/breaches/evidence", ANYONE),
    ("GET", "/api/v1/breaches", ADMIN_SECURITY),
    ("GET", "/api/v1/breaches/outcomes", OVERSEERS),
    ("GET", "/api/v1/breaches/{id}", ADMIN_SECURITY),
    ("PATCH", "/api/v1/breaches/{id}", SECURITY),
    ("POST", "/api/v1/breaches/{id}/evidence", SECURITY),
    (
        "GET",
        "/api/v1/breaches/{id}/evidence/{evidence_id}",
        SECURITY,
    ),
    ("POST", "/api/v1/breaches/{id}/tasks", SECURITY),
    ("GET", "/api/v1/tasks", STAFF),
    ("POST", "/api/v1/tasks/{id}/done", OWN),
    // --- Pages: the shell, signing in, links and the public report.
    ("GET", "/static/style.css", ANYONE),
    ("GET", "/", STAFF),
    ("GET", "/login", ANYONE),
    ("POST", "/login", ANYONE),
    ("POST", "/logout", ANYONE),
    ("POST", "/language", ANYONE),
    ("GET", "/setup/{token}", NOBODYS_LINK),
    ("POST", "/setup/{token}", NOBODYS_LINK),
    ("GET", "/ack", ANYONE),
    ("POST", "/ack", ANYONE),
    ("GET", "/ack/{token}", LINK_HOLDER),
    ("POST", "/ack/{token}", LINK_HOLDER),
    ("GET", "/receipt/{token}", NOBODYS_LINK),
    ("POST", "/receipt/{token}", NOBODYS_LINK),
    ("GET", "/report", ANYONE),
    ("POST", "/report", ANYONE),
    ("GET", "/report/status", ANYONE),
    ("POST", "/report/status", ANYONE),
    // Departures and obligations.
    ("GET", "/departures", STAFF),
    ("GET", "/employees", STAFF),
    ("GET", "/employees/new", ADMIN_HR),
    ("GET", "/employees/import", ADMIN_HR),
    ("POST", "/employees/import", ADMIN_HR),
    ("GET", "/employees/{id}", TEAM),
    ("GET", "/employees/{id}/pledges/{pledge_id}/print", TEAM),
    ("GET", "/carriers", OVERSEERS),
    ("GET", "/carriers/new", OVERSEERS),
    ("GET", "/carriers/{id}", TEAM),
    ("GET", "/departures/new", HR),
    ("GET", "/departures/{id}", TEAM),
    ("GET", "/departures/{id}/register", TEAM),
    ("GET", "/obligations", OVERSEERS),
    ("GET", "/obligations/{id}", OVERSEERS),
    ("GET", "/obligations/{id}/waive", HR),
    ("GET", "/obligations/{id}/rescind", HR),
    ("GET", "/reminders", OVERSEERS),
    ("GET", "/reminders/{id}", OVERSEERS),
    // People and carriers (src/http/web/people.rs, carriers.rs, timeline.rs): their rows go
    // here as they land; `{id}` after /employees/ is the manager's report (someone else's: the
    // outsider), after /carriers/ a carrier in the report's custody, after /pledges/ a pledge
    // of the report.
    // Security: the tier chain, extensions, cases, tasks, the audit trail. A manager's list
    // of tier changes holds only what they proposed, and a change's page only opens for them.
    ("GET", "/clearance-changes", STAFF),
    ("GET", "/clearance-changes/{id}", TEAM),
    ("GET", "/extensions", OVERSEERS),
    ("GET", "/extensions/{id}", OVERSEERS),
    // HR reads the outcomes of cases there, not the cases.
    ("GET", "/breaches", OVERSEERS),
    ("GET", "/breaches/new", STAFF),
    ("POST", "/breaches/new", STAFF),
    ("GET", "/breaches/{id}", ADMIN_SECURITY),
    ("POST", "/breaches/{id}/evidence", SECURITY),
    ("GET", "/tasks", STAFF),
    ("GET", "/audit", ADMIN_SECURITY),
    ("GET", "/audit/verify", ADMIN_SECURITY),
    // Administration and one's own settings. The two GETs that only forward to another page
    // answer everyone with the same redirect, which reveals nothing.
    ("GET", "/admin", ADMIN),
    ("GET", "/admin/users", ANYONE),
    ("POST", "/admin/users", ADMIN),
    ("GET", "/admin/users/{id}", ADMIN),
    ("POST", "/admin/users/{id}", ADMIN),
    ("GET", "/admin/policy", OVERSEERS),
    ("POST", "/admin/policy", ADMIN),
    ("GET", "/admin/pledge-texts", OVERSEERS),
    ("GET", "/settings", STAFF),
    ("GET", "/settings/tokens", ANYONE),
    ("POST", "/settings/tokens", STAFF),
];

/// Page forms sent as multipart (they carry a file).
const MULTIPART_PAGES: &[&str] = &[
    "/report",
    "/breaches/new",
    "/breaches/{id}/evidence",
    "/employees/import",
];

// ---------------------------------------------------------------------------------------
// Which routes exist

/// `.route("/path", web::<method>()…)` calls in a source file, as (METHOD, path).
fn routes_in_source(file: &Path, source: &str) -> Vec<(String, String)> {
    for unsupported in ["web::resource(", "web::scope(", ".service("] {
        assert!(
            !source.contains(unsupported),
            "{} registers routes with `{unsupported}`, which this test's scanner does not read: \
             teach `routes_in_source` in tests/api/role_matrix.rs to read it",
            file.display()
        );
    }
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let call = &rest[..rest.find(".route(").unwrap_or(rest.len())];
        let path = call
            .trim_start()
            .strip_prefix('"')
            .and_then(|p| p.split('"').next())
            .unwrap_or_else(|| panic!("{}: a .route( without a literal path", file.display()));
        let method = ["get", "post", "put", "patch", "delete"]
            .into_iter()
            .find(|m| call.contains(&format!("web::{m}()")))
            .unwrap_or_else(|| panic!("{}: no method for the route {path}", file.display()));
        found.push((method.to_uppercase(), path.to_string()));
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The page routes, read from the sources that register them (src/http/web and below).
fn page_routes() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/web");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        routes.extend(routes_in_source(&file, &source));
    }
    routes
}

/// The API routes: each operation of the OpenAPI document the service serves, plus the
/// routes `src/http/api/mod.rs` registers outside it (the document itself). Checks that the
/// document has as many operations as the sources register services.
async fn api_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
            if item.get(method).is_some() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let operations = routes.len();
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/api");
    let mut services = 0;
    for name in ["mod.rs", "ops.rs"] {
        let source = std::fs::read_to_string(api.join(name)).unwrap();
        services += source.matches(".service(").count();
        if name == "mod.rs" {
            let plain = source.replace(".service(", "");
            let outside = routes_in_source(&api.join(name), &plain);
            routes.extend(outside.into_iter().map(|(m, p)| (m, format!("/api/v1{p}"))));
        }
    }
    assert_eq!(
        operations, services,
        "src/http/api registers {services} services but the OpenAPI document has {operations} \
         operations: a handler is registered without #[utoipa::path] (or the reverse)"
    );
    routes
}

// ---------------------------------------------------------------------------------------
// The callers and what exists for them to ask about

struct Caller {
    who: Who,
    /// Sends this caller's cookies (session, CSRF) with every request, and keeps none it is
    /// sent back, so a sign-out route does not sign them out of the rest of the matrix.
    client: reqwest::Client,
    csrf: String,
    user_id: Option<String>,
}

/// `name=value` of every cookie a response sets.
fn cookies_set(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect()
}

fn plain_client(cookies: &[String]) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    if !cookies.is_empty() {
        headers.insert(COOKIE, HeaderValue::from_str(&cookies.join("; ")).unwrap());
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A caller: signed in as `email` when given; with a CSRF cookie and its token either way.
async fn caller(app: &TestApp, who: Who, email: Option<&str>, user_id: Option<String>) -> Caller {
    let mut cookies = Vec::new();
    if let Some(email) = email {
        let r = plain_client(&[])
            .post(app.url("/api/v1/session"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "sign-in of {email}");
        cookies.extend(cookies_set(&r));
    }
    let r = plain_client(&cookies)
        .get(app.url("/report"))
        .send()
        .await
        .unwrap();
    cookies.extend(cookies_set(&r));
    let csrf = csrf_of(&r.text().await.unwrap());
    Caller {
        who,
        client: plain_client(&cookies),
        csrf,
        user_id,
    }
}

/// The records the `{…}` of the paths stand for. "Own" is what the asking caller may see
/// (for a manager: their report's); "foreign" is someone else's.
struct Fixtures {
    report: String,
    outsider: String,
    departure: String,
    foreign_departure: String,
    confirm_line: String,
    foreign_confirm_line: String,
    receive_line: String,
    foreign_receive_line: String,
    carrier: String,
    foreign_carrier: String,
    change: String,
    foreign_change: String,
    extension: String,
    obligation: String,
    foreign_obligation: String,
    reminder: String,
    case: String,
    evidence: String,
    pledge: String,
    foreign_pledge: String,
    pledge_text: String,
    other_user: String,
    tasks: BTreeMap<Who, String>,
    other_task: String,
    tokens: BTreeMap<Who, String>,
    other_token: String,
    /// The former employee's reminder link token, and the same link altered to name the
    /// other former employee's reminder.
    ack_token: String,
    tampered_ack_token: String,
    setup_token: Option<String>,
    reporter: (String, String),
}

const FORGED_TOKEN: &str =
    "0190a0a0-0000-7000-8000-000000000000.4102444800.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

impl Fixtures {
    /// The value of `{param}` that follows `/resource/` in a path (`rest`: what comes after).
    fn value(
        &self,
        resource: &str,
        param: &str,
        rest: &str,
        who: Who,
        foreign: bool,
    ) -> Option<String> {
        let pick = |own: &String, other: &String| Some(if foreign { other } else { own }.clone());
        match (resource, param) {
            ("employees", _) => pick(&self.report, &self.outsider),
            ("departures", _) => pick(&self.departure, &self.foreign_departure),
            ("lines", _) if rest.starts_with("receive") => {
                pick(&self.receive_line, &self.foreign_receive_line)
            }
            ("lines", _) => pick(&self.confirm_line, &self.foreign_confirm_line),
            ("carriers", _) => pick(&self.carrier, &self.foreign_carrier),
            ("clearance-changes", _) => pick(&self.change, &self.foreign_change),
            ("extensions", _) => Some(self.extension.clone()),
            ("obligations", _) => pick(&self.obligation, &self.foreign_obligation),
            ("reminders", _) => Some(self.reminder.clone()),
            ("breaches", _) => Some(self.case.clone()),
            ("evidence", _) => Some(self.evidence.clone()),
            ("pledges", _) => pick(&self.pledge, &self.foreign_pledge),
            ("pledge-texts", _) => Some(self.pledge_text.clone()),
            ("users", _) => Some(self.other_user.clone()),
            ("tasks", _) => match self.tasks.get(&who) {
                Some(own) => pick(own, &self.other_task),
                None => Some(self.other_task.clone()),
            },
            ("tokens", _) => match self.tokens.get(&who) {
                Some(own) => pick(own, &self.other_token),
                None => Some(self.other_token.clone()),
            },
            ("ack", _) if who == Who::Former && foreign => Some(self.tampered_ack_token.clone()),
            ("ack", _) if who == Who::Former => Some(self.ack_token.clone()),
            ("ack", _) | ("receipt", _) => Some(FORGED_TOKEN.to_string()),
            ("setup", _) => Some(
                self.setup_token
                    .clone()
                    .unwrap_or_else(|| FORGED_TOKEN.to_string()),
            ),
            _ => None,
        }
    }

    /// The path with each `{…}` replaced by the record `who` asks about.
    fn fill(&self, path: &str, who: Who, foreign: bool) -> String {
        let segments: Vec<&str> = path.split('/').collect();
        let mut out = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push(segment.to_string());
                continue;
            };
            let rest = segments[i + 1..].join("/");
            let value = self
                .value(segments[i - 1], param, &rest, who, foreign)
                .unwrap_or_else(|| {
                    panic!(
                        "no record for {{{param}}} after /{}/ in {path}: add one to \
                         Fixtures::value in tests/api/role_matrix.rs",
                        segments[i - 1]
                    )
                });
            out.push(value);
        }
        out.join("/")
    }
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

fn line_of(departure: &Value, kind: &str) -> String {
    departure["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == kind)
        .map(id_of)
        .unwrap_or_else(|| panic!("no {kind} line in {departure}"))
}

async fn get_json(app: &TestApp, client: &reqwest::Client, path: &str) -> Value {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

fn set_tier(app: &TestApp, employee_id: &str, tier: &str) {
    use diesel::prelude::*;
    use tuomi::db::schema::employees;
    diesel::update(employees::table.find(employee_id))
        .set(employees::clearance_tier.eq(tier))
        .execute(&mut app.db())
        .unwrap();
}

/// Someone who left on 28 February 2028 with a general tier and a non-compete, under
/// `manager_id`; their email in English goes to `private_email`. Returns their id.
async fn leaver(
    app: &TestApp,
    hr: &reqwest::Client,
    no: &str,
    name: &str,
    manager_id: Option<&str>,
    private_email: &str,
) -> String {
    let mut body = person(no, name, manager_id);
    body["language"] = json!("en");
    body["private_email"] = json!(private_email);
    let id = add_employee(app, hr, body).await;
    set_tier(app, &id, "general");
    let r = hr
        .put(app.url(&format!("/api/v1/employees/{id}/non-compete")))
        .json(
            &json!({"months": 12, "monthly_compensation": 9000.0, "currency": "CNY",
                      "scope": "竞争对手", "region": "中国大陆", "average_monthly_wage": 20000.0}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let last = "2028-02-28";
    let (s, dep) = post(app, hr, "/api/v1/departures", json!({
        "employee_id": id, "notice_date": last, "last_working_day": last, "reason": "resignation"
    }))
    .await;
    assert_eq!(s, 201, "{dep}");
    let (s, done) = post(
        app,
        hr,
        &format!("/api/v1/departures/{}/complete", id_of(&dep)),
        json!({"override_reason": "left before the checklist was kept here"}),
    )
    .await;
    assert_eq!(s, 200, "{done}");
    id
}

async fn obligation_of(
    app: &TestApp,
    client: &reqwest::Client,
    employee: &str,
    kind: &str,
) -> String {
    let page = get_json(
        app,
        client,
        &format!("/api/v1/obligations?employee_id={employee}&kind={kind}"),
    )
    .await;
    id_of(&page["items"][0])
}

async fn carrier(app: &TestApp, hr: &reqwest::Client, tag: &str, custodian: &str) -> String {
    let (s, c) = post(
        app,
        hr,
        "/api/v1/carriers",
        json!({
            "tag": tag, "kind": "document", "classification": "secret",
            "custodian_id": custodian, "copies": 1
        }),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    id_of(&c)
}

/// Starts the departure of `employee` with `successor`; hands the secrets over (waiting for
/// the successor's signature). Returns its id, that line's and the open accounts line's.
async fn depart(
    app: &TestApp,
    hr: &reqwest::Client,
    employee: &str,
    successor: &str,
) -> (String, String, String) {
    let (s, dep) = post(
        app,
        hr,
        "/api/v1/departures",
        json!({
            "employee_id": employee, "notice_date": "2028-04-01", "last_working_day": "2028-04-28",
            "reason": "resignation", "successor_id": successor
        }),
    )
    .await;
    assert_eq!(s, 201, "{dep}");
    let id = id_of(&dep);
    let handover = line_of(&dep, "secrets_handover");
    let (s, body) = post(
        app,
        hr,
        &format!("/api/v1/departures/{id}/lines/{handover}/confirm"),
        json!({"outcome": "handed_over"}),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    (id, handover, line_of(&dep, "accounts_revoked"))
}

async fn propose(app: &TestApp, client: &reqwest::Client, employee: &str) -> String {
    let (s, change) = post(
        app,
        client,
        &format!("/api/v1/employees/{employee}/clearance-changes"),
        json!({"to_tier": "general", "reason": "works with secret drawings now"}),
    )
    .await;
    assert_eq!(s, 201, "{change}");
    id_of(&change)
}

async fn report_publicly(app: &TestApp, anon: &reqwest::Client, what: &str) -> (String, String) {
    let (s, receipt) = post(app, anon, "/api/v1/public/breaches", json!({"what": what})).await;
    assert_eq!(s, 201, "{receipt}");
    (
        receipt["code"].as_str().unwrap().to_string(),
        receipt["secret"].as_str().unwrap().to_string(),
    )
}

async fn task(app: &TestApp, sec: &reqwest::Client, case: &str, owner: &str) -> String {
    let (s, task) = post(
        app,
        sec,
        &format!("/api/v1/breaches/{case}/tasks"),
        json!({"title": "Lock the lab", "owner_id": owner, "due_on": "2028-05-01"}),
    )
    .await;
    assert_eq!(s, 201, "{task}");
    id_of(&task)
}

/// Everything the matrix asks about, and its callers.
struct World {
    callers: Vec<Caller>,
    fx: Fixtures,
    /// The other former employee's link and name, for the checks of who sees what.
    former_name: String,
    other_ack_token: String,
    other_former_name: String,
    other_reporter: (String, String),
    receipt_path: String,
    outsider_name: String,
    /// Names and ids of people and records outside the manager's team: no page or answer the
    /// manager gets may hold one.
    outside_team: Vec<String>,
}

impl World {
    fn caller(&self, who: Who) -> &Caller {
        self.callers.iter().find(|c| c.who == who).unwrap()
    }
}

async fn build_world(app: &TestApp) -> World {
    // Before the clock moves: two former employees, one in the manager's team, who get their
    // first quarterly reminder on 1 April.
    let setup = app.token_client("setup-hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    let boss = add_employee(app, &setup, person("M001", "Manager Meng", None)).await;
    let report = add_employee(app, &setup, person("D001", "Report Rao", Some(&boss))).await;
    let other_boss = add_employee(app, &setup, person("N001", "Other Ning", None)).await;
    let outsider_name = "Outsider Ou".to_string();
    let outsider = add_employee(
        app,
        &setup,
        person("X001", &outsider_name, Some(&other_boss)),
    )
    .await;
    let former_name = "Former Fang".to_string();
    let former = leaver(
        app,
        &setup,
        "F001",
        &former_name,
        Some(&boss),
        "fang@home.example",
    )
    .await;
    let other_former_name = "Former Guo".to_string();
    let other_former = leaver(
        app,
        &setup,
        "F002",
        &other_former_name,
        None,
        "guo@home.example",
    )
    .await;
    app.clock.set(shanghai(2028, 4, 1, 9, 5));
    app.run_jobs().await;
    let token_in = |email: &str| {
        let mail = app.smtp.to(email);
        let path = mail
            .first()
            .unwrap_or_else(|| panic!("no email to {email}"))
            .ack_path();
        path.trim_start_matches("/ack/").to_string()
    };
    let ack_token = token_in("fang@home.example");
    let other_ack_token = token_in("guo@home.example");
    let reminder = ack_token.split('.').next().unwrap().to_string();
    let other_reminder = other_ack_token.split('.').next().unwrap();
    let tampered_ack_token = ack_token.replacen(&reminder, other_reminder, 1);

    // The callers sign in now (a session lasts hours, not the months just skipped).
    let ids: BTreeMap<Who, String> = [
        (Who::Admin, "admin@example.com", "admin"),
        (Who::Hr, "hr@example.com", "hr"),
        (Who::Security, "security@example.com", "security"),
        (Who::Manager, "manager@example.com", "manager"),
    ]
    .into_iter()
    .map(|(who, email, role)| (who, app.add_user(email, &[role])))
    .collect();
    {
        use diesel::prelude::*;
        use tuomi::db::schema::users;
        diesel::update(users::table.filter(users::email.eq("manager@example.com")))
            .set(users::employee_no.eq("M001"))
            .execute(&mut app.db())
            .unwrap();
    }
    let other_user = app.add_user("other@example.com", &["hr"]);
    app.add_user("probe@example.com", &["manager"]);
    let mut callers = Vec::new();
    for (who, email) in [
        (Who::Admin, Some("admin@example.com")),
        (Who::Hr, Some("hr@example.com")),
        (Who::Security, Some("security@example.com")),
        (Who::Manager, Some("manager@example.com")),
        (Who::Former, None),
        (Who::Anonymous, None),
    ] {
        callers.push(caller(app, who, email, ids.get(&who).cloned()).await);
    }
    let by = |who: Who| &callers.iter().find(|c| c.who == who).unwrap().client;
    let (admin, hr, sec, mgr, anon) = (
        by(Who::Admin),
        by(Who::Hr),
        by(Who::Security),
        by(Who::Manager),
        by(Who::Anonymous),
    );

    // Carriers in the custody of the manager's report and of the outsider.
    let own_carrier = carrier(app, hr, "MX-1", &report).await;
    let foreign_carrier = carrier(app, hr, "MX-2", &outsider).await;

    // Both leave: the report with the manager as successor, the outsider with their own
    // manager. Each has the secrets handed over (waiting for the successor's signature) and
    // an open line to confirm.
    let (departure, receive_line, confirm_line) = depart(app, hr, &report, &boss).await;
    let (foreign_departure, foreign_receive_line, foreign_confirm_line) =
        depart(app, hr, &outsider, &other_boss).await;
    app.run_jobs().await;
    let receipt_mail = app.smtp.to("n001@corp.example");
    let text = receipt_mail
        .first()
        .expect("the successor's receipt email")
        .text();
    let start = text.find("/receipt/").expect("a signing link");
    let receipt_path = text[start..].split_whitespace().next().unwrap().to_string();

    // Tier changes: one the manager proposed for their report, one HR proposed for the outsider.
    let change = propose(app, mgr, &report).await;
    let foreign_change = propose(app, hr, &outsider).await;

    // Obligations: the former employee in the manager's team, and the other one.
    let obligation = obligation_of(app, hr, &former, "non_compete").await;
    let foreign_obligation = obligation_of(app, hr, &other_former, "non_compete").await;
    let declassification = obligation_of(app, hr, &former, "declassification").await;
    let (s, extension) = post(
        app,
        hr,
        &format!("/api/v1/obligations/{declassification}/extensions"),
        json!({"new_end": "2029-12-31", "reason": "still holds the drawings' secrets"}),
    )
    .await;
    assert_eq!(s, 201, "{extension}");

    // A pledge of the report, and one of the outsider (for the pledge pages to come).
    let (s, text) = post(
        app,
        admin,
        "/api/v1/pledge-texts",
        json!({
            "kind": "entry", "title_zh": "保密承诺书", "body_zh": "本人承诺……",
            "title_en": "Confidentiality pledge", "body_en": "I pledge…"
        }),
    )
    .await;
    assert_eq!(s, 201, "{text}");
    let pledge_of = |employee: String| {
        let body = json!({"pledge_text_id": id_of(&text), "method": "paper",
                          "signed_on": "2028-03-30", "scan_ref": "cabinet 3"});
        async move {
            let path = format!("/api/v1/employees/{employee}/pledges");
            let (s, pledge) = post(app, hr, &path, body).await;
            assert_eq!(s, 201, "{pledge}");
            id_of(&pledge)
        }
    };
    let pledge = pledge_of(report.clone()).await;
    let foreign_pledge = pledge_of(outsider.clone()).await;

    // Two public reports; security works the first: evidence and a task for each user.
    let reporter = report_publicly(app, anon, "Drawings photographed in the lab").await;
    let other_reporter = report_publicly(app, anon, "A laptop left in a taxi").await;
    let case = crate::breaches::case_id_of(app, sec, &reporter.0).await;
    let r = sec
        .post(app.url(&format!("/api/v1/breaches/{case}/evidence")))
        .header("X-File-Name", "note.txt")
        .header(CONTENT_TYPE, "text/plain")
        .body("what I saw")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let evidence = id_of(&r.json().await.unwrap());
    let mut tasks = BTreeMap::new();
    for (who, id) in &ids {
        tasks.insert(*who, task(app, sec, &case, id).await);
    }
    let other_task = task(app, sec, &case, &other_user).await;

    // An API token of each user.
    let mut tokens = BTreeMap::new();
    for c in &callers {
        if c.user_id.is_some() {
            let (s, t) = post(app, &c.client, "/api/v1/tokens", json!({"name": "matrix"})).await;
            assert_eq!(s, 201, "{t}");
            tokens.insert(c.who, id_of(&t));
        }
    }
    let other = caller(app, Who::Hr, Some("other@example.com"), None).await;
    let (s, t) = post(
        app,
        &other.client,
        "/api/v1/tokens",
        json!({"name": "theirs"}),
    )
    .await;
    assert_eq!(s, 201, "{t}");

    let outside_team = vec![
        outsider_name.clone(),
        "Other Ning".to_string(),
        other_former_name.clone(),
        outsider.clone(),
        other_boss.clone(),
        other_former.clone(),
        foreign_departure.clone(),
        foreign_carrier.clone(),
        foreign_obligation.clone(),
        foreign_change.clone(),
    ];
    let setup_token = app
        .setup_link
        .as_ref()
        .and_then(|l| l.rsplit('/').next())
        .map(str::to_string);
    World {
        fx: Fixtures {
            report,
            outsider,
            departure,
            foreign_departure,
            confirm_line,
            foreign_confirm_line,
            receive_line,
            foreign_receive_line,
            carrier: own_carrier,
            foreign_carrier,
            change,
            foreign_change,
            extension: id_of(&extension),
            obligation,
            foreign_obligation,
            reminder,
            case,
            evidence,
            pledge,
            foreign_pledge,
            pledge_text: id_of(&text),
            other_user,
            tasks,
            other_task,
            tokens,
            other_token: id_of(&t),
            ack_token,
            tampered_ack_token,
            setup_token,
            reporter,
        },
        callers,
        former_name,
        other_ack_token,
        other_former_name,
        other_reporter,
        receipt_path,
        outside_team,
        outsider_name,
    }
}

// ---------------------------------------------------------------------------------------
// Asking

struct Answer {
    status: u16,
    location: String,
    content_type: String,
    body: String,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.status)?;
        if !self.location.is_empty() {
            write!(f, " → {}", self.location)?;
        }
        let body: String = self.body.chars().take(160).collect();
        write!(f, " {body:?}")
    }
}

/// The body an action is sent with: `{}` mostly (a refused caller is refused before the body
/// is read; an admitted one gets an answer about the body, which still shows they got in),
/// except where the route must get as far as its check of whose record it is, or where `{}`
/// would be a complete, harmful request.
fn json_body(method: &str, path: &str) -> Value {
    match (method, path) {
        ("POST", "/api/v1/session") => json!({"email": "probe@example.com", "password": PASSWORD}),
        ("POST", "/api/v1/employees/{id}/clearance-changes") => {
            json!({"to_tier": "important", "reason": "a check of who may propose"})
        }
        (
            "POST",
            "/api/v1/clearance-changes/{id}/review" | "/api/v1/clearance-changes/{id}/approve",
        ) => {
            json!({"decision": "approve", "reason": "a check of who may decide"})
        }
        ("POST", "/api/v1/departures/{id}/lines/{line_id}/confirm") => {
            json!({"outcome": "done", "note": ""})
        }
        // A valid return would empty the report's custody; a note too long is refused after
        // the role check.
        ("POST", "/api/v1/carriers/{id}/return") => json!({"note": "x".repeat(2001)}),
        _ => json!({}),
    }
}

async fn ask(
    app: &TestApp,
    w: &World,
    c: &Caller,
    method: &str,
    path: &str,
    foreign: bool,
) -> Answer {
    let url = app.url(&w.fx.fill(path, c.who, foreign));
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = c.client.request(m, &url);
    if method != "GET" {
        if !path.starts_with("/api/") {
            let mut fields: Vec<(&str, String)> = vec![("csrf", c.csrf.clone())];
            match path {
                "/login" => {
                    fields.push(("email", "probe@example.com".into()));
                    fields.push(("password", PASSWORD.into()));
                }
                "/language" => fields.push(("lang", "en".into())),
                "/ack" => fields.push(("email", "nobody@home.example".into())),
                "/report/status" => {
                    fields.push(("code", w.fx.reporter.0.clone()));
                    fields.push(("secret", w.fx.reporter.1.clone()));
                }
                _ => {}
            }
            if MULTIPART_PAGES.contains(&path) {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in fields {
                    form = form.text(k.to_string(), v);
                }
                request = request.multipart(form);
            } else {
                request = request.form(&fields);
            }
        } else if path == "/api/v1/public/breaches/evidence" {
            request = request
                .header("X-Case-Code", &w.fx.reporter.0)
                .header("X-Case-Secret", &w.fx.reporter.1)
                .header("X-File-Name", "more.txt")
                .header(CONTENT_TYPE, "text/plain")
                .body("and one more thing");
        } else if path == "/api/v1/breaches/{id}/evidence" {
            request = request
                .header("X-File-Name", "more.txt")
                .header(CONTENT_TYPE, "text/plain")
                .body("found later");
        } else if path == "/api/v1/public/breaches/status" {
            request = request.json(&json!({"code": w.fx.reporter.0, "secret": w.fx.reporter.1}));
        } else if method != "DELETE" {
            request = request.json(&json_body(method, path));
        }
    }
    let r = request.send().await.unwrap();
    let header = |name| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (location, content_type) = (header(LOCATION), header(CONTENT_TYPE));
    Answer {
        status: r.status().as_u16(),
        location,
        content_type,
        body: r.text().await.unwrap_or_default(),
    }
}

/// What an answer means for who may use the route.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    In,
    SignIn,
    Denied,
    NotFound,
    Broken,
}

fn got(a: &Answer, path: &str) -> Got {
    match a.status {
        500.. => Got::Broken,
        401 => Got::SignIn,
        303 if a.location.starts_with("/login") && path != "/logout" => Got::SignIn,
        403 => Got::Denied,
        404 => Got::NotFound,
        _ => Got::In,
    }
}

/// None when the answer is what `expected` says; otherwise why not.
fn judge(expected: Expect, a: &Answer, method: &str, path: &str, foreign: bool) -> Option<String> {
    let page = !path.starts_with("/api/");
    let got = got(a, path);
    let wrong = |what: &str| Some(format!("expected {what}, got {a}"));
    if got == Got::Broken {
        return wrong("no server error");
    }
    match expected {
        Scoped if foreign => (!matches!(got, Got::Denied | Got::NotFound))
            .then(|| format!("someone else's record: expected 403 or 404, got {a}")),
        Ok | Public | Scoped => {
            if got != Got::In {
                return wrong("to be let in");
            }
            if method == "GET" && !(200..400).contains(&a.status) {
                return wrong("a 2xx or a redirect");
            }
            None
        }
        Denied if got != Got::Denied => wrong("403"),
        Denied if page && !a.content_type.starts_with("text/html") => {
            wrong("the \"not for your role\" page (HTML)")
        }
        SignIn if got != Got::SignIn => wrong(if page { "303 to /login" } else { "401" }),
        NotFound if got != Got::NotFound => wrong("404"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// The checks

fn missing_rows(registered: &BTreeSet<(String, String)>) -> Vec<String> {
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    let mut problems = Vec::new();
    for (m, p) in registered.difference(&listed) {
        problems.push(format!(
            "    (\"{m}\", \"{p}\", ...),   // registered, not in ROUTES: say who may use it"
        ));
    }
    for (m, p) in listed.difference(registered) {
        problems.push(format!(
            "    (\"{m}\", \"{p}\", ...),   // in ROUTES, no longer registered: remove the row"
        ));
    }
    let mut seen = BTreeSet::new();
    for (m, p, _) in ROUTES {
        if !seen.insert((m, p)) {
            problems.push(format!("    (\"{m}\", \"{p}\", ...),   // listed twice"));
        }
    }
    problems
}

/// A manager reads their reports, never the others: neither by id nor in a list.
async fn a_manager_sees_only_their_reports(app: &TestApp, w: &World) {
    let mgr = &w.caller(Who::Manager).client;
    let status = |path: String| async move {
        mgr.get(app.url(&path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let fx = &w.fx;
    for (own, foreign) in [
        (
            format!("/api/v1/employees/{}", fx.report),
            format!("/api/v1/employees/{}", fx.outsider),
        ),
        (
            format!("/api/v1/departures/{}", fx.departure),
            format!("/api/v1/departures/{}", fx.foreign_departure),
        ),
        (
            format!("/departures/{}", fx.departure),
            format!("/departures/{}", fx.foreign_departure),
        ),
        (
            format!("/api/v1/obligations/{}", fx.obligation),
            format!("/api/v1/obligations/{}", fx.foreign_obligation),
        ),
        (
            format!("/api/v1/carriers/{}", fx.carrier),
            format!("/api/v1/carriers/{}", fx.foreign_carrier),
        ),
    ] {
        assert_eq!(status(own.clone()).await, 200, "the manager reads {own}");
        assert_eq!(
            status(foreign.clone()).await,
            403,
            "the manager is refused {foreign}"
        );
    }
    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    let people = ids(get_json(app, mgr, "/api/v1/employees?per_page=200").await);
    assert!(
        people.contains(&fx.report) && !people.contains(&fx.outsider),
        "{people:?}"
    );
    let departures = ids(get_json(app, mgr, "/api/v1/departures?per_page=200").await);
    assert!(
        departures.contains(&fx.departure) && !departures.contains(&fx.foreign_departure),
        "{departures:?}"
    );
    let carriers = ids(get_json(app, mgr, "/api/v1/carriers?per_page=200").await);
    assert!(
        carriers.contains(&fx.carrier) && !carriers.contains(&fx.foreign_carrier),
        "{carriers:?}"
    );
    let obligations = ids(get_json(app, mgr, "/api/v1/obligations?per_page=200").await);
    assert!(
        obligations.contains(&fx.obligation) && !obligations.contains(&fx.foreign_obligation),
        "{obligations:?}"
    );
    let html = mgr
        .get(app.url("/departures"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Report Rao"),
        "the list shows the report's departure"
    );
    assert!(!html.contains(&w.outsider_name), "and not the outsider's");
}

/// A former employee's link opens their own reminder page only; a reporter's code and secret
/// show only their own report; a successor's link only their own handover.
async fn links_and_reports_open_only_their_own(app: &TestApp, w: &World) {
    let former = &w.caller(Who::Former).client;
    let page = |path: String| async move {
        let r = former.get(app.url(&path)).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, location, r.text().await.unwrap())
    };
    let (s, _, html) = page(format!("/ack/{}", w.fx.ack_token)).await;
    assert_eq!(s, 200);
    assert!(html.contains(&w.former_name), "their own name");
    assert!(!html.contains(&w.other_former_name), "nobody else's");
    let (s, _, html) = page(format!("/ack/{}", w.other_ack_token)).await;
    assert_eq!(s, 200, "the other link opens the other's page");
    assert!(html.contains(&w.other_former_name) && !html.contains(&w.former_name));
    let (s, _, html) = page(format!("/ack/{}", w.fx.tampered_ack_token)).await;
    assert_eq!(s, 404, "a link altered to name another reminder is refused");
    assert!(!html.contains(&w.other_former_name));
    let other_reminder = w.other_ack_token.split('.').next().unwrap();
    let (s, location, _) = page(format!("/reminders/{other_reminder}")).await;
    assert_eq!(
        (s, location.starts_with("/login")),
        (303, true),
        "the staff page of a reminder"
    );
    let (s, _, _) = page(format!("/api/v1/reminders/{other_reminder}")).await;
    assert_eq!(s, 401);
    let (s, _, _) = page("/api/v1/obligations".to_string()).await;
    assert_eq!(s, 401, "a link is no sign-in");

    // The successor's receipt link, and the same link altered.
    let (s, _, html) = page(w.receipt_path.clone()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&w.outsider_name),
        "the outsider's handover: {html}"
    );
    let forged = w.receipt_path.replacen("/receipt/", "/receipt/x", 1);
    assert_eq!(page(forged).await.0, 404);

    // Reporters.
    let anon = &w.caller(Who::Anonymous).client;
    let status_of = |code: &str, secret: &str| {
        let body = json!({"code": code, "secret": secret});
        async move {
            let (s, view) = post(app, anon, "/api/v1/public/breaches/status", body).await;
            (s, view)
        }
    };
    let ((code, secret), (other_code, other_secret)) = (&w.fx.reporter, &w.other_reporter);
    let (s, view) = status_of(code, secret).await;
    assert_eq!(s, 200, "{view}");
    assert_eq!(view["code"], json!(code), "their own report");
    let (s, view) = status_of(other_code, other_secret).await;
    assert_eq!((s, &view["code"]), (200, &json!(other_code)));
    assert_eq!(
        status_of(code, other_secret).await.0,
        404,
        "a code with another's secret"
    );
    assert_eq!(status_of(other_code, secret).await.0, 404);
    let c = w.caller(Who::Anonymous);
    let r = c
        .client
        .post(app.url("/report/status"))
        .form(&[
            ("csrf", c.csrf.as_str()),
            ("code", code),
            ("secret", secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(code.as_str()) && !html.contains(other_code.as_str()));
    let r = anon
        .get(app.url(&format!("/api/v1/breaches/{}", w.fx.case)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a code and secret are no sign-in");
}

/// A caller whose role may not use a route hears 403 whatever they send: never a 422 or 400
/// about a body or a query they had no business sending. (The extractors of a route run side
/// by side; the body's would answer first when it fails fast.)
async fn the_role_check_answers_before_the_body(app: &TestApp, w: &World) {
    let mgr = &w.caller(Who::Manager).client;
    let case = &w.fx.case;
    for _ in 0..20 {
        let answers = [
            mgr.put(app.url("/api/v1/policy"))
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
            mgr.put(app.url("/api/v1/policy"))
                .header(CONTENT_TYPE, "application/json")
                .body("{not json")
                .send()
                .await
                .unwrap(),
            mgr.post(app.url(&format!("/api/v1/breaches/{case}/tasks")))
                .body("title=x")
                .send()
                .await
                .unwrap(),
            mgr.get(app.url("/api/v1/audit?page=0"))
                .send()
                .await
                .unwrap(),
            mgr.get(app.url("/obligations?per_page=0"))
                .send()
                .await
                .unwrap(),
        ];
        for r in answers {
            let (status, url) = (r.status(), r.url().to_string());
            assert_eq!(status, 403, "{url} {}", r.text().await.unwrap());
        }
    }
}

on_both_databases! {
    async fn every_route_answers_each_role_as_the_table_says(app: TestApp) {
        let started = std::time::Instant::now();
        let mut registered = api_routes(&app).await;
        registered.extend(page_routes());
        let problems = missing_rows(&registered);
        assert!(
            problems.is_empty(),
            "the role matrix (ROUTES in tests/api/role_matrix.rs) and the registered routes \
             differ:\n{}",
            problems.join("\n")
        );

        let w = build_world(&app).await;
        a_manager_sees_only_their_reports(&app, &w).await;
        links_and_reports_open_only_their_own(&app, &w).await;
        the_role_check_answers_before_the_body(&app, &w).await;
        // The throttles of wrong guesses and public reports start afresh.
        app.clock.advance(chrono::Duration::hours(2));

        // Reads first, then actions, so an action cannot change what a later read finds.
        let mut rows: Vec<_> = ROUTES.iter().collect();
        rows.sort_by_key(|(m, _, _)| *m != "GET");
        let (mut checks, mut foreign_checks, mut failures) = (0, 0, Vec::new());
        // ROLE_MATRIX_ANSWERS=1 prints every answer, to see what the table is compared with.
        let print_all = std::env::var("ROLE_MATRIX_ANSWERS").is_ok_and(|v| v == "1");
        for (method, path, expected) in rows {
            for (c, &expect) in w.callers.iter().zip(expected) {
                let passes: &[bool] = if expect == Scoped { &[true, false] } else { &[false] };
                for &foreign in passes {
                    let answer = ask(&app, &w, c, method, path, foreign).await;
                    if foreign {
                        foreign_checks += 1;
                    } else {
                        checks += 1;
                    }
                    if print_all {
                        let whose = if foreign { " (someone else's)" } else { "" };
                        println!("{method} {path} as {:?}{whose}: {answer}", c.who);
                    }
                    if let Some(why) = judge(expect, &answer, method, path, foreign) {
                        failures.push(format!("{method} {path} as {:?}: {why}", c.who));
                    }
                    // What a manager is let in to holds nothing of anyone outside their team.
                    if c.who == Who::Manager && !foreign && (200..300).contains(&answer.status) {
                        for outside in w.outside_team.iter().filter(|o| answer.body.contains(*o)) {
                            failures.push(format!(
                                "{method} {path} as Manager: the answer shows {outside:?}, \
                                 who is outside their team"
                            ));
                        }
                    }
                }
            }
        }
        println!(
            "role matrix: {} routes × {} callers = {checks} checks (+{foreign_checks} about \
             someone else's record) in {:.1}s on {:?}",
            ROUTES.len(),
            CALLERS.len(),
            started.elapsed().as_secs_f64(),
            app.backend()
        );
        assert!(
            failures.is_empty(),
            "{} of the role matrix's answers differ from the table:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
