//! `/tasks`: the remedial tasks the signed-in user owns, with the form that marks one done.

use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Serialize;

use super::super::lists::{Cell, Columns};
use super::super::view::local;
use super::{ListPage, row_cell, whole};
use crate::clock::company_date;
use crate::db::breaches::{self, Task};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized, CaseReaders, RoleSet};
use chrono_tz::Tz;

#[derive(Serialize)]
struct TaskRow {
    #[serde(flatten)]
    task: Task,
    /// The case's code, for those who may open the case.
    case_code: Option<String>,
    overdue: bool,
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let reads_cases = user.has_any_role(CaseReaders::ROLES);
    let today = company_date(state.now(), state.config.timezone);
    let id = user.id.clone();
    let rows = state
        .db(move |conn| {
            let tasks = breaches::tasks_of(conn, &id)?;
            let codes = if reads_cases {
                let ids: Vec<String> = tasks.iter().map(|t| t.case_id.clone()).collect();
                breaches::codes(conn, &ids)?
            } else {
                Default::default()
            };
            Ok(tasks
                .into_iter()
                .map(|task| TaskRow {
                    case_code: codes.get(&task.case_id).cloned(),
                    overdue: task.done_at.is_none() && task.due_on < today,
                    task,
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let page = ListPage {
        columns: task_columns(reads_cases, state.config.timezone),
        csv: "tasks",
        template: "security_tasks.html",
        anchor: |r| Some(format!("task-{}", r.task.id)),
    };
    page.answer(&state, &req, &user, whole(rows), context! {})
}

/// The columns of one's tasks: the case's code only for those who may open the case; the
/// page draws the due day (late or not) and the "done" form itself.
fn task_columns(reads_cases: bool, tz: Tz) -> Columns<TaskRow> {
    let columns =
        Columns::<TaskRow>::new().col("title", "sec.task.title", |r, _| Cell::text(&r.task.title));
    let columns = if reads_cases {
        columns.col("case", "sec.case.code", |r, _| match &r.case_code {
            Some(code) => Cell::link(format!("/breaches/{}", r.task.case_id), code),
            None => Cell::empty(),
        })
    } else {
        columns
    };
    columns
        .col("due_on", "sec.task.due_on", |r, _| {
            row_cell(r.task.due_on.to_string(), r)
        })
        .col("done_at", "sec.task.done_at", move |r, _| {
            let done = r.task.done_at.map(|at| local(tz, at));
            row_cell(done.unwrap_or_default(), r)
        })
}
