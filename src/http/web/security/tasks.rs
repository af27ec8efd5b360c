//! `/tasks`: the remedial tasks the signed-in user owns, with the form that marks one done.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Serialize;

use super::super::{lists, page_language, render_page};
use super::local_opt;
use crate::clock::company_date;
use crate::db::breaches::{self, Task};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized, CaseReaders, RoleSet};

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
    if lists::wants_csv(&req) {
        let lang = page_language(&req, Some(&user));
        let mut keys = vec!["sec.task.title"];
        if reads_cases {
            keys.push("sec.case.code");
        }
        keys.extend(["sec.task.due_on", "sec.task.done_at"]);
        let header: Vec<String> = keys.iter().map(|k| state.pages.text(lang, k)).collect();
        let lines: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let mut line = vec![r.task.title.clone()];
                if reads_cases {
                    line.push(r.case_code.clone().unwrap_or_default());
                }
                line.push(r.task.due_on.to_string());
                line.push(local_opt(&state, r.task.done_at));
                line
            })
            .collect();
        return Ok(lists::csv_file("tasks", &header, &lines));
    }
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_tasks.html",
        context! { tasks => rows, reads_cases },
    )
}
