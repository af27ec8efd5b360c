//! HTML pages, rendered on the server from `templates/web`, every visible string from the
//! message catalogs in `templates/i18n`.

mod ack;
mod home;
mod login;
mod receipt;
mod report;
mod setup;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Environment, UndefinedBehavior, Value, context};

use super::AppState;
use super::session;
use crate::db::users::User;
use crate::domain::users::Language;
use crate::error::Error;

/// Templates compiled into the binary.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "base.html",
        include_str!("../../../templates/web/base.html"),
    ),
    (
        "login.html",
        include_str!("../../../templates/web/login.html"),
    ),
    (
        "setup.html",
        include_str!("../../../templates/web/setup.html"),
    ),
    (
        "home.html",
        include_str!("../../../templates/web/home.html"),
    ),
    (
        "message.html",
        include_str!("../../../templates/web/message.html"),
    ),
    ("ack.html", include_str!("../../../templates/web/ack.html")),
    (
        "ack_request.html",
        include_str!("../../../templates/web/ack_request.html"),
    ),
    (
        "receipt.html",
        include_str!("../../../templates/web/receipt.html"),
    ),
    (
        "report.html",
        include_str!("../../../templates/web/report.html"),
    ),
    (
        "report_receipt.html",
        include_str!("../../../templates/web/report_receipt.html"),
    ),
    (
        "report_status.html",
        include_str!("../../../templates/web/report_status.html"),
    ),
];

const CATALOGS: &[(Language, &str)] = &[
    (
        Language::En,
        include_str!("../../../templates/i18n/en.toml"),
    ),
    (
        Language::ZhCn,
        include_str!("../../../templates/i18n/zh-CN.toml"),
    ),
];

const STYLE: &str = include_str!("../../../static/style.css");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/style.css", web::get().to(style))
        .route("/", web::get().to(home::page))
        .route("/login", web::get().to(login::page))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::sign_out))
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
        .route("/report/status", web::post().to(report::follow));
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
    pub fn new() -> anyhow::Result<Pages> {
        let mut catalogs: HashMap<&'static str, Catalog> = HashMap::new();
        for (lang, text) in CATALOGS {
            let table: toml::Table = toml::from_str(text)
                .map_err(|e| anyhow::anyhow!("message catalog {}: {e}", lang.as_str()))?;
            let mut catalog = Catalog::new();
            flatten("", &table, &mut catalog);
            catalogs.insert(lang.as_str(), catalog);
        }
        let catalogs = Arc::new(catalogs);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        // t("key") looks the key up in the catalog of the page's language; a missing key is an
        // error, so no page shows a raw key.
        env.add_function(
            "t",
            move |state: &minijinja::State, key: &str| -> Result<String, minijinja::Error> {
                let lang = state
                    .lookup("lang")
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| Language::default().as_str().to_string());
                catalogs
                    .get(lang.as_str())
                    .and_then(|c| c.get(key))
                    .cloned()
                    .ok_or_else(|| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::UndefinedError,
                            format!("no message {key:?} in the {lang} catalog"),
                        )
                    })
            },
        );
        Ok(Pages { env })
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
    }
}

/// The language of a page: the user's preference, then the browser's, then Chinese.
pub fn page_language(req: &HttpRequest, user: Option<&User>) -> Language {
    if let Some(user) = user {
        return user.language;
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
            name => u.name,
            email => u.email,
            roles => u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        }
    });
    let full = context! { lang => lang.as_str(), csrf => csrf, user => user_ctx, ..ctx };
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
        context! { message_key => key },
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
