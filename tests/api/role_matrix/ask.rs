//! Asking a route as a caller, and judging the answer against what the table expects.

use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};

use super::table::Expect::{self, *};
use super::table::MULTIPART_PAGES;
use super::world::{Caller, World};
use crate::helpers::PASSWORD;
use crate::helpers::TestApp;

pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) location: String,
    pub(super) content_type: String,
    pub(super) body: String,
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
pub(super) fn json_body(method: &str, path: &str) -> Value {
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

pub(super) async fn ask(
    app: &TestApp,
    w: &World,
    c: &Caller,
    method: &str,
    path: &str,
    foreign: bool,
) -> Answer {
    let url = app.url(&w.fx.fill(path, c.who, foreign));
    // Signing out ends a session: another of the caller's, not the one the matrix goes on with.
    let signs_out = matches!(
        (method, path),
        ("DELETE", "/api/v1/session") | ("POST", "/logout")
    );
    let c = match &c.spare {
        Some(spare) if signs_out => &**spare,
        _ => c,
    };
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
pub(super) enum Got {
    In,
    SignIn,
    Denied,
    NotFound,
    Broken,
}

pub(super) fn got(a: &Answer, path: &str) -> Got {
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
pub(super) fn judge(
    expected: Expect,
    a: &Answer,
    method: &str,
    path: &str,
    foreign: bool,
) -> Option<String> {
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
