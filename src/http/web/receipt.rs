//! The page a successor reaches from the handover email: what was handed over to them, and a
//! button to sign for it (签收) — no account needed; the signed link is the proof.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::ack::Empty;
use super::{message_page, render_page_in};
use crate::auth::LinkPurpose;
use crate::clock::company_date;
use crate::db::departures::{self, DepartureLine, Receiver};
use crate::db::write_tx;
use crate::domain::departures::LineStatus;
use crate::domain::reminders::written_date;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::CsrfForm;

/// The line a link names, with the departing person's name and the successor's language.
async fn line_of(
    state: &web::Data<AppState>,
    token: &str,
) -> Result<Option<(DepartureLine, String, Language)>, Error> {
    let Ok(line_id) = state.links.verify(LinkPurpose::Receipt, token, state.now()) else {
        return Ok(None);
    };
    let found = state
        .db(move |conn| departures::awaiting_receipt(conn, &line_id))
        .await?;
    Ok(found.map(|(line, leaver, successor)| (line, leaver, successor.language)))
}

fn receipt_page(
    state: &AppState,
    req: &HttpRequest,
    (line, leaver, lang): &(DepartureLine, String, Language),
) -> Result<HttpResponse, Error> {
    render_page_in(
        state,
        req,
        None,
        *lang,
        StatusCode::OK,
        "receipt.html",
        context! {
            employee_name => leaver,
            title => line.title.in_lang(*lang),
            count => line.expected_count,
            received_on => line.received_at
                .map(|a| written_date(company_date(a.and_utc(), state.config.timezone), *lang)),
            waiting => line.status == LineStatus::HandedOver && line.received_at.is_none(),
        },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    match line_of(&state, &token.into_inner()).await? {
        Some(found) => receipt_page(&state, &req, &found),
        None => message_page(&state, &req, StatusCode::NOT_FOUND, "receipt_link_invalid"),
    }
}

pub async fn sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, Error> {
    let token = token.into_inner();
    let Some((line, _, _)) = line_of(&state, &token).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "receipt_link_invalid");
    };
    let now = state.now();
    let signed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                departures::receive(conn, now, Receiver::Link, &line.departure_id, &line.id)
            })
        })
        .await;
    match signed {
        // Signed now, or already signed / no longer open: the page shows where it stands.
        Ok(_) | Err(Error::Refused(_)) => match line_of(&state, &token).await? {
            Some(found) => receipt_page(&state, &req, &found),
            None => message_page(&state, &req, StatusCode::NOT_FOUND, "receipt_link_invalid"),
        },
        Err(e) => Err(e),
    }
}
