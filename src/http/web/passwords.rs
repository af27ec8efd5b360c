//! The password pages: "forgot password?" (emails a reset link to a known address, the same
//! answer whatever the address), the reset page a link opens, and the page where an
//! administrator sees a reset link once, to hand it over.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::forms::{Flash, failure_page, holding, redirect_with, refuse};
use super::{message_page, page_language, render_page, render_page_in};
use crate::auth::LinkError;
use crate::db::users::{self, PasswordSet, User};
use crate::domain::audit::Actor;
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::api::passwords::{issue, new_password_hash};
use crate::http::extract::{Admins, CsrfForm, MaybeUser};
use crate::http::routes::{Open, PageRoutes};
use crate::http::{AppState, session};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/password/forgot", Open, forgot_page);
    r.post("/password/forgot", Open, forgot);
    r.get("/password/reset/{token}", Open, reset_page);
    r.post("/password/reset/{token}", Open, reset);
    r.post("/admin/users/{id}/password-reset", Admins, hand_over);
}

async fn forgot_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let lang = page_language(&req, None);
    render_page_in(
        &state,
        &req,
        None,
        lang,
        StatusCode::OK,
        "password_forgot.html",
        context! { sent => false },
    )
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Emails a reset link when the address is an active user's. Every request counts against
/// the address asked for and the client, and the answer is the same whatever happened, so
/// the page tells nobody which addresses have accounts.
async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<ForgotForm>,
) -> Result<HttpResponse, Error> {
    let email = form.0.email.trim().to_lowercase();
    let now = state.now();
    let client = session::client_address(&req, &state.config.trusted_proxies)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let (by_email, by_client) = (state.resets_by_email, state.resets_by_address);
    state
        .write(move |tx| {
            let throttled = by_email.retry_after(tx, &email, now)?.is_some()
                || by_client.retry_after(tx, &client, now)?.is_some();
            by_email.fail(tx, &email, now)?;
            by_client.fail(tx, &client, now)?;
            if throttled {
                return Ok(());
            }
            if let Some(user) = users::find_by_email(tx, &email)?.filter(|u| u.active) {
                users::issue_reset(tx, now, &Actor::Anonymous, &user, true)?;
            }
            Ok(())
        })
        .await?;
    let lang = page_language(&req, None);
    render_page_in(
        &state,
        &req,
        None,
        lang,
        StatusCode::OK,
        "password_forgot.html",
        context! { sent => true },
    )
}

/// The user a reset link is for, or the page that says the link no longer works.
async fn link_user(
    state: &AppState,
    req: &HttpRequest,
    token: String,
) -> Result<Result<User, HttpResponse>, Error> {
    let (links, now) = (state.links.clone(), state.now());
    let found = state
        .db(move |conn| users::reset_link_user(conn, &links, &token, now))
        .await?;
    Ok(match found {
        Ok(user) => Ok(user),
        Err(LinkError::Expired) => Err(message_page(
            state,
            req,
            StatusCode::GONE,
            "reset_link_expired",
        )?),
        Err(LinkError::Invalid) => Err(message_page(
            state,
            req,
            StatusCode::NOT_FOUND,
            "reset_link_invalid",
        )?),
    })
}

fn reset_form(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    render_page_in(
        state,
        req,
        None,
        user.language,
        status,
        "password_reset.html",
        context! { email => user.email },
    )
}

async fn reset_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    match link_user(&state, &req, token.into_inner()).await? {
        Ok(user) => reset_form(&state, &req, &user, StatusCode::OK),
        Err(page) => Ok(page),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

/// Sets the new password; the link stops working with it (it was bound to the old one).
async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<ResetForm>,
) -> Result<HttpResponse, Error> {
    let user = match link_user(&state, &req, token.into_inner()).await? {
        Ok(user) => user,
        Err(page) => return Ok(page),
    };
    let ResetForm {
        new_password,
        new_password_confirm,
    } = form.0;
    let hash = match new_password_hash(&user, &new_password, "new_password").await {
        Ok(_) if new_password != new_password_confirm => Err(Error::field(
            "new_password_confirm",
            crate::problem!("passwords_differ"),
        )),
        other => other,
    };
    let hash = match hash {
        Ok(hash) => hash,
        Err(Error::Validation(errors)) => {
            refuse(&req, errors.0, None, BTreeMap::new());
            return reset_form(&state, &req, &user, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(e),
    };
    let now = state.now();
    state
        .write(move |tx| {
            let actor = Actor::User(user.id.clone());
            users::set_password(tx, now, &actor, &user.id, &hash, PasswordSet::Reset, None)
        })
        .await?;
    let flash = Flash {
        done: Some("password_reset".into()),
        ..Flash::default()
    };
    Ok(redirect_with(&state, "/login", &flash).await)
}

#[derive(Deserialize)]
struct HandOverForm {}

/// A reset link for a user, shown once on the page this answers with.
async fn hand_over(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
    id: web::Path<String>,
    _form: CsrfForm<HandOverForm>,
) -> Result<HttpResponse, Error> {
    let signed_in = user.0.clone();
    let admin = match holding(user, &[Role::Admin]) {
        Ok(admin) => admin,
        Err(e) => return failure_page(&state, &req, signed_in.as_ref(), e),
    };
    let id = id.into_inner();
    let issued = match issue(&state, &Actor::User(admin.id.clone()), &id, false).await {
        Ok(issued) => issued,
        Err(e) => return failure_page(&state, &req, Some(&admin), e),
    };
    let account = state
        .db(move |conn| Ok(users::account(conn, &id)?))
        .await?
        .ok_or(Error::NotFound)?;
    render_page(
        &state,
        &req,
        Some(&admin),
        StatusCode::CREATED,
        "admin_reset_link.html",
        context! {
            account => context! { id => account.id, name => account.name, email => account.email },
            link => issued.link,
            hours => users::RESET_LINK_HOURS,
        },
    )
}
