//! `/departures/{id}/exit-interview`: the exit interview record (离职保密谈话记录). HR records it
//! (the form; recording confirms the checklist's exit-interview line), HR and security read
//! it, a manager of the person sees only that it was held; `/print` is the record on A4 for
//! signature, in the person's language — filled in once recorded, with blanks before.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::forms::{after_acting, failure_page, holding};
use super::super::render_page;
use crate::db::DbConnection;
use crate::db::departures::{self, Departure};
use crate::db::employees::{self, Employee, Scope};
use crate::db::interview::{self, ExitInterview};
use crate::db::users::User;
use crate::domain::interview::NewInterview;
use crate::domain::policy::RuleText;
use crate::domain::roles::RoleSet;
use crate::domain::users::Language;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::extract::{
    Authorized, CsrfForm, HrOnly, InterviewReaders, MaybeUser, PaperReaders,
};

/// What the pages of one departure's exit interview are drawn from.
struct Facts {
    departure: Departure,
    employee: Employee,
    record: Option<ExitInterview>,
    /// The policy's topics now (what a new record offers, and a blank print lists).
    topics: Vec<RuleText>,
    company: crate::domain::identity::Company,
    recorded_by: Option<String>,
}

fn facts(conn: &mut DbConnection, user: &User, id: &str) -> Result<Facts> {
    let scope = Scope::of(conn, user)?;
    let departure = departures::get(conn, &scope, id)?.departure;
    let employee = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let mut record = interview::of_departure(conn, id)?;
    if crate::http::api::interview::held_only(user) {
        record = record.map(ExitInterview::held_only);
    }
    let recorded_by = match record.as_ref().and_then(|r| r.details.as_ref()) {
        Some(d) => departures::users_named(conn, &[d.recorded_by.as_str()])?
            .into_values()
            .next()
            .map(|u| u.name),
        None => None,
    };
    let (_, policy) = crate::db::policy::current(conn)?;
    let company = crate::db::policy::identity(conn)?;
    Ok(Facts {
        departure,
        employee,
        record,
        topics: policy.interview_topics,
        company,
        recorded_by,
    })
}

fn in_lang(text: &RuleText, lang: Language) -> String {
    text.in_lang(lang).to_string()
}

/// The topics as a page lists them, in `lang`: those recorded (all ticked) or, before, the
/// policy's (none ticked).
fn topic_views(f: &Facts, lang: Language) -> Vec<minijinja::Value> {
    match f.record.as_ref().and_then(|r| r.details.as_ref()) {
        Some(d) => d
            .topics
            .iter()
            .map(|t| context! { text => in_lang(t, lang), covered => true })
            .collect(),
        None => f
            .topics
            .iter()
            .enumerate()
            .map(|(n, t)| context! { n, text => in_lang(t, lang), covered => false })
            .collect(),
    }
}

fn record_view(f: &Facts, lang: Language) -> minijinja::Value {
    let record = f.record.as_ref();
    let details = record.and_then(|r| r.details.as_ref());
    context! {
        held => record.is_some(),
        held_on => record.map(|r| crate::domain::reminders::written_date(r.held_on, lang)),
        held_by => details.map(|d| d.held_by.clone()),
        statement => details.map(|d| d.statement.clone()),
        signed => details.map(|d| d.signed),
        recorded_by => f.recorded_by.clone(),
        recorded_at => record.map(|r| r.recorded_at.and_utc().to_rfc3339()),
        topics => topic_views(f, lang),
    }
}

async fn page(
    state: &AppState,
    req: &HttpRequest,
    user: User,
    id: String,
    status: StatusCode,
) -> std::result::Result<HttpResponse, Error> {
    let who = user.clone();
    let f = state.db(move |conn| facts(conn, &who, &id)).await?;
    let lang = user.language;
    render_page(
        state,
        req,
        Some(&user),
        status,
        "departures_interview.html",
        context! {
            departure_id => f.departure.id.clone(),
            name => f.employee.name.clone(),
            record => record_view(&f, lang),
            may_record => user.may::<HrOnly>()
                && f.record.is_none()
                && f.departure.status == crate::domain::departures::DepartureStatus::InProgress,
            reads_papers => user.may::<PaperReaders>(),
        },
    )
}

pub(super) async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<InterviewReaders>,
    id: web::Path<String>,
) -> std::result::Result<HttpResponse, Error> {
    page(&state, &req, user.0, id.into_inner(), StatusCode::OK).await
}

/// The record on A4 for signature, in the person's language whatever the reader's.
pub(super) async fn print(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PaperReaders>,
    id: web::Path<String>,
) -> std::result::Result<HttpResponse, Error> {
    let user = user.0;
    let who = user.clone();
    let id = id.into_inner();
    let f = state.db(move |conn| facts(conn, &who, &id)).await?;
    let lang = f.employee.language;
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "departures_interview_print.html",
        context! {
            doc_lang => lang.as_str(),
            departure_id => f.departure.id.clone(),
            name => f.employee.name.clone(),
            employee_no => f.employee.employee_no.clone(),
            department => f.employee.department.clone(),
            last_working_day => crate::domain::reminders::written_date(f.departure.last_working_day, lang),
            tier => f.employee.clearance_tier,
            company => f.company.view(lang),
            record => record_view(&f, lang),
            printed_on => crate::domain::reminders::written_date(today, lang),
        },
    )
}

/// The form: who held it, the day, the topics ticked (`topics`, one a box), the statement and
/// whether the person signed. Refused, the page comes back 422 with each fault on its field.
pub(super) async fn record(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
    id: web::Path<String>,
    form: CsrfForm<Vec<(String, String)>>,
) -> std::result::Result<HttpResponse, Error> {
    let signed_in = user.0.clone();
    let user = match holding(user, HrOnly::ROLES) {
        Ok(user) => user,
        Err(e) => return failure_page(&state, &req, signed_in.as_ref(), e),
    };
    let id = id.into_inner();
    let fields = form.0;
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (held_by, held_on, statement) = (value("held_by"), value("held_on"), value("statement"));
    let signed = value("signed") == "true";
    let topics: std::result::Result<Vec<usize>, _> = fields
        .iter()
        .filter(|(k, _)| k == "topics")
        .map(|(_, v)| v.parse::<usize>())
        .collect();
    let (now, tz) = (state.now(), state.config.timezone);
    let today = crate::clock::company_date(now, tz);
    let (who, dep) = (user.clone(), id.clone());
    let done = state
        .db(move |conn| {
            let held_on = crate::domain::people::parse_date(&held_on)
                .map_err(|m| Error::field("held_on", m))?;
            let topics =
                topics.map_err(|_| Error::field("topics", crate::problem!("not_valid")))?;
            let new = NewInterview {
                held_by: &held_by,
                held_on,
                topics: &topics,
                statement: &statement,
                signed,
            };
            crate::db::write_tx(conn, |tx| {
                interview::record(tx, now, today, &who, &dep, &new)
            })
        })
        .await;
    let mut values: std::collections::BTreeMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k != "csrf" && k != "topics")
        .cloned()
        .collect();
    // Each box ticked, to tick it again.
    for (_, v) in fields.iter().filter(|(k, _)| k == "topics") {
        values.insert(format!("topics.{v}"), "on".into());
    }
    let to = format!("/departures/{id}/exit-interview");
    let again = user.clone();
    let answered = after_acting(
        &state,
        &req,
        done,
        (&to, "exit_interview_recorded"),
        values,
        || page(&state, &req, again, id, StatusCode::UNPROCESSABLE_ENTITY),
    )
    .await;
    answered.or_else(|e| failure_page(&state, &req, Some(&user), e))
}
