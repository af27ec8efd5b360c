//! Trips abroad and the travel documents security holds: a serving classified employee asks
//! for their own trip, security decides (a unit leader gives the second approval where the
//! tier needs it), security records returns, trips taken without approval and documents.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::employees::Scope;
use crate::db::travel::documents::{self, DocumentFilter, TravelDocument};
use crate::db::travel::{self, At, NewTrip, Trip, TripFilter};
use crate::domain::FieldErrors;
use crate::domain::clearance::{Decision, check_reason};
use crate::domain::people::parse_date;
use crate::domain::travel::TripStatus;
use crate::domain::travel_documents::{DocumentKind, DocumentStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors};
use crate::http::extract::{
    AnyRole, Authorized, CurrentUser, JsonBody, Overseers, QueryParams, SecurityOnly, TripDeciders,
};
use crate::http::routes::{ApiRoutes, SignedIn};
use crate::problem;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(SignedIn, request_own);
    r.service(SecurityOnly, record_unapproved);
    r.service(AnyRole, list_trips);
    r.service(TripDeciders, decide);
    r.service(SecurityOnly, record_return);
    r.service(SecurityOnly, register_document);
    r.service(Overseers, list_documents);
    r.service(SecurityOnly, hand_out);
    r.service(SecurityOnly, take_back);
    r.service(SecurityOnly, give_back);
}

fn at(state: &AppState) -> At {
    let now = state.now();
    At {
        now,
        today: crate::clock::company_date(now, state.config.timezone),
    }
}

/// A required text of at most `max` characters, trimmed.
fn text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, problem!("required"));
    } else if value.chars().count() > max {
        errors.add(field, problem!("too_long", max = max));
    }
    value.to_string()
}

#[derive(Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct TripBody {
    /// The destination countries or regions.
    pub countries: String,
    pub purpose: String,
    /// YYYY-MM-DD, the first day abroad.
    pub starts_on: String,
    /// YYYY-MM-DD, the last day abroad.
    pub ends_on: String,
    /// Who invited the person (a body or a person), as written.
    pub invited_by: String,
}

impl TripBody {
    /// The trip asked for, checked field by field.
    pub fn parse(self) -> Result<NewTrip, Error> {
        let mut errors = FieldErrors::new();
        let countries = text(&mut errors, "countries", &self.countries, 300);
        let purpose = text(&mut errors, "purpose", &self.purpose, 2000);
        let invited_by = text(&mut errors, "invited_by", &self.invited_by, 300);
        let starts_on = errors.check("starts_on", parse_date(&self.starts_on));
        let ends_on = errors.check("ends_on", parse_date(&self.ends_on));
        errors.finish()?;
        let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) else {
            unreachable!("both dates were checked");
        };
        Ok(NewTrip {
            countries,
            purpose,
            starts_on,
            ends_on,
            invited_by,
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UnapprovedTripBody {
    employee_id: String,
    #[serde(flatten)]
    trip: TripBody,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TripDecision {
    decision: Decision,
    reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TripReturn {
    /// YYYY-MM-DD, the day the person came back.
    returned_on: String,
}

/// A signed-in employee on a classified post (or in a period) asks for a trip of their own.
#[utoipa::path(
    tag = "travel",
    request_body = TripBody,
    responses((status = 201, body = Trip), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/trips")]
pub async fn request_own(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: JsonBody<TripBody>,
) -> Result<HttpResponse, Error> {
    let trip = body.0.parse()?;
    let (user, at) = (user.0, at(&state));
    let trip = state
        .write(move |tx| {
            let employee = travel::own_employee(tx, &user)?;
            travel::request(tx, at, Some(&user), &employee, &trip)
        })
        .await?;
    Ok(HttpResponse::Created().json(trip))
}

/// Security records a trip taken without approval; it opens a breach case about the person.
#[utoipa::path(
    tag = "travel",
    request_body = UnapprovedTripBody,
    responses((status = 201, body = Trip), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/trips/unapproved")]
pub async fn record_unapproved(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    body: JsonBody<UnapprovedTripBody>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let trip = b.trip.parse()?;
    let (user, at, employee_id) = (user.0, at(&state), b.employee_id);
    let trip = state
        .write(move |tx| travel::record_unapproved(tx, at, &user, &employee_id, &trip))
        .await?;
    Ok(HttpResponse::Created().json(trip))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TripQuery {
    /// requested, awaiting_second_approval, approved, refused or unapproved.
    status: Option<String>,
    employee_id: Option<String>,
    /// true: only approved trips not reported back within the policy's days after their end.
    overdue: Option<bool>,
}

/// Trips, newest request first (approved ones are the register); a manager sees their
/// reports' only.
#[utoipa::path(
    tag = "travel",
    params(TripQuery),
    responses((status = 200, body = Vec<Trip>), InputErrors)
)]
#[get("/trips")]
pub async fn list_trips(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<TripQuery>,
) -> Result<web::Json<Vec<Trip>>, Error> {
    let q = query.0;
    let mut errors = FieldErrors::new();
    let status: Option<TripStatus> = errors.optional("status", q.status);
    errors.finish()?;
    let (user, today) = (user.0, at(&state).today);
    let found = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            let (_, policy) = crate::db::policy::current(conn)?;
            let filter = TripFilter {
                status,
                employee_id: q.employee_id,
                overdue_on: (q.overdue == Some(true))
                    .then_some((today, policy.travel.report_back_days)),
            };
            Ok(travel::list(conn, &scope, &filter)?)
        })
        .await?;
    Ok(web::Json(found))
}

/// Security decides a request; a unit leader (administrator) gives the second approval
/// where the tier needs it.
#[utoipa::path(
    tag = "travel",
    params(("id" = String, Path, description = "the trip")),
    request_body = TripDecision,
    responses((status = 200, body = Trip), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/trips/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    user: Authorized<TripDeciders>,
    id: web::Path<String>,
    body: JsonBody<TripDecision>,
) -> Result<web::Json<Trip>, Error> {
    let b = body.0;
    let reason = check_reason(&b.reason).map_err(|m| Error::field("reason", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let trip = state
        .write(move |tx| travel::decide(tx, at, &user, &id, b.decision, &reason))
        .await?;
    Ok(web::Json(trip))
}

/// Security records that the person came back from an approved trip.
#[utoipa::path(
    tag = "travel",
    params(("id" = String, Path, description = "the trip")),
    request_body = TripReturn,
    responses((status = 200, body = Trip), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/trips/{id}/return")]
pub async fn record_return(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<TripReturn>,
) -> Result<web::Json<Trip>, Error> {
    let on = parse_date(&body.0.returned_on).map_err(|m| Error::field("returned_on", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let trip = state
        .write(move |tx| travel::record_return(tx, at, Some(&user), &id, on))
        .await?;
    Ok(web::Json(trip))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DocumentBody {
    kind: DocumentKind,
    number: String,
    /// YYYY-MM-DD.
    expires_on: String,
}

/// Security takes a person's passport or permit into its keeping.
#[utoipa::path(
    tag = "travel",
    params(("id" = String, Path, description = "the employee")),
    request_body = DocumentBody,
    responses((status = 201, body = TravelDocument), ChangeErrors)
)]
#[post("/employees/{id}/travel-documents")]
pub async fn register_document(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<DocumentBody>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let number = text(&mut errors, "number", &b.number, 50);
    let expires_on = errors.check("expires_on", parse_date(&b.expires_on));
    errors.finish()?;
    let expires_on = expires_on.expect("checked");
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let doc = state
        .write(move |tx| documents::register(tx, at, &user, &id, b.kind, &number, expires_on))
        .await?;
    Ok(HttpResponse::Created().json(doc))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    employee_id: Option<String>,
    /// held, out or returned_to_person.
    status: Option<String>,
    /// true: only documents out past their trip's end plus the policy's days.
    late: Option<bool>,
}

/// The travel documents security holds or held.
#[utoipa::path(
    tag = "travel",
    params(DocumentQuery),
    responses((status = 200, body = Vec<TravelDocument>), InputErrors)
)]
#[get("/travel-documents")]
pub async fn list_documents(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    query: QueryParams<DocumentQuery>,
) -> Result<web::Json<Vec<TravelDocument>>, Error> {
    let q = query.0;
    let mut errors = FieldErrors::new();
    let status: Option<DocumentStatus> = errors.optional("status", q.status);
    errors.finish()?;
    let today = at(&state).today;
    let found = state
        .db(move |conn| {
            let (_, policy) = crate::db::policy::current(conn)?;
            let filter = DocumentFilter {
                employee_id: q.employee_id,
                status,
                late_on: (q.late == Some(true)).then_some((today, policy.travel.report_back_days)),
            };
            Ok(documents::list(conn, &filter)?)
        })
        .await?;
    Ok(web::Json(found))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HandOut {
    /// The approved trip it goes out for.
    trip_id: String,
    /// YYYY-MM-DD.
    on: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DocumentDay {
    /// YYYY-MM-DD.
    on: String,
}

/// Hands a held document to its holder for an approved trip.
#[utoipa::path(
    tag = "travel",
    params(("id" = String, Path, description = "the document")),
    request_body = HandOut,
    responses((status = 200, body = TravelDocument), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/travel-documents/{id}/hand-out")]
pub async fn hand_out(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<HandOut>,
) -> Result<web::Json<TravelDocument>, Error> {
    let b = body.0;
    let on = parse_date(&b.on).map_err(|m| Error::field("on", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let doc = state
        .write(move |tx| documents::hand_out(tx, at, &user, &id, &b.trip_id, on))
        .await?;
    Ok(web::Json(doc))
}

/// Takes a document back after its trip.
#[utoipa::path(
    tag = "travel",
    params(("id" = String, Path, description = "the document")),
    request_body = DocumentDay,
    responses((status = 200, body = TravelDocument), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/travel-documents/{id}/take-back")]
pub async fn take_back(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<DocumentDay>,
) -> Result<web::Json<TravelDocument>, Error> {
    let on = parse_date(&body.0.on).map_err(|m| Error::field("on", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let doc = state
        .write(move |tx| documents::take_back(tx, at, &user, &id, on))
        .await?;
    Ok(web::Json(doc))
}

/// Gives a document back to the person for good, once their period has ended.
#[utoipa::path(
    tag = "travel",
    params(("id" = String, Path, description = "the document")),
    request_body = DocumentDay,
    responses((status = 200, body = TravelDocument), ChangeErrors, (status = 409, body = ErrorBody))
)]
#[post("/travel-documents/{id}/give-back")]
pub async fn give_back(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<DocumentDay>,
) -> Result<web::Json<TravelDocument>, Error> {
    let on = parse_date(&body.0.on).map_err(|m| Error::field("on", m))?;
    let (user, id, at) = (user.0, id.into_inner(), at(&state));
    let doc = state
        .write(move |tx| documents::give_back(tx, at, &user, &id, on))
        .await?;
    Ok(web::Json(doc))
}
