//! Which routes exist: the page routes read from the sources that register them, the API
//! routes from the OpenAPI document the service serves; and how they differ from the table.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::table::ROUTES;
use crate::helpers::TestApp;

/// `.route("/path", web::<method>()…)` calls in a source file, as (METHOD, path).
pub(super) fn routes_in_source(file: &Path, source: &str) -> Vec<(String, String)> {
    for unsupported in ["web::resource(", "web::scope(", ".service("] {
        assert!(
            !source.contains(unsupported),
            "{} registers routes with `{unsupported}`, which this test's scanner does not read: \
             teach `routes_in_source` in tests/api/role_matrix/registered.rs to read it",
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

pub(super) fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
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
pub(super) fn page_routes() -> BTreeSet<(String, String)> {
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
pub(super) async fn api_routes(app: &TestApp) -> BTreeSet<(String, String)> {
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
