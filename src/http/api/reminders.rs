//! Reminders as planned and sent (with the exact message kept as evidence), the forecast of
//! what the schedules will send, and the job queue — for HR, security and admins.

use crate::domain::roles::CaseReaders;
use actix_web::{HttpResponse, get, post, web};

use crate::db::jobs::{self, Job};
use crate::db::reminders::{self, Reminder, ReminderFilter};
use crate::db::users::User;
use crate::domain::FieldErrors;
use crate::domain::reminders::ReminderKind;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{Authorized, HrOnly, ListPage, Overseers, Page, QueryParams, Window};
use crate::http::routes::ApiRoutes;
use crate::jobs::forecast::{ForecastEntry, forecast as forecast_of};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Overseers, list);
    r.service(Overseers, forecast);
    r.service(Overseers, get);
    r.service(HrOnly, resend);
    r.service(Overseers, message);
    r.service(Overseers, jobs_list);
}

/// The forecast looks at most this far ahead.
pub const FORECAST_MAX_DAYS: u32 = 366;

list_query! {
    #[derive(Debug, Default)]
    pub struct ReminderQuery {
        /// scheduled, sent, failed or acknowledged.
        pub status: Option<String>,
        /// periodic, ending, released, on_request, nudge, digest, loss, handover,
        /// breach_reported or forbidden_employer.
        pub kind: Option<String>,
        pub employee_id: Option<String>,
        /// due_at, sent_at, kind or status; `-` before it for descending (default `-due_at`).
        pub sort: Option<String>,
    }
}

impl ReminderQuery {
    /// The filter and the window of rows the query asks for (for `user`), or the fields at
    /// fault.
    pub fn resolve(self, user: &User) -> Result<(ReminderFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let filter = ReminderFilter {
            status: errors.optional("status", self.status),
            kind: errors.optional("kind", self.kind),
            employee_id: self.employee_id.filter(|e| !e.trim().is_empty()),
            unacknowledged_since: None,
            hide_breach_notices: !sees_breach_notices(user),
            due_since: None,
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

/// Reminders, latest due first.
#[utoipa::path(
    tag = "reminders",
    params(ReminderQuery),
    responses(
        (status = 200, body = ListPage<Reminder>),
        InputErrors
    )
)]
#[get("/reminders")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    query: QueryParams<ReminderQuery>,
) -> Result<web::Json<ListPage<Reminder>>, Error> {
    let (filter, window) = query.0.resolve(&user.0)?;
    let found = state
        .db(move |conn| Ok(reminders::list(conn, &filter, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}

list_query! {
    pub struct ForecastQuery {
        /// How many days ahead, 1 to 366 (default 90).
        #[param(minimum = 1, maximum = 366)]
        days: Option<u32>,
    }
}

/// What the schedules will send from now to now + days, to whom, without sending anything.
#[utoipa::path(
    tag = "reminders",
    params(ForecastQuery),
    responses(
        (status = 200, body = ListPage<ForecastEntry>),
        InputErrors
    )
)]
#[get("/reminders/forecast")]
pub async fn forecast(
    state: web::Data<AppState>,
    _user: Authorized<Overseers>,
    query: QueryParams<ForecastQuery>,
) -> Result<web::Json<ListPage<ForecastEntry>>, Error> {
    let q = query.0;
    let days = q.days.unwrap_or(90);
    if !(1..=FORECAST_MAX_DAYS).contains(&days) {
        let mut errors = FieldErrors::new();
        errors.add(
            "days",
            crate::problem!("between", min = 1, max = FORECAST_MAX_DAYS),
        );
        return Err(errors.into());
    }
    let window = q.window()?;
    let (now, tz) = (state.now(), state.config.timezone);
    let entries = state
        .db(move |conn| {
            let (_, policy) = crate::db::policy::current(conn)?;
            Ok(forecast_of(conn, &policy, tz, now, days)?)
        })
        .await?;
    let total = entries.len() as i64;
    let rows = entries
        .into_iter()
        .skip(window.offset as usize)
        .take(window.limit as usize)
        .collect();
    Ok(web::Json(window.page(Page { rows, total })))
}

/// One reminder: to whom, when, the server's answer and the SHA-256 of what was sent.
#[utoipa::path(
    tag = "reminders",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Reminder),
        ReadErrors
    )
)]
#[get("/reminders/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<web::Json<Reminder>, Error> {
    let id = id.into_inner();
    let found = state.db(move |conn| Ok(reminders::get(conn, &id)?)).await?;
    found
        .filter(|r| visible(&user.0, r))
        .map(web::Json)
        .ok_or(Error::NotFound)
}

/// Sends a failed reminder again (HR), e.g. once the person's address is corrected or the
/// mail server is back: it is scheduled anew and goes out once, at the worker's next run.
#[utoipa::path(
    tag = "reminders",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Reminder, description = "scheduled again"),
        ReadErrors,
        (status = 409, body = ErrorBody, description = "the reminder has not failed")
    )
)]
#[post("/reminders/{id}/resend")]
pub async fn resend(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
) -> Result<web::Json<Reminder>, Error> {
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let reminder = state
        .write(move |conn| {
            match reminders::get(conn, &id)? {
                Some(r) if visible(&user, &r) => {}
                _ => return Err(Error::NotFound),
            }
            reminders::resend(conn, now, &user.id, &id)
        })
        .await?;
    Ok(web::Json(reminder))
}

/// Whether a user may know that breach reports arrived (security and admin).
pub fn sees_breach_notices(user: &User) -> bool {
    user.may::<CaseReaders>()
}

/// Whether a user may see this reminder at all.
pub fn visible(user: &User, r: &Reminder) -> bool {
    // A reset link is for its user alone: nobody reads it here, not even the kept message.
    r.kind != ReminderKind::PasswordReset
        && (r.kind != ReminderKind::BreachReported || sees_breach_notices(user))
}

/// The message exactly as the person received it (`message/rfc822`, the bytes whose SHA-256
/// is on the reminder and in the audit trail).
#[utoipa::path(
    tag = "reminders",
    params(("id" = String, Path)),
    responses(
        (status = 200, content_type = "message/rfc822", body = String),
        ReadErrors
    )
)]
#[get("/reminders/{id}/message")]
pub async fn message(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let (reminder, bytes) = state
        .db(move |conn| Ok(reminders::sent_message(conn, &id)?))
        .await?
        .filter(|(r, _)| visible(&user.0, r))
        .ok_or(Error::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("message/rfc822")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{}.eml\"", reminder.id),
        ))
        .body(bytes))
}

list_query! {
    pub struct JobQuery {
        /// queued, running, done or failed.
        state: Option<String>,
    }
}

/// The job queue, most recently changed first; `?state=failed` shows what gave up and why.
#[utoipa::path(
    tag = "reminders",
    params(JobQuery),
    responses(
        (status = 200, body = ListPage<Job>),
        InputErrors
    )
)]
#[get("/jobs")]
pub async fn jobs_list(
    state: web::Data<AppState>,
    user: Authorized<Overseers>,
    query: QueryParams<JobQuery>,
) -> Result<web::Json<ListPage<Job>>, Error> {
    let q = query.0;
    let window = q.window()?;
    let mut errors = FieldErrors::new();
    let job_state = errors.optional("state", q.state);
    errors.finish()?;
    let hide = !sees_breach_notices(&user.0);
    let found = state
        .db(move |conn| Ok(jobs::list(conn, job_state, hide, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}
