//! The first-admin setup page, reached through the one-time link printed at first start.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::{message_page, render_page};
use crate::auth::hash_password;
use crate::db::{users, write_tx};
use crate::domain::FieldErrors;
use crate::domain::passwords::{Owner, check_password};
use crate::domain::users::NewUser;
use crate::error::Error;
use crate::http::{AppState, session};

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    language: String,
}

async fn token_valid(state: &web::Data<AppState>, token: String) -> Result<bool, Error> {
    let now = state.now();
    state
        .db(move |conn| Ok(users::setup_token_valid(conn, &token, now)?))
        .await
}

fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    form: &SetupForm,
    errors: &FieldErrors,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        None,
        status,
        "setup.html",
        context! {
            email => form.email,
            name => form.name,
            language => if form.language.is_empty() { "zh-CN" } else { form.language.as_str() },
            errors => errors.0,
        },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    if !token_valid(&state, token.into_inner()).await? {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "setup_link_invalid");
    }
    form_page(
        &state,
        &req,
        StatusCode::OK,
        &SetupForm::default(),
        &FieldErrors::new(),
    )
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: crate::http::extract::CsrfForm<SetupForm>,
) -> Result<HttpResponse, Error> {
    let token = token.into_inner();
    let form = form.0;
    if !token_valid(&state, token.clone()).await? {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "setup_link_invalid");
    }
    let parsed = NewUser::parse(
        &form.email,
        &form.name,
        &["admin"],
        Some(&form.language),
        None,
    );
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    if let Err(message) = check_password(
        &form.password,
        Owner {
            email: &form.email,
            name: &form.name,
        },
    ) {
        errors.add("password", message);
    } else if form.password != form.password_confirm {
        errors.add("password_confirm", crate::problem!("passwords_differ"));
    }
    let admin = match parsed {
        Ok(admin) if errors.is_empty() => admin,
        _ => {
            return form_page(
                &state,
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            );
        }
    };
    let password = form.password.clone();
    let hash = web::block(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))??;
    let now = state.now();
    let created = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                users::complete_setup(conn, now, &token, &admin, &hash)
            })
        })
        .await;
    match created {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "first admin created through the setup link");
            let cookie = session::start_session(&state, &req, &user).await?;
            Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, "/"))
                .cookie(cookie)
                .finish())
        }
        Err(Error::Validation(errors)) => form_page(
            &state,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &errors,
        ),
        Err(Error::NotFound) => {
            message_page(&state, &req, StatusCode::NOT_FOUND, "setup_link_invalid")
        }
        Err(other) => Err(other),
    }
}
