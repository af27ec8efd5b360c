//! Clearance tier changes: propose, review, approve; the queue and an employee's tier history.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::clearance::{self, ChangeFilter, ClearanceChange, TierHistory};
use crate::db::employees::{self, Scope};
use crate::domain::FieldErrors;
use crate::domain::clearance::{Decision, Step, Verdict, check_reason};
use crate::domain::people::ClearanceTier;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    AnyRole, Authorized, JsonBody, ListPage, Overseers, QueryParams, RoleSet, TierApprovers,
    TierProposers, TierReviewers, Window, given,
};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(TierProposers, propose);
    r.service(TierReviewers, review);
    r.service(TierApprovers, approve);
    r.service(Overseers, list);
    r.service(AnyRole, history);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Proposal {
    to_tier: ClearanceTier,
    reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StepDecision {
    decision: Decision,
    reason: String,
}

list_query! {
    pub struct ChangeQuery {
        /// proposed, reviewed, approved or rejected.
        pub status: Option<String>,
        /// The employee whose tier the changes are about.
        pub employee_id: Option<String>,
        /// The user who proposed them.
        pub proposed_by: Option<String>,
        /// proposed or effective; `-` before it for descending (default: oldest proposal first).
        pub sort: Option<String>,
    }
}

impl ChangeQuery {
    /// The filter and the window of rows asked for, checked (the API list and the page).
    pub fn parse(self) -> Result<(ChangeFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let filter = ChangeFilter {
            status: errors.optional("status", self.status),
            employee_id: given(self.employee_id),
            proposed_by: given(self.proposed_by),
            followed_by: None,
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

/// Proposes a new tier for an employee (HR, or a manager for their own reports).
#[utoipa::path(
    tag = "clearance",
    params(("id" = String, Path, description = "the employee")),
    request_body = Proposal,
    responses(
        (status = 201, body = ClearanceChange),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "a change is already waiting")
    )
)]
#[post("/employees/{id}/clearance-changes")]
pub async fn propose(
    state: web::Data<AppState>,
    user: Authorized<TierProposers>,
    id: web::Path<String>,
    body: JsonBody<Proposal>,
) -> Result<HttpResponse, Error> {
    let Proposal { to_tier, reason } = body.0;
    let reason = check_reason(&reason).map_err(|m| Error::field("reason", m))?;
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let change = state
        .write(move |conn| clearance::propose(conn, now, &user, &id, to_tier, &reason))
        .await?;
    Ok(HttpResponse::Created().json(change))
}

async fn decide<R: RoleSet>(
    state: web::Data<AppState>,
    user: Authorized<R>,
    id: String,
    body: StepDecision,
    step: Step,
) -> Result<web::Json<ClearanceChange>, Error> {
    let reason = check_reason(&body.reason).map_err(|m| Error::field("reason", m))?;
    let (user, now, tz) = (user.0, state.now(), state.config.timezone);
    let decision = body.decision;
    let change = state
        .write(move |conn| {
            let verdict = Verdict {
                decision,
                reason: &reason,
            };
            clearance::decide(conn, now, tz, &user, &id, step, verdict)
        })
        .await?;
    Ok(web::Json(change))
}

/// The review step (HR, or a manager above the person in the reporting line; never the
/// proposer): approve passes the change on to security; reject ends it.
#[utoipa::path(
    tag = "clearance",
    params(("id" = String, Path)),
    request_body = StepDecision,
    responses(
        (status = 200, body = ClearanceChange),
        (status = 403, body = ErrorBody, description = "wrong role, a manager outside the person's reporting line, or one's own proposal"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the change is not waiting for review"),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/clearance-changes/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    user: Authorized<TierReviewers>,
    id: web::Path<String>,
    body: JsonBody<StepDecision>,
) -> Result<web::Json<ClearanceChange>, Error> {
    decide(state, user, id.into_inner(), body.0, Step::Review).await
}

/// The approval step (security; never the proposer nor the reviewer): an approved change
/// takes effect from today's company date.
#[utoipa::path(
    tag = "clearance",
    params(("id" = String, Path)),
    request_body = StepDecision,
    responses(
        (status = 200, body = ClearanceChange),
        (status = 403, body = ErrorBody, description = "wrong role, or one's own proposal or review"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the change is not waiting for approval"),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/clearance-changes/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    user: Authorized<TierApprovers>,
    id: web::Path<String>,
    body: JsonBody<StepDecision>,
) -> Result<web::Json<ClearanceChange>, Error> {
    decide(state, user, id.into_inner(), body.0, Step::Approval).await
}

/// Tier changes, oldest first: `status=proposed` is HR's queue, `status=reviewed` security's.
#[utoipa::path(
    tag = "clearance",
    params(ChangeQuery),
    responses(
        (status = 200, body = ListPage<ClearanceChange>),
        InputErrors
    )
)]
#[get("/clearance-changes")]
pub async fn list(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    query: QueryParams<ChangeQuery>,
) -> Result<web::Json<ListPage<ClearanceChange>>, Error> {
    let (filter, window) = query.0.parse()?;
    let found = state
        .db(move |conn| Ok(clearance::list(conn, &filter, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}

/// An employee's tier history: each change with every step, and each exit from a classified post.
#[utoipa::path(
    tag = "clearance",
    params(("id" = String, Path, description = "the employee")),
    responses(
        (status = 200, body = TierHistory),
        ReadErrors
    )
)]
#[get("/employees/{id}/clearance-history")]
pub async fn history(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<TierHistory>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let history = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            employees::get(conn, &scope, &id)?;
            Ok(clearance::history(conn, &id)?)
        })
        .await?;
    Ok(web::Json(history))
}
