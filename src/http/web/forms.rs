//! Browser forms act through the JSON API, so each action has one implementation. A page's form
//! posts to the API route itself; this layer checks the form's CSRF token and turns the JSON
//! answer into what a browser needs: a redirect to the next page with a message, or back to
//! the form with the fields at fault and everything that was typed (kept in a flash).
//!
//! Fields starting with `_` steer this layer and never reach the API:
//! - `_next`: the page after success; `{id}` becomes the `id` of the answer;
//! - `_back`: the form's own page, for a refusal (default: the Referer's path, then `/`);
//! - `_done`: the catalog key (under `done.`) of the message shown after success;
//! - `_method`: PUT, PATCH or DELETE, for the API routes that use them;
//! - `_clearable`: comma-separated fields an edit form sends even empty, to clear them;
//! - `_irreversible` / `_confirm`: an irreversible action goes ahead only when the confirming
//!   box was ticked.

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::same_origin::{changes_state, from_another_origin, has_bearer_token};
use super::{redirect, render_page};
use crate::db::flashes;
use crate::db::users::User;
use crate::domain::problem::Problem;
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::extract::{FormFields, JSON_LIMIT, MaybeUser};
use crate::http::{AppState, session};

pub const FLASH_COOKIE: &str = "tuomi_flash";

/// What one page shows once, after a form: the outcome and, on a refusal, what was typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Flash {
    /// Catalog key (under `done.`) of the message after a successful action.
    #[serde(default)]
    pub done: Option<String>,
    /// Why the action was refused, when no single field was at fault.
    #[serde(default)]
    pub problem: Option<Problem>,
    /// Why each field at fault is.
    #[serde(default)]
    pub fields: BTreeMap<String, Problem>,
    /// What was typed, by field.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

fn has_content_type(req: &ServiceRequest, mime: &str) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(mime)
        })
}

fn is_form(req: &ServiceRequest) -> bool {
    req.method() == Method::POST && has_content_type(req, "application/x-www-form-urlencoded")
}

/// A request that carries a session cookie: what a forged form would borrow.
fn has_session_cookie(req: &ServiceRequest) -> bool {
    req.cookie(session::SESSION_COOKIE).is_some()
}

/// A body a form of any page can send without the browser asking first (CORS): none, or
/// plain text without a header of ours (an upload names its file in `X-File-Name`). Forms
/// only POST; another method needs the browser to ask first, which the service never allows.
fn a_form_could_send(req: &ServiceRequest) -> bool {
    let plain = match req.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(_) => has_content_type(req, "text/plain"),
    };
    plain && !req.headers().contains_key("x-file-name")
}

/// Fields whose values are never kept in a flash.
fn is_secret(name: &str) -> bool {
    name.contains("password") || name == "secret" || name == "token"
}

/// The one guard of every `next` and `back` (the sign-in page reaches it here).
pub use crate::http::redirect::local_path;

fn referer_path(req: &ServiceRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let host = req.connection_info().host().to_string();
    if url.host_str().map(|h| match url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_string(),
    }) != Some(host)
    {
        return None;
    }
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path = format!("{path}?{q}");
    }
    Some(path)
}

fn see_other(to: &str, flash_id: Option<String>, secure: bool) -> HttpResponse {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, to));
    if let Some(id) = flash_id {
        response.cookie(
            Cookie::build(FLASH_COOKIE, id)
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(secure)
                .finish(),
        );
    }
    response.finish()
}

async fn keep(state: &AppState, flash: &Flash) -> Option<String> {
    let data = serde_json::to_string(flash).ok()?;
    let now = state.now();
    match state
        .write(move |tx| Ok(flashes::put(tx, now, &data)?))
        .await
    {
        Ok(id) => Some(id),
        Err(e) => {
            tracing::warn!(error = %e, "a form's flash could not be kept");
            None
        }
    }
}

/// A redirect that leaves `flash` for the page it leads to (for page handlers that act
/// themselves, e.g. uploads).
pub async fn redirect_with(state: &AppState, to: &str, flash: &Flash) -> HttpResponse {
    see_other(to, keep(state, flash).await, state.config.secure_cookies())
}

/// The answer of a page handler that acted itself (an upload, a form of its own): done, a
/// redirect to `to` with the `done` message; refused on its fields, the form's page drawn
/// again by `again` (answered 422) with the faults and what was typed; any other refusal as it
/// is.
pub async fn after_acting<T, Page>(
    state: &AppState,
    req: &HttpRequest,
    acted: Result<T, Error>,
    (to, done): (&str, &str),
    values: BTreeMap<String, String>,
    again: impl FnOnce() -> Page,
) -> Result<HttpResponse, Error>
where
    Page: std::future::Future<Output = Result<HttpResponse, Error>>,
{
    match acted {
        Ok(_) => {
            let flash = Flash {
                done: Some(done.into()),
                ..Flash::default()
            };
            Ok(redirect_with(state, to, &flash).await)
        }
        Err(Error::Validation(errors)) => {
            req.extensions_mut().insert(Flash {
                fields: errors.0,
                values,
                ..Flash::default()
            });
            again().await
        }
        Err(e) => Err(e),
    }
}

/// The layer itself, around the whole application (so `_method` can steer the routing).
pub async fn bridge(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let guarded = changes_state(req.method()) && !has_bearer_token(&req);
    if guarded && from_another_origin(&state, &req) {
        tracing::info!("a state-changing request from another origin refused");
        return Ok(req.into_response(Error::Forbidden.error_response()));
    }
    if !is_form(&req) {
        // Every other body a browser's form can send is refused here, before any route runs,
        // unless it carries the session's token: a multipart form as its first field; a
        // plain-text or empty one cannot. JSON, a file's own type or a header of ours cannot
        // come from another origin's page without the headers above.
        let refused = if !guarded {
            false
        } else if has_content_type(&req, "multipart/form-data") {
            !super::multipart::check_token(&state, &mut req).await
        } else {
            req.method() == Method::POST && has_session_cookie(&req) && a_form_could_send(&req)
        };
        if refused {
            return Ok(req.into_response(Error::FormExpired.error_response()));
        }
        return with_flash_loaded(&state, req, next).await;
    }
    let secure = state.config.secure_cookies();
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    let mut too_large = false;
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            let refused = Error::BadRequest("the form could not be read".into());
            return Ok(req.into_response(refused.error_response()));
        };
        if body.len() + chunk.len() > JSON_LIMIT {
            too_large = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    // Every form carries the token of its session (or of its anonymous cookie), checked
    // here before any route runs: a form from elsewhere is refused whatever it posts to,
    // even a route that reads no body.
    let csrf = field("csrf").unwrap_or_default();
    if !session::csrf_valid(&state, req.request(), &csrf) {
        return Ok(req.into_response(Error::FormExpired.error_response()));
    }
    if !req.path().starts_with("/api/") {
        // The pages' own forms (sign-in, reports, links) read their bodies themselves.
        if too_large {
            return Ok(req.into_response(Error::TooLarge.error_response()));
        }
        req.set_payload(actix_web::dev::Payload::from(body.freeze()));
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    }
    let back = field("_back")
        .and_then(|b| local_path(&b))
        .or_else(|| referer_path(&req))
        .unwrap_or_else(|| "/".into());
    let next_page = field("_next").and_then(|b| local_path(&b));
    let done = field("_done");
    // What was typed comes back into the form, except secrets: a password is typed again
    // rather than kept anywhere.
    let values: BTreeMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| !k.starts_with('_') && k != "csrf" && !is_secret(k))
        .cloned()
        .collect();
    if too_large {
        let flash = Flash {
            problem: Some(crate::problem!("body_too_large")),
            ..Flash::default()
        };
        return Ok(req.into_response(see_other(&back, keep(&state, &flash).await, secure)));
    }
    if field("_irreversible").is_some() && field("_confirm").as_deref() != Some("yes") {
        let flash = Flash {
            fields: BTreeMap::from([("_confirm".into(), crate::problem!("tick_to_confirm"))]),
            values,
            ..Flash::default()
        };
        return Ok(req.into_response(see_other(&back, keep(&state, &flash).await, secure)));
    }
    if let Some(method) = field("_method") {
        match method.to_ascii_uppercase().as_str() {
            "PUT" => req.head_mut().method = Method::PUT,
            "PATCH" => req.head_mut().method = Method::PATCH,
            "DELETE" => req.head_mut().method = Method::DELETE,
            _ => {}
        }
    }
    let clearable = field("_clearable")
        .map(|list| list.split(',').map(|f| f.trim().to_string()).collect())
        .unwrap_or_default();
    let api_fields: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !k.starts_with('_') && k != "csrf")
        .collect();
    req.extensions_mut().insert(FormFields {
        fields: api_fields,
        clearable,
    });
    let response = next.call(req).await?;
    let status = response.status();
    let (http_req, res) = response.into_parts();
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let redirect = if status.is_success() {
        let id = answer.get("id").and_then(|v| v.as_str()).unwrap_or("");
        let to = next_page.map_or_else(|| back.clone(), |n| n.replace("{id}", id));
        let flash = Flash {
            done: done.or_else(|| Some("saved".into())),
            ..Flash::default()
        };
        see_other(&to, keep(&state, &flash).await, secure)
    } else if status == actix_web::http::StatusCode::UNAUTHORIZED {
        see_other("/login", None, secure)
    } else {
        let error = &answer["error"];
        let fields: BTreeMap<String, Problem> =
            serde_json::from_value(error["field_problems"].clone()).unwrap_or_default();
        let problem = fields.is_empty().then(|| problem_of(error));
        let flash = Flash {
            problem,
            fields,
            values,
            done: None,
        };
        see_other(&back, keep(&state, &flash).await, secure)
    };
    Ok(ServiceResponse::new(http_req, redirect))
}

/// Why an API answer refused, when no field is at fault.
fn problem_of(error: &serde_json::Value) -> Problem {
    if let Ok(problem) = serde_json::from_value(error["problem"].clone()) {
        return problem;
    }
    match error["code"].as_str() {
        Some("internal") => crate::problem!(
            "internal",
            id = error["id"].as_str().unwrap_or("?").to_string()
        ),
        _ => crate::problem!("refused"),
    }
}

/// A page request that carries a flash cookie: the flash is read (once) for the page to show.
async fn with_flash_loaded(
    state: &AppState,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = (req.method() == Method::GET && !req.path().starts_with("/api/"))
        .then(|| req.cookie(FLASH_COOKIE).map(|c| c.value().to_string()))
        .flatten();
    let Some(id) = id else {
        return Ok(as_page(state, next.call(req).await?).await);
    };
    let taken = state
        .write(move |tx| Ok(flashes::take(tx, &id)?))
        .await
        .ok()
        .flatten();
    if let Some(flash) = taken.and_then(|data| serde_json::from_str::<Flash>(&data).ok()) {
        req.extensions_mut().insert(flash);
    }
    let mut response = as_page(state, next.call(req).await?).await;
    let mut removal = Cookie::build(FLASH_COOKIE, "").path("/").finish();
    removal.make_removal();
    let _ = response.response_mut().add_cookie(&removal);
    Ok(response)
}

/// A page route that answered with an API error (JSON) answers with a page instead: the
/// sign-in page for a stranger, otherwise a page in the reader's language saying what happened.
async fn as_page(
    state: &AppState,
    response: ServiceResponse<impl MessageBody + 'static>,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let path = response.request().path().to_string();
    if !(status.is_client_error() || status.is_server_error())
        || !is_json
        || path.starts_with("/api/")
        || path.starts_with("/static/")
    {
        return response.map_into_boxed_body();
    }
    let (req, res) = response.into_parts();
    if status == actix_web::http::StatusCode::UNAUTHORIZED {
        let mut to = String::from("/login");
        if req.method() == Method::GET {
            let here = match req.query_string() {
                "" => path.clone(),
                q => format!("{path}?{q}"),
            };
            to = format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(&here, percent_encoding::NON_ALPHANUMERIC)
            );
        }
        return ServiceResponse::new(req, see_other(&to, None, state.config.secure_cookies()));
    }
    let bytes = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap_or_default();
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let error = &answer["error"];
    let key = match status.as_u16() {
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        413 => "too_large",
        429 => "throttled",
        503 => "unavailable",
        400 | 422 => "bad_request",
        _ => "internal",
    };
    let detail = match error["code"].as_str() {
        Some("internal") => error["id"]
            .as_str()
            .map(|id| crate::problem!("error_number", id = id)),
        _ => error["message"].as_str().map(|_| problem_of(error)),
    };
    let user = crate::http::extract::MaybeUser::extract(&req)
        .await
        .ok()
        .and_then(|u| u.0);
    let page = super::render_page(
        state,
        &req,
        user.as_ref(),
        status,
        "message.html",
        minijinja::context! { message_key => key, detail => detail },
    )
    .unwrap_or_else(|e| e.error_response());
    ServiceResponse::new(req, page)
}

// ---------------------------------------------------------------------------------------------
// What the forms a page handles itself share (the administrator's and `/settings`).

/// The page drawn next shows the form refused, as the form layer shows one: the field
/// messages, why (when no field is at fault) and what was typed.
pub(super) fn refuse(
    req: &HttpRequest,
    fields: BTreeMap<String, Problem>,
    problem: Option<Problem>,
    values: BTreeMap<String, String>,
) {
    req.extensions_mut().insert(Flash {
        done: None,
        problem,
        fields,
        values,
    });
}

/// The signed-in user if they hold one of `roles`; otherwise the error the page shows.
pub(super) fn holding(user: MaybeUser, roles: &[Role]) -> Result<User, Error> {
    let user = user.0.ok_or(Error::Unauthorized)?;
    if user.has_any_role(roles) {
        Ok(user)
    } else {
        Err(Error::Forbidden)
    }
}

/// A refusal of a page's own form as a page (the form layer does this for API routes).
pub(super) fn failure_page(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&User>,
    error: Error,
) -> Result<HttpResponse, Error> {
    let (status, key) = match &error {
        Error::Unauthorized => return Ok(redirect("/login")),
        Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        Error::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        Error::Refused(_) => (StatusCode::CONFLICT, "conflict"),
        _ => return Err(error),
    };
    let detail = match &error {
        Error::Refused(problem) => Some(problem.clone()),
        _ => None,
    };
    render_page(
        state,
        req,
        user,
        status,
        "message.html",
        context! { message_key => key, detail },
    )
}
