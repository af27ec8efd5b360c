//! The page a person in a declassification period reaches from their acknowledgement page or
//! a decision email, without an account: their trips abroad with security's decisions, a
//! request for a new one, and the report of their return. The link names the person; the
//! rules are the ones the signed-in request and security's return use.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{message_page, render_page_in};
use crate::auth::LinkPurpose;
use crate::clock::company_date;
use crate::db::employees::{Employee, Scope};
use crate::db::travel::{self, At, Trip, TripFilter};
use crate::domain::FieldErrors;
use crate::domain::people::parse_date;
use crate::domain::travel::TripStatus;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::travel::TripBody;
use crate::http::extract::CsrfForm;

/// The link a person is given to this page, valid for the policy's link days from `now`.
pub fn token(
    links: &crate::auth::LinkSigner,
    employee_id: &str,
    now: chrono::DateTime<chrono::Utc>,
    valid_days: u32,
) -> String {
    let expires = now + chrono::Duration::days(i64::from(valid_days));
    links.sign(LinkPurpose::Travel, employee_id, expires)
}

/// The person the link names, if it verifies, has not expired and they exist.
async fn person(state: &AppState, token: &str) -> Result<Option<Employee>, Error> {
    let Ok(id) = state.links.verify(LinkPurpose::Travel, token, state.now()) else {
        return Ok(None);
    };
    state
        .db(move |conn| Ok(crate::db::employees::find(conn, &id)?))
        .await
}

fn at(state: &AppState) -> At {
    let now = state.now();
    At {
        now,
        today: company_date(now, state.config.timezone),
    }
}

/// The page, with what was typed and its faults when a form came back refused.
async fn travel_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    employee: Employee,
    form: Value,
    errors: &FieldErrors,
    done: Option<&str>,
) -> Result<HttpResponse, Error> {
    if !errors.is_empty() {
        use actix_web::HttpMessage;
        // What was typed and each field's fault, as the form macros read them.
        let values = serde_json::to_value(&form)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        req.extensions_mut().insert(super::forms::Flash {
            fields: errors.0.clone(),
            values,
            ..Default::default()
        });
    }
    let lang: Language = req
        .cookie(super::language::LANGUAGE_COOKIE)
        .and_then(|c| c.value().parse().ok())
        .unwrap_or(employee.language);
    let today = at(state).today;
    let id = employee.id.clone();
    let (trips, company, days) = state
        .db(move |conn| {
            let trips = travel::list(
                conn,
                &Scope::All,
                &TripFilter {
                    employee_id: Some(id),
                    ..TripFilter::default()
                },
            )?;
            let (_, policy) = crate::db::policy::current(conn)?;
            Ok((
                trips,
                crate::db::policy::identity(conn)?,
                policy.travel.report_back_days,
            ))
        })
        .await?;
    let trips: Vec<Value> = trips.iter().map(|t| trip_view(t, today, days)).collect();
    render_page_in(
        state,
        req,
        None,
        lang,
        status,
        "travel_link.html",
        context! {
            name => employee.name, trips, today => today.to_string(), days,
            here => format!("/travel/{}", req.match_info().get("token").unwrap_or_default()),
            done,
            company => company.view(lang),
        },
    )
}

fn trip_view(t: &Trip, today: chrono::NaiveDate, days: u32) -> Value {
    let reason = t.final_reason();
    context! {
        id => t.id, countries => t.countries, purpose => t.purpose,
        starts_on => t.starts_on.to_string(), ends_on => t.ends_on.to_string(),
        status => t.status, reason,
        returned_on => t.returned_on.map(|d| d.to_string()),
        // An approved trip that has begun and is not reported back yet.
        may_report_return => t.status == TripStatus::Approved && t.returned_on.is_none()
            && t.starts_on <= today,
        overdue => crate::domain::travel::is_overdue(t.status, t.ends_on, t.returned_on, today, days),
    }
}

#[derive(Deserialize)]
pub struct Shown {
    /// What was just done (after the redirect of a form sent): requested or returned.
    done: Option<String>,
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, Error> {
    let done = match shown.done.as_deref() {
        Some("requested") => Some("travel_link.requested"),
        Some("returned") => Some("travel_link.returned"),
        _ => None,
    };
    match person(&state, &token.into_inner()).await? {
        Some(e) => {
            let none = FieldErrors::new();
            travel_page(
                &state,
                &req,
                StatusCode::OK,
                e,
                Value::UNDEFINED,
                &none,
                done,
            )
            .await
        }
        None => message_page(&state, &req, StatusCode::NOT_FOUND, "travel_link_invalid"),
    }
}

/// A request for a trip, decided by security as any other; refused with the field's fault
/// (dates on which no period runs, a missing purpose) and what was typed kept.
pub async fn request(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<TripForm>,
) -> Result<HttpResponse, Error> {
    let Some(employee) = person(&state, &token.into_inner()).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "travel_link_invalid");
    };
    let body = TripBody::from(form.0);
    let typed = Value::from_serialize(&body);
    let (at, who) = (at(&state), employee.clone());
    let asked = match body.parse() {
        Ok(trip) => {
            state
                .write(move |tx| travel::request(tx, at, None, &who, &trip))
                .await
        }
        Err(e) => Err(e),
    };
    match asked {
        Ok(_) => Ok(done(&req, "requested")),
        Err(Error::Validation(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            travel_page(&state, &req, status, employee, typed, &errors, None).await
        }
        Err(e) => Err(e),
    }
}

/// The request form: the API's fields, each empty when not sent (a fault, not a bad body).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct TripForm {
    countries: String,
    purpose: String,
    starts_on: String,
    ends_on: String,
    invited_by: String,
}

impl From<TripForm> for TripBody {
    fn from(f: TripForm) -> TripBody {
        TripBody {
            countries: f.countries,
            purpose: f.purpose,
            starts_on: f.starts_on,
            ends_on: f.ends_on,
            invited_by: f.invited_by,
        }
    }
}

#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    trip_id: String,
    #[serde(default)]
    returned_on: String,
}

/// The person reports the day they came back from one of their own approved trips.
pub async fn report_return(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<ReturnForm>,
) -> Result<HttpResponse, Error> {
    let Some(employee) = person(&state, &token.into_inner()).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "travel_link_invalid");
    };
    let ReturnForm {
        trip_id,
        returned_on,
    } = form.0;
    let mut errors = FieldErrors::new();
    let day = errors.check("returned_on", parse_date(&returned_on));
    let at = at(&state);
    if day.is_some_and(|d| d > at.today) {
        errors.add("returned_on", crate::problem!("not_in_the_future"));
    }
    let recorded = match (errors.finish(), day) {
        (Ok(()), Some(day)) => {
            let owner = employee.id.clone();
            state
                .write(move |tx| {
                    // Another person's trip is as unknown here as a trip that does not exist.
                    if travel::find(tx, &trip_id)?.employee_id != owner {
                        return Err(Error::NotFound);
                    }
                    travel::record_return(tx, at, None, &trip_id, day)
                })
                .await
        }
        (Err(e), _) => Err(Error::Validation(e)),
        (Ok(()), None) => unreachable!("a day that did not parse is a fault"),
    };
    match recorded {
        Ok(_) => Ok(done(&req, "returned")),
        Err(Error::Validation(errors)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let typed = Value::UNDEFINED;
            travel_page(&state, &req, status, employee, typed, &errors, None).await
        }
        Err(e) => Err(e),
    }
}

/// Back to the page, saying what was done: a reload does not send the form again.
fn done(req: &HttpRequest, what: &str) -> HttpResponse {
    let token = req.match_info().get("token").unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/travel/{token}?done={what}"),
        ))
        .finish()
}
