//! The page a former employee reaches from a reminder: their obligations and an "I
//! acknowledge" button, and the form that sends a fresh link to a known private email.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::obligations::{meaning_under, money};
use super::{message_page, page_language, render_page, render_page_in};
use crate::auth::LinkPurpose;
use crate::clock::company_date;
use crate::db::obligations::Obligation;
use crate::db::reminders::{self, Recipient, Reminder};
use crate::db::{self, write_tx};
use crate::domain::obligations::{ObligationKind, restricting_tier};
use crate::domain::reminders::ReminderStatus;
use crate::domain::reminders::{ReminderKind, written_date};
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::extract::CsrfForm;
use crate::http::{AppState, session};

/// What the page shows: the reminder, the person's name and language, their active
/// obligations, the policy they are explained by, and their non-compete's terms if any.
struct AckView {
    reminder: Reminder,
    employee_id: String,
    name: String,
    language: Language,
    obligations: Vec<Obligation>,
    /// Left a classified post and still employed (a downgrade, a transfer).
    serving: bool,
    /// The first day of the lifelong duty to keep state secrets, after a 脱密期.
    lasting_from: Option<chrono::NaiveDate>,
    policy: crate::domain::policy::Policy,
    agreement: Option<crate::db::noncompete::Agreement>,
    company: crate::domain::identity::Company,
}

/// The reminder a link names, if the link verifies, has not expired and is for a former
/// employee's reminder.
async fn view(state: &web::Data<AppState>, token: &str) -> Result<Option<AckView>, Error> {
    let Ok(id) = state
        .links
        .verify(LinkPurpose::Acknowledge, token, state.now())
    else {
        return Ok(None);
    };
    state
        .db(move |conn| {
            let Some(reminder) = reminders::get(conn, &id)? else {
                return Ok(None);
            };
            let Some(employee_id) = reminder.employee_id.clone() else {
                return Ok(None);
            };
            let Some(employee) = db::employees::find(conn, &employee_id)? else {
                return Ok(None);
            };
            let obligations = db::obligations::owed_by(conn, &employee_id)?;
            let lasting_from = db::obligations::lasting_duty_from(conn, &employee_id)?;
            let (_, policy) = db::policy::current(conn)?;
            let agreement = if obligations
                .iter()
                .any(|o| o.kind == ObligationKind::NonCompete)
            {
                db::noncompete::agreement_of(conn, &employee_id)?
            } else {
                None
            };
            let company = db::policy::identity(conn)?;
            Ok(Some(AckView {
                company,
                reminder,
                employee_id: employee.id,
                name: employee.name,
                language: employee.language,
                serving: employee.status.is_employed(),
                obligations,
                lasting_from,
                policy,
                agreement,
            }))
        })
        .await
}

fn ack_page(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    v: &AckView,
) -> Result<HttpResponse, Error> {
    // The person's language, unless they chose the other one with the switch on the page.
    let lang = req
        .cookie(super::language::LANGUAGE_COOKIE)
        .and_then(|c| c.value().parse().ok())
        .unwrap_or(v.language);
    let today = company_date(state.now(), state.config.timezone);
    // One set of restrictions: the highest tier's among the periods still running.
    let restricting = restricting_tier(v.obligations.iter().map(|o| (o.kind, o.tier)));
    let obligations: Vec<Value> = v
        .obligations
        .iter()
        .map(|o| {
            let terms = (o.kind == ObligationKind::NonCompete)
                .then_some(v.agreement.as_ref())
                .flatten()
                .map(|a| {
                    context! {
                        scope => a.scope,
                        region => a.region,
                        monthly => a
                            .compensation(&v.policy, o.starts_on.pred_opt().unwrap_or(o.starts_on))
                            .owed_monthly
                            .map(|m| format!("{} {}", money(m), a.currency)),
                    }
                });
            context! {
                kind => o.kind,
                starts_on => o.starts_on.to_string(),
                ends_on => o.ends_on.map(|d| d.to_string()),
                days_left => o.ends_on.map(|d| (d - today).num_days()),
                meaning => meaning_under(o, &v.policy, lang, restricting),
                terms,
            }
        })
        .collect();
    // While a 脱密期 runs, trips abroad need approval: the page links to the person's own
    // travel page.
    let travel_url = v
        .obligations
        .iter()
        .any(|o| o.kind == ObligationKind::Declassification)
        .then(|| {
            let days = v.policy.reminders.link_valid_days;
            let token = super::travel_link::token(&state.links, &v.employee_id, state.now(), days);
            format!("/travel/{token}")
        });
    render_page_in(
        state,
        req,
        None,
        lang,
        status,
        "ack.html",
        context! {
            name => v.name,
            obligations,
            serving => v.serving,
            lasting_from => v.lasting_from.map(|d| d.to_string()),
            acknowledged_on => v.reminder.acknowledged_at
                .map(|a| written_date(company_date(a.and_utc(), state.config.timezone), lang)),
            can_acknowledge => v.reminder.status == ReminderStatus::Sent,
            company => v.company.view(lang),
            travel_url,
        },
    )
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, Error> {
    match view(&state, &token.into_inner()).await? {
        Some(v) => ack_page(&state, &req, StatusCode::OK, &v),
        None => message_page(&state, &req, StatusCode::NOT_FOUND, "ack_link_invalid"),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn acknowledge(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, Error> {
    let Some(v) = view(&state, &token.into_inner()).await? else {
        return message_page(&state, &req, StatusCode::NOT_FOUND, "ack_link_invalid");
    };
    let (now, id) = (state.now(), v.reminder.id.clone());
    let client =
        session::client_address(&req, &state.config.trusted_proxies).map(|a| a.to_string());
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                Ok(reminders::acknowledge(conn, now, &id, client.as_deref())?)
            })
        })
        .await?;
    let token = req
        .match_info()
        .get("token")
        .unwrap_or_default()
        .to_string();
    match view(&state, &token).await? {
        Some(v) => ack_page(&state, &req, StatusCode::OK, &v),
        None => message_page(&state, &req, StatusCode::NOT_FOUND, "ack_link_invalid"),
    }
}

pub async fn request_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Error> {
    render_page(
        &state,
        &req,
        None,
        StatusCode::OK,
        "ack_request.html",
        context! { sent => false },
    )
}

#[derive(Deserialize)]
pub struct LinkRequest {
    #[serde(default)]
    email: String,
}

/// Sends a fresh link to the address if it belongs to someone with active obligations. The
/// answer is the same whether or not it does, and whether or not the request was throttled.
pub async fn request_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: CsrfForm<LinkRequest>,
) -> Result<HttpResponse, Error> {
    let email = form.0.email.trim().to_lowercase();
    let now = state.now();
    let address = session::client_address(&req, &state.config.trusted_proxies)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let (by_email, by_address) = (state.link_requests_by_email, state.link_requests_by_address);
    let asked = email.clone();
    let throttled = state
        .write(move |tx| {
            // Checked and counted at once, so concurrent requests cannot all pass.
            let by_email = by_email.take(tx, &asked, now)?;
            let by_address = by_address.take(tx, &address, now)?;
            Ok(by_email.is_some() || by_address.is_some())
        })
        .await?;
    if !throttled && email.contains('@') {
        let period = now.to_rfc3339();
        state
            .db(move |conn| {
                write_tx(conn, |conn| {
                    for id in reminders::former_employees_by_email(conn, &email)? {
                        reminders::plan_one(
                            conn,
                            now,
                            Recipient::Employee(&id),
                            ReminderKind::OnRequest,
                            &period,
                            now,
                        )?;
                    }
                    Ok(())
                })
            })
            .await?;
    }
    render_page_in(
        &state,
        &req,
        None,
        page_language(&req, None),
        StatusCode::OK,
        "ack_request.html",
        context! { sent => true },
    )
}
