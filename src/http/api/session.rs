//! Signing in and out, who am I, API tokens.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};

use crate::db::users::{self, User};
use crate::db::write_tx;
use crate::domain::users::{Language, Role};
use crate::error::Error;
use crate::http::error::ErrorBody;
use crate::http::extract::{AnyRole, Authorized, CurrentUser, JsonBody};
use crate::http::{AppState, session};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    email: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    id: String,
    email: String,
    name: String,
    roles: Vec<Role>,
    language: Language,
    employee_no: Option<String>,
}

impl From<&User> for Me {
    fn from(u: &User) -> Me {
        Me {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            roles: u.roles.clone(),
            language: u.language,
            employee_no: u.employee_no.clone(),
        }
    }
}

/// Signs in with email and password; answers with a session cookie.
#[utoipa::path(
    tag = "session",
    request_body = SignIn,
    responses(
        (status = 200, body = Me, description = "signed in; the session cookie is set"),
        (status = 401, body = ErrorBody, description = "wrong email or password (never says which)"),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many failures; see Retry-After"),
    )
)]
#[post("/session")]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<SignIn>,
) -> Result<HttpResponse, Error> {
    let JsonBody(SignIn { email, password }) = body;
    let user = session::authenticate(&state, &req, &email, &password).await?;
    Ok(HttpResponse::Ok()
        .cookie(session::session_cookie(&state, &user.id, state.now()))
        .json(Me::from(&user)))
}

/// Signs out: the session cookie is removed.
#[utoipa::path(tag = "session", responses((status = 204)))]
#[delete("/session")]
pub async fn sign_out(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .cookie(session::expired_session_cookie(&state))
        .finish()
}

/// The signed-in user.
#[utoipa::path(
    tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/me")]
pub async fn me(user: CurrentUser) -> web::Json<Me> {
    web::Json(Me::from(&user.0))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// What the token is for, e.g. "HR system sync".
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    id: String,
    /// Shown once: keep it; only its hash is stored.
    token: String,
}

/// Creates an API token for the signed-in user; use it as `Authorization: Bearer <token>`.
#[utoipa::path(
    tag = "session",
    request_body = NewToken,
    responses(
        (status = 201, body = CreatedToken),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    body: JsonBody<NewToken>,
) -> Result<HttpResponse, Error> {
    let name = body.0.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::field("name", "must be 1 to 100 characters"));
    }
    let user = user.0;
    let now = state.now();
    let (id, token) = state
        .db(move |conn| write_tx(conn, |conn| users::create_token(conn, now, &user, &name)))
        .await?;
    Ok(HttpResponse::Created().json(CreatedToken { id, token }))
}
