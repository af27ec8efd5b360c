//! The carrier register and each carrier's custody history.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::employees::{self, Scope};
use super::listing::{self, Page, Sort, Window};
use super::schema::{carrier_events, carriers, employees as employees_table};
use super::{DbConnection, MultiBackend, is_unique_violation, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
pub use crate::domain::carriers::Custody;
use crate::domain::carriers::{
    CarrierKind, CarrierStatus, Classification, CustodyEvent, CustodyRefusal, NewCarrier,
    check_witnesses, custody_step,
};
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = carriers)]
pub struct Carrier {
    pub id: String,
    pub tag: String,
    /// document, laptop, removable_media, phone, key, badge, seal or other.
    pub kind: CarrierKind,
    pub description: String,
    /// top_secret, secret, confidential or internal.
    pub classification: Classification,
    pub copies: i32,
    /// The employee holding it; none while in the pool.
    pub custodian_id: Option<String>,
    /// in_custody, in_pool or destroyed.
    pub status: CarrierStatus,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = carrier_events)]
pub struct CarrierEvent {
    #[serde(skip)]
    pub id: String,
    #[serde(skip)]
    pub carrier_id: String,
    /// registered, assigned, transferred, returned or destroyed.
    pub event: String,
    pub from_custodian_id: Option<String>,
    pub to_custodian_id: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    /// The user who recorded it.
    pub actor_id: String,
    pub note: String,
    pub approver_id: Option<String>,
    pub witness_1_id: Option<String>,
    pub witness_2_id: Option<String>,
}

/// A carrier with its custody history, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CarrierDetail {
    #[serde(flatten)]
    pub carrier: Carrier,
    pub history: Vec<CarrierEvent>,
}

crate::string_enum! {
    /// The columns the carrier register can be sorted by.
    pub enum CarrierSort ("a sort column") {
        Tag = "tag",
        Kind = "kind",
        /// By secrecy: internal, confidential, secret, top secret.
        Classification = "classification",
        Status = "status",
        Copies = "copies",
        /// The last change (of custody, mostly).
        UpdatedAt = "updated_at",
    }
}

#[derive(Debug, Clone, Default)]
pub struct CarrierFilter {
    pub custodian_id: Option<String>,
    /// The custodian's employee number.
    pub custodian_no: Option<String>,
    /// Part of the tag or description.
    pub q: Option<String>,
    pub status: Option<CarrierStatus>,
    pub classification: Option<Classification>,
    /// None: by tag.
    pub sort: Option<Sort<CarrierSort>>,
}

fn ordered(q: Boxed, sort: Option<Sort<CarrierSort>>) -> Boxed {
    use diesel::dsl::sql;
    use diesel::sql_types::Integer;
    let Some(sort) = sort else {
        return q.order(carriers::tag);
    };
    let q = match sort.key {
        CarrierSort::Tag => listing::order_by!(q, sort.descending, carriers::tag),
        CarrierSort::Kind => listing::order_by!(q, sort.descending, carriers::kind),
        CarrierSort::Classification => listing::order_by!(
            q,
            sort.descending,
            sql::<Integer>(
                "CASE carriers.classification WHEN 'confidential' THEN 1 WHEN 'secret' THEN 2 \
                 WHEN 'top_secret' THEN 3 ELSE 0 END"
            )
        ),
        CarrierSort::Status => listing::order_by!(q, sort.descending, carriers::status),
        CarrierSort::Copies => listing::order_by!(q, sort.descending, carriers::copies),
        CarrierSort::UpdatedAt => listing::order_by!(q, sort.descending, carriers::updated_at),
    };
    q.then_order_by(carriers::tag)
}

type Boxed = carriers::BoxedQuery<'static, MultiBackend>;

fn scoped(scope: &Scope) -> Boxed {
    let query = carriers::table.into_boxed();
    match scope.condition("carriers.custodian_id") {
        None => query,
        Some(condition) => query.filter(condition),
    }
}

pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &CarrierFilter,
    window: Window,
) -> QueryResult<Page<Carrier>> {
    let query = || {
        let mut q = scoped(scope);
        if let Some(c) = &filter.custodian_id {
            q = q.filter(carriers::custodian_id.eq(c.clone()));
        }
        if let Some(no) = filter.custodian_no.as_deref().map(str::trim) {
            let holder = employees_table::table
                .filter(employees_table::employee_no.eq(no.to_string()))
                .select(employees_table::id.nullable());
            q = q.filter(carriers::custodian_id.eq_any(holder));
        }
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", super::like_escape(text));
            q = q.filter(
                carriers::tag
                    .like(pattern.clone())
                    .escape('\\')
                    .or(carriers::description.like(pattern).escape('\\')),
            );
        }
        if let Some(s) = filter.status {
            q = q.filter(carriers::status.eq(s.as_str()));
        }
        if let Some(c) = filter.classification {
            q = q.filter(carriers::classification.eq(c.as_str()));
        }
        q
    };
    listing::page(conn, window, query, |conn, q| {
        ordered(q, filter.sort)
            .select(Carrier::as_select())
            .load(conn)
    })
}

/// What a person holds now, in one query (the departure checklist is built from it).
pub fn custody_of(conn: &mut DbConnection, employee_id: &str) -> QueryResult<Vec<Carrier>> {
    carriers::table
        .filter(carriers::custodian_id.eq(employee_id))
        .filter(carriers::status.eq(CarrierStatus::InCustody))
        .order(carriers::tag)
        .select(Carrier::as_select())
        .load(conn)
}

fn find(conn: &mut DbConnection, id: &str) -> Result<Carrier> {
    carriers::table
        .find(id)
        .select(Carrier::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The register's status of a carrier, or NotFound.
pub fn status_of(conn: &mut DbConnection, id: &str) -> Result<CarrierStatus> {
    Ok(find(conn, id)?.status)
}

/// A carrier and its history, if the scope may see its custodian.
pub fn get(conn: &mut DbConnection, scope: &Scope, id: &str) -> Result<CarrierDetail> {
    let carrier = find(conn, id)?;
    if *scope != Scope::All {
        let visible: i64 = scoped(scope)
            .filter(carriers::id.eq(id.to_string()))
            .count()
            .get_result(conn)?;
        if visible == 0 {
            return Err(Error::Forbidden);
        }
    }
    let history = carrier_events::table
        .filter(carrier_events::carrier_id.eq(id))
        .order((carrier_events::at.asc(), carrier_events::id.asc()))
        .select(CarrierEvent::as_select())
        .load(conn)?;
    Ok(CarrierDetail { carrier, history })
}

fn require_employee(conn: &mut DbConnection, field: &str, id: &str) -> Result<()> {
    match employees::find(conn, id)? {
        Some(_) => Ok(()),
        None => Err(Error::field(field, problem!("no_employee_with_id"))),
    }
}

/// Registers a carrier, held by `custodian_id` or in the pool.
pub fn register(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    new: &NewCarrier,
    custodian_id: Option<&str>,
) -> Result<Carrier> {
    if let Some(c) = custodian_id {
        require_employee(tx, "custodian_id", c)?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    let at = stored_instant(now);
    let status = match custodian_id {
        Some(_) => CarrierStatus::InCustody,
        None => CarrierStatus::InPool,
    };
    diesel::insert_into(carriers::table)
        .values((
            carriers::id.eq(&id),
            carriers::tag.eq(&new.tag),
            carriers::kind.eq(new.kind.as_str()),
            carriers::description.eq(&new.description),
            carriers::classification.eq(new.classification.as_str()),
            carriers::copies.eq(new.copies),
            carriers::custodian_id.eq(custodian_id),
            carriers::status.eq(status.as_str()),
            carriers::created_at.eq(at),
            carriers::updated_at.eq(at),
        ))
        .execute(tx.conn())
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::field("tag", problem!("carrier_tag_taken"))
            } else {
                e.into()
            }
        })?;
    let event = HistoryEntry {
        event: CustodyEvent::Registered,
        from: None,
        to: custodian_id,
        note: "",
        approver: None,
        witnesses: None,
    };
    append(tx, now, actor_id, &id, &event)?;
    find(tx, &id)
}

impl From<CustodyRefusal> for Error {
    /// Said per state, as the states read differently in Chinese. A carrier in the pool is
    /// always assignable and a held one always movable, so those pairs never come here.
    fn from(refusal: CustodyRefusal) -> Error {
        use CarrierStatus::{Destroyed, InCustody, InPool};
        use CustodyEvent::Transferred;
        Error::refused(match refusal {
            CustodyRefusal::AlreadyHolds => {
                return Error::field("to_custodian_id", problem!("already_holds_carrier"));
            }
            CustodyRefusal::NotInPool(Destroyed) => problem!("carrier_destroyed_not_assigned"),
            CustodyRefusal::NotInPool(InCustody | InPool) => {
                problem!("carrier_in_custody_not_assigned")
            }
            CustodyRefusal::NotHeld(Destroyed, Transferred) => {
                problem!("carrier_destroyed_not_transferred")
            }
            CustodyRefusal::NotHeld(InPool | InCustody, Transferred) => {
                problem!("carrier_in_pool_not_transferred")
            }
            CustodyRefusal::NotHeld(Destroyed, _) => problem!("carrier_destroyed_not_returned"),
            CustodyRefusal::NotHeld(InPool | InCustody, _) => {
                problem!("carrier_in_pool_not_returned")
            }
            CustodyRefusal::AlreadyDestroyed => problem!("carrier_already_destroyed"),
        })
    }
}

/// Moves a carrier's custody, keeping the history.
pub fn move_custody(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    id: &str,
    change: &Custody,
    note: &str,
) -> Result<Carrier> {
    super::lock_row(tx, super::Locked::Carrier, id)?;
    let carrier = find(tx, id)?;
    let holder = carrier.custodian_id.as_deref();
    let (event, new_status) = custody_step(carrier.status, holder, change)?;
    let (to, witnesses) = match change {
        Custody::Assign { to } => {
            require_employee(tx, "custodian_id", to)?;
            (Some(to.as_str()), None)
        }
        Custody::Transfer { to } => {
            require_employee(tx, "to_custodian_id", to)?;
            (Some(to.as_str()), None)
        }
        Custody::Return => (None, None),
        Custody::Destroy { witnesses } => {
            let pair = check_witnesses(witnesses).map_err(|m| Error::field("witness_ids", m))?;
            for w in [&pair.0, &pair.1] {
                require_employee(tx, "witness_ids", w)?;
            }
            (None, Some(pair))
        }
    };
    diesel::update(carriers::table.find(id))
        .set((
            carriers::custodian_id.eq(to),
            carriers::status.eq(new_status.as_str()),
            carriers::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let entry = HistoryEntry {
        event,
        from: holder,
        to,
        note,
        approver: (event == CustodyEvent::Destroyed).then_some(actor_id),
        witnesses: witnesses.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
    };
    append(tx, now, actor_id, id, &entry)?;
    find(tx, id)
}

struct HistoryEntry<'a> {
    event: CustodyEvent,
    from: Option<&'a str>,
    to: Option<&'a str>,
    note: &'a str,
    approver: Option<&'a str>,
    witnesses: Option<(&'a str, &'a str)>,
}

/// One line of custody history, and its audit event.
fn append(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    carrier_id: &str,
    e: &HistoryEntry<'_>,
) -> Result<()> {
    diesel::insert_into(carrier_events::table)
        .values((
            carrier_events::id.eq(uuid::Uuid::now_v7().to_string()),
            carrier_events::carrier_id.eq(carrier_id),
            carrier_events::event.eq(e.event.as_str()),
            carrier_events::from_custodian_id.eq(e.from),
            carrier_events::to_custodian_id.eq(e.to),
            carrier_events::at.eq(stored_instant(now)),
            carrier_events::actor_id.eq(actor_id),
            carrier_events::note.eq(e.note),
            carrier_events::approver_id.eq(e.approver),
            carrier_events::witness_1_id.eq(e.witnesses.map(|w| w.0)),
            carrier_events::witness_2_id.eq(e.witnesses.map(|w| w.1)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: &format!("carrier.{}", e.event.as_str()),
            subject_type: "carrier",
            subject_id: carrier_id,
            details: json!({
                "from": e.from, "to": e.to, "note": e.note,
                "witnesses": e.witnesses.map(|w| [w.0, w.1]),
            }),
        },
    )?;
    Ok(())
}
