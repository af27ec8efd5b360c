//! Remedial tasks of a case, and a manager's own tasks.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use crate::db::breaches::{self, Task};
use crate::domain::FieldErrors;
use crate::domain::people::parse_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, ReadErrors};
use crate::http::extract::{AnyRole, Authorized, JsonBody, SecurityOnly};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewTask {
    title: String,
    /// The user who owns the measure.
    owner_id: String,
    /// YYYY-MM-DD.
    due_on: String,
}

/// A remedial measure with an owner and a due date (security).
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    request_body = NewTask,
    responses(
        (status = 201, body = Task),
        ChangeErrors
    )
)]
#[post("/breaches/{id}/tasks")]
pub async fn add_task(
    state: web::Data<AppState>,
    user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    body: JsonBody<NewTask>,
) -> Result<HttpResponse, Error> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let due_on = errors.check("due_on", parse_date(&b.due_on));
    errors.finish()?;
    let due_on = due_on.ok_or(Error::Internal(anyhow::anyhow!("checked above")))?;
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    let task = state
        .write(move |conn| breaches::add_task(conn, now, &user, &id, &b.title, &b.owner_id, due_on))
        .await?;
    Ok(HttpResponse::Created().json(task))
}

/// The remedial tasks the signed-in user owns — all a manager sees of any case.
#[utoipa::path(
    tag = "breaches",
    responses((status = 200, body = Vec<Task>))
)]
#[get("/tasks")]
pub async fn my_tasks(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
) -> Result<web::Json<Vec<Task>>, Error> {
    let id = user.0.id;
    Ok(web::Json(
        state
            .db(move |conn| Ok(breaches::tasks_of(conn, &id)?))
            .await?,
    ))
}

/// The owner marks their task done.
#[utoipa::path(
    tag = "breaches",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Task),
        ReadErrors,
        (status = 409, body = ErrorBody)
    )
)]
#[post("/tasks/{id}/done")]
pub async fn finish_task(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<Task>, Error> {
    let (user, id, now) = (user.0, id.into_inner(), state.now());
    Ok(web::Json(
        state
            .write(move |conn| breaches::finish_task(conn, now, &user, &id))
            .await?,
    ))
}
