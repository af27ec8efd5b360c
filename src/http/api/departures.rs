//! Departures with their checklist, and the obligations that follow.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::departures::{
    self, Confirmation, Departure, DepartureDetail, DepartureFilter, NewDeparture,
};
use crate::db::employees::Scope;
use crate::domain::FieldErrors;
use crate::domain::departures::{DepartureReason, LineStatus};
use crate::domain::people::parse_date;
use crate::domain::pledges::{Signature, SigningMethod};
use crate::domain::problem::Arg;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{
    AnyRole, Authorized, HrOnly, JsonBody, LineConfirmers, ListPage, QueryParams, Window, given,
};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(HrOnly, start);
    r.service(AnyRole, list);
    r.service(AnyRole, get);
    r.service(HrOnly, add_line);
    r.service(LineConfirmers, confirm);
    r.service(AnyRole, receive);
    r.service(HrOnly, complete);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StartDeparture {
    employee_id: String,
    /// YYYY-MM-DD: the day either side clearly declared the end of the employment.
    notice_date: String,
    /// YYYY-MM-DD, not before the notice date.
    last_working_day: String,
    /// YYYY-MM-DD: the day the person left the classified post, from which the 脱密期 counts;
    /// the last working day when not given. An earlier day (not before the notice date) needs
    /// `left_post_approved_by`.
    left_post_on: Option<String>,
    /// Who approved leaving the post before the last working day (a name or a user).
    left_post_approved_by: Option<String>,
    reason: DepartureReason,
    /// The employee who receives the handover of secret files.
    successor_id: Option<String>,
}

list_query! {
    pub struct DepartureQuery {
        /// in_progress or completed.
        pub status: Option<String>,
        /// Part of the departing person's name, employee number or email (any case).
        pub q: Option<String>,
        /// `open`: only departures with a carrier confirmed missing whose loss case is not closed.
        pub loss: Option<String>,
        /// last_working_day (the default), notice_date, started_at or name; a leading `-` sorts
        /// descending.
        pub sort: Option<String>,
    }
}

impl DepartureQuery {
    /// The rows asked for and the filter, checked (the list page takes the same query).
    pub fn resolve(self) -> Result<(Window, DepartureFilter), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let open_loss = match self.loss.as_deref().map(str::trim) {
            None | Some("") => false,
            Some("open") => true,
            Some(other) => {
                errors.add(
                    "loss",
                    crate::problem!(
                        "not_one_of",
                        value = format!("{other:?}"),
                        what = Arg::key("what.loss_filter"),
                        choices = "open"
                    ),
                );
                false
            }
        };
        let filter = DepartureFilter {
            status: errors.optional("status", self.status),
            q: self.q.filter(|q| !q.trim().is_empty()),
            open_loss,
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((window, filter))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewLine {
    /// The line's title, as HR writes it (shown to readers of either language unless
    /// `title_en` is given).
    title: String,
    /// The title for English readers, when it differs.
    title_en: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Confirm {
    /// returned, handed_over, destroyed or missing (carriers); handed_over or missing (the
    /// handover of secret files); done (the other lines).
    outcome: LineStatus,
    #[serde(default)]
    note: String,
    /// For returned: the copies counted, checked against the register.
    count: Option<i32>,
    /// The exit pledge line is confirmed only with an exit pledge of this departure on
    /// record; given here, one is recorded on the spot: e_signed, paper or refused.
    pledge_method: Option<SigningMethod>,
    /// The text signed; the newest exit pledge text when not given.
    pledge_text_id: Option<String>,
    /// YYYY-MM-DD; today (in the company's time zone) when not given.
    pledge_signed_on: Option<String>,
    /// For e_signed: the name the person typed.
    pledge_typed_name: Option<String>,
    /// For paper: where the scan is kept.
    pledge_scan_ref: Option<String>,
    /// For refused: why.
    pledge_refusal_reason: Option<String>,
}

/// The exit pledge given with a confirmation, checked; its fields named `pledge_…`.
fn exit_pledge(
    b: &Confirm,
    today: chrono::NaiveDate,
) -> Result<Option<(Option<String>, Signature)>, Error> {
    let Some(method) = b.pledge_method else {
        return Ok(None);
    };
    let signed_on = match b.pledge_signed_on.as_deref().map(str::trim) {
        None | Some("") => today,
        Some(text) => parse_date(text).map_err(|m| Error::field("pledge_signed_on", m))?,
    };
    let signature = Signature::parse(
        method,
        signed_on,
        b.pledge_typed_name.as_deref(),
        b.pledge_scan_ref.as_deref(),
        b.pledge_refusal_reason.as_deref(),
    )
    .map_err(|errors| {
        let mut named = FieldErrors::new();
        for (field, problem) in errors.0 {
            named.add(&format!("pledge_{field}"), problem);
        }
        Error::Validation(named)
    })?;
    let text = b.pledge_text_id.clone().filter(|t| !t.trim().is_empty());
    Ok(Some((text, signature)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Complete {
    /// Needed only when lines are still open; they stay visible.
    override_reason: Option<String>,
    /// The person owes the trade-secret duty, with no end ("until public"): created at every
    /// completion unless set to false with `no_trade_secret_reason`.
    #[serde(default = "yes")]
    trade_secret: bool,
    /// Why the trade-secret duty is not created; required when `trade_secret` is false.
    no_trade_secret_reason: Option<String>,
}

fn yes() -> bool {
    true
}

fn date(errors: &mut FieldErrors, field: &str, text: &str) -> Option<chrono::NaiveDate> {
    errors.check(field, parse_date(text))
}

/// Starts a departure: the employee becomes departing, and the checklist is generated from
/// their custody list and the standard lines.
#[utoipa::path(
    tag = "departures",
    request_body = StartDeparture,
    responses(
        (status = 201, body = DepartureDetail),
        InputErrors,
        (status = 409, body = ErrorBody, description = "the employee is not active")
    )
)]
#[post("/departures")]
pub async fn start(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    body: JsonBody<StartDeparture>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let notice = date(&mut errors, "notice_date", &b.notice_date);
    let last = date(&mut errors, "last_working_day", &b.last_working_day);
    let left_post_on = match b.left_post_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(date(&mut errors, "left_post_on", text)),
    };
    let (Some(notice_date), Some(last_working_day)) = (notice, last) else {
        return Err(Error::Validation(errors));
    };
    let left_post_on = match left_post_on {
        Some(None) => return Err(Error::Validation(errors)),
        Some(Some(day)) => Some(day),
        None => None,
    };
    let new = NewDeparture {
        employee_id: b.employee_id,
        notice_date,
        last_working_day,
        left_post_on,
        left_post_approved_by: b.left_post_approved_by,
        reason: b.reason,
        successor_id: b.successor_id.filter(|s| !s.trim().is_empty()),
        register_year: chrono::Datelike::year(&crate::clock::company_date(
            state.now(),
            state.config.timezone,
        )),
    };
    let (user, now) = (user.0, state.now());
    let detail = state
        .write(move |conn| departures::start(conn, now, &user, &new))
        .await?;
    Ok(HttpResponse::Created().json(detail))
}

/// Departures, soonest last working day first unless sorted otherwise (a manager: their
/// reports').
#[utoipa::path(
    tag = "departures",
    params(DepartureQuery),
    responses(
        (status = 200, body = ListPage<Departure>),
        (status = 422, body = ErrorBody)
    )
)]
#[get("/departures")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<DepartureQuery>,
) -> Result<web::Json<ListPage<Departure>>, Error> {
    let (window, filter) = query.0.resolve()?;
    super::scoped_page(&state, user.0, window, move |conn, scope, window| {
        departures::list(conn, scope, &filter, window)
    })
    .await
}

/// One departure with its checklist.
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = DepartureDetail),
        ReadErrors
    )
)]
#[get("/departures/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<DepartureDetail>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let detail = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            departures::get(conn, &scope, &id)
        })
        .await?;
    Ok(web::Json(detail))
}

/// Adds a line to the checklist (HR).
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path)),
    request_body = NewLine,
    responses(
        (status = 201, body = DepartureDetail),
        ChangeErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[post("/departures/{id}/lines")]
pub async fn add_line(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<NewLine>,
) -> Result<HttpResponse, Error> {
    let NewLine { title, title_en } = body.0;
    let title_en = given(title_en);
    let mut errors = crate::domain::FieldErrors::new();
    for (field, text) in [
        ("title", Some(title.trim())),
        ("title_en", title_en.as_deref()),
    ] {
        if text.is_some_and(|t| t.is_empty() || t.chars().count() > 300) {
            errors.add(field, crate::problem!("length_between", min = 1, max = 300));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let title = departures::LineTitle {
        zh: title.trim().to_string(),
        en: title_en.unwrap_or_else(|| title.trim().to_string()),
    };
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let detail = state
        .write(move |conn| departures::add_line(conn, now, &user, &id, &title))
        .await?;
    Ok(HttpResponse::Created().json(detail))
}

/// Confirms a line (the departing person's manager, or HR; never the person themselves).
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path), ("line_id" = String, Path)),
    request_body = Confirm,
    responses(
        (status = 200, body = DepartureDetail),
        ChangeErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[post("/departures/{id}/lines/{line_id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    user: Authorized<LineConfirmers>,
    path: web::Path<(String, String)>,
    body: JsonBody<Confirm>,
) -> Result<web::Json<DepartureDetail>, Error> {
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    let pledge = exit_pledge(&body.0, today)?;
    let Confirm {
        outcome,
        note,
        count,
        ..
    } = body.0;
    if note.chars().count() > 2000 {
        return Err(Error::field(
            "note",
            crate::problem!("too_long", max = 2000),
        ));
    }
    let ((id, line_id), user, now) = (path.into_inner(), user.0, state.now());
    let detail = state
        .write(move |conn| {
            let c = Confirmation {
                outcome,
                note: note.trim(),
                count,
                pledge: pledge
                    .as_ref()
                    .map(|(text, signature)| departures::ExitPledge {
                        pledge_text_id: text.as_deref(),
                        signature: signature.clone(),
                    }),
            };
            departures::confirm(conn, now, &user, &id, &line_id, &c)
        })
        .await?;
    Ok(web::Json(detail))
}

/// The successor signs for a handover (listed, counted, checked, signed for).
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path), ("line_id" = String, Path)),
    responses(
        (status = 200, body = DepartureDetail),
        (status = 403, body = ErrorBody, description = "not the successor"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)
    )
)]
#[post("/departures/{id}/lines/{line_id}/receive")]
pub async fn receive(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    path: web::Path<(String, String)>,
) -> Result<web::Json<DepartureDetail>, Error> {
    let ((id, line_id), user, now) = (path.into_inner(), user.0, state.now());
    let detail = state
        .write(move |conn| {
            departures::receive(conn, now, departures::Receiver::User(&user), &id, &line_id)
        })
        .await?;
    Ok(web::Json(detail))
}

/// Completes the departure (HR): the person becomes departed or retired, their accounts are
/// disabled and their obligations created.
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path)),
    request_body = Complete,
    responses(
        (status = 200, body = DepartureDetail),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "open lines and no override reason")
    )
)]
#[post("/departures/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<Complete>,
) -> Result<web::Json<DepartureDetail>, Error> {
    let Complete {
        override_reason,
        trade_secret,
        no_trade_secret_reason,
    } = body.0;
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let tz = state.config.timezone;
    let detail = state
        .write(move |conn| {
            let (_, policy) = crate::db::policy::current(conn)?;
            let request = departures::CompleteRequest {
                override_reason: override_reason.as_deref(),
                trade_secret,
                no_trade_secret_reason: no_trade_secret_reason.as_deref(),
            };
            departures::complete(conn, now, &user, &policy, tz, &id, &request)
        })
        .await?;
    Ok(web::Json(detail))
}
