//! Two-step sign-in (TOTP): one's own enrolment, recovery codes and turning it off, and an
//! administrator's reset of someone's second factor.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};

use crate::db::second_factor as stored;
use crate::db::users;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody};
use crate::http::extract::{Admins, AnyRole, Authorized, JsonBody};
use crate::http::routes::ApiRoutes;
use crate::http::second_factor::{self as factor, Enrolment};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(AnyRole, status);
    r.service(AnyRole, start);
    r.service(AnyRole, confirm);
    r.service(AnyRole, renew_codes);
    r.service(AnyRole, disable);
    r.service(Admins, reset);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FactorStatus {
    /// On: sign-in asks for a code after the password.
    pub enrolled: bool,
    /// The user's role must use it (the `second_factor_roles` setting).
    pub required: bool,
    /// Recovery codes not yet spent.
    pub recovery_codes_left: i64,
}

/// Whether the signed-in user's two-step sign-in is on, and whether their role needs it.
#[utoipa::path(tag = "second factor", responses((status = 200, body = FactorStatus)))]
#[get("/me/second-factor")]
pub async fn status(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
) -> Result<web::Json<FactorStatus>, Error> {
    let user = user.0;
    let id = user.id.clone();
    let (enrolled, left) = state
        .db(move |conn| {
            Ok((
                stored::is_enrolled(conn, &id)?,
                stored::codes_left(conn, &id)?,
            ))
        })
        .await?;
    Ok(web::Json(FactorStatus {
        enrolled,
        required: factor::required_for(&state, &user),
        recovery_codes_left: left,
    }))
}

/// Starts setting up two-step sign-in: a new secret, as text and as a QR code to scan into an
/// authenticator app. It is not on until confirmed with a code.
#[utoipa::path(
    tag = "second factor",
    responses(
        (status = 201, body = Enrolment),
        (status = 409, body = ErrorBody, description = "two-step sign-in is on already")
    )
)]
#[post("/me/second-factor")]
pub async fn start(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
) -> Result<HttpResponse, Error> {
    let enrolment = factor::start(&state, &user.0).await?;
    Ok(HttpResponse::Created().json(enrolment))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Code {
    /// The 6-digit code the app shows now.
    code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Shown once: each signs in once instead of a code, when the phone is not at hand.
    pub recovery_codes: Vec<String>,
}

/// Confirms the enrolment with a code from the app: two-step sign-in is on from now, and
/// the answer holds the recovery codes, shown once.
#[utoipa::path(
    tag = "second factor",
    request_body = Code,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, body = ErrorBody, description = "no enrolment started, or on already"),
        (status = 422, body = ErrorBody, description = "the code is wrong")
    )
)]
#[post("/me/second-factor/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    body: JsonBody<Code>,
) -> Result<web::Json<RecoveryCodes>, Error> {
    let recovery_codes = factor::confirm(&state, &user.0, &body.0.code).await?;
    Ok(web::Json(RecoveryCodes { recovery_codes }))
}

/// New recovery codes, shown once; the old ones stop working.
#[utoipa::path(
    tag = "second factor",
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, body = ErrorBody, description = "two-step sign-in is not on")
    )
)]
#[post("/me/second-factor/recovery-codes")]
pub async fn renew_codes(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
) -> Result<web::Json<RecoveryCodes>, Error> {
    let recovery_codes = factor::renew_codes(&state, &user.0).await?;
    Ok(web::Json(RecoveryCodes { recovery_codes }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Proof {
    /// The current password, or a code from the app (or a recovery code).
    proof: String,
}

/// Turns one's own two-step sign-in off (proven by the password or a code). A role that
/// needs it is sent to enrol again at the next request.
#[utoipa::path(
    tag = "second factor",
    request_body = Proof,
    responses(
        (status = 204, description = "off"),
        (status = 409, body = ErrorBody, description = "two-step sign-in is not on"),
        (status = 422, body = ErrorBody, description = "neither the password nor a code"),
        (status = 429, body = ErrorBody, description = "too many failures; see Retry-After")
    )
)]
#[post("/me/second-factor/off")]
pub async fn disable(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    body: JsonBody<Proof>,
) -> Result<HttpResponse, Error> {
    factor::disable(&state, &user.0, &body.0.proof).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Resets a user's second factor (a lost phone): it is removed with their recovery codes, and
/// their sessions end; they sign in with the password and, if their role needs it, enrol again.
#[utoipa::path(
    tag = "second factor",
    params(("id" = String, Path)),
    responses((status = 204, description = "reset"), ChangeErrors, (status = 409, body = crate::http::error::ErrorBody, description = "two-step sign-in is not on for this user"))
)]
#[delete("/users/{id}/second-factor")]
pub async fn reset(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let lookup = id.clone();
    state
        .db(move |conn| Ok(users::find(conn, &lookup)?))
        .await?
        .ok_or(Error::NotFound)?;
    factor::reset(&state, &admin.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
