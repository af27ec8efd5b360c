//! The carrier register (载体): registering, custody moves, destruction, history.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::carriers::{self, Carrier, CarrierDetail, CarrierFilter, Custody};
use crate::db::employees::Scope;
use crate::db::write_tx;
use crate::domain::FieldErrors;
use crate::domain::carriers::{CarrierKind, Classification, NewCarrier};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::ErrorBody;
use crate::http::extract::{
    AnyRole, Authorized, JsonBody, ListPage, Overseers, Paging, QueryParams, SecurityOnly,
};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewCarrierBody {
    tag: String,
    kind: CarrierKind,
    #[serde(default)]
    description: String,
    classification: Classification,
    /// The employee who holds it; leave out for the pool.
    custodian_id: Option<String>,
    /// Copies of a document (default 1).
    copies: Option<i32>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CarrierQuery {
    /// A person's current custody list.
    custodian_id: Option<String>,
    /// Part of the tag or description.
    q: Option<String>,
    /// in_custody, in_pool or destroyed.
    status: Option<String>,
    /// top_secret, secret, confidential or internal.
    classification: Option<String>,
    #[param(minimum = 1)]
    page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u32>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Assign {
    custodian_id: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Transfer {
    to_custodian_id: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Return {
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Destroy {
    /// Two different employees who witnessed the destruction.
    witness_ids: Vec<String>,
    #[serde(default)]
    note: String,
}

/// Registers a carrier, held by a custodian or in the pool.
#[utoipa::path(
    tag = "carriers",
    request_body = NewCarrierBody,
    responses(
        (status = 201, body = Carrier),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/carriers")]
pub async fn register(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    body: JsonBody<NewCarrierBody>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let new = NewCarrier::parse(&b.tag, b.kind, &b.description, b.classification, b.copies)?;
    let custodian = b.custodian_id.filter(|c| !c.trim().is_empty());
    let (actor, now) = (user.0.id, state.now());
    let carrier = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                carriers::register(conn, now, &actor, &new, custodian.as_deref())
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(carrier))
}

/// Carriers, by tag: everyone's for admin, HR and security; a manager's reports' for a manager.
#[utoipa::path(
    tag = "carriers",
    params(CarrierQuery),
    responses(
        (status = 200, body = ListPage<Carrier>),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/carriers")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<CarrierQuery>,
) -> Result<web::Json<ListPage<Carrier>>, Error> {
    let q = query.0;
    let window = Paging {
        page: q.page,
        per_page: q.per_page,
    }
    .resolve()?;
    let mut errors = FieldErrors::new();
    let filter = CarrierFilter {
        custodian_id: q.custodian_id.filter(|c| !c.is_empty()),
        q: q.q,
        status: errors.optional("status", q.status),
        classification: errors.optional("classification", q.classification),
    };
    errors.finish()?;
    let user = user.0;
    let found = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            Ok(carriers::list(
                conn,
                &scope,
                &filter,
                window.offset,
                window.limit,
            )?)
        })
        .await?;
    Ok(web::Json(window.page(found)))
}

/// One carrier with its custody history.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CarrierDetail),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/carriers/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<CarrierDetail>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let detail = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            carriers::get(conn, &scope, &id)
        })
        .await?;
    Ok(web::Json(detail))
}

async fn move_custody(
    state: web::Data<AppState>,
    actor: String,
    id: String,
    change: Custody,
    note: String,
) -> Result<web::Json<Carrier>, Error> {
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "is longer than 2000 characters"));
    }
    let now = state.now();
    let carrier = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                carriers::move_custody(conn, now, &actor, &id, &change, note.trim())
            })
        })
        .await?;
    Ok(web::Json(carrier))
}

/// Gives a carrier from the pool to a custodian.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Assign,
    responses(
        (status = 200, body = Carrier),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not in the pool"),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/carriers/{id}/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<Assign>,
) -> Result<web::Json<Carrier>, Error> {
    let Assign { custodian_id, note } = body.0;
    let change = Custody::Assign { to: custodian_id };
    move_custody(state, user.0.id, id.into_inner(), change, note).await
}

/// Moves a held carrier to another custodian.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Transfer,
    responses(
        (status = 200, body = Carrier),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not held by anyone"),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/carriers/{id}/transfer")]
pub async fn transfer(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<Transfer>,
) -> Result<web::Json<Carrier>, Error> {
    let Transfer {
        to_custodian_id,
        note,
    } = body.0;
    let change = Custody::Transfer {
        to: to_custodian_id,
    };
    move_custody(state, user.0.id, id.into_inner(), change, note).await
}

/// Takes a held carrier back into the pool.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Return,
    responses(
        (status = 200, body = Carrier),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not held by anyone"),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/carriers/{id}/return")]
pub async fn return_to_pool(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
    body: JsonBody<Return>,
) -> Result<web::Json<Carrier>, Error> {
    move_custody(
        state,
        user.0.id,
        id.into_inner(),
        Custody::Return,
        body.0.note,
    )
    .await
}

/// Records a carrier's destruction: approved by the security officer who records it, before
/// two witnesses.
#[utoipa::path(
    tag = "carriers",
    params(("id" = String, Path)),
    request_body = Destroy,
    responses(
        (status = 200, body = Carrier),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already destroyed"),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/carriers/{id}/destroy")]
pub async fn destroy(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<Destroy>,
) -> Result<web::Json<Carrier>, Error> {
    let Destroy { witness_ids, note } = body.0;
    let change = Custody::Destroy {
        witnesses: witness_ids,
    };
    move_custody(state, user.0.id, id.into_inner(), change, note).await
}
