//! What a non-compete owes each month: agreed, or computed where none was agreed (SPC
//! Interpretation (I) art. 36).

use actix_web::{get, web};

use crate::db::{noncompete, obligations, policy};
use crate::domain::noncompete_terms::Compensation;
use crate::domain::obligations::ObligationKind;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ErrorBody, ReadErrors};
use crate::http::extract::{Authorized, Overseers};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Overseers, compensation);
}

/// The compensation each month of the non-compete owes: the agreed amount (standing even below
/// the floor), or where none was agreed 30% of the average wage of the 12 months before
/// leaving, not below the minimum wage in force on the last working day where the contract
/// was performed. 404 when no agreement is recorded.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the non-compete obligation")),
    responses(
        (status = 200, body = Compensation),
        ReadErrors,
        (status = 409, body = ErrorBody, description = "not a non-compete")
    )
)]
#[get("/obligations/{id}/compensation")]
pub async fn compensation(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<web::Json<Compensation>, Error> {
    let id = id.into_inner();
    let owed = state
        .db(move |conn| {
            let o = obligations::find(conn, &id)?;
            if o.kind != ObligationKind::NonCompete {
                return Err(Error::refused(crate::problem!("not_a_non_compete")));
            }
            let (_, p) = policy::current(conn)?;
            let agreement =
                noncompete::agreement_of(conn, &o.employee_id)?.ok_or(Error::NotFound)?;
            let left_on = o.starts_on.pred_opt().unwrap_or(o.starts_on);
            Ok(agreement.compensation(&p, left_on))
        })
        .await?;
    Ok(web::Json(owed))
}
