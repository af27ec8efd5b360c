//! The sign-in page and sign-out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::{redirect, render_page};
use crate::error::Error;
use crate::http::extract::{CsrfForm, MaybeUser};
use crate::http::{AppState, session};

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
