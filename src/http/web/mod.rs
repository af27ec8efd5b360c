//! HTML pages, rendered on the server from `templates/web`, every visible string from the
//! message catalogs in `templates/i18n`.

mod ack;
mod admin;
mod calendar;
mod carriers;
mod dashboard;
mod departures;
pub mod forms;
mod home;
mod language;
pub mod lists;
mod login;
mod multipart;
mod obligations;
mod pages;
mod passwords;
mod people;
mod period;
mod receipt;
mod reminders;
mod report;
mod same_origin;
mod second_factor;
mod security;
mod settings;
mod setup;
mod timeline;
mod travel_link;
pub mod view;
mod whereabouts;

use crate::domain::roles::{
    Admins, AnyRole, AuditReaders, ExtensionParties, FilingReaders, OutcomeReaders, Overseers,
    PolicyReaders, RoleSet, TierChainParties,
};
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

pub use pages::Pages;

use super::AppState;
use super::session;
use crate::db::users::User;
use crate::domain::users::{Language, Role};
use crate::error::Error;

const STYLE: &str = include_str!("../../../static/style.css");
use crate::http::routes::{Open, PageRoutes};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/static/style.css", Open, style);
    r.get("/", Open, home::page);
    r.get("/login", Open, login::page);
    r.post("/login", Open, login::submit);
    r.get("/login/code", Open, login::code_page);
    r.post("/login/code", Open, login::code_submit);
    r.post("/logout", Open, login::sign_out);
    r.post("/language", Open, language::switch);
    r.get("/setup/{token}", Open, setup::page);
    r.post("/setup/{token}", Open, setup::submit);
    r.get("/ack", Open, ack::request_page);
    r.post("/ack", Open, ack::request_link);
    r.get("/ack/{token}", Open, ack::page);
    r.post("/ack/{token}", Open, ack::acknowledge);
    r.get("/travel/{token}", Open, travel_link::page);
    r.post("/travel/{token}", Open, travel_link::request);
    r.post("/travel/{token}/return", Open, travel_link::report_return);
    r.get("/whereabouts/{token}", Open, whereabouts::page);
    r.post("/whereabouts/{token}", Open, whereabouts::report);
    r.get("/receipt/{token}", Open, receipt::page);
    r.post("/receipt/{token}", Open, receipt::sign);
    r.get("/report", Open, report::page);
    r.post("/report", Open, report::submit);
    r.get("/report/status", Open, report::status_form);
    r.post("/report/status", Open, report::follow);
    people::routes(r);
    carriers::routes(r);
    departures::routes(r);
    obligations::routes(r);
    reminders::routes(r);
    security::routes(r);
    admin::routes(r);
    settings::routes(r);
    second_factor::routes(r);
    calendar::routes(r);
    passwords::routes(r);
    period::routes(r);
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLE)
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
    ("/", "nav.home", AnyRole::ROLES),
    ("/employees", "nav.employees", AnyRole::ROLES),
    ("/departures", "nav.departures", AnyRole::ROLES),
    ("/obligations", "nav.obligations", Overseers::ROLES),
    ("/carriers", "nav.carriers", Overseers::ROLES),
    ("/reminders", "nav.reminders", Overseers::ROLES),
    (
        "/clearance-changes",
        "nav.clearance_changes",
        TierChainParties::ROLES,
    ),
    ("/extensions", "nav.extensions", ExtensionParties::ROLES),
    ("/filing", "nav.filing", FilingReaders::ROLES),
    ("/trips", "nav.trips", AnyRole::ROLES),
    (
        "/travel-documents",
        "nav.travel_documents",
        Overseers::ROLES,
    ),
    ("/competitors", "nav.competitors", FilingReaders::ROLES),
    ("/breaches", "nav.breaches", OutcomeReaders::ROLES),
    ("/tasks", "nav.tasks", AnyRole::ROLES),
    ("/audit", "nav.audit", AuditReaders::ROLES),
    ("/admin", "nav.admin", Admins::ROLES),
    // HR and security read what the administrator sets.
    ("/admin/policy", "nav.policy", PolicyReaders::ROLES),
    (
        "/admin/pledge-texts",
        "nav.pledge_texts",
        PolicyReaders::ROLES,
    ),
    ("/settings", "nav.settings", AnyRole::ROLES),
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

/// The 404 page for paths outside the API, for the signed-in user if any.
pub fn not_found_page(req: &HttpRequest, user: Option<&User>) -> HttpResponse {
    use actix_web::ResponseError;
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Error::NotFound.error_response();
    };
    render_page(
        state,
        req,
        user,
        actix_web::http::StatusCode::NOT_FOUND,
        "message.html",
        context! { message_key => "not_found", detail => None::<String> },
    )
    .unwrap_or_else(|e| e.error_response())
}
