//! The public breach-report pages: report without an account (and without JavaScript), then
//! follow the report with its code and secret and add to it. Nothing about the sender is kept.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use minijinja::context;
use serde::Deserialize;

use super::render_page;
use crate::db::breaches::ReporterView;
use crate::domain::breaches::EVIDENCE_MAX_BYTES;
use crate::error::Error;
use crate::http::api::breaches::{
    PublicReport, add_to_report, public_report, reporter_view, throttled,
};
use crate::http::extract::CsrfForm;
use crate::http::{AppState, session};

/// Text fields of the form, at most this long each (the report's own limits are smaller).
const FIELD_LIMIT: usize = 64 * 1024;

#[derive(Default, serde::Serialize)]
struct ReportForm {
    person: String,
    what: String,
    discovered_on: String,
    carriers: String,
    contact: String,
}

fn form_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    form: &ReportForm,
    errors: &crate::domain::FieldErrors,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        None,
        status,
        "report.html",
        context! { form, errors => errors.0 },
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
}

/// Reads the multipart form: its text fields and at most one file. The CSRF token (the
/// form's first field) is checked before anything large is read.
async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    mut multipart: Multipart,
) -> Result<(ReportForm, Option<(String, Vec<u8>)>), Error> {
    let mut form = ReportForm::default();
    let mut csrf_checked = false;
    let mut file = None;
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        if !csrf_checked && name != "csrf" {
            return Err(Error::FormExpired);
        }
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = if name == "evidence" {
            EVIDENCE_MAX_BYTES
        } else {
            FIELD_LIMIT
        };
        let bytes = match field.bytes(limit).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                return Err(Error::BadRequest(format!(
                    "the form could not be read: {e}"
                )));
            }
            Err(_) => return Err(Error::TooLarge),
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => {
                if !session::csrf_valid(state, req, &text()) {
                    return Err(Error::FormExpired);
                }
                csrf_checked = true;
            }
            "person" => form.person = text(),
            "what" => form.what = text(),
            "discovered_on" => form.discovered_on = text(),
            "carriers" => form.carriers = text(),
            "contact" => form.contact = text(),
            "evidence" if !bytes.is_empty() => {
                file = Some((file_name.unwrap_or_default(), bytes.to_vec()));
            }
            _ => {}
        }
    }
    Ok((form, file))
}

pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    multipart: Multipart,
) -> Result<HttpResponse, Error> {
    // A throttled sender is turned away before the body is read.
    throttled(&state, &req, state.public_reports).await?;
    let (form, file) = read_form(&state, &req, multipart).await?;
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
        );
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
            );
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
