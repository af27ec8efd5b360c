//! `/departures/{id}/exit-notice`: the exit notice (离职保密告知书) on A4 for signature at the
//! exit interview — the same values as the email, in the person's language, with the person's
//! name, the date and signature lines; HR records it signed on paper, with the scan.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::forms::after_acting;
use super::super::multipart::read_multipart;
use super::super::render_page;
use crate::db::departures;
use crate::db::employees::Scope;
use crate::domain::papers::SCAN_MAX_BYTES;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized, HrOnly, PaperReaders};

pub(super) async fn print(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let who = user.clone();
    let id = id.into_inner();
    let facts = state
        .db(move |conn| {
            // Whoever may see the departure may print its notice.
            let scope = Scope::of(conn, &who)?;
            departures::get(conn, &scope, &id)?;
            crate::db::exit_notice::facts(conn, &id)
        })
        .await?;
    let lang = facts.employee.language;
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    // The page in the reader's language; the notice in the person's (`doc_lang`).
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "departures_exit_notice.html",
        context! {
            doc_lang => lang.as_str(),
            departure_id => facts.departure.id,
            in_effect => facts.departure.in_effect,
            printed_on => crate::domain::reminders::written_date(today, lang),
            company => facts.company.view(lang),
            ..crate::mail::exit_notice::values(&facts, lang)
        },
    )
}

/// The departure page's "signed on paper" form (multipart): the day and the scan. Refused, the
/// page comes back 422 with the fault on its field and nothing recorded.
pub(super) async fn record_signed(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let id = id.into_inner();
    let form = read_multipart(multipart, "file", SCAN_MAX_BYTES).await?;
    let (now, tz) = (state.now(), state.config.timezone);
    let today = crate::clock::company_date(now, tz);
    let field = form.fields.get("signed_on").cloned().unwrap_or_default();
    let (who, dep, file) = (user.clone(), id.clone(), form.file.clone());
    let done = state
        .db(move |conn| {
            // Only a departure HR may see (every one).
            let scope = Scope::of(conn, &who)?;
            departures::get(conn, &scope, &dep)?;
            let signed_on = crate::domain::people::parse_date(&field)
                .map_err(|m| Error::field("signed_on", m))?;
            crate::db::write_tx(conn, |tx| {
                crate::db::papers::record_signed_exit_notice(
                    tx, now, today, &who.id, &dep, signed_on, file,
                )
            })
        })
        .await;
    let to = format!("/departures/{id}#exit-notice");
    after_acting(
        &state,
        &req,
        done,
        (&to, "exit_notice_signed"),
        form.fields,
        || {
            super::departure_page(
                &state,
                &req,
                user,
                id,
                "departures_detail.html",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        },
    )
    .await
}

/// The scan of the signed exit notice, as it was received (HR and security only), served as a
/// download.
pub(super) async fn scan(
    state: web::Data<AppState>,
    _user: Authorized<PaperReaders>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let (scan, bytes) = state
        .db(move |conn| {
            let scan_id = departures::find(conn, &id)?
                .exit_notice_scan_id
                .ok_or(Error::NotFound)?;
            crate::db::papers::scan_file(conn, &scan_id)?.ok_or(Error::NotFound)
        })
        .await?;
    Ok(scan_download(&scan, bytes))
}

/// A scan as a download, never rendered in the service's origin.
pub(in crate::http::web) fn scan_download(
    scan: &crate::db::papers::Scan,
    bytes: Vec<u8>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(scan.content_type.as_str())
        .insert_header(("Content-Disposition", "attachment"))
        .body(bytes)
}
