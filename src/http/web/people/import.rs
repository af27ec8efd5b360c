//! `/employees/import`: the upload of an HR export (or a dry run of it) and its report.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::forms::Flash;
use super::super::{lists, page_language, render_page};
use crate::domain::audit::Actor;
use crate::domain::problem::Problem;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::employees::import_file;
use crate::http::extract::{Authorized, IMPORT_LIMIT, PeopleEditors};
use crate::http::web::multipart::read_multipart;

pub(super) async fn import_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
) -> Result<HttpResponse, Error> {
    import_result(&state, &req, &user.0, StatusCode::OK, None).await
}

/// The latest imports shown with the form: how far each got (the page refreshes itself
/// while one is running, no script needed).
const RECENT_IMPORTS: i64 = 5;

async fn import_result(
    state: &AppState,
    req: &HttpRequest,
    user: &crate::db::users::User,
    status: StatusCode,
    report: Option<Value>,
) -> Result<HttpResponse, Error> {
    let imports = state
        .db(|conn| Ok(crate::db::imports::recent(conn, RECENT_IMPORTS)?))
        .await?;
    let running = imports
        .iter()
        .any(|i| i.state == crate::domain::import::ImportState::Running);
    render_page(
        state,
        req,
        Some(user),
        status,
        "people_import.html",
        context! { report, imports, running },
    )
}

/// A file to fill in, headed in the reader's language as the people list exports, with one
/// example row: `?format=xlsx` an Excel workbook, else CSV (with a BOM, so Excel reads it as
/// UTF-8).
pub(super) async fn template(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
) -> Result<HttpResponse, Error> {
    let lang = page_language(&req, Some(&user.0));
    let header: Vec<String> = crate::domain::import::COLUMNS
        .iter()
        .map(|c| state.pages.text(lang, &format!("people.col.{c}")))
        .collect();
    let example: Vec<String> = crate::domain::import::COLUMNS
        .iter()
        .map(|c| match *c {
            "employee_no" => "E0001".to_string(),
            "work_email" => "e0001@example.com".to_string(),
            "language" => lang.as_str().to_string(),
            "hire_date" => "2024-03-01".to_string(),
            "name" | "department" | "title" => state
                .pages
                .text(lang, &format!("people.import.example.{c}")),
            _ => String::new(),
        })
        .collect();
    let xlsx = form_urlencoded::parse(req.query_string().as_bytes())
        .any(|(k, v)| k == "format" && v == "xlsx");
    if !xlsx {
        return Ok(lists::csv_file(
            "employees-template",
            &header,
            std::slice::from_ref(&example),
        ));
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (row, cells) in [&header, &example].into_iter().enumerate() {
        for (col, cell) in cells.iter().enumerate() {
            sheet
                .write_string(row as u32, col as u16, cell)
                .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
        }
    }
    let bytes = book
        .save_to_buffer()
        .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::Ok()
        .content_type(crate::http::api::employees::XLSX)
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"employees-template.xlsx\"",
        ))
        .body(bytes))
}

/// The upload: the file and the dry-run box.
async fn read_upload(multipart: Multipart) -> Result<(Option<Vec<u8>>, bool), Error> {
    let read = read_multipart(multipart, "file", IMPORT_LIMIT).await?;
    let dry_run = read.fields.get("dry_run").is_some_and(|v| v == "true");
    Ok((read.file.map(|(_, bytes)| bytes), dry_run))
}

pub(super) async fn import_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
    multipart: Multipart,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (file, dry_run) = read_upload(multipart).await?;
    let refused = |problem: Problem| {
        // The form comes back with the message under the file field, the box as it was.
        let mut flash = Flash::default();
        flash.fields.insert("file".into(), problem);
        if dry_run {
            flash.values.insert("dry_run".into(), "true".into());
        }
        req.extensions_mut().insert(flash);
        (StatusCode::UNPROCESSABLE_ENTITY, None)
    };
    let Some(bytes) = file else {
        let (status, report) = refused(crate::problem!("choose_a_file"));
        return import_result(&state, &req, &user, status, report).await;
    };
    let report = match import_file(&state, Actor::User(user.id.clone()), &bytes, dry_run).await {
        Ok(report) => report,
        Err(Error::Validation(errors)) => {
            let problem = errors.0.into_values().next();
            let (status, report) = refused(problem.unwrap_or_else(|| crate::problem!("refused")));
            return import_result(&state, &req, &user, status, report).await;
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
        ignored_columns => report.ignored_columns,
        rows => report.rows,
    };
    import_result(&state, &req, &user, status, Some(report)).await
}
