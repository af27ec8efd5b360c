//! `/whereabouts/{token}`: a former employee tells the company about a new employer, through
//! the signed link of their reminder (the acknowledgement page links here), in their
//! language. The record is the same as HR's: a forbidden one opens a case and tells HR and
//! security; the person is only thanked.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::forms::after_acting;
use super::{message_page, render_page_in};
use crate::auth::LinkPurpose;
use crate::db::employees::Employee;
use crate::db::{reminders, whereabouts};
use crate::domain::users::Language;
use crate::domain::whereabouts::{EmployerKind, NewWhereabouts};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::CsrfForm;

/// The person a link is for, if it verifies, has not expired and is a former employee's
/// reminder's.
async fn person(state: &AppState, token: &str) -> Result<Option<Employee>, Error> {
    let Ok(id) = state
        .links
        .verify(LinkPurpose::Acknowledge, token, state.now())
    else {
        return Ok(None);
    };
    state
        .db(move |conn| {
            let Some(reminder) = reminders::get(conn, &id)? else {
                return Ok(None);
            };
            let Some(employee_id) = reminder.employee_id else {
                return Ok(None);
            };
            Ok(crate::db::employees::find(conn, &employee_id)?)
        })
        .await
}

/// The page in the person's language (unless they chose the other one on the page), with
/// what they reported before.
async fn report_page(
    state: &AppState,
    req: &HttpRequest,
    employee: &Employee,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let lang: Language = req
        .cookie(super::language::LANGUAGE_COOKIE)
        .and_then(|c| c.value().parse().ok())
        .unwrap_or(employee.language);
    let id = employee.id.clone();
    let (rows, company) = state
        .db(move |conn| {
            let rows = whereabouts::of_employee(conn, &id)?;
            Ok((rows, crate::db::policy::identity(conn)?))
        })
        .await?;
    let reported: Vec<Value> = rows
        .iter()
        .map(|w| {
            context! {
                employer => w.employer, post => w.post, starts_on => w.starts_on.to_string(),
                ends_on => w.ends_on.map(|d| d.to_string()),
            }
        })
        .collect();
    render_page_in(
        state,
        req,
        None,
        lang,
        status,
        "whereabouts_report.html",
        context! {
            name => employee.name,
            reported,
            kinds => [
                ["other", "whereabouts.report.kind_other"],
                ["foreign", "whereabouts.report.kind_foreign"],
            ],
            company => company.view(lang),
        },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    match person(&state, &token.into_inner()).await? {
        Some(e) => report_page(&state, &req, &e, StatusCode::OK).await,
        None => message_page(&state, &req, StatusCode::NOT_FOUND, "ack_link_invalid"),
    }
}

/// The person's report: employer, post, dates, and whether it is a foreign body (a
/// competitor is known from the list HR keeps).
pub async fn report(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, Error> {
    let token = token.into_inner();
    let Some(employee) = person(&state, &token).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "ack_link_invalid");
    };
    // What was typed, without the form layer's own fields.
    let fields: BTreeMap<String, String> = form
        .0
        .into_iter()
        .filter(|(k, _)| !k.starts_with('_') && k != "csrf")
        .collect();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    // The person says only whether it is foreign; "other" leaves the kind to the list.
    let kind = match field("kind").trim() {
        "foreign" => EmployerKind::Foreign.as_str(),
        _ => "",
    };
    let parsed = NewWhereabouts::parse(
        &field("employer"),
        &field("post"),
        "",
        &field("starts_on"),
        &field("ends_on"),
        kind,
    );
    let now = state.now();
    let today = crate::clock::company_date(now, state.config.timezone);
    let done = match parsed {
        Err(errors) => Err(Error::Validation(errors)),
        Ok(new) => {
            let who = employee.clone();
            state
                .write(move |tx| whereabouts::record(tx, now, today, None, &who, &new))
                .await
        }
    };
    let to = format!("/whereabouts/{token}");
    after_acting(
        &state,
        &req,
        done,
        (&to, "whereabouts_reported"),
        fields.clone(),
        || report_page(&state, &req, &employee, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await
}
