//! A pledge signed on paper, recorded from the person's page with its scan (HR), and the scan
//! served to HR and security as a download.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::super::departures::scan_download;
use super::super::forms::after_acting;
use super::super::multipart::read_multipart;
use crate::db::employees::{self, Scope};
use crate::domain::papers::SCAN_MAX_BYTES;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, HrOnly, PaperReaders};

/// The form (multipart): the text signed, the day and the scan. Refused, the person's page
/// comes back 422 with the fault on its field and nothing recorded.
pub(super) async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let id = id.into_inner();
    let form = read_multipart(multipart, "file", SCAN_MAX_BYTES).await?;
    let now = state.now();
    let today = crate::clock::company_date(now, state.config.timezone);
    let field = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    let (signed_on, text_id) = (field("signed_on"), field("pledge_text_id"));
    let (who, employee, file) = (user.clone(), id.clone(), form.file.clone());
    let done = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            employees::get(conn, &scope, &employee)?;
            let signed_on = crate::domain::people::parse_date(&signed_on)
                .map_err(|m| Error::field("signed_on", m))?;
            crate::db::write_tx(conn, |tx| {
                crate::db::papers::record_paper_pledge(
                    tx, now, today, &who.id, &employee, &text_id, signed_on, file,
                )
            })
        })
        .await;
    let to = format!("/employees/{id}#pledges");
    after_acting(
        &state,
        &req,
        done,
        (&to, "people_pledge_recorded"),
        form.fields,
        || super::person::person_page(&state, &req, user, id, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await
}

/// The scan of a pledge signed on paper, as received (HR and security only).
pub(super) async fn scan(
    state: web::Data<AppState>,
    _user: Authorized<PaperReaders>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (id, pledge_id) = path.into_inner();
    let (scan, bytes) = state
        .db(move |conn| {
            let scan_id = crate::db::pledges::of_employee(conn, &id)?
                .into_iter()
                .find(|p| p.id == pledge_id)
                .and_then(|p| p.scan_id)
                .ok_or(Error::NotFound)?;
            crate::db::papers::scan_file(conn, &scan_id)?.ok_or(Error::NotFound)
        })
        .await?;
    Ok(scan_download(&scan, bytes))
}
