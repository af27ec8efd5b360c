//! `GET /calendar/{token}.ics`: a staff user's calendar feed, read by a calendar program with
//! no sign-in (the token in the address is the key). In the user's language, drawn afresh
//! at every read; an unknown or ended token, or a deactivated user, is a 404.

use actix_web::{HttpResponse, http::header, web};

use crate::catalog;
use crate::clock::company_date;
use crate::db::calendar::{self, Due};
use crate::domain::calendar::{Entry, in_window, window};
use crate::domain::problem::{Arg, Problem};
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::routes::{Open, PageRoutes};

pub fn routes(r: &mut PageRoutes) {
    r.get("/calendar/{file}", Open, feed);
}

async fn feed(state: web::Data<AppState>, file: web::Path<String>) -> Result<HttpResponse, Error> {
    let token = file
        .into_inner()
        .strip_suffix(".ics")
        .ok_or(Error::NotFound)?
        .to_string();
    let now = state.now();
    let today = company_date(now, state.config.timezone);
    let window = window(today);
    let (user, dues) = state
        .db(move |conn| {
            let user = calendar::owner(conn, &token)?.ok_or(Error::NotFound)?;
            let dues = calendar::dues(conn, &user, today, window)?;
            Ok((user, dues))
        })
        .await?;
    let lang = user.language;
    let entries = dues
        .into_iter()
        .map(|(on, due)| entry(&state, lang, on, due))
        .collect();
    let name = catalog::render(
        lang,
        &Problem::new("calendar.name").arg("name", user.name.clone()),
    );
    let text = crate::domain::calendar::calendar(&name, &in_window(entries, window), now);
    let user_id = user.id;
    state
        .write(move |tx| calendar::note_read(tx, now, &user_id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(text))
}

/// A date as the user's calendar shows it: the text in their language and the page's link.
fn entry(state: &AppState, lang: Language, on: chrono::NaiveDate, due: Due) -> Entry {
    let say = |p: Problem| catalog::render(lang, &p);
    let (uid, path, summary, description) = match due {
        Due::ObligationEnds {
            obligation_id,
            name,
            kind,
        } => (
            format!("obligation-ends-{obligation_id}"),
            format!("/obligations/{obligation_id}"),
            say(Problem::new("calendar.obligation_ends")
                .arg("name", name)
                .arg("kind", Arg::label("obligation", kind.as_str()))),
            String::new(),
        ),
        Due::PaymentDue {
            obligation_id,
            name,
            month,
        } => (
            format!("payment-{obligation_id}-{month}"),
            format!("/obligations/{obligation_id}"),
            say(Problem::new("calendar.payment_due")
                .arg("name", name)
                .arg("month", month.to_string())),
            String::new(),
        ),
        Due::TierChangeAwaiting { change_id, name } => (
            format!("tier-change-{change_id}"),
            format!("/clearance-changes/{change_id}"),
            say(Problem::new("calendar.tier_change").arg("name", name)),
            String::new(),
        ),
        Due::ExtensionAwaiting { extension_id, name } => (
            format!("extension-{extension_id}"),
            format!("/extensions/{extension_id}"),
            say(Problem::new("calendar.extension").arg("name", name)),
            String::new(),
        ),
        Due::AuthorityReportDue { case_id, code } => (
            format!("authority-report-{case_id}"),
            format!("/breaches/{case_id}"),
            say(Problem::new("calendar.authority_report").arg("code", code)),
            String::new(),
        ),
        Due::LastWorkingDay {
            departure_id,
            name,
            open_lines,
        } => (
            format!("last-working-day-{departure_id}"),
            format!("/departures/{departure_id}"),
            say(Problem::new("calendar.last_working_day").arg("name", name)),
            say(Problem::new("calendar.open_lines").arg("count", open_lines.to_string())),
        ),
    };
    let base = &state.config.base_url;
    let mut url = base.clone();
    url.set_path(&path);
    Entry {
        uid: format!("{uid}@{}", base.host_str().unwrap_or("tuomi")),
        on,
        summary,
        description,
        url: url.to_string(),
    }
}
