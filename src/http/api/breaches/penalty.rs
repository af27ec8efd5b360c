//! The penalty of a substantiated breach of a non-compete: claimed or not, paid or not.

use actix_web::{get, put, web};
use serde::Deserialize;

use crate::db::breaches::{self, CasePenalty, PenaltyRecord};
use crate::domain::FieldErrors;
use crate::domain::noncompete::minor_units;
use crate::domain::noncompete_terms::Penalty;
use crate::domain::people::parse_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, ReadErrors};
use crate::http::extract::{Authorized, JsonBody, OutcomeReaders, PenaltyKeepers, given};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PenaltyBody {
    /// Whether the company claimed the agreed liquidated damages.
    #[serde(default)]
    claimed: bool,
    /// e.g. 50000.00, with `claimed_on`.
    claimed_amount: Option<f64>,
    /// YYYY-MM-DD
    claimed_on: Option<String>,
    /// e.g. 50000.00, with `paid_on`; only once claimed.
    paid_amount: Option<f64>,
    /// YYYY-MM-DD, not before `claimed_on`.
    paid_on: Option<String>,
}

/// Records (or corrects) the penalty of a substantiated breach of a non-compete (HR or
/// security; audited). Paying it does not end the non-compete (SPC Interpretation (I) art. 40):
/// the obligation is left as it is.
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path, description = "the case")),
    request_body = PenaltyBody,
    responses(
        (status = 200, body = PenaltyRecord),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "the case is not substantiated, or not about a non-compete")
    )
)]
#[put("/breaches/{id}/penalty")]
pub async fn put_penalty(
    state: web::Data<AppState>,
    user: Authorized<PenaltyKeepers>,
    id: web::Path<String>,
    body: JsonBody<PenaltyBody>,
) -> Result<web::Json<PenaltyRecord>, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let mut amount = |field: &str, value: Option<f64>| match value {
        None => None,
        Some(v) => errors.check(field, minor_units(v)),
    };
    let claimed_amount = amount("claimed_amount", b.claimed_amount);
    let paid_amount = amount("paid_amount", b.paid_amount);
    let mut date = |field: &str, value: Option<String>| {
        given(value).and_then(|v| errors.check(field, parse_date(&v)))
    };
    let claimed_on = date("claimed_on", b.claimed_on);
    let paid_on = date("paid_on", b.paid_on);
    errors.finish()?;
    let penalty = Penalty {
        claimed: b.claimed,
        claimed_amount,
        claimed_on,
        paid_amount,
        paid_on,
    };
    let (actor, id, now) = (user.0.id, id.into_inner(), state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    Ok(web::Json(
        state
            .write(move |tx| breaches::record_penalty(tx, now, today, &actor, &id, &penalty))
            .await?,
    ))
}

/// The penalty recorded on a case (none until it is), with the liquidated damages the
/// agreement names (HR, security, admin).
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path, description = "the case")),
    responses(
        (status = 200, body = CasePenalty),
        ReadErrors
    )
)]
#[get("/breaches/{id}/penalty")]
pub async fn get_penalty(
    state: web::Data<AppState>,
    _user: Authorized<OutcomeReaders>,
    id: web::Path<String>,
) -> Result<web::Json<CasePenalty>, Error> {
    let id = id.into_inner();
    Ok(web::Json(
        state
            .db(move |conn| breaches::case_penalty(conn, &id))
            .await?,
    ))
}
