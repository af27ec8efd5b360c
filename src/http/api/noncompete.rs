//! Non-compete agreements (竞业限制): the terms, the monthly payments, waiver and rescission.

use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;

use crate::db::noncompete::{self, Agreement, AgreementTerms, Ledger};
use crate::db::{employees, policy};
use crate::domain::FieldErrors;
use crate::domain::departures::DepartureStatus;
use crate::domain::noncompete::{EarlyEnd, below_floor, check_length, minor_units};
use crate::domain::noncompete_terms::{self, BoundAs, Compensation, check_region, may_be_bound};
use crate::domain::people::{EmployeeStatus, parse_date};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, ReadErrors};
use crate::http::extract::{Authorized, HrOnly, JsonBody, Overseers, given};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(HrOnly, put_terms);
    r.service(HrOnly, pay);
    r.service(HrOnly, reverse);
    r.service(Overseers, ledger);
    r.service(HrOnly, waive);
    r.service(HrOnly, waive_before_term);
    r.service(HrOnly, rescind);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Terms {
    /// Length in months from the departure (at most the policy's cap, 24 by law).
    months: u32,
    /// Paid each month of the term, e.g. 8000.00; leave it out when none was agreed: each
    /// month then owes 30% of `average_monthly_wage`, not below the minimum wage of
    /// `contract_region` (SPC Interpretation (I) art. 36).
    monthly_compensation: Option<f64>,
    /// e.g. CNY
    currency: String,
    /// Competitors and roles covered.
    scope: String,
    region: String,
    /// Why the person may be bound (Labor Contract Law art. 24): senior_management,
    /// senior_technical or confidentiality_duty. Required.
    #[schema(value_type = Option<BoundAs>)]
    bound_as: Option<String>,
    /// The liquidated damages a breach owes, e.g. 50000.00, if the agreement names them
    /// (paying them does not end the non-compete).
    liquidated_damages: Option<f64>,
    /// The average monthly wage of the 12 months before leaving (for the floor, and the
    /// compensation where none was agreed, when it is then required).
    average_monthly_wage: Option<f64>,
    /// Where the contract was performed, as the policy's `minimum_wages` name it: its minimum
    /// wage in force on the last working day is the compensation's floor.
    contract_region: Option<String>,
}

/// An agreement with what it owes a month (on the last working day of the departure under
/// way, or today's when none is).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct AgreementAnswer {
    #[serde(flatten)]
    agreement: Agreement,
    compensation: Compensation,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Payment {
    /// The term month paid, 1..=N counted from the term's first day (a waiver's months follow
    /// the term's: N+1..N+3).
    #[schema(value_type = u32)]
    month: serde_json::Value,
    /// Any amount up to the month's balance, e.g. 8000.00; several payments may cover a month.
    amount: f64,
    /// YYYY-MM-DD
    paid_on: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EndReason {
    reason: String,
}

/// Records the non-compete agreed with an employee, before their departure. Longer than the
/// cap is refused; compensation below the floor is accepted with a warning kept on the record.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the employee")),
    request_body = Terms,
    responses(
        (status = 200, body = AgreementAnswer),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "the employee has already left")
    )
)]
#[put("/employees/{id}/non-compete")]
pub async fn put_terms(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<Terms>,
) -> Result<web::Json<AgreementAnswer>, Error> {
    let t = body.0;
    let mut errors = FieldErrors::new();
    let compensation = match t.monthly_compensation {
        None => Some(None),
        Some(c) => errors.check("monthly_compensation", minor_units(c).map(Some)),
    };
    let bound_as = errors.check("bound_as", may_be_bound(t.bound_as.as_deref()));
    let damages = match t.liquidated_damages {
        None => Some(None),
        Some(a) => errors.check("liquidated_damages", minor_units(a).map(Some)),
    };
    let average = match t.average_monthly_wage {
        None => Some(None),
        Some(w) => errors.check("average_monthly_wage", minor_units(w).map(Some)),
    };
    if t.monthly_compensation.is_none() && t.average_monthly_wage.is_none() {
        errors.add(
            "average_monthly_wage",
            crate::problem!("average_wage_when_none_agreed"),
        );
    }
    let contract_region = given(t.contract_region);
    if contract_region
        .as_ref()
        .is_some_and(|r| r.chars().count() > 100)
    {
        errors.add(
            "contract_region",
            crate::problem!("length_between", min = 1, max = 100),
        );
    }
    for (field, text) in [
        ("currency", &t.currency),
        ("scope", &t.scope),
        ("region", &t.region),
    ] {
        if text.trim().is_empty() || text.chars().count() > 500 {
            errors.add(field, crate::problem!("length_between", min = 1, max = 500));
        }
    }
    let (Some(compensation), Some(average), Some(bound_as), Some(liquidated_damages)) =
        (compensation, average, bound_as, damages)
    else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let (actor, id, now) = (user.0.id, id.into_inner(), state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    let agreement = state
        .write(move |conn| {
            let employee = employees::find(conn, &id)?.ok_or(Error::NotFound)?;
            if !matches!(
                employee.status,
                EmployeeStatus::Active | EmployeeStatus::Departing
            ) {
                return Err(Error::refused(crate::problem!(
                    "non_compete_before_departure"
                )));
            }
            let (_, p) = policy::current(conn)?;
            check_length(t.months, p.non_compete_cap_months)
                .map_err(|m| Error::field("months", m))?;
            if let Some(region) = &contract_region {
                check_region(&p.minimum_wages, region)
                    .map_err(|m| Error::field("contract_region", m))?;
            }
            let last_working_day = employees::departures_of(conn, &id)?
                .into_iter()
                .find(|d| d.status == DepartureStatus::InProgress)
                .map_or(today, |d| d.last_working_day);
            let owed = noncompete_terms::compensation(
                compensation,
                average,
                p.non_compete_floor_percent,
                &p.minimum_wages,
                contract_region.as_deref(),
                last_working_day,
            );
            let warning = compensation
                .filter(|_| owed.below_floor)
                .map(|c| below_floor(c, owed.floor, p.non_compete_floor_percent));
            let terms = AgreementTerms {
                months: t.months as i32,
                monthly_compensation: compensation,
                currency: t.currency.trim(),
                scope: t.scope.trim(),
                region: t.region.trim(),
                bound_as,
                liquidated_damages,
                contract_region: contract_region.as_deref(),
                average_monthly_wage: average,
                warning,
            };
            let agreement = noncompete::put_agreement(conn, now, &actor, &id, &terms)?;
            Ok(AgreementAnswer {
                agreement,
                compensation: owed,
            })
        })
        .await?;
    Ok(web::Json(agreement))
}

/// Records a payment of compensation for a term month (or a waiver's month): partial and
/// several payments allowed, up to the month's balance, also after the term ended, a waiver
/// or a rescission (the debt survives). Answers the ledger.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the non-compete obligation")),
    request_body = Payment,
    responses(
        (status = 201, body = Ledger),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "not a non-compete")
    )
)]
#[post("/obligations/{id}/payments")]
pub async fn pay(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<Payment>,
) -> Result<HttpResponse, Error> {
    let p = body.0;
    let mut errors = FieldErrors::new();
    let month = errors.check(
        "month",
        p.month
            .as_u64()
            .or_else(|| p.month.as_str().and_then(|m| m.trim().parse().ok()))
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m >= 1)
            .ok_or_else(|| crate::problem!("not_a_term_month")),
    );
    let amount = errors.check(
        "amount",
        minor_units(p.amount).and_then(|a| {
            if a > 0 {
                Ok(a)
            } else {
                Err(crate::problem!("amount_above_zero"))
            }
        }),
    );
    let paid_on = errors.check("paid_on", parse_date(&p.paid_on));
    let (Some(month), Some(amount), Some(paid_on)) = (month, amount, paid_on) else {
        return Err(Error::Validation(errors));
    };
    let (actor, id, now) = (user.0.id, id.into_inner(), state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    let book = state
        .write(move |conn| {
            noncompete::record_payment(conn, now, today, &actor, &id, month, amount, paid_on)?;
            let (_, p) = policy::current(conn)?;
            noncompete::ledger_of(conn, &id, today, p.non_compete_grace_months as usize)
        })
        .await?;
    Ok(HttpResponse::Created().json(book))
}

/// Each line's owed, paid and balance, in all, which months are paid, due or late (late only
/// after their due date) and whether HR must act.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the non-compete obligation")),
    responses(
        (status = 200, body = Ledger),
        ReadErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[get("/obligations/{id}/ledger")]
pub async fn ledger(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<web::Json<Ledger>, Error> {
    let id = id.into_inner();
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    let book = state
        .db(move |conn| {
            let (_, p) = policy::current(conn)?;
            noncompete::ledger_of(conn, &id, today, p.non_compete_grace_months as usize)
        })
        .await?;
    Ok(web::Json(book))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reversal {
    /// Why the payment was wrong.
    reason: String,
}

/// Corrects a wrong payment: kept on record, marked reversed with the reason (audited), no
/// longer counted. Answers the ledger.
#[utoipa::path(
    tag = "non-compete",
    params(
        ("id" = String, Path, description = "the non-compete obligation"),
        ("payment_id" = String, Path, description = "the payment")
    ),
    request_body = Reversal,
    responses(
        (status = 200, body = Ledger),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "already reversed")
    )
)]
#[post("/obligations/{id}/payments/{payment_id}/reverse")]
pub async fn reverse(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    path: web::Path<(String, String)>,
    body: JsonBody<Reversal>,
) -> Result<web::Json<Ledger>, Error> {
    let reason = checked_reason(&body.0.reason)?;
    let (id, payment_id) = path.into_inner();
    let (actor, now) = (user.0.id, state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    let book = state
        .write(move |conn| {
            noncompete::reverse_payment(conn, now, &actor, &id, &payment_id, &reason)?;
            let (_, p) = policy::current(conn)?;
            noncompete::ledger_of(conn, &id, today, p.non_compete_grace_months as usize)
        })
        .await?;
    Ok(web::Json(book))
}

fn checked_reason(reason: &str) -> Result<String, Error> {
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::field(
            "reason",
            crate::problem!("length_between", min = 1, max = 2000),
        ));
    }
    Ok(reason)
}

async fn end_early(
    state: web::Data<AppState>,
    actor: String,
    id: String,
    reason: String,
    how: EarlyEnd,
) -> Result<web::Json<serde_json::Value>, Error> {
    let reason = checked_reason(&reason)?;
    let now = state.now();
    let today = crate::clock::company_date(now, state.config.timezone);
    let record = state
        .write(move |tx| {
            let grace = policy::current(tx)?.1.non_compete_grace_months as usize;
            noncompete::end_early(tx, now, today, &actor, &id, how, grace, &reason)
        })
        .await?;
    Ok(web::Json(record))
}

/// The company waives the non-compete. During the term three more months of compensation are
/// owed (SPC Interpretation (I) art. 39), recorded in the ledger as months N+1..N+3 due like
/// any month; on or before the last working day nothing extra. The months begun by the waiver
/// stay owed, the later ones are not.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the non-compete obligation")),
    request_body = EndReason,
    responses(
        (status = 200, body = Object),
        ChangeErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[post("/obligations/{id}/waive")]
pub async fn waive(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<EndReason>,
) -> Result<web::Json<serde_json::Value>, Error> {
    end_early(
        state,
        user.0.id,
        id.into_inner(),
        body.0.reason,
        EarlyEnd::Waiver,
    )
    .await
}

/// The company waives the person's non-compete before it begins, on or before the last
/// working day of their departure: nothing extra is owed (SPC Interpretation (I) art. 39) and
/// the non-compete is created waived when the completion takes effect. Once the term has
/// begun, 409: the running non-compete is waived with `POST /obligations/{id}/waive`.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the departure")),
    request_body = EndReason,
    responses(
        (status = 200, body = Object),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "no agreement, already waived, or the term has begun")
    )
)]
#[post("/departures/{id}/non-compete/waive")]
pub async fn waive_before_term(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<EndReason>,
) -> Result<web::Json<serde_json::Value>, Error> {
    let reason = checked_reason(&body.0.reason)?;
    let now = state.now();
    let today = crate::clock::company_date(now, state.config.timezone);
    let (actor, id) = (user.0.id, id.into_inner());
    let record = state
        .write(move |tx| noncompete::waive_before_term(tx, now, today, &actor, &id, &reason))
        .await?;
    Ok(web::Json(record))
}

/// Records the former employee's rescission, possible once the unpaid months reach the grace.
#[utoipa::path(
    tag = "non-compete",
    params(("id" = String, Path, description = "the non-compete obligation")),
    request_body = EndReason,
    responses(
        (status = 200, body = Object),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "not enough unpaid months")
    )
)]
#[post("/obligations/{id}/rescind")]
pub async fn rescind(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<EndReason>,
) -> Result<web::Json<serde_json::Value>, Error> {
    end_early(
        state,
        user.0.id,
        id.into_inner(),
        body.0.reason,
        EarlyEnd::Rescission,
    )
    .await
}
