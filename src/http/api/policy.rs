//! The confidentiality policy: readable by every staff role, changed only by an admin.

use actix_web::{get, put, web};
use serde::Serialize;

use crate::db::policy;
use crate::domain::policy::Policy;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::InputErrors;
use crate::http::extract::{Admins, AnyRole, Authorized, JsonBody};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(AnyRole, get);
    r.service(Admins, replace);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PolicyInForce {
    /// 0 while the defaults are in force.
    pub version: i32,
    pub policy: Policy,
}

/// The policy in force.
#[utoipa::path(
    tag = "policy",
    responses((status = 200, body = PolicyInForce))
)]
#[get("/policy")]
pub async fn get(
    state: web::Data<AppState>,
    _user: Authorized<AnyRole>,
) -> Result<web::Json<PolicyInForce>, Error> {
    let (version, policy) = state.db(policy::current).await?;
    Ok(web::Json(PolicyInForce { version, policy }))
}

/// Puts a new policy in force (admin). It applies to obligations created from now on;
/// existing obligations keep their dates.
#[utoipa::path(
    tag = "policy",
    request_body = Policy,
    responses(
        (status = 200, body = PolicyInForce),
        InputErrors
    )
)]
#[put("/policy")]
pub async fn replace(
    state: web::Data<AppState>,
    user: Authorized<Admins>,
    body: JsonBody<Policy>,
) -> Result<web::Json<PolicyInForce>, Error> {
    Ok(web::Json(put_in_force(&state, &user.0.id, body.0).await?))
}

/// Checks a policy and, when it holds, puts it in force as the next version.
pub async fn put_in_force(
    state: &AppState,
    actor_id: &str,
    new: Policy,
) -> Result<PolicyInForce, Error> {
    new.check()?;
    let (actor, now) = (actor_id.to_string(), state.now());
    let version = state
        .write(move |conn| policy::replace(conn, now, &actor, &new))
        .await?;
    let (_, policy) = state.db(policy::current).await?;
    Ok(PolicyInForce { version, policy })
}
