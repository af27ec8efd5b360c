//! One's own sessions: the list (when, from where, which browser), ending one, and signing
//! out everywhere else.

use actix_web::{HttpRequest, HttpResponse, delete, get, web};
use serde::Serialize;

use crate::db::sessions::{self, SessionInfo};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::ErrorBody;
use crate::http::extract::{CurrentUser, session_id};
use crate::http::routes::{ApiRoutes, SignedIn};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(SignedIn, list_sessions);
    r.service(SignedIn, end_other_sessions);
    r.service(SignedIn, end_session);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MySessions {
    /// The live sessions, the latest seen first.
    pub items: Vec<SessionInfo>,
}

/// The signed-in user's live sessions; `current` marks the one asking.
#[utoipa::path(tag = "session", responses((status = 200, body = MySessions)))]
#[get("/me/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<web::Json<MySessions>, Error> {
    let items = live_sessions(&state, &req, &user.0.id).await?;
    Ok(web::Json(MySessions { items }))
}

/// The live sessions of a user, the request's own marked (for the API and `/settings`).
pub async fn live_sessions(
    state: &AppState,
    req: &HttpRequest,
    user_id: &str,
) -> Result<Vec<SessionInfo>, Error> {
    let (now, limits, current) = (state.now(), state.config.sessions, session_id(req));
    let user_id = user_id.to_string();
    state
        .db(move |conn| {
            Ok(sessions::live_of(
                conn,
                &user_id,
                now,
                limits,
                current.as_deref(),
            )?)
        })
        .await
}

/// Signs out everywhere else: every session of the user ends but the one asking (all of them
/// when asked with an API token).
#[utoipa::path(tag = "session", responses((status = 204, description = "ended")))]
#[delete("/me/sessions")]
pub async fn end_other_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
) -> Result<HttpResponse, Error> {
    let (now, user, current) = (state.now(), user.0, session_id(&req));
    state
        .write(move |tx| sessions::end_others(tx, now, &user, current.as_deref()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends one of the signed-in user's sessions (the one asking too: that signs it out).
#[utoipa::path(
    tag = "session",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "ended"),
        (status = 404, body = ErrorBody, description = "no such live session of yours")
    )
)]
#[delete("/me/sessions/{id}")]
pub async fn end_session(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (now, user, id) = (state.now(), user.0, id.into_inner());
    state
        .write(move |tx| sessions::revoke_own(tx, now, &user, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
