//! Extending a declassification period "when necessary" (002 第十一条): a request with a
//! reason and a new end, approved by security.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::listing::{self, Page, Sort, Window};
use super::obligations::Obligation;
use super::schema::{obligation_extensions, obligations};
use super::users::User;
use super::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::clearance::{ChangeStatus, Decision};
use crate::domain::extensions::{self, ExtensionRefusal, may_extend};
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = obligation_extensions)]
pub struct Extension {
    pub id: String,
    pub obligation_id: String,
    #[schema(value_type = String, format = Date)]
    pub new_end: NaiveDate,
    pub reason: String,
    /// proposed, approved or rejected.
    pub status: ChangeStatus,
    pub requested_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
}

impl From<ExtensionRefusal> for Error {
    fn from(refusal: ExtensionRefusal) -> Error {
        match refusal {
            ExtensionRefusal::NotExtendable => {
                Error::refused(problem!("only_active_period_extended"))
            }
            ExtensionRefusal::NotRunning => Error::refused(problem!("period_no_longer_runs")),
            ExtensionRefusal::BeyondCeiling { months, latest } => Error::field(
                "new_end",
                problem!(
                    "beyond_extension_ceiling",
                    months = months,
                    latest = latest.to_string()
                ),
            ),
            ExtensionRefusal::NotAfterTheEnd => {
                Error::field("new_end", problem!("after_current_end"))
            }
            ExtensionRefusal::AlreadyDecided(status) => Error::refused(match status {
                ChangeStatus::Rejected => problem!("extension_already_rejected"),
                _ => problem!("extension_already_approved"),
            }),
            ExtensionRefusal::OwnRequest => Error::Forbidden,
        }
    }
}

fn period_of(o: &Obligation) -> extensions::Period {
    extensions::Period {
        kind: o.kind,
        status: o.status,
        starts_on: o.starts_on,
        ends_on: o.ends_on,
        tier: o.tier,
    }
}

/// One extension request, or NotFound.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Extension> {
    obligation_extensions::table
        .find(id)
        .select(Extension::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// When a request is made or decided: the instant and the company date.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

/// Asks to extend a running declassification period to `new_end`, within its tier's ceiling.
pub fn request(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    obligation_id: &str,
    new_end: NaiveDate,
    reason: &str,
) -> Result<Extension> {
    let At { now, today } = at;
    let o = super::obligations::find(tx, obligation_id)?;
    let (_, policy) = super::policy::current(tx)?;
    may_extend(&period_of(&o), new_end, today, &policy.extension_ceilings)?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(obligation_extensions::table)
        .values((
            obligation_extensions::id.eq(&id),
            obligation_extensions::obligation_id.eq(obligation_id),
            obligation_extensions::new_end.eq(new_end),
            obligation_extensions::reason.eq(reason),
            obligation_extensions::status.eq(ChangeStatus::Proposed),
            obligation_extensions::requested_by.eq(&user.id),
            obligation_extensions::requested_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "obligation.extension_requested",
            subject_type: "obligation",
            subject_id: obligation_id,
            details: json!({ "extension_id": id, "from": o.ends_on, "to": new_end, "reason": reason }),
        },
    )?;
    find(tx, &id)
}

/// Security's decision; an approval moves the period's end, after checking the period as it
/// stands now. Nobody approves their own request.
pub fn decide(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    id: &str,
    decision: Decision,
    reason: &str,
) -> Result<Extension> {
    let At { now, today } = at;
    super::lock_row(tx, super::Locked::Extension, id)?;
    let ext = find(tx, id)?;
    // The period too: two requests decided at once must see each other's new end.
    super::lock_row(tx, super::Locked::Obligation, &ext.obligation_id)?;
    let o = super::obligations::find(tx, &ext.obligation_id)?;
    let (_, policy) = super::policy::current(tx)?;
    let request = extensions::Request {
        status: ext.status,
        own_request: ext.requested_by == user.id,
        new_end: ext.new_end,
    };
    let status = extensions::decide(
        &request,
        decision,
        &period_of(&o),
        today,
        &policy.extension_ceilings,
    )?;
    diesel::update(obligation_extensions::table.find(id))
        .set((
            obligation_extensions::status.eq(status.as_str()),
            obligation_extensions::decided_by.eq(&user.id),
            obligation_extensions::decided_at.eq(stored_instant(now)),
            obligation_extensions::decision_reason.eq(reason),
        ))
        .execute(tx.conn())?;
    if status == ChangeStatus::Approved {
        diesel::update(obligations::table.find(&ext.obligation_id))
            .set((
                obligations::ends_on.eq(ext.new_end),
                obligations::updated_at.eq(stored_instant(now)),
            ))
            .execute(tx.conn())?;
    }
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: if status == ChangeStatus::Approved {
                "obligation.extended"
            } else {
                "obligation.extension_rejected"
            },
            subject_type: "obligation",
            subject_id: &ext.obligation_id,
            details: json!({
                "extension_id": id, "from": o.ends_on, "new_end": ext.new_end, "reason": reason,
            }),
        },
    )?;
    find(tx, id)
}

crate::string_enum! {
    /// The columns a list of extensions can be sorted by.
    pub enum ExtensionSortKey ("a sort order") {
        Requested = "requested",
        NewEnd = "new_end",
    }
}

/// The order of a list of extensions (`-` for descending).
pub type ExtensionSort = Sort<ExtensionSortKey>;

/// Extensions in a status (status=proposed is security's queue), oldest request first unless
/// sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    status: Option<ChangeStatus>,
    sort: Option<ExtensionSort>,
    window: Window,
) -> QueryResult<Page<Extension>> {
    let query = || {
        let mut q = obligation_extensions::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(obligation_extensions::status.eq(s.as_str()));
        }
        q
    };
    let sort = sort.unwrap_or(Sort::asc(ExtensionSortKey::Requested));
    let d = sort.descending;
    listing::page(conn, window, query, |conn, q| {
        let sorted = match sort.key {
            ExtensionSortKey::Requested => {
                listing::order_by!(q, d, obligation_extensions::requested_at)
            }
            ExtensionSortKey::NewEnd => listing::order_by!(q, d, obligation_extensions::new_end),
        };
        sorted
            .then_order_by(obligation_extensions::id.asc())
            .select(Extension::as_select())
            .load(conn)
    })
}

/// The extensions asked for one obligation, oldest first.
pub fn of_obligation(conn: &mut DbConnection, obligation_id: &str) -> QueryResult<Vec<Extension>> {
    obligation_extensions::table
        .filter(obligation_extensions::obligation_id.eq(obligation_id))
        .order(obligation_extensions::requested_at.asc())
        .select(Extension::as_select())
        .load(conn)
}

/// For each of these obligations that has an approved extension, the end it had when it was
/// created (kept in the audit trail): the part after it is what extensions added.
pub fn ends_before_extension(
    conn: &mut DbConnection,
    obligation_ids: &[String],
) -> QueryResult<std::collections::HashMap<String, NaiveDate>> {
    use super::schema::audit_events;
    if obligation_ids.is_empty() {
        return Ok(Default::default());
    }
    let extended: Vec<String> = obligation_extensions::table
        .filter(obligation_extensions::obligation_id.eq_any(obligation_ids))
        .filter(obligation_extensions::status.eq(ChangeStatus::Approved))
        .select(obligation_extensions::obligation_id)
        .distinct()
        .load(conn)?;
    if extended.is_empty() {
        return Ok(Default::default());
    }
    let created: Vec<(String, String)> = audit_events::table
        .filter(audit_events::subject_type.eq("obligation"))
        .filter(audit_events::subject_id.eq_any(&extended))
        .filter(audit_events::action.eq("obligation.created"))
        .select((audit_events::subject_id, audit_events::details))
        .load(conn)?;
    Ok(created
        .into_iter()
        .filter_map(|(id, details)| {
            let details: serde_json::Value = serde_json::from_str(&details).ok()?;
            let end = details["ends_on"].as_str()?.parse().ok()?;
            Some((id, end))
        })
        .collect())
}
