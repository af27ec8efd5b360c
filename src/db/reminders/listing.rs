//! The list of reminders: its filter and sort order, the page, and the names of those they
//! are for.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Reminder;
use crate::db::DbConnection;
use crate::db::schema::{employees, reminders};
use crate::domain::reminders::{ReminderKind, ReminderStatus};

#[derive(Debug, Clone, Default)]
pub struct ReminderFilter {
    pub status: Option<ReminderStatus>,
    pub kind: Option<ReminderKind>,
    pub employee_id: Option<String>,
    /// Sent before this instant and still unacknowledged (the digest's escalation).
    pub unacknowledged_since: Option<NaiveDateTime>,
    /// Leave out what only security and admin may know of (reports that arrived).
    pub hide_breach_notices: bool,
    /// Due at or after this instant.
    pub due_since: Option<NaiveDateTime>,
    /// The order of the list (default: latest due first).
    pub sort: Option<ReminderSort>,
}

crate::string_enum! {
    /// What a list of reminders can be sorted by.
    pub enum ReminderSortKey ("a sort key") {
        DueAt = "due_at",
        SentAt = "sent_at",
        Kind = "kind",
        Status = "status",
    }
}

/// A sort key, ascending, or descending when written with a leading `-` (`-due_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderSort {
    pub key: ReminderSortKey,
    pub descending: bool,
}

impl std::str::FromStr for ReminderSort {
    type Err = crate::domain::problem::Problem;
    fn from_str(text: &str) -> Result<ReminderSort, crate::domain::problem::Problem> {
        let text = text.trim();
        let (descending, key) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Ok(ReminderSort {
            key: key.parse()?,
            descending,
        })
    }
}

type Boxed = reminders::BoxedQuery<'static, crate::db::MultiBackend>;

fn filtered(filter: &ReminderFilter) -> Boxed {
    let mut q = reminders::table.into_boxed();
    if let Some(s) = filter.status {
        q = q.filter(reminders::status.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(reminders::kind.eq(k.as_str()));
    }
    if let Some(e) = &filter.employee_id {
        q = q.filter(reminders::employee_id.eq(e.clone()));
    }
    if filter.hide_breach_notices {
        q = q.filter(reminders::kind.ne(ReminderKind::BreachReported));
    }
    if let Some(before) = filter.unacknowledged_since {
        q = q
            .filter(reminders::status.eq(ReminderStatus::Sent))
            .filter(reminders::sent_at.lt(before));
    }
    if let Some(since) = filter.due_since {
        q = q.filter(reminders::due_at.ge(since));
    }
    q
}

/// Orders the query by the chosen key (unsent ones after the sent when by sending time, on
/// both databases), then latest due first and by id, so pages never overlap.
fn sorted(q: Boxed, sort: Option<ReminderSort>) -> Boxed {
    let sort = sort.unwrap_or(ReminderSort {
        key: ReminderSortKey::DueAt,
        descending: true,
    });
    let q = match (sort.key, sort.descending) {
        (ReminderSortKey::DueAt, false) => q.order_by(reminders::due_at.asc()),
        (ReminderSortKey::DueAt, true) => q.order_by(reminders::due_at.desc()),
        (ReminderSortKey::SentAt, false) => q
            .order_by(reminders::sent_at.is_null().asc())
            .then_order_by(reminders::sent_at.asc()),
        (ReminderSortKey::SentAt, true) => q
            .order_by(reminders::sent_at.is_null().asc())
            .then_order_by(reminders::sent_at.desc()),
        (ReminderSortKey::Kind, false) => q.order_by(reminders::kind.asc()),
        (ReminderSortKey::Kind, true) => q.order_by(reminders::kind.desc()),
        (ReminderSortKey::Status, false) => q.order_by(reminders::status.asc()),
        (ReminderSortKey::Status, true) => q.order_by(reminders::status.desc()),
    };
    q.then_order_by(reminders::due_at.desc())
        .then_order_by(reminders::id.desc())
}

/// One page of reminders, latest due first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    filter: &ReminderFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Reminder>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = sorted(filtered(filter), filter.sort)
        .offset(offset)
        .limit(limit)
        .select(Reminder::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The names of the people and staff users these reminders are for, in two queries whatever
/// their number: (employees by id, users by id).
#[allow(clippy::type_complexity)]
pub fn recipient_names(
    conn: &mut DbConnection,
    employee_ids: &[&str],
    user_ids: &[&str],
) -> QueryResult<(HashMap<String, String>, HashMap<String, String>)> {
    use crate::db::schema::users;
    let people = if employee_ids.is_empty() {
        HashMap::new()
    } else {
        employees::table
            .filter(employees::id.eq_any(employee_ids))
            .select((employees::id, employees::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    let staff = if user_ids.is_empty() {
        HashMap::new()
    } else {
        users::table
            .filter(users::id.eq_any(user_ids))
            .select((users::id, users::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok((people, staff))
}
