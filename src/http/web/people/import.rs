//! `/employees/import`: the upload of an HR export (or a dry run of it) and its report.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use minijinja::{Value, context};

use super::super::forms::Flash;
use super::super::render_page;
use crate::domain::audit::Actor;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::employees::import_file;
use crate::http::extract::{Authorized, IMPORT_LIMIT, PeopleEditors};
use crate::http::session;

pub(super) async fn import_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
) -> Result<HttpResponse, Error> {
    import_result(&state, &req, &user.0, StatusCode::OK, None)
}

fn import_result(
    state: &AppState,
    req: &HttpRequest,
    user: &crate::db::users::User,
    status: StatusCode,
    report: Option<Value>,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        Some(user),
        status,
        "people_import.html",
        context! { report },
    )
}

/// The upload: the file and the dry-run box. The CSRF token (the form's first field) is
/// checked before the file is read.
async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    mut multipart: Multipart,
) -> Result<(Option<Vec<u8>>, bool), Error> {
    let mut csrf_checked = false;
    let mut file = None;
    let mut dry_run = false;
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        if !csrf_checked && name != "csrf" {
            return Err(Error::FormExpired);
        }
        let limit = if name == "file" { IMPORT_LIMIT } else { 4096 };
        let bytes = match field.bytes(limit).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                return Err(Error::BadRequest(format!(
                    "the form could not be read: {e}"
                )));
            }
            Err(_) => return Err(Error::TooLarge),
        };
        match name.as_str() {
            "csrf" => {
                if !session::csrf_valid(state, req, &String::from_utf8_lossy(&bytes)) {
                    return Err(Error::FormExpired);
                }
                csrf_checked = true;
            }
            "file" if !bytes.is_empty() => file = Some(bytes.to_vec()),
            "dry_run" => dry_run = bytes.as_ref() == b"true",
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(Error::FormExpired);
    }
    Ok((file, dry_run))
}

pub(super) async fn import_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
    multipart: Multipart,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (file, dry_run) = read_upload(&state, &req, multipart).await?;
    let refused = |message: String| {
        // The form comes back with the message under the file field, the box as it was.
        let mut flash = Flash::default();
        flash.fields.insert("file".into(), message);
        if dry_run {
            flash.values.insert("dry_run".into(), "true".into());
        }
        req.extensions_mut().insert(flash);
        import_result(&state, &req, &user, StatusCode::UNPROCESSABLE_ENTITY, None)
    };
    let Some(bytes) = file else {
        return refused("choose a file".into());
    };
    let report = match import_file(&state, Actor::User(user.id.clone()), &bytes, dry_run).await {
        Ok(report) => report,
        Err(Error::Validation(errors)) => {
            let message = errors.0.into_values().next().unwrap_or_default();
            return refused(message);
        }
        Err(e) => return Err(e),
    };
    if dry_run {
        req.extensions_mut().insert(Flash {
            values: [("dry_run".to_string(), "true".to_string())].into(),
            ..Flash::default()
        });
    }
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let report = context! {
        dry_run => report.dry_run,
        asked_dry_run => dry_run,
        created => report.created,
        updated => report.updated,
        unchanged => report.unchanged,
        errors => report.errors,
    };
    import_result(&state, &req, &user, status, Some(report))
}
