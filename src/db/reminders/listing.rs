//! The list of reminders: its filter and sort order, the page, and the names of those they
//! are for.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Reminder;
use crate::db::DbConnection;
use crate::db::listing::{self, Page, Sort, Window};
use crate::db::schema::reminders;
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

/// The order of a list of reminders.
pub type ReminderSort = Sort<ReminderSortKey>;

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
    // Reset links are for their users alone (see `visible`).
    q = q.filter(reminders::kind.ne(ReminderKind::PasswordReset));
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
    let sort = sort.unwrap_or(Sort::desc(ReminderSortKey::DueAt));
    let descending = sort.descending;
    let q = match sort.key {
        ReminderSortKey::DueAt => listing::order_by!(q, descending, reminders::due_at),
        ReminderSortKey::SentAt => {
            let q = q.order_by(reminders::sent_at.is_null().asc());
            if descending {
                q.then_order_by(reminders::sent_at.desc())
            } else {
                q.then_order_by(reminders::sent_at.asc())
            }
        }
        ReminderSortKey::Kind => listing::order_by!(q, descending, reminders::kind),
        ReminderSortKey::Status => listing::order_by!(q, descending, reminders::status),
    };
    q.then_order_by(reminders::due_at.desc())
        .then_order_by(reminders::id.desc())
}

/// One page of reminders, latest due first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    filter: &ReminderFilter,
    window: Window,
) -> QueryResult<Page<Reminder>> {
    listing::page(
        conn,
        window,
        || filtered(filter),
        |conn, q| {
            sorted(q, filter.sort)
                .select(Reminder::as_select())
                .load(conn)
        },
    )
}
