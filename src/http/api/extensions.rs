//! Extensions of declassification periods: requested by HR or security, approved by security.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::extensions::{self, Extension, ExtensionSort};
use crate::domain::FieldErrors;
use crate::domain::clearance::{ChangeStatus, Decision, check_reason};
use crate::domain::people::parse_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    Authorized, JsonBody, ListPage, Overseers, QueryParams, SecurityOnly, Window,
};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Overseers, request);
    r.service(SecurityOnly, approve);
    r.service(Overseers, list);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExtensionRequest {
    /// YYYY-MM-DD, after the current end.
    new_end: String,
    reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExtensionDecision {
    decision: Decision,
    reason: String,
}

list_query! {
    pub struct ExtensionQuery {
        /// proposed, approved or rejected.
        pub status: Option<String>,
        /// requested or new_end; `-` before it for descending (default: oldest request first).
        pub sort: Option<String>,
    }
}

impl ExtensionQuery {
    /// The status, the order and the window of rows asked for, checked (the API list and the
    /// page).
    pub fn parse(self) -> Result<(Option<ChangeStatus>, Option<ExtensionSort>, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let status = errors.optional("status", self.status);
        let sort = errors.optional("sort", self.sort);
        errors.finish()?;
        Ok((status, sort, window))
    }
}

/// The instant of a request and its company date.
fn at(state: &AppState) -> extensions::At {
    let now = state.now();
    extensions::At {
        now,
        today: crate::clock::company_date(now, state.config.timezone),
    }
}

/// Requests the extension of a declassification period; security approves it.
#[utoipa::path(
    tag = "obligations",
    params(("id" = String, Path, description = "the obligation")),
    request_body = ExtensionRequest,
    responses(
        (status = 201, body = Extension),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "not an active declassification period")
    )
)]
#[post("/obligations/{id}/extensions")]
pub async fn request(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<ExtensionRequest>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let new_end = parse_date(&b.new_end).map_err(|m| Error::field("new_end", m))?;
    let reason = check_reason(&b.reason).map_err(|m| Error::field("reason", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let ext = state
        .write(move |conn| extensions::request(conn, at, &user, &id, new_end, &reason))
        .await?;
    Ok(HttpResponse::Created().json(ext))
}

/// Security approves or rejects an extension (never their own request).
#[utoipa::path(
    tag = "obligations",
    params(("id" = String, Path, description = "the extension")),
    request_body = ExtensionDecision,
    responses(
        (status = 200, body = Extension),
        ChangeErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[post("/extensions/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<ExtensionDecision>,
) -> Result<web::Json<Extension>, Error> {
    let b = body.0;
    let reason = check_reason(&b.reason).map_err(|m| Error::field("reason", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let ext = state
        .write(move |conn| extensions::decide(conn, at, &user, &id, b.decision, &reason))
        .await?;
    Ok(web::Json(ext))
}

/// Extension requests, oldest first: `status=proposed` is security's queue.
#[utoipa::path(
    tag = "obligations",
    params(ExtensionQuery),
    responses(
        (status = 200, body = ListPage<Extension>),
        InputErrors
    )
)]
#[get("/extensions")]
pub async fn list(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    query: QueryParams<ExtensionQuery>,
) -> Result<web::Json<ListPage<Extension>>, Error> {
    let (status, sort, window) = query.0.parse()?;
    let found = state
        .db(move |conn| Ok(extensions::list(conn, status, sort, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}
