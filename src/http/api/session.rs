//! Signing in and out, who am I, API tokens.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};

use crate::db::stored_instant;
use crate::db::users::{self, TokenInfo, User};
use crate::db::write_tx;
use crate::domain::FieldErrors;
use crate::domain::sessions::token_expiry;
use crate::domain::users::{Language, Role, check_name};
use crate::error::Error;
use crate::http::error::{ErrorBody, InputErrors};
use crate::http::extract::list_query;
use crate::http::extract::{AnyRole, Authorized, CurrentUser, JsonBody, ListPage, QueryParams};
use crate::http::routes::{ApiRoutes, Open, SignedIn};
use crate::http::{AppState, session};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Open, sign_in);
    r.service(Open, sign_out);
    r.service(SignedIn, me);
    r.service(SignedIn, change_me);
    r.service(AnyRole, create_token);
    r.service(AnyRole, list_tokens);
    r.service(AnyRole, revoke_token);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    email: String,
    password: String,
    /// With two-step sign-in on: the code the app shows now, or a recovery code (spent).
    totp: Option<String>,
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
        (status = 401, body = ErrorBody, description = "wrong email or password (never says which); or, with two-step sign-in on, the code is missing (problem second_factor_needed) or wrong (wrong_second_factor)"),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many failures; see Retry-After")
    )
)]
#[post("/session")]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<SignIn>,
) -> Result<HttpResponse, Error> {
    let JsonBody(SignIn {
        email,
        password,
        totp,
    }) = body;
    let user = session::authenticate(&state, &req, &email, &password).await?;
    crate::http::second_factor::second_step(&state, &user, totp.as_deref()).await?;
    let cookie = session::start_session(&state, &req, &user).await?;
    Ok(HttpResponse::Ok().cookie(cookie).json(Me::from(&user)))
}

/// Signs out: the session ends (every copy of its cookie is a stranger's from now on) and
/// the cookie is removed.
#[utoipa::path(tag = "session", responses((status = 204)))]
#[delete("/session")]
pub async fn sign_out(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Error> {
    session::end_session(&state, &req).await?;
    Ok(HttpResponse::NoContent()
        .cookie(session::expired_session_cookie(&state))
        .finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "session",
    responses((status = 200, body = Me))
)]
#[get("/me")]
pub async fn me(user: CurrentUser) -> web::Json<Me> {
    web::Json(Me::from(&user.0))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// What the token is for, e.g. "HR system sync".
    name: String,
    /// Days until it stops working: at most the service's `api_token_days` (default 90),
    /// which is also what it gets when not given.
    #[schema(minimum = 1)]
    expires_in_days: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: String,
    /// Shown once: keep it; only its hash is stored.
    pub token: String,
    /// When it stops working.
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: chrono::NaiveDateTime,
}

/// Creates an API token for the signed-in user; use it as `Authorization: Bearer <token>`.
#[utoipa::path(
    tag = "session",
    request_body = NewToken,
    responses(
        (status = 201, body = CreatedToken),
        InputErrors
    )
)]
#[post("/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    body: JsonBody<NewToken>,
) -> Result<HttpResponse, Error> {
    let NewToken {
        name,
        expires_in_days,
    } = body.0;
    let created = new_token(&state, user.0, &name, expires_in_days).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Creates an API token named `name` for `user`, lasting `expires_in_days` (at most, and by
/// default, the service's longest); the answer holds the token, shown once.
pub async fn new_token(
    state: &AppState,
    user: User,
    name: &str,
    expires_in_days: Option<i64>,
) -> Result<CreatedToken, Error> {
    let name = name.trim().to_string();
    let now = state.now();
    let mut errors = FieldErrors::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add(
            "name",
            crate::problem!("length_between", min = 1, max = 100),
        );
    }
    let expires_at = errors.check(
        "expires_in_days",
        token_expiry(now, expires_in_days, state.config.api_token_days),
    );
    errors.finish()?;
    let expires_at = expires_at.ok_or_else(|| Error::Internal(anyhow::anyhow!("no expiry")))?;
    let (id, token) = state
        .write(move |conn| users::create_token(conn, now, &user, &name, expires_at))
        .await?;
    Ok(CreatedToken {
        id,
        token,
        expires_at: stored_instant(expires_at),
    })
}

list_query! {
    pub struct TokenQuery {
        /// Whose tokens: the signed-in user's own by default; another user's for an admin.
        user_id: Option<String>,
    }
}

/// API tokens (never the tokens themselves): the signed-in user's own, newest first; an
/// admin may ask for another user's with `user_id`.
#[utoipa::path(
    tag = "session",
    params(TokenQuery),
    responses(
        (status = 200, body = ListPage<TokenInfo>),
        InputErrors
    )
)]
#[get("/tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<TokenQuery>,
) -> Result<web::Json<ListPage<TokenInfo>>, Error> {
    let q = query.0;
    let window = q.window()?;
    let user = user.0;
    let whose = q
        .user_id
        .filter(|id| !id.is_empty())
        .unwrap_or(user.id.clone());
    if whose != user.id && !user.roles.contains(&Role::Admin) {
        return Err(Error::Forbidden);
    }
    let found = state
        .db(move |conn| Ok(users::tokens_of(conn, &whose, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}

/// Revokes an API token: one's own, or anyone's for an admin. It stops working at once.
#[utoipa::path(
    tag = "session",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "revoked"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such token of yours"),
        (status = 409, body = ErrorBody, description = "already revoked")
    )
)]
#[delete("/tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    state
        .write(move |conn| users::revoke_token(conn, now, &user, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MyChange {
    name: Option<String>,
    /// zh-CN or en: the pages and the emails of the service.
    language: Option<String>,
}

/// Changes the signed-in user's own name or language.
#[utoipa::path(
    tag = "session",
    request_body = MyChange,
    responses(
        (status = 200, body = Me),
        (status = 422, body = ErrorBody)
    )
)]
#[patch("/me")]
pub async fn change_me(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: JsonBody<MyChange>,
) -> Result<web::Json<Me>, Error> {
    let MyChange { name, language } = body.0;
    let mut errors = FieldErrors::new();
    let name = name.and_then(|n| errors.check("name", check_name(&n)));
    let language: Option<Language> = errors.optional("language", language);
    errors.finish()?;
    let (user, now) = (user.0, state.now());
    let id = user.id.clone();
    let changed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                users::change_own(conn, now, &user, name.as_deref(), language)
            })?;
            users::find(conn, &id)?.ok_or(Error::NotFound)
        })
        .await?;
    Ok(web::Json(Me::from(&changed)))
}
