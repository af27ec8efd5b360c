//! Which routes exist: the route table the service exports (`tuomi::http::route_table`, made
//! by the very functions that register the routes), and how it differs from the table of
//! expectations.

use std::collections::BTreeSet;

use serde_json::Value;
use tuomi::http::RouteEntry;

use super::table::ROUTES;
use crate::helpers::TestApp;

/// Every registered route, as (METHOD, path), with the ones registered twice.
pub(super) fn registered_routes(table: &[RouteEntry]) -> (BTreeSet<(String, String)>, Vec<String>) {
    let mut routes = BTreeSet::new();
    let mut twice = Vec::new();
    for entry in table {
        if !routes.insert((entry.method.to_string(), entry.path.clone())) {
            twice.push(format!(
                "    {} {}   // registered twice",
                entry.method, entry.path
            ));
        }
    }
    (routes, twice)
}

/// The routes the route table says are documented, against the operations of the OpenAPI
/// document the service serves: the same, or a handler went undocumented (or the reverse).
pub(super) async fn undocumented(app: &TestApp, table: &[RouteEntry]) -> Vec<String> {
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in ["get", "post", "put", "patch", "delete", "head", "options"] {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let documented: BTreeSet<(String, String)> = table
        .iter()
        .filter(|e| e.documented)
        .map(|e| (e.method.to_string(), e.path.clone()))
        .collect();
    let mut problems = Vec::new();
    for (m, p) in documented.difference(&operations) {
        problems.push(format!(
            "    {m} {p}   // registered as an operation, missing from the OpenAPI document"
        ));
    }
    for (m, p) in operations.difference(&documented) {
        problems.push(format!(
            "    {m} {p}   // in the OpenAPI document, not in the route table"
        ));
    }
    problems
}

pub(super) fn missing_rows(registered: &BTreeSet<(String, String)>) -> Vec<String> {
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
