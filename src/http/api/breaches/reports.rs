//! Reports: made by staff or by anyone on the public routes, and followed by the reporter
//! with the report's code and secret.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use crate::db::breaches::{self, Evidence, EvidenceFor, Opening, ReportReceipt, ReporterView};
use crate::domain::FieldErrors;
use crate::domain::breaches::{CaseSource, EVIDENCE_MAX_BYTES, NewReport};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ErrorBody, ReporterErrors};
use crate::http::extract::{AnyRole, Authorized, JsonBody, read_body};
use crate::http::session;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// The employee concerned, if the reporter knows their id (staff).
    pub employee_id: Option<String>,
    /// Who it concerns, in the reporter's words.
    #[serde(default)]
    pub person: String,
    /// What happened.
    pub what: String,
    /// YYYY-MM-DD, when it was discovered.
    pub discovered_on: Option<String>,
    /// Which carriers or information.
    #[serde(default)]
    pub carriers: String,
    /// How to reach the reporter, if they wish (security only sees it).
    #[serde(default)]
    pub contact: String,
    /// Signed-in reporters may still report anonymously: their account is then not recorded.
    #[serde(default)]
    pub anonymous: bool,
}

fn parse_report(state: &AppState, r: &Report) -> Result<NewReport, FieldErrors> {
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    NewReport::parse(
        &r.person,
        &r.what,
        r.discovered_on.as_deref(),
        &r.carriers,
        &r.contact,
        today,
    )
}

/// Reports a suspected leak (any staff role). The answer's code and secret follow the report.
#[utoipa::path(
    tag = "breaches",
    request_body = Report,
    responses(
        (status = 201, body = ReportReceipt),
        (status = 422, body = ErrorBody)
    )
)]
#[post("/breaches")]
pub async fn report(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    body: JsonBody<Report>,
) -> Result<HttpResponse, Error> {
    let receipt = staff_report(&state, user.0, body.0, None).await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// The one way a signed-in member of staff reports (the API and the `/breaches/new` page),
/// with its evidence file, if any, in the same transaction.
pub async fn staff_report(
    state: &AppState,
    user: crate::db::users::User,
    r: Report,
    evidence: Option<(String, Vec<u8>)>,
) -> Result<ReportReceipt, Error> {
    let new = parse_report(state, &r)?;
    let now = state.now();
    let (_, receipt) = state
        .write(move |conn| {
            let opening = Opening {
                source: CaseSource::Report,
                reporter: (!r.anonymous).then_some(&user),
                employee_id: r.employee_id.as_deref().filter(|e| !e.is_empty()),
                departure_line_id: None,
                obligation_id: None,
            };
            let (id, receipt) = breaches::open(conn, now, opening, &new)?;
            if let Some((name, bytes)) = &evidence {
                breaches::add_evidence(conn, now, EvidenceFor::Case(&id), name, bytes)?;
            }
            Ok((id, receipt))
        })
        .await?;
    Ok(receipt)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PublicReport {
    /// Who it concerns, in the reporter's words.
    #[serde(default)]
    pub person: String,
    /// What happened.
    pub what: String,
    /// YYYY-MM-DD, when it was discovered.
    pub discovered_on: Option<String>,
    /// Which carriers or information.
    #[serde(default)]
    pub carriers: String,
    /// How to reach the reporter, if they wish (security only sees it).
    #[serde(default)]
    pub contact: String,
}

/// Waits out a throttled client: 429 with `Retry-After`.
pub async fn throttled(
    state: &AppState,
    req: &HttpRequest,
    which: crate::db::throttles::Throttle,
) -> Result<String, Error> {
    let address = session::client_address(req, &state.config.trusted_proxies)
        .map(|a| a.to_string())
        .unwrap_or_default();
    match state.throttle_wait(which, &address).await? {
        Some(seconds) => Err(Error::Throttled(seconds)),
        None => Ok(address),
    }
}

/// Reports a suspected leak without an account. Nothing about the sender is recorded.
#[utoipa::path(
    tag = "breaches",
    request_body = PublicReport,
    responses(
        (status = 201, body = ReportReceipt),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
    )
)]
#[post("/public/breaches")]
pub async fn report_publicly(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<PublicReport>,
) -> Result<HttpResponse, Error> {
    let receipt = public_report(&state, &req, body.0, None).await?;
    Ok(HttpResponse::Created().json(receipt))
}

/// The one way a report without an account goes in (the API and the `/report` page), with
/// its evidence file, if any, in the same transaction.
pub async fn public_report(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    r: PublicReport,
    evidence: Option<(String, Vec<u8>)>,
) -> Result<ReportReceipt, Error> {
    let address = session::client_address(req, &state.config.trusted_proxies)
        .map(|a| a.to_string())
        .unwrap_or_default();
    state.throttle_take(state.public_reports, &address).await?;
    let new = parse_report(
        state,
        &Report {
            employee_id: None,
            person: r.person,
            what: r.what,
            discovered_on: r.discovered_on,
            carriers: r.carriers,
            contact: r.contact,
            anonymous: true,
        },
    )?;
    let now = state.now();
    let (_, receipt) = state
        .write(move |conn| {
            let opening = Opening {
                source: CaseSource::Report,
                reporter: None,
                employee_id: None,
                departure_line_id: None,
                obligation_id: None,
            };
            let (id, receipt) = breaches::open(conn, now, opening, &new)?;
            if let Some((name, bytes)) = &evidence {
                breaches::add_evidence(conn, now, EvidenceFor::Case(&id), name, bytes)?;
            }
            Ok((id, receipt))
        })
        .await?;
    Ok(receipt)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeAndSecret {
    code: String,
    secret: String,
}

/// A reporter's own report, by its code and secret; wrong guesses are throttled per address.
pub async fn reporter_view(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    code: String,
    secret: String,
) -> Result<ReporterView, Error> {
    let address = throttled(state, req, state.case_guesses).await?;
    let found = state
        .db(move |conn| Ok(breaches::for_reporter(conn, &code, &secret)?))
        .await?;
    match found {
        Some(view) => Ok(view),
        None => {
            state.throttle_failed(state.case_guesses, &address).await?;
            Err(Error::NotFound)
        }
    }
}

/// The status of one's own report.
#[utoipa::path(
    tag = "breaches",
    request_body = CodeAndSecret,
    responses(
        (status = 200, body = ReporterView),
        ReporterErrors
    )
)]
#[post("/public/breaches/status")]
pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<CodeAndSecret>,
) -> Result<web::Json<ReporterView>, Error> {
    let b = body.0;
    Ok(web::Json(
        reporter_view(&state, &req, b.code, b.secret).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MoreInformation {
    code: String,
    secret: String,
    text: String,
}

/// The reporter adds information to their report.
#[utoipa::path(
    tag = "breaches",
    request_body = MoreInformation,
    responses(
        (status = 200, body = ReporterView),
        ReporterErrors
    )
)]
#[post("/public/breaches/information")]
pub async fn add_information(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<MoreInformation>,
) -> Result<web::Json<ReporterView>, Error> {
    let b = body.0;
    Ok(web::Json(
        add_to_report(&state, &req, b.code, b.secret, b.text).await?,
    ))
}

/// Adds the reporter's information to their report (a wrong code or secret counts as a
/// guess); returns the report as they may see it.
pub async fn add_to_report(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    code: String,
    secret: String,
    text: String,
) -> Result<ReporterView, Error> {
    let address = throttled(state, req, state.case_guesses).await?;
    let now = state.now();
    let (c, s) = (code.clone(), secret.clone());
    let added = state
        .write(move |conn| breaches::add_information(conn, now, &c, &s, &text))
        .await;
    if let Err(Error::NotFound) = added {
        state.throttle_failed(state.case_guesses, &address).await?;
    }
    added?;
    reporter_view(state, req, code, secret).await
}

pub(super) fn header(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The reporter attaches an evidence file: the body is the file; `X-Case-Code`,
/// `X-Case-Secret` and `X-File-Name` say whose and what. PDF, PNG, JPEG or text, 10 MB at most.
#[utoipa::path(
    tag = "breaches",
    request_body(content = String, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Evidence),
        ReporterErrors,
        (status = 413, body = ErrorBody)
    )
)]
#[post("/public/breaches/evidence")]
pub async fn add_evidence_publicly(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let (code, secret) = (header(&req, "x-case-code"), header(&req, "x-case-secret"));
    reporter_view(&state, &req, code.clone(), secret.clone()).await?;
    let bytes = read_body(payload, EVIDENCE_MAX_BYTES).await?;
    let (name, now) = (header(&req, "x-file-name"), state.now());
    let evidence = state
        .write(move |conn| {
            let to = EvidenceFor::Reporter {
                code: &code,
                secret: &secret,
            };
            breaches::add_evidence(conn, now, to, &name, &bytes)
        })
        .await?;
    Ok(HttpResponse::Created().json(evidence))
}
