//! Cases as security handles them (and HR reads their outcomes): list, course, evidence.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;

use super::reports::header;
use crate::db::breaches::{
    self, Case, CaseChange, CaseDetail, CaseFilter, Evidence, EvidenceFor, Outcome,
};
use crate::domain::FieldErrors;
use crate::domain::breaches::EVIDENCE_MAX_BYTES;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    Authorized, CaseReaders, JsonBody, ListPage, OutcomeReaders, QueryParams, SecurityOnly, Window,
    given, read_body,
};

list_query! {
    pub struct CaseQuery {
        /// Any part of the code, of who it concerns, or of what happened.
        pub q: Option<String>,
        /// reported, triaged, investigating, substantiated, unfounded or closed.
        pub status: Option<String>,
        /// low, medium, high or critical.
        pub severity: Option<String>,
        /// report or loss.
        pub source: Option<String>,
        /// created, updated, code, discovered or due; `-` before it for descending (default
        /// -created: newest first).
        pub sort: Option<String>,
    }
}

impl CaseQuery {
    /// The filter and the window of rows asked for, checked (the API list and the page).
    pub fn parse(self) -> Result<(CaseFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let filter = CaseFilter {
            q: self.q.filter(|q| !q.trim().is_empty()),
            status: errors.optional("status", self.status),
            severity: errors.optional("severity", self.severity),
            source: errors.optional("source", self.source),
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

/// Cases, newest first, with their reporters (security and admin).
#[utoipa::path(
    tag = "breaches",
    params(CaseQuery),
    responses(
        (status = 200, body = ListPage<Case>),
        InputErrors
    )
)]
#[get("/breaches")]
pub async fn list(
    state: web::Data<AppState>,
    _user: Authorized<CaseReaders>,
    query: QueryParams<CaseQuery>,
) -> Result<web::Json<ListPage<Case>>, Error> {
    let (filter, window) = query.0.parse()?;
    let found = state
        .db(move |conn| Ok(breaches::list(conn, &filter, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}

/// The outcomes of substantiated cases about employees (HR, security, admin): no reporter, no
/// investigation.
#[utoipa::path(
    tag = "breaches",
    responses(
        (status = 200, body = Vec<Outcome>),
        (status = 403, body = ErrorBody)
    )
)]
#[get("/breaches/outcomes")]
pub async fn outcomes(
    state: web::Data<AppState>,
    _user: Authorized<OutcomeReaders>,
) -> Result<web::Json<Vec<Outcome>>, Error> {
    Ok(web::Json(
        state.db(|conn| Ok(breaches::outcomes(conn)?)).await?,
    ))
}

/// A case with its steps, the reporter's additions, evidence (without the files) and tasks.
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = CaseDetail),
        ReadErrors
    )
)]
#[get("/breaches/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _user: Authorized<CaseReaders>,
    id: web::Path<String>,
) -> Result<web::Json<CaseDetail>, Error> {
    let id = id.into_inner();
    Ok(web::Json(
        state.db(move |conn| breaches::get(conn, &id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangeCase {
    /// The next step: triaged, investigating, substantiated, unfounded or closed.
    status: Option<String>,
    /// Why (required with a step).
    #[serde(default)]
    reason: String,
    /// low, medium, high or critical (required to triage).
    severity: Option<String>,
    /// negligent or intentional.
    fault: Option<String>,
    /// minor or serious.
    gravity: Option<String>,
    /// Whether the leak caused a loss.
    caused_loss: Option<bool>,
    /// What the company decided.
    decision: Option<String>,
    /// The case involves state secrets.
    state_secret: Option<bool>,
    /// A reward for the reporter.
    reward: Option<String>,
    employee_id: Option<String>,
    /// The obligation breached; a substantiated case marks it `breached`.
    obligation_id: Option<String>,
}

/// Security takes a case a step further or records findings; the answer carries what the
/// ladder suggests.
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    request_body = ChangeCase,
    responses(
        (status = 200, body = CaseDetail),
        ChangeErrors
    )
)]
#[patch("/breaches/{id}")]
pub async fn change(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<ChangeCase>,
) -> Result<web::Json<CaseDetail>, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let change = CaseChange {
        status: errors.optional("status", b.status),
        reason: b.reason,
        severity: errors.optional("severity", b.severity),
        fault: errors.optional("fault", b.fault),
        gravity: errors.optional("gravity", b.gravity),
        caused_loss: b.caused_loss,
        decision: given(b.decision),
        state_secret: b.state_secret,
        reward: given(b.reward),
        employee_id: given(b.employee_id),
        obligation_id: given(b.obligation_id),
    };
    errors.finish()?;
    let (user, id, now, tz) = (user.0, id.into_inner(), state.now(), state.config.timezone);
    Ok(web::Json(
        state
            .write(move |conn| breaches::change(conn, now, tz, &user, &id, &change))
            .await?,
    ))
}

/// Security attaches an evidence file (the body; `X-File-Name` names it).
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    request_body(content = String, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Evidence),
        ChangeErrors,
        (status = 413, body = ErrorBody)
    )
)]
#[post("/breaches/{id}/evidence")]
pub async fn add_evidence(
    state: web::Data<AppState>,
    req: HttpRequest,
    _user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let bytes = read_body(payload, EVIDENCE_MAX_BYTES).await?;
    let evidence = add_case_evidence(
        &state,
        id.into_inner(),
        header(&req, "x-file-name"),
        bytes.to_vec(),
    )
    .await?;
    Ok(HttpResponse::Created().json(evidence))
}

/// The one way security attaches a file to a case (the API and the case page's upload form).
pub async fn add_case_evidence(
    state: &AppState,
    id: String,
    name: String,
    bytes: Vec<u8>,
) -> Result<Evidence, Error> {
    let now = state.now();
    state
        .write(move |conn| breaches::add_evidence(conn, now, EvidenceFor::Case(&id), &name, &bytes))
        .await
}

/// An evidence file as it was received (security only).
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path), ("evidence_id" = String, Path)),
    responses(
        (status = 200, content_type = "application/octet-stream", body = String),
        ReadErrors
    )
)]
#[get("/breaches/{id}/evidence/{evidence_id}")]
pub async fn evidence_file(
    state: web::Data<AppState>,
    _user: Authorized<SecurityOnly>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (id, evidence_id) = path.into_inner();
    let (evidence, bytes) = state
        .db(move |conn| Ok(breaches::evidence_file(conn, &id, &evidence_id)?))
        .await?
        .ok_or(Error::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(evidence.content_type.as_str())
        // Served as a download, never rendered in the service's origin.
        .insert_header(("Content-Disposition", "attachment"))
        .body(bytes))
}
