//! `/departures/{id}/exit-notice`: the exit notice (离职保密告知书) on A4 for signature at the
//! exit interview — the same values as the email, in the person's language, with the person's
//! name, the date and signature lines.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::render_page;
use crate::db::departures;
use crate::db::employees::Scope;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized};

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
