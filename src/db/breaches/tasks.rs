//! Remedial tasks: added to a case with an owner and a due date, listed for and finished by
//! their owner.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::{Task, find};
use crate::db::audit;
use crate::db::schema::remedial_tasks;
use crate::db::users::User;
use crate::db::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::error::{Error, Result};
use crate::problem;

/// A remedial measure with an owner and a due date.
pub fn add_task(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    case_id: &str,
    title: &str,
    owner_id: &str,
    due_on: NaiveDate,
) -> Result<Task> {
    find(tx, case_id)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(Error::field(
            "title",
            problem!("from_to_characters", min = 1, max = 300),
        ));
    }
    if crate::db::users::find(tx, owner_id)?.is_none() {
        return Err(Error::field("owner_id", problem!("no_user_with_id")));
    }
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(remedial_tasks::table)
        .values((
            remedial_tasks::id.eq(&id),
            remedial_tasks::case_id.eq(case_id),
            remedial_tasks::title.eq(title),
            remedial_tasks::owner_id.eq(owner_id),
            remedial_tasks::due_on.eq(due_on),
            remedial_tasks::created_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "breach.task_added",
            subject_type: "breach",
            subject_id: case_id,
            details: json!({ "task_id": id, "title": title, "owner_id": owner_id, "due_on": due_on }),
        },
    )?;
    Ok(remedial_tasks::table
        .find(&id)
        .select(Task::as_select())
        .first(tx.conn())?)
}

/// The remedial tasks a user owns (a manager sees nothing else of a case).
pub fn tasks_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<Task>> {
    remedial_tasks::table
        .filter(remedial_tasks::owner_id.eq(user_id))
        .order(remedial_tasks::due_on.asc())
        .select(Task::as_select())
        .load(conn)
}

/// The owner marks a task done.
pub fn finish_task(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    task_id: &str,
) -> Result<Task> {
    let task: Task = remedial_tasks::table
        .find(task_id)
        .select(Task::as_select())
        .first(tx.conn())
        .optional()?
        .ok_or(Error::NotFound)?;
    if task.owner_id != user.id {
        return Err(Error::Forbidden);
    }
    // Conditional, so that two requests at once cannot both finish it.
    let finished = diesel::update(
        remedial_tasks::table
            .find(task_id)
            .filter(remedial_tasks::done_at.is_null()),
    )
    .set(remedial_tasks::done_at.eq(stored_instant(now)))
    .execute(tx.conn())?;
    if finished == 0 {
        return Err(Error::refused(problem!("task_already_done")));
    }
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "breach.task_done",
            subject_type: "breach",
            subject_id: &task.case_id,
            details: json!({ "task_id": task_id }),
        },
    )?;
    Ok(remedial_tasks::table
        .find(task_id)
        .select(Task::as_select())
        .first(tx.conn())?)
}
