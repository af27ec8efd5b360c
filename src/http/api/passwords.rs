//! Passwords: changing one's own (the current one needed, throttled as a sign-in is), and
//! an administrator's reset link for a user, handed over or emailed.

use actix_web::{HttpRequest, HttpResponse, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::hash_password;
use crate::db::users::{self, PasswordSet, RESET_LINK_HOURS, User};
use crate::domain::audit::Actor;
use crate::domain::passwords::{Owner, check_password};
use crate::error::Error;
use crate::http::error::{ChangeErrors, ErrorBody};
use crate::http::extract::{Admins, Authorized, CurrentUser, JsonBody};
use crate::http::routes::{ApiRoutes, SignedIn};
use crate::http::{AppState, session};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(SignedIn, change_password);
    r.service(Admins, issue_reset_link);
}

/// Checks a new password for its owner and hashes it; a refusal names `field`.
pub async fn new_password_hash(user: &User, password: &str, field: &str) -> Result<String, Error> {
    let owner = Owner {
        email: &user.email,
        name: &user.name,
    };
    check_password(password, owner).map_err(|p| Error::field(field, p))?;
    let password = password.to_string();
    web::block(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?
        .map_err(Error::Internal)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    /// The password the user signs in with now.
    #[serde(default)]
    current_password: String,
    /// At least 12 characters, hard to guess, not the user's address or name.
    #[serde(default)]
    new_password: String,
}

/// Changes the signed-in user's own password. A wrong current password counts as a failed
/// sign-in (and is throttled like one).
#[utoipa::path(
    tag = "session",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "changed; the new password works from now on"),
        (status = 422, body = ErrorBody, description = "current_password is wrong, or new_password is too weak"),
        (status = 429, body = ErrorBody, description = "too many wrong passwords; see Retry-After")
    )
)]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, Error> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.0;
    let user = user.0;
    match session::authenticate(&state, &req, &user.email, &current_password).await {
        Ok(_) => {}
        Err(Error::WrongCredentials) => {
            return Err(Error::field(
                "current_password",
                crate::problem!("current_password_wrong"),
            ));
        }
        Err(other) => return Err(other),
    }
    let hash = new_password_hash(&user, &new_password, "new_password").await?;
    let now = state.now();
    let keep = crate::http::extract::session_id(&req);
    state
        .write(move |tx| {
            let actor = Actor::User(user.id.clone());
            let how = PasswordSet::Changed;
            users::set_password(tx, now, &actor, &user.id, &hash, how, keep.as_deref())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    /// true: the link is emailed to the user's address; false (default): it is in the answer,
    /// shown once, to hand over.
    #[serde(default)]
    send: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedReset {
    /// The link, when it was not emailed: give it to the user; it is not kept anywhere.
    pub link: Option<String>,
    /// Where it was emailed, when it was.
    pub emailed_to: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
}

/// Issues a link with which the user sets a new password: signed, working once, for an hour.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path)),
    request_body = ResetRequest,
    responses(
        (status = 201, body = IssuedReset, description = "issued (and queued for email when asked)"),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "the account is deactivated")
    )
)]
#[post("/users/{id}/password-reset")]
pub async fn issue_reset_link(
    state: web::Data<AppState>,
    admin: Authorized<Admins>,
    id: web::Path<String>,
    body: JsonBody<ResetRequest>,
) -> Result<HttpResponse, Error> {
    let issued = issue(&state, &Actor::User(admin.0.id.clone()), &id, body.0.send).await?;
    Ok(HttpResponse::Created().json(issued))
}

/// Issues a reset link for the user `id` on behalf of `actor`, for the API and the pages.
pub async fn issue(
    state: &AppState,
    actor: &Actor,
    id: &str,
    send: bool,
) -> Result<IssuedReset, Error> {
    let (now, actor, id) = (state.now(), actor.clone(), id.to_string());
    let user = state
        .write(move |tx| {
            let user = users::find(tx, &id)?.ok_or(Error::NotFound)?;
            if !user.active {
                return Err(Error::refused(crate::problem!("user_inactive")));
            }
            users::issue_reset(tx, now, &actor, &user, send)?;
            Ok(user)
        })
        .await?;
    let link = (!send).then(|| reset_link(state, &user, now));
    Ok(IssuedReset {
        link,
        emailed_to: send.then_some(user.email),
        expires_at: now + chrono::Duration::hours(RESET_LINK_HOURS),
    })
}

/// The reset page's address for this user, working an hour from `issued`.
pub fn reset_link(state: &AppState, user: &User, issued: DateTime<Utc>) -> String {
    let token = users::reset_token(&state.links, user, issued);
    state
        .config
        .base_url
        .join(&format!("password/reset/{token}"))
        .map(|u| u.to_string())
        .unwrap_or_default()
}
