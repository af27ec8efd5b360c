//! Breach reports and cases. Anyone may report (signed in, or on the public routes without an
//! account); the reporter follows their own report with its code and secret; security handles
//! cases; HR sees outcomes; a manager sees only the remedial tasks they own.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;

use crate::db::breaches::{
    self, Case, CaseChange, CaseDetail, CaseFilter, Evidence, EvidenceFor, Opening, Outcome,
    ReportReceipt, ReporterView, Task,
};
use crate::db::write_tx;
use crate::domain::FieldErrors;
use crate::domain::breaches::{CaseSource, EVIDENCE_MAX_BYTES, NewReport};
use crate::domain::people::parse_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::ErrorBody;
use crate::http::extract::{
    AnyRole, Authorized, CaseReaders, JsonBody, ListPage, OutcomeReaders, Paging, QueryParams,
    SecurityOnly, Window, read_body,
};
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
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                let opening = Opening {
                    source: CaseSource::Report,
                    reporter: (!r.anonymous).then_some(&user),
                    employee_id: r.employee_id.as_deref().filter(|e| !e.is_empty()),
                    departure_line_id: None,
                };
                let (id, receipt) = breaches::open(conn, now, opening, &new)?;
                if let Some((name, bytes)) = &evidence {
                    breaches::add_evidence(conn, now, EvidenceFor::Case(&id), name, bytes)?;
                }
                Ok((id, receipt))
            })
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
    let address = throttled(state, req, state.public_reports).await?;
    state
        .throttle_failed(state.public_reports, &address)
        .await?;
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                let opening = Opening {
                    source: CaseSource::Report,
                    reporter: None,
                    employee_id: None,
                    departure_line_id: None,
                };
                let (id, receipt) = breaches::open(conn, now, opening, &new)?;
                if let Some((name, bytes)) = &evidence {
                    breaches::add_evidence(conn, now, EvidenceFor::Case(&id), name, bytes)?;
                }
                Ok((id, receipt))
            })
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
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
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
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                breaches::add_information(conn, now, &c, &s, &text)
            })
        })
        .await;
    if let Err(Error::NotFound) = added {
        state.throttle_failed(state.case_guesses, &address).await?;
    }
    added?;
    reporter_view(state, req, code, secret).await
}

fn header(req: &HttpRequest, name: &str) -> String {
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
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                let to = EvidenceFor::Reporter {
                    code: &code,
                    secret: &secret,
                };
                breaches::add_evidence(conn, now, to, &name, &bytes)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(evidence))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    #[param(minimum = 1)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

impl CaseQuery {
    /// The filter and the window of rows asked for, checked (the API list and the page).
    pub fn parse(self) -> Result<(CaseFilter, Window), Error> {
        let window = Paging {
            page: self.page,
            per_page: self.per_page,
        }
        .resolve()?;
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
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/breaches")]
pub async fn list(
    state: web::Data<AppState>,
    _user: Authorized<CaseReaders>,
    query: QueryParams<CaseQuery>,
) -> Result<web::Json<ListPage<Case>>, Error> {
    let (filter, window) = query.0.parse()?;
    let found = state
        .db(move |conn| Ok(breaches::list(conn, &filter, window.offset, window.limit)?))
        .await?;
    Ok(web::Json(window.page(found)))
}

/// The outcomes of substantiated cases about employees (HR, security, admin): no reporter, no
/// investigation.
#[utoipa::path(
    tag = "breaches",
    responses(
        (status = 200, body = Vec<Outcome>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
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
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
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
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
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
    let text = |t: Option<String>| t.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let change = CaseChange {
        status: errors.optional("status", b.status),
        reason: b.reason,
        severity: errors.optional("severity", b.severity),
        fault: errors.optional("fault", b.fault),
        gravity: errors.optional("gravity", b.gravity),
        caused_loss: b.caused_loss,
        decision: text(b.decision),
        state_secret: b.state_secret,
        reward: text(b.reward),
        employee_id: text(b.employee_id),
        obligation_id: text(b.obligation_id),
    };
    errors.finish()?;
    let (user, id, now, tz) = (user.0, id.into_inner(), state.now(), state.config.timezone);
    Ok(web::Json(
        state
            .db(move |conn| {
                write_tx(conn, |conn| {
                    breaches::change(conn, now, tz, &user, &id, &change)
                })
            })
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
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                breaches::add_evidence(conn, now, EvidenceFor::Case(&id), &name, &bytes)
            })
        })
        .await
}

/// An evidence file as it was received (security only).
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path), ("evidence_id" = String, Path)),
    responses(
        (status = 200, content_type = "application/octet-stream", body = String),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewTask {
    title: String,
    /// The user who owns the measure.
    owner_id: String,
    /// YYYY-MM-DD.
    due_on: String,
}

/// A remedial measure with an owner and a due date (security).
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    request_body = NewTask,
    responses(
        (status = 201, body = Task),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/breaches/{id}/tasks")]
pub async fn add_task(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<NewTask>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let due_on = errors.check("due_on", parse_date(&b.due_on));
    errors.finish()?;
    let due_on = due_on.ok_or(Error::Internal(anyhow::anyhow!("checked above")))?;
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let task = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                breaches::add_task(conn, now, &user, &id, &b.title, &b.owner_id, due_on)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(task))
}

/// The remedial tasks the signed-in user owns — all a manager sees of any case.
#[utoipa::path(
    tag = "breaches",
    responses((status = 200, body = Vec<Task>), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/tasks")]
pub async fn my_tasks(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
) -> Result<web::Json<Vec<Task>>, Error> {
    let id = user.0.id;
    Ok(web::Json(
        state
            .db(move |conn| Ok(breaches::tasks_of(conn, &id)?))
            .await?,
    ))
}

/// The owner marks their task done.
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Task),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/tasks/{id}/done")]
pub async fn finish_task(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<Task>, Error> {
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| write_tx(conn, |conn| breaches::finish_task(conn, now, &user, &id)))
            .await?,
    ))
}
