//! The page a successor reaches from the handover email: everything of the departure handed
//! over to them, each with its 密级 and registered copies, signed for item by item with the
//! count (签收), or reported as not as described with a note — no account needed; the signed
//! link is the proof.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{message_page, render_page_in};
use crate::auth::LinkPurpose;
use crate::clock::company_date;
use crate::db::departures::{self, Handover, Receiver};
use crate::db::write_tx;
use crate::domain::departures::{ChecklistRefusal, has_copies, receipt_count};
use crate::domain::reminders::written_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::CsrfForm;

/// The handover the link's line belongs to.
async fn handover_of(state: &web::Data<AppState>, token: &str) -> Result<Option<Handover>, Error> {
    let Ok(line_id) = state.links.verify(LinkPurpose::Receipt, token, state.now()) else {
        return Ok(None);
    };
    state
        .db(move |conn| departures::handover_of_line(conn, &line_id))
        .await
}

/// The page, with what the successor just typed and the problems with it, if any.
fn receipt_page(
    state: &AppState,
    req: &HttpRequest,
    handover: &Handover,
    status: StatusCode,
    form: Value,
) -> Result<HttpResponse, Error> {
    let lang = handover.successor.language;
    let tz = state.config.timezone;
    let items: Vec<Value> = handover
        .lines
        .iter()
        .map(|(l, class)| {
            context! {
                id => l.id, title => l.title.in_lang(lang), classification => class,
                count => has_copies(l.kind).then_some(l.expected_count),
                received_on => l.received_at
                    .map(|a| written_date(company_date(a.and_utc(), tz), lang)),
            }
        })
        .collect();
    render_page_in(
        state,
        req,
        None,
        lang,
        status,
        "receipt.html",
        context! { employee_name => handover.leaver, items, form },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    match handover_of(&state, &token.into_inner()).await? {
        Some(h) => receipt_page(&state, &req, &h, StatusCode::OK, Value::from(())),
        None => message_page(&state, &req, StatusCode::NOT_FOUND, "receipt_link_invalid"),
    }
}

#[derive(Deserialize)]
pub struct ReceiptForm {
    /// The item signed for or reported.
    #[serde(default)]
    line_id: String,
    /// The copies counted.
    #[serde(default)]
    count: String,
    /// `dispute` when it is not as described.
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn sign(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: CsrfForm<ReceiptForm>,
) -> Result<HttpResponse, Error> {
    let token = token.into_inner();
    let form = form.0;
    let Some(handover) = handover_of(&state, &token).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "receipt_link_invalid");
    };
    // Only an item of this handover; an unknown one, or none, redraws the page.
    let Some((line, _)) = handover.lines.iter().find(|(l, _)| l.id == form.line_id) else {
        return receipt_page(&state, &req, &handover, StatusCode::OK, Value::from(()));
    };
    let (departure_id, line_id, now) = (line.departure_id.clone(), line.id.clone(), state.now());
    let disputing = form.action == "dispute";
    let done = if disputing {
        let note = form.note.clone();
        state
            .db(move |conn| {
                write_tx(conn, |tx| {
                    departures::dispute(tx, now, &departure_id, &line_id, &note)
                })
            })
            .await
    } else {
        let counted = form.count.trim().parse::<i32>().ok();
        match receipt_count(line.kind, line.expected_count, counted) {
            Err(ChecklistRefusal::CountDiffers { counted, expected }) => Err(Error::field(
                "count",
                crate::problem!(
                    "receipt_count_differs",
                    counted = counted,
                    expected = expected
                ),
            )),
            Err(_) => Err(Error::field(
                "count",
                crate::problem!("receipt_count_missing"),
            )),
            Ok(()) => {
                state
                    .db(move |conn| {
                        write_tx(conn, |tx| {
                            departures::receive(tx, now, Receiver::Link, &departure_id, &line_id)
                        })
                        .map(|_| ())
                    })
                    .await
            }
        }
    };
    let problems = match done {
        // Done, or already signed / no longer open: the page shows where it stands.
        Ok(()) | Err(Error::Refused(_)) => None,
        Err(Error::Validation(errors)) => Some(errors),
        Err(e) => return Err(e),
    };
    // Reload: a disputed line has left the handover.
    let Some(now_handover) = handover_of(&state, &token).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "receipt_link_invalid");
    };
    let lang = handover.successor.language;
    let status = if problems.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let errors: std::collections::BTreeMap<String, String> = problems
        .map(|e| {
            e.0.iter()
                .map(|(f, p)| (f.to_string(), crate::catalog::render(lang, p)))
                .collect()
        })
        .unwrap_or_default();
    let form = context! {
        line_id => form.line_id, count => form.count, note => form.note,
        disputed => disputing && errors.is_empty(), errors,
    };
    receipt_page(&state, &req, &now_handover, status, form)
}
