//! `/obligations/{id}/waive` and `/obligations/{id}/rescind` (HR): the page of an irreversible
//! end of a non-compete, with its consequences, the reason and the confirming tick.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::render_page;
use super::{gather, money};
use crate::clock::company_date;
use crate::db::users::User;
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, HrOnly};

/// The page of an irreversible end: the consequences, the reason and the tick.
async fn end_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: User,
    id: String,
    rescind: bool,
) -> Result<HttpResponse, Error> {
    let today = company_date(state.now(), state.config.timezone);
    let who = user.clone();
    let g = state.db(move |conn| gather(conn, &who, &id, today)).await?;
    let o = &g.detail.obligation;
    if o.kind != ObligationKind::NonCompete {
        return Err(Error::refused(crate::problem!("not_a_non_compete")));
    }
    let left_on = o.starts_on.pred_opt().unwrap_or(o.starts_on);
    let extra = g.agreement.as_ref().and_then(|a| {
        let monthly = a.compensation(&g.policy, left_on).owed_monthly?;
        Some(format!(
            "{} {}",
            money(monthly * crate::domain::noncompete::WAIVER_EXTRA_MONTHS),
            a.currency
        ))
    });
    let ledger = g.ledger.as_ref();
    let term = crate::domain::periods::Period {
        starts_on: o.starts_on,
        ends_on: o.ends_on.unwrap_or(o.starts_on),
    };
    let owes_extra = crate::domain::noncompete::waiver_owes_extra(term, today);
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "obligations_end.html",
        context! {
            rescind,
            o => context! {
                id => o.id,
                kind => o.kind,
                status => o.status,
                starts_on => o.starts_on.to_string(),
                ends_on => o.ends_on.map(|d| d.to_string()),
            },
            person => context! { id => g.employee.id, name => g.employee.name },
            active => o.status == ObligationStatus::Active,
            extra,
            owes_extra,
            extra_months => crate::domain::noncompete::WAIVER_EXTRA_MONTHS,
            late_months => ledger.map(|l| l.late_months),
            may_rescind => ledger.is_some_and(|l| l.alert == "may_rescind"),
            grace_months => g.policy.non_compete_grace_months,
        },
    )
}

/// GET /obligations/{id}/waive (HR)
pub(super) async fn waive_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    end_page(state, req, user.0, id.into_inner(), false).await
}

/// GET /obligations/{id}/rescind (HR)
pub(super) async fn rescind_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    end_page(state, req, user.0, id.into_inner(), true).await
}
