//! The entry-exit filing list (出入境备案): who must be on file, what changed since the last
//! filing, and recording a filing (security).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use crate::db::filing::{self, Filing, FilingChanges, FilingEntry};
use crate::domain::FieldErrors;
use crate::domain::filing::{check_filed_on, check_reference};
use crate::domain::people::parse_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::ChangeErrors;
use crate::http::extract::{Authorized, FilingReaders, JsonBody, SecurityOnly};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(FilingReaders, list);
    r.service(FilingReaders, changes);
    r.service(SecurityOnly, record);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FilingList {
    pub on_file: Vec<FilingEntry>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct FilingRecord {
    /// YYYY-MM-DD, the day it was sent (not after today).
    filed_on: String,
    /// The administration's reference (receipt number).
    reference: String,
}

/// The company's date today.
fn today(state: &AppState) -> chrono::NaiveDate {
    crate::clock::company_date(state.now(), state.config.timezone)
}

/// Everyone who must be on file with the entry-exit administration today: serving classified
/// staff and everyone in a declassification period, with the day each is to be taken off.
#[utoipa::path(tag = "filing", responses((status = 200, body = FilingList), (status = 403, body = crate::http::error::ErrorBody, description = "a role that does not read the filing list")))]
#[get("/entry-exit-filing")]
pub async fn list(
    state: web::Data<AppState>,
    _user: Authorized<FilingReaders>,
) -> Result<web::Json<FilingList>, Error> {
    let today = today(&state);
    let on_file = state
        .db(move |conn| Ok(filing::on_file(conn, today)?))
        .await?;
    Ok(web::Json(FilingList { on_file }))
}

/// What the next filing must send: additions, removals and new removal dates since the last.
#[utoipa::path(tag = "filing", responses((status = 200, body = FilingChanges), (status = 403, body = crate::http::error::ErrorBody, description = "a role that does not read the filing list")))]
#[get("/entry-exit-filing/changes")]
pub async fn changes(
    state: web::Data<AppState>,
    _user: Authorized<FilingReaders>,
) -> Result<web::Json<FilingChanges>, Error> {
    let today = today(&state);
    let found = state
        .db(move |conn| Ok(filing::changes(conn, today)?))
        .await?;
    Ok(web::Json(found))
}

/// Checks a filing's fields: its day and its reference.
pub fn check(
    filed_on: &str,
    reference: &str,
    today: chrono::NaiveDate,
) -> Result<(chrono::NaiveDate, String), Error> {
    let mut errors = FieldErrors::new();
    let filed_on = errors
        .check("filed_on", parse_date(filed_on))
        .and_then(|d| errors.check("filed_on", check_filed_on(d, today)));
    let reference = errors.check("reference", check_reference(reference));
    match (filed_on, reference) {
        (Some(d), Some(r)) if errors.is_empty() => Ok((d, r)),
        _ => Err(errors.into()),
    }
}

/// Records that the list as it stands was filed; the next changes count from it.
#[utoipa::path(
    tag = "filing",
    request_body = FilingRecord,
    responses((status = 201, body = Filing), ChangeErrors)
)]
#[post("/entry-exit-filings")]
pub async fn record(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    body: JsonBody<FilingRecord>,
) -> Result<HttpResponse, Error> {
    let now = state.now();
    let today = today(&state);
    let (filed_on, reference) = check(&body.0.filed_on, &body.0.reference, today)?;
    let user = user.0;
    let filing = state
        .write(move |tx| filing::record(tx, now, today, &user, filed_on, &reference))
        .await?;
    Ok(HttpResponse::Created().json(filing))
}
