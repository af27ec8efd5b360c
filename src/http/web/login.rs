//! The sign-in page and sign-out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::{redirect, render_page};
use crate::error::Error;
use crate::http::extract::{CsrfForm, MaybeUser};
use crate::http::{AppState, second_factor, session};

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The page that sent the stranger here, to return to after signing in.
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// Only a path on this site, so the sign-in page cannot be used to send people elsewhere.
fn local(next: &str) -> String {
    super::forms::local_path(next).unwrap_or_else(|| "/".into())
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, Error> {
    let next = local(&query.next);
    if user.0.is_some() {
        return Ok(redirect(&next));
    }
    render_page(
        &state,
        &req,
        None,
        StatusCode::OK,
        "login.html",
        context! { email => "", next => next, error_key => None::<&str>, retry_minutes => 0 },
    )
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, Error> {
    let LoginForm {
        email,
        password,
        next,
    } = form.0;
    let next = local(&next);
    let (status, error_key, retry_minutes) =
        match session::authenticate(&state, &req, &email, &password).await {
            Ok(user) if second_factor::enrolled(&state, &user.id).await? => {
                // The session starts only after the code: until then a pending cookie.
                let to = format!("/login/code?next={}", urlencoding(&next));
                return Ok(HttpResponse::SeeOther()
                    .insert_header((actix_web::http::header::LOCATION, to))
                    .cookie(session::pending_cookie(&state, &user.id))
                    .finish());
            }
            Ok(user) => {
                let cookie = session::start_session(&state, &req, &user).await?;
                return Ok(HttpResponse::SeeOther()
                    .insert_header((actix_web::http::header::LOCATION, next))
                    .cookie(cookie)
                    .finish());
            }
            Err(Error::WrongCredentials) => (StatusCode::UNAUTHORIZED, "login.wrong", 0),
            Err(Error::Throttled(secs)) => (
                StatusCode::TOO_MANY_REQUESTS,
                "login.throttled",
                secs.div_ceil(60),
            ),
            Err(other) => return Err(other),
        };
    // The form comes back with the email as typed, never the password.
    render_page(
        &state,
        &req,
        None,
        status,
        "login.html",
        context! { email => email, next => next, error_key => error_key, retry_minutes => retry_minutes },
    )
}

#[derive(Deserialize)]
pub struct SignOutForm {}

/// Signs out: the session ends, for every copy of its cookie.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    _form: CsrfForm<SignOutForm>,
) -> Result<HttpResponse, Error> {
    session::end_session(&state, &req).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/login"))
        .cookie(session::expired_session_cookie(&state))
        .finish())
}

fn urlencoding(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// The second step of signing in: the code from the app, or a recovery code.
pub async fn code_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, Error> {
    let next = local(&query.next);
    if session::pending_user(&state, &req).is_none() {
        return Ok(redirect(&format!("/login?next={}", urlencoding(&next))));
    }
    code_view(&state, &req, StatusCode::OK, &next, None, 0)
}

fn code_view(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    next: &str,
    error_key: Option<&str>,
    retry_minutes: u64,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        None,
        status,
        "login_code.html",
        context! { next => next, error_key => error_key, retry_minutes => retry_minutes },
    )
}

/// Checks the code of the pending sign-in and only then starts the session. Wrong codes are
/// throttled with wrong passwords; after five minutes the password is asked again.
pub async fn code_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, Error> {
    let CodeForm { code, next } = form.0;
    let next = local(&next);
    let Some(user_id) = session::pending_user(&state, &req) else {
        let to = format!("/login?next={}", urlencoding(&next));
        return Ok(HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, to))
            .cookie(session::expired_pending_cookie(&state))
            .finish());
    };
    let user = state
        .db(move |conn| Ok(crate::db::users::find(conn, &user_id)?))
        .await?
        .filter(|u| u.active)
        .ok_or(Error::Unauthorized)?;
    let (status, error_key, retry) =
        match second_factor::second_step(&state, &user, Some(&code)).await {
            Ok(()) => {
                let cookie = session::start_session(&state, &req, &user).await?;
                return Ok(HttpResponse::SeeOther()
                    .insert_header((actix_web::http::header::LOCATION, next))
                    .cookie(cookie)
                    .cookie(session::expired_pending_cookie(&state))
                    .finish());
            }
            Err(Error::WrongSecondFactor | Error::SecondFactorNeeded) => {
                (StatusCode::UNAUTHORIZED, "login.wrong_code", 0)
            }
            Err(Error::Throttled(secs)) => (
                StatusCode::TOO_MANY_REQUESTS,
                "login.throttled",
                secs.div_ceil(60),
            ),
            Err(other) => return Err(other),
        };
    code_view(&state, &req, status, &next, Some(error_key), retry)
}
