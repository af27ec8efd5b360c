//! A departure's exit interview record (离职保密谈话记录): HR records it, which confirms the
//! checklist's exit-interview line; HR and security read it; a manager of the person learns
//! only whether it was held.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use crate::db::employees::Scope;
use crate::db::interview::{self, ExitInterview};
use crate::db::users::User;
use crate::domain::interview::NewInterview;
use crate::domain::people::parse_date;
use crate::domain::roles::{PaperReaders, RoleSet};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, ReadErrors};
use crate::http::extract::{Authorized, HrOnly, InterviewReaders, JsonBody};
use crate::http::routes::ApiRoutes;

pub fn routes(r: &mut ApiRoutes) {
    r.service(InterviewReaders, get);
    r.service(HrOnly, record_interview);
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RecordInterview {
    /// Who held it (names, as they sign the record).
    held_by: String,
    /// YYYY-MM-DD: from the notice date to today.
    held_on: String,
    /// The topics covered, by their place (from 0) in the policy's `interview_topics`.
    topics: Vec<usize>,
    /// What the person said.
    #[serde(default)]
    statement: String,
    /// Whether the person signed the record.
    signed: bool,
}

/// Whether a departure's exit interview was held, and (for HR and security) its record.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InterviewStatus {
    pub held: bool,
    pub record: Option<ExitInterview>,
}

/// Whether the reader is told only that it was held (a manager).
pub fn held_only(user: &User) -> bool {
    !PaperReaders::ROLES.iter().any(|r| user.roles.contains(r))
}

/// The exit interview of a departure: HR and security read the record; a manager of the
/// person reads only whether it was held and when.
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path)),
    responses((status = 200, body = InterviewStatus), ReadErrors)
)]
#[get("/departures/{id}/exit-interview")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<InterviewReaders>,
    id: web::Path<String>,
) -> Result<web::Json<InterviewStatus>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let record = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            crate::db::departures::get(conn, &scope, &id)?;
            let record = interview::of_departure(conn, &id)?;
            Ok::<_, Error>(if held_only(&user) {
                record.map(ExitInterview::held_only)
            } else {
                record
            })
        })
        .await?;
    Ok(web::Json(InterviewStatus {
        held: record.is_some(),
        record,
    }))
}

/// Records the exit interview (HR), once a departure while it is in progress; the
/// checklist's exit-interview line is confirmed with it.
#[utoipa::path(
    tag = "departures",
    params(("id" = String, Path)),
    request_body = RecordInterview,
    responses(
        (status = 201, body = ExitInterview),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "already recorded, or the departure is completed")
    )
)]
#[post("/departures/{id}/exit-interview")]
pub async fn record_interview(
    state: web::Data<AppState>,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
    body: JsonBody<RecordInterview>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let held_on = parse_date(&b.held_on).map_err(|m| Error::field("held_on", m))?;
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let today = crate::clock::company_date(now, state.config.timezone);
    let record = state
        .write(move |conn| {
            let new = NewInterview {
                held_by: &b.held_by,
                held_on,
                topics: &b.topics,
                statement: &b.statement,
                signed: b.signed,
            };
            interview::record(conn, now, today, &user, &id, &new)
        })
        .await?;
    Ok(HttpResponse::Created().json(record))
}
