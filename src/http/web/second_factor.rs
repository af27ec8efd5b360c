//! `/settings/second-factor`: setting up two-step sign-in (the QR code drawn here, the key as
//! text), confirming it with a code, the recovery codes shown once, new ones, turning it off.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::forms::refuse;
use super::{redirect, render_page};
use crate::db::second_factor as stored;
use crate::db::users::User;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized, CsrfForm};
use crate::http::routes::PageRoutes;
use crate::http::second_factor::{self as factor, ENROL_PAGE};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/settings/second-factor", AnyRole, page);
    r.post("/settings/second-factor/start", AnyRole, start);
    r.post("/settings/second-factor/confirm", AnyRole, confirm);
    r.post("/settings/second-factor/recovery-codes", AnyRole, renew);
    r.post("/settings/second-factor/off", AnyRole, turn_off);
}

async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
) -> Result<HttpResponse, Error> {
    view(&state, &req, &user.0, None, StatusCode::OK).await
}

/// The page: on or off, the enrolment under way, or the recovery codes just made.
async fn view(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    codes: Option<Vec<String>>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let id = user.id.clone();
    let (enrolled, left) = state
        .db(move |conn| {
            Ok((
                stored::is_enrolled(conn, &id)?,
                stored::codes_left(conn, &id)?,
            ))
        })
        .await?;
    let pending = if enrolled {
        None
    } else {
        factor::pending(state, user).await?
    };
    render_page(
        state,
        req,
        Some(user),
        status,
        "settings_second_factor.html",
        context! {
            enrolled,
            required => factor::required_for(state, user),
            codes_left => left,
            pending => pending.map(|p| context! { secret => p.secret, qr_svg => p.qr_svg }),
            codes,
        },
    )
}

#[derive(Deserialize)]
struct NoFields {}

async fn start(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, Error> {
    factor::start(&state, &user.0).await?;
    Ok(redirect(ENROL_PAGE))
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    form: CsrfForm<CodeForm>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    match factor::confirm(&state, &user, &form.0.code).await {
        Ok(codes) => view(&state, &req, &user, Some(codes), StatusCode::OK).await,
        Err(Error::Validation(errors)) => {
            refuse(&req, errors.0, None, BTreeMap::new());
            view(&state, &req, &user, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn renew(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let codes = factor::renew_codes(&state, &user).await?;
    view(&state, &req, &user, Some(codes), StatusCode::OK).await
}

#[derive(Deserialize)]
struct ProofForm {
    #[serde(default)]
    proof: String,
}

async fn turn_off(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    form: CsrfForm<ProofForm>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    match factor::disable(&state, &user, &form.0.proof).await {
        Ok(()) => Ok(redirect(ENROL_PAGE)),
        Err(Error::Validation(errors)) => {
            refuse(&req, errors.0, None, BTreeMap::new());
            view(&state, &req, &user, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
