//! HTML pages, rendered on the server from `templates/web`, every visible string from the
//! message catalogs in `templates/i18n`.

mod ack;
mod admin;
mod carriers;
mod dashboard;
mod departures;
pub mod forms;
mod home;
mod language;
pub mod lists;
mod login;
mod obligations;
mod people;
mod receipt;
mod reminders;
mod report;
mod security;
mod settings;
mod setup;
mod timeline;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use minijinja::{Environment, UndefinedBehavior, Value, context};

use super::AppState;
use super::session;
use crate::db::users::User;
use crate::domain::users::{Language, Role};
use crate::error::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

const STYLE: &str = include_str!("../../../static/style.css");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/style.css", web::get().to(style))
        .route("/", web::get().to(home::page))
        .route("/login", web::get().to(login::page))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::sign_out))
        .route("/language", web::post().to(language::switch))
        .route("/setup/{token}", web::get().to(setup::page))
        .route("/setup/{token}", web::post().to(setup::submit))
        .route("/ack", web::get().to(ack::request_page))
        .route("/ack", web::post().to(ack::request_link))
        .route("/ack/{token}", web::get().to(ack::page))
        .route("/ack/{token}", web::post().to(ack::acknowledge))
        .route("/receipt/{token}", web::get().to(receipt::page))
        .route("/receipt/{token}", web::post().to(receipt::sign))
        .route("/report", web::get().to(report::page))
        .route("/report", web::post().to(report::submit))
        .route("/report/status", web::get().to(report::status_form))
        .route("/report/status", web::post().to(report::follow))
        .configure(people::routes)
        .configure(carriers::routes)
        .configure(departures::routes)
        .configure(obligations::routes)
        .configure(reminders::routes)
        .configure(security::routes)
        .configure(admin::routes)
        .configure(settings::routes);
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
}

/// The page templates and the message catalogs.
pub struct Pages {
    env: Environment<'static>,
    catalogs: Arc<HashMap<&'static str, Catalog>>,
}

type Catalog = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

impl Pages {
    pub fn new(timezone: chrono_tz::Tz) -> anyhow::Result<Pages> {
        let mut catalogs: HashMap<&'static str, Catalog> = HashMap::new();
        for (lang, file, text) in embedded::CATALOG_FILES {
            let table: toml::Table = toml::from_str(text)
                .map_err(|e| anyhow::anyhow!("message catalog {lang}/{file}: {e}"))?;
            let mut part = Catalog::new();
            flatten("", &table, &mut part);
            let catalog = catalogs.entry(*lang).or_default();
            for (key, value) in part {
                if catalog.insert(key.clone(), value).is_some() {
                    anyhow::bail!("message catalog {lang}/{file}: {key:?} is defined twice");
                }
            }
        }
        let catalogs = Arc::new(catalogs);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // HTML escaping of the five characters that matter, leaving `/` as it is so links
        // read plainly in the page source.
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == minijinja::AutoEscape::None || value.is_safe() {
                return minijinja::escape_formatter(out, state, value);
            }
            let text = match value.as_str() {
                Some(s) => std::borrow::Cow::Borrowed(s),
                None if value.is_none() || value.is_undefined() => std::borrow::Cow::Borrowed(""),
                None => std::borrow::Cow::Owned(value.to_string()),
            };
            let mut escaped = String::with_capacity(text.len());
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)?;
            Ok(())
        });
        for (name, source) in embedded::WEB_TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        let lang_of = |state: &minijinja::State| {
            state
                .lookup("lang")
                .and_then(|v| v.as_str().and_then(|s| s.parse::<Language>().ok()))
                .unwrap_or_default()
        };
        // t("key") looks the key up in the catalog of the page's language; a missing key is an
        // error, so no page shows a raw key.
        let messages = catalogs.clone();
        env.add_function(
            "t",
            move |state: &minijinja::State, key: &str| -> Result<String, minijinja::Error> {
                let lang = lang_of(state);
                messages
                    .get(lang.as_str())
                    .and_then(|c| c.get(key))
                    .cloned()
                    .ok_or_else(|| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::UndefinedError,
                            format!("no message {key:?} in the {} catalog", lang.as_str()),
                        )
                    })
            },
        );
        // has_t("key"): whether a message exists (for values that may have no label).
        let messages = catalogs.clone();
        env.add_function("has_t", move |state: &minijinja::State, key: &str| {
            messages
                .get(lang_of(state).as_str())
                .is_some_and(|c| c.contains_key(key))
        });
        // Error messages come from the domain in English; the catalog's [problem] table
        // translates the ones it knows, the rest show as they are.
        let messages = catalogs.clone();
        env.add_filter("problem", move |state: &minijinja::State, text: &str| {
            let Some(catalog) = messages.get(lang_of(state).as_str()) else {
                return text.to_string();
            };
            if let Some(exact) = catalog.get(&format!("problem.{text}")) {
                return exact.clone();
            }
            // A message with what was typed or a number in it: looked up as a pattern.
            let (pattern, parts) = problem_pattern(text);
            match catalog.get(&format!("problem.{pattern}")) {
                Some(translated) => fill_pattern(translated, &parts),
                None => text.to_string(),
            }
        });
        // Dates (YYYY-MM-DD) written as people of the page's language write them.
        env.add_filter("date", move |state: &minijinja::State, value: Value| {
            let text = value.as_str().map(str::to_string).unwrap_or_default();
            match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(date) => crate::domain::reminders::written_date(date, lang_of(state)),
                Err(_) => text,
            }
        });
        // Instants (RFC 3339, UTC) as the company's local date and time.
        env.add_filter("datetime", move |value: Value| {
            let text = value.as_str().map(str::to_string).unwrap_or_default();
            match chrono::DateTime::parse_from_rfc3339(&text) {
                Ok(at) => at
                    .with_timezone(&timezone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                Err(_) => text,
            }
        });
        // Whole numbers with thousands grouped (both languages group by three here).
        env.add_filter("number", |value: Value| {
            let n = i64::try_from(value.clone()).unwrap_or_default();
            let digits = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if n < 0 { format!("-{out}") } else { out }
        });
        Ok(Pages { env, catalogs })
    }

    /// A message of the catalog, for text written outside templates (CSV headers, pictures).
    pub fn text(&self, lang: Language, key: &str) -> String {
        self.catalogs
            .get(lang.as_str())
            .and_then(|c| c.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
    }
}

/// A message as a catalog pattern: each quoted part becomes `{}`, each number `{n}`; with the
/// parts taken out, in order.
fn problem_pattern(text: &str) -> (String, Vec<String>) {
    let mut pattern = String::new();
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut quoted = String::from('"');
            for q in chars.by_ref() {
                quoted.push(q);
                if q == '"' {
                    break;
                }
            }
            parts.push(quoted);
            pattern.push_str("{}");
        } else if c.is_ascii_digit() {
            let mut number = String::from(c);
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                number.push(*d);
                chars.next();
            }
            parts.push(number);
            pattern.push_str("{n}");
        } else {
            pattern.push(c);
        }
    }
    (pattern, parts)
}

/// A translated pattern with the parts put back, in order.
fn fill_pattern(translated: &str, parts: &[String]) -> String {
    let mut out = String::new();
    let mut rest = translated;
    let mut parts = parts.iter();
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let marker = if tail.starts_with("{n}") {
            3
        } else if tail.starts_with("{}") {
            2
        } else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        out.push_str(parts.next().map_or("", String::as_str));
        rest = &tail[marker..];
    }
    out.push_str(rest);
    out
}

/// The language of a page: the user's preference, then the browser's, then Chinese.
pub fn page_language(req: &HttpRequest, user: Option<&User>) -> Language {
    if let Some(user) = user {
        return user.language;
    }
    if let Some(chosen) = req
        .cookie(language::LANGUAGE_COOKIE)
        .and_then(|c| c.value().parse().ok())
    {
        return chosen;
    }
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::from_accept_language)
        .unwrap_or_default()
}

/// Renders a page with what every page needs (language, CSRF token, the user) and sets the
/// CSRF cookie when the browser has none yet.
pub fn render_page(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&User>,
    status: actix_web::http::StatusCode,
    template: &str,
    ctx: Value,
) -> Result<HttpResponse, Error> {
    render_page_in(
        state,
        req,
        user,
        page_language(req, user),
        status,
        template,
        ctx,
    )
}

/// [`render_page`] in a given language (a former employee's page is in their language).
pub fn render_page_in(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&User>,
    lang: Language,
    status: actix_web::http::StatusCode,
    template: &str,
    ctx: Value,
) -> Result<HttpResponse, Error> {
    let (csrf, cookie) = session::csrf_token(state, req);
    let user_ctx = user.map(|u| {
        context! {
            id => u.id,
            name => u.name,
            email => u.email,
            roles => u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }
    });
    let flash = req
        .extensions()
        .get::<forms::Flash>()
        .cloned()
        .unwrap_or_default();
    let path = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    let full = context! {
        lang => lang.as_str(),
        csrf => csrf,
        user => user_ctx,
        nav => user.map(nav_of).unwrap_or_default(),
        flash => flash,
        path => path,
        today => crate::clock::company_date(state.now(), state.config.timezone).to_string(),
        ..ctx
    };
    let html = state.pages.render(template, full)?;
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(cookie) = cookie {
        response.cookie(cookie);
    }
    Ok(response.body(html))
}

/// The menu: each page with the roles that see it, in the order shown.
const NAV: &[(&str, &str, &[Role])] = &[
    (
        "/",
        "nav.home",
        &[Role::Admin, Role::Hr, Role::Security, Role::Manager],
    ),
    (
        "/employees",
        "nav.employees",
        &[Role::Admin, Role::Hr, Role::Security, Role::Manager],
    ),
    (
        "/departures",
        "nav.departures",
        &[Role::Admin, Role::Hr, Role::Security, Role::Manager],
    ),
    (
        "/obligations",
        "nav.obligations",
        &[Role::Admin, Role::Hr, Role::Security],
    ),
    (
        "/carriers",
        "nav.carriers",
        &[Role::Admin, Role::Hr, Role::Security],
    ),
    (
        "/reminders",
        "nav.reminders",
        &[Role::Admin, Role::Hr, Role::Security],
    ),
    (
        "/clearance-changes",
        "nav.clearance_changes",
        &[Role::Hr, Role::Security, Role::Manager],
    ),
    ("/extensions", "nav.extensions", &[Role::Hr, Role::Security]),
    (
        "/breaches",
        "nav.breaches",
        &[Role::Admin, Role::Hr, Role::Security],
    ),
    (
        "/tasks",
        "nav.tasks",
        &[Role::Admin, Role::Hr, Role::Security, Role::Manager],
    ),
    ("/audit", "nav.audit", &[Role::Admin, Role::Security]),
    ("/admin", "nav.admin", &[Role::Admin]),
    // HR and security read what the administrator sets.
    ("/admin/policy", "nav.policy", &[Role::Hr, Role::Security]),
    (
        "/admin/pledge-texts",
        "nav.pledge_texts",
        &[Role::Hr, Role::Security],
    ),
    (
        "/settings",
        "nav.settings",
        &[Role::Admin, Role::Hr, Role::Security, Role::Manager],
    ),
];

fn nav_of(user: &User) -> Vec<Value> {
    NAV.iter()
        .filter(|(_, _, roles)| user.has_any_role(roles))
        .map(|(href, key, _)| context! { href => href, key => key })
        .collect()
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// A page that says one thing (a heading and a line), e.g. an expired link.
pub fn message_page(
    state: &AppState,
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    key: &str,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        None,
        status,
        "message.html",
        context! { message_key => key, detail => None::<String> },
    )
}

/// The 404 page for paths outside the API.
pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Error::NotFound.error_response();
    };
    message_page(
        state,
        req,
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
    )
    .unwrap_or_else(|e| e.error_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_what_was_typed_is_translated_through_its_pattern() {
        let (pattern, parts) = problem_pattern("\"2026-13-01\" is not a date like 2026-03-01");
        assert_eq!(pattern, "{} is not a date like {n}-{n}-{n}");
        let translated = fill_pattern("{} 不是有效日期，格式如 {n}-{n}-{n}", &parts);
        assert_eq!(translated, "\"2026-13-01\" 不是有效日期，格式如 2026-03-01");
        let (pattern, parts) = problem_pattern("is longer than 300 characters");
        assert_eq!(pattern, "is longer than {n} characters");
        assert_eq!(fill_pattern("超过 {n} 个字符", &parts), "超过 300 个字符");
    }

    /// What a form answers when the record is no longer in the state the form was for: the
    /// message names the state, and every state it can name reads in Chinese on a Chinese page.
    #[test]
    fn a_record_in_the_wrong_state_is_explained_in_chinese() {
        use crate::domain::carriers::CarrierStatus;
        use crate::domain::clearance::ChangeStatus;
        use crate::domain::departures::LineStatus;
        use crate::domain::people::EmployeeStatus;
        let pages = Pages::new(chrono_tz::Asia::Shanghai).unwrap();
        let zh = |text: &str| -> String {
            pages
                .env
                .render_str(
                    "{{ m|problem }}",
                    minijinja::context! { lang => "zh-CN", m => text },
                )
                .unwrap()
        };
        let mut messages = Vec::new();
        for s in [
            EmployeeStatus::Departing,
            EmployeeStatus::Departed,
            EmployeeStatus::Retired,
        ] {
            let s = s.as_str();
            messages.push(format!(
                "the employee is {s}; only an active employee can start a departure"
            ));
            if s != "departing" {
                messages.push(format!(
                    "the employee is {s}; tiers change only while employed"
                ));
            }
        }
        for s in [EmployeeStatus::Active, EmployeeStatus::Departing] {
            let s = s.as_str();
            messages.push(format!(
                "the employee is {s}; only someone who has left can be rehired"
            ));
        }
        for s in [
            LineStatus::Returned,
            LineStatus::HandedOver,
            LineStatus::Destroyed,
            LineStatus::Missing,
            LineStatus::Done,
        ] {
            messages.push(format!("the line is already {}", s.as_str()));
        }
        for (expected, others) in [
            (
                ChangeStatus::Proposed,
                [
                    ChangeStatus::Reviewed,
                    ChangeStatus::Approved,
                    ChangeStatus::Rejected,
                ],
            ),
            (
                ChangeStatus::Reviewed,
                [
                    ChangeStatus::Proposed,
                    ChangeStatus::Approved,
                    ChangeStatus::Rejected,
                ],
            ),
        ] {
            for s in others {
                messages.push(format!(
                    "the change is {}, not {}",
                    s.as_str(),
                    expected.as_str()
                ));
            }
        }
        for s in [ChangeStatus::Approved, ChangeStatus::Rejected] {
            messages.push(format!("the extension is already {}", s.as_str()));
        }
        let (pool, held, destroyed) = (
            CarrierStatus::InPool.as_str(),
            CarrierStatus::InCustody.as_str(),
            CarrierStatus::Destroyed.as_str(),
        );
        for (s, what) in [
            (held, "assigned (only from the pool)"),
            (destroyed, "assigned (only from the pool)"),
            (pool, "transferred (only while held)"),
            (destroyed, "transferred (only while held)"),
            (pool, "returned (only while held)"),
            (destroyed, "returned (only while held)"),
            (destroyed, "destroyed again"),
        ] {
            messages.push(format!("the carrier is {s}; it cannot be {what}"));
        }
        messages.push(
            "3 checklist lines are still open: resolve them, or complete with an override_reason"
                .into(),
        );
        messages.push("2 months are unpaid; the former employee may rescind after 3".into());
        messages.push("2027-03 is already recorded as paid".into());
        for message in &messages {
            let shown = zh(message);
            assert!(
                !shown.contains(|c: char| c.is_ascii_lowercase()),
                "{message:?} shows as {shown:?} on a Chinese page"
            );
        }
        assert_eq!(
            zh(
                "3 checklist lines are still open: resolve them, or complete with an override_reason"
            ),
            "还有 3 项清单未办结：请先办结，或填写强制办结的理由"
        );
    }
}
