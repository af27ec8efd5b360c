//! The public breach-report pages: report without an account (and without JavaScript), then
//! follow the report with its code and secret and add to it. Nothing about the sender is kept.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::render_page;
use crate::db::breaches::ReporterView;
use crate::domain::breaches::EVIDENCE_MAX_BYTES;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::breaches::{
    PublicReport, add_to_report, public_report, reporter_view, throttled,
};
use crate::http::extract::CsrfForm;
use crate::http::web::multipart::read_multipart;

/// Text fields of the form, at most this long each (the report's own limits are smaller).

#[derive(Default, serde::Serialize)]
struct ReportForm {
    person: String,
    what: String,
    discovered_on: String,
    carriers: String,
    contact: String,
}

/// The form, with whom else a reporter may tell (the company's contacts).
async fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    form: &ReportForm,
    errors: &crate::domain::FieldErrors,
) -> Result<HttpResponse, Error> {
    let company = state.db(crate::db::policy::identity).await?;
    let lang = super::page_language(req, None);
    render_page(
        state,
        req,
        None,
        status,
        "report.html",
        context! { form, errors => errors.0, company => company.view(lang) },
    )
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Error> {
    form_page(
        &state,
        &req,
        StatusCode::OK,
        &ReportForm::default(),
        &Default::default(),
    )
    .await
}

/// Reads the report form: its text fields and at most one file of evidence.
async fn read_form(multipart: Multipart) -> Result<(ReportForm, Option<(String, Vec<u8>)>), Error> {
    let mut read = read_multipart(multipart, "evidence", EVIDENCE_MAX_BYTES).await?;
    let mut take = |name: &str| read.fields.remove(name).unwrap_or_default();
    let form = ReportForm {
        person: take("person"),
        what: take("what"),
        discovered_on: take("discovered_on"),
        carriers: take("carriers"),
        contact: take("contact"),
    };
    Ok((form, read.file))
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    multipart: Multipart,
) -> Result<HttpResponse, Error> {
    // A throttled sender is turned away before the body is read.
    throttled(&state, &req, state.public_reports).await?;
    let (form, file) = read_form(multipart).await?;
    if let Some((_, bytes)) = &file
        && let Err(message) = crate::domain::breaches::evidence_type(bytes)
    {
        let mut errors = crate::domain::FieldErrors::new();
        errors.add("evidence", message);
        return form_page(
            &state,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form,
            &errors,
        )
        .await;
    }
    let report = PublicReport {
        person: form.person.clone(),
        what: form.what.clone(),
        discovered_on: Some(form.discovered_on.clone()),
        carriers: form.carriers.clone(),
        contact: form.contact.clone(),
    };
    let receipt = match public_report(&state, &req, report, file).await {
        Ok(receipt) => receipt,
        Err(Error::Validation(errors)) => {
            return form_page(
                &state,
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            )
            .await;
        }
        Err(e) => return Err(e),
    };
    render_page(
        &state,
        &req,
        None,
        StatusCode::CREATED,
        "report_receipt.html",
        context! { code => receipt.code, secret => receipt.secret },
    )
}

fn status_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    found: Option<(&ReporterView, &str)>,
    not_found: bool,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        None,
        status,
        "report_status.html",
        context! {
            report => found.map(|(v, _)| context! {
                code => v.code, status => v.status, reported_at => v.reported_at,
                additions => v.additions, evidence => v.evidence,
            }),
            secret => found.map(|(_, s)| s.to_string()),
            not_found,
        },
    )
}

pub async fn status_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    status_page(&state, &req, StatusCode::OK, None, false)
}

#[derive(Deserialize)]
pub struct Follow {
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
    /// Information to add, when the reporter sends some.
    #[serde(default)]
    text: String,
}

/// Shows a report by its code and secret; with `text`, adds it to the report first.
pub async fn follow(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<Follow>,
) -> Result<HttpResponse, Error> {
    let f = form.0;
    let shown = if f.text.trim().is_empty() {
        reporter_view(&state, &req, f.code, f.secret.clone()).await
    } else {
        add_to_report(&state, &req, f.code, f.secret.clone(), f.text).await
    };
    match shown {
        Ok(view) => status_page(
            &state,
            &req,
            StatusCode::OK,
            Some((&view, &f.secret)),
            false,
        ),
        Err(Error::NotFound) => status_page(&state, &req, StatusCode::NOT_FOUND, None, true),
        Err(e) => Err(e),
    }
}
