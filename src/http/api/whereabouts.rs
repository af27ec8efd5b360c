//! Where former employees work now (离职去向): HR records a new employer, HR, security and
//! administrators read them; the competitor list HR keeps. The person's own report through
//! their link is a page (`web::whereabouts`).

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;

use crate::db::employees::Scope;
use crate::db::whereabouts::{self, Competitor, Whereabouts};
use crate::domain::FieldErrors;
use crate::domain::whereabouts::{NewWhereabouts, parse_credit_code};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::{Authorized, HrOnly, JsonBody, Overseers};
use crate::http::routes::ApiRoutes;
use crate::problem;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(HrOnly, record);
    r.service(Overseers, list);
    r.service(Overseers, competitor_list);
    r.service(HrOnly, add_competitor);
    r.service(HrOnly, remove_competitor);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WhereaboutsBody {
    /// The new employer's name.
    employer: String,
    /// The post there.
    #[serde(default)]
    post: String,
    /// The employer's unified social credit code (18 characters), if known.
    #[serde(default)]
    credit_code: String,
    /// YYYY-MM-DD, the first day there.
    starts_on: String,
    /// YYYY-MM-DD, the last day there, if it ended; empty: still there.
    #[serde(default)]
    ends_on: String,
    /// competitor, foreign or other, given by hand; empty: competitor when the employer is on
    /// the competitor list, else other.
    #[serde(default)]
    kind: String,
}

impl WhereaboutsBody {
    pub fn parse(&self) -> Result<NewWhereabouts, Error> {
        Ok(NewWhereabouts::parse(
            &self.employer,
            &self.post,
            &self.credit_code,
            &self.starts_on,
            &self.ends_on,
            &self.kind,
        )?)
    }
}

/// HR records a person's new employer. When the person's running restrictions forbid it (a
/// competitor during a non-compete, a foreign employer during a declassification period of a
/// tier the policy forbids it for), it opens a breach case about that obligation — one for an
/// employer and obligation — and HR and security are emailed.
#[utoipa::path(
    tag = "whereabouts",
    params(("id" = String, Path, description = "the employee")),
    request_body = WhereaboutsBody,
    responses((status = 201, body = Whereabouts), ChangeErrors)
)]
#[post("/employees/{id}/whereabouts")]
pub async fn record(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<WhereaboutsBody>,
) -> Result<HttpResponse, Error> {
    let new = body.0.parse()?;
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    let found = state
        .write(move |tx| {
            let scope = Scope::of(tx, &user)?;
            let employee = crate::db::employees::get(tx, &scope, &id)?;
            whereabouts::record(tx, now, today, Some(&user), &employee, &new)
        })
        .await?;
    Ok(HttpResponse::Created().json(found))
}

/// A person's new employers, the latest first (HR, security, administrators; a manager does
/// not read them).
#[utoipa::path(
    tag = "whereabouts",
    params(("id" = String, Path, description = "the employee")),
    responses((status = 200, body = Vec<Whereabouts>), ReadErrors)
)]
#[get("/employees/{id}/whereabouts")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<web::Json<Vec<Whereabouts>>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let found = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            crate::db::employees::get(conn, &scope, &id)?;
            Ok(whereabouts::of_employee(conn, &id)?)
        })
        .await?;
    Ok(web::Json(found))
}

/// The competitor list HR keeps, by name.
#[utoipa::path(
    tag = "whereabouts",
    responses((status = 200, body = Vec<Competitor>), (status = 403, body = ErrorBody))
)]
#[get("/competitors")]
pub async fn competitor_list(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
) -> Result<web::Json<Vec<Competitor>>, Error> {
    let found = state
        .db(|conn| Ok(whereabouts::competitor_list(conn)?))
        .await?;
    Ok(web::Json(found))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CompetitorBody {
    name: String,
    /// The unified social credit code (18 characters), if known.
    #[serde(default)]
    credit_code: String,
}

/// HR adds a competitor to the list (a name listed already is refused on `name`).
#[utoipa::path(
    tag = "whereabouts",
    request_body = CompetitorBody,
    responses((status = 201, body = Competitor), InputErrors)
)]
#[post("/competitors")]
pub async fn add_competitor(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    body: JsonBody<CompetitorBody>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let name = b.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", problem!("required"));
    } else if name.chars().count() > 200 {
        errors.add("name", problem!("too_long", max = 200));
    }
    let code = errors.check("credit_code", parse_credit_code(&b.credit_code));
    errors.finish()?;
    let (user, now, code) = (user.0, state.now(), code.flatten());
    let added = state
        .write(move |tx| whereabouts::add_competitor(tx, now, &user, &name, code))
        .await?;
    Ok(HttpResponse::Created().json(added))
}

/// HR takes a competitor off the list; records made while it was listed keep their kind. One
/// not on the list is already off.
#[utoipa::path(
    tag = "whereabouts",
    params(("id" = String, Path, description = "the competitor")),
    responses((status = 204, description = "not on the list now"), (status = 403, body = ErrorBody))
)]
#[delete("/competitors/{id}")]
pub async fn remove_competitor(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    state
        .write(move |tx| whereabouts::remove_competitor(tx, now, &user, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
