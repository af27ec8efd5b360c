//! Which routes exist: the route table the service exports (`tuomi::http::route_table`, made
//! by the very functions that register the routes); how it differs from the table of
//! expectations; and whether each route's role set agrees with its row.

use std::collections::BTreeSet;

use serde_json::Value;
use tuomi::domain::users::Role;
use tuomi::http::RouteEntry;

use super::table::{CALLERS, Expect, ROUTES, Who};
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

/// The role a staff caller holds (the others hold none).
fn role_of(who: Who) -> Option<Role> {
    match who {
        Who::Admin => Some(Role::Admin),
        Who::Hr => Some(Role::Hr),
        Who::Security => Some(Role::Security),
        Who::Manager => Some(Role::Manager),
        Who::Former | Who::Anonymous => None,
    }
}

/// Where the role set a route registers with and its row disagree. A role outside the set is
/// refused (Denied) and strangers sign in first; a role inside it is let past the check, so
/// its answer is not Denied — unless the row shows the handler narrowing further by whose
/// record it is (a Scoped column, as the successor's receipt: only the one named signs).
/// A route without a role set (`Open`) denies no role.
pub(super) fn role_set_mismatches(table: &[RouteEntry]) -> Vec<String> {
    let mut problems = Vec::new();
    for entry in table {
        let Some((_, _, row)) = ROUTES
            .iter()
            .find(|(m, p, _)| *m == entry.method && *p == entry.path)
        else {
            continue; // named by missing_rows
        };
        let narrowed = row.contains(&Expect::Scoped);
        for (&who, &expect) in CALLERS.iter().zip(row) {
            let fits = match (entry.roles, role_of(who)) {
                (None, _) => expect != Expect::Denied,
                (Some(_), None) => expect == Expect::SignIn,
                (Some(roles), Some(role)) if roles.contains(&role) => {
                    expect != Expect::Denied || narrowed
                }
                (Some(_), Some(_)) => expect == Expect::Denied,
            };
            if !fits {
                problems.push(format!(
                    "    {} {}: registered with {} but the row says {expect:?} for {who:?}",
                    entry.method, entry.path, entry.role_set
                ));
            }
        }
    }
    problems
}
