//! The append-only, hash-chained register of everything done through the service (登记).
//!
//! Each event carries the SHA-256 of the previous one; `audit_head` holds the last sequence
//! number and hash, so an edited, deleted or re-ordered row — even the last one — is found by
//! [`verify`].

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::listing::{self, Page, Sort, Window};
use super::schema::{audit_events, audit_head};
use super::{DbConnection, stored_instant};
use crate::domain::audit::{NewEvent, chain_hash};
use crate::domain::problem::Problem;
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    fn expected_hash(&self) -> String {
        chain_hash(
            self.seq,
            &self.at,
            &self.actor_type,
            self.actor_id.as_deref(),
            &self.action,
            &self.subject_type,
            &self.subject_id,
            &self.details,
            &self.prev_hash,
        )
    }
}

/// Appends one event.
pub fn record(tx: &mut WriteTx, now: DateTime<Utc>, event: NewEvent<'_>) -> QueryResult<i64> {
    record_all(tx, now, vec![event])
}

/// Appends events in order, taking the chain's head once (a bulk change, such as an import,
/// would otherwise update the head row once per event). Returns the last sequence number.
pub fn record_all(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    events: Vec<NewEvent<'_>>,
) -> QueryResult<i64> {
    if events.is_empty() {
        return audit_head::table
            .find(1)
            .select(audit_head::seq)
            .first(tx.conn());
    }
    let count = events.len() as i64;
    // Taking the head row first serialises concurrent writers on PostgreSQL.
    let (last_seq, mut prev_hash): (i64, String) = diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + count))
        .returning((audit_head::seq, audit_head::hash))
        .get_result(tx.conn())?;
    let at = stored_instant(now);
    for (seq, event) in (last_seq - count + 1..).zip(events) {
        let (actor_type, actor_id) = event.actor.parts();
        let details = event.details.to_string();
        let hash = chain_hash(
            seq,
            &at,
            actor_type,
            actor_id,
            event.action,
            event.subject_type,
            event.subject_id,
            &details,
            &prev_hash,
        );
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::seq.eq(seq),
                audit_events::at.eq(at),
                audit_events::actor_type.eq(actor_type),
                audit_events::actor_id.eq(actor_id),
                audit_events::action.eq(event.action),
                audit_events::subject_type.eq(event.subject_type),
                audit_events::subject_id.eq(event.subject_id),
                audit_events::details.eq(&details),
                audit_events::prev_hash.eq(&prev_hash),
                audit_events::hash.eq(&hash),
            ))
            .execute(tx.conn())?;
        prev_hash = hash;
    }
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(&prev_hash))
        .execute(tx.conn())?;
    Ok(last_seq)
}

/// How many events the chain holds (its head's sequence number).
pub fn event_count(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_head::table
        .find(1)
        .select(audit_head::seq)
        .first(conn)
}

crate::string_enum! {
    /// The columns the trail can be sorted by: time (`at`, oldest first; `-at` newest).
    pub enum AuditSortKey ("a sort order") {
        At = "at",
    }
}

/// The order of the trail.
pub type AuditSort = Sort<AuditSortKey>;

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub actor: Option<String>,
    /// Newest first when not given.
    pub sort: Option<AuditSort>,
}

/// One page of events, newest first unless sorted otherwise, and the total that match.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    window: Window,
) -> QueryResult<Page<AuditEvent>> {
    let query = || {
        let mut q = audit_events::table.into_boxed();
        if let Some(t) = &filter.subject_type {
            q = q.filter(audit_events::subject_type.eq(t.clone()));
        }
        if let Some(id) = &filter.subject_id {
            q = q.filter(audit_events::subject_id.eq(id.clone()));
        }
        if let Some(actor) = &filter.actor {
            q = q.filter(audit_events::actor_id.eq(actor.clone()));
        }
        q
    };
    let sort = filter.sort.unwrap_or(Sort::desc(AuditSortKey::At));
    listing::page(conn, window, query, |conn, q| {
        let ordered = match sort.key {
            AuditSortKey::At => listing::order_by!(q, sort.descending, audit_events::seq),
        };
        ordered.select(AuditEvent::as_select()).load(conn)
    })
}

/// Every event about one subject, oldest first: the subject's history.
pub fn of_subject(
    conn: &mut DbConnection,
    subject_type: &str,
    subject_id: &str,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::subject_type.eq(subject_type))
        .filter(audit_events::subject_id.eq(subject_id))
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChainBroken {
    #[error("event {seq} does not verify: {}", crate::catalog::english(reason))]
    Event { seq: i64, reason: Problem },
    #[error("the chain ends at event {found} but its head says {expected}: events were removed")]
    Truncated { found: i64, expected: i64 },
}

/// What a check of the chain found: intact with its number of events, or the first event
/// that does not verify and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainCheck {
    pub intact: bool,
    /// Events checked (all of them when intact).
    pub events: i64,
    /// The sequence number of the first event that does not verify.
    pub first_bad: Option<i64>,
    /// Why it does not verify.
    #[schema(value_type = Option<Object>)]
    pub reason: Option<Problem>,
}

/// [`verify`], as data: a broken chain is an answer, not an error (only a failing database is).
pub fn check(conn: &mut DbConnection) -> Result<ChainCheck, anyhow::Error> {
    match verify(conn) {
        Ok(events) => Ok(ChainCheck {
            intact: true,
            events,
            first_bad: None,
            reason: None,
        }),
        Err(e) => match e.downcast_ref::<ChainBroken>() {
            Some(ChainBroken::Event { seq, reason }) => Ok(ChainCheck {
                intact: false,
                events: seq - 1,
                first_bad: Some(*seq),
                reason: Some(if reason.code == "problem.audit_event_missing_before" {
                    problem!("audit_event_missing")
                } else {
                    reason.clone()
                }),
            }),
            Some(ChainBroken::Truncated { found, .. }) => Ok(ChainCheck {
                intact: false,
                events: *found,
                first_bad: Some(found + 1),
                reason: Some(problem!("audit_event_missing")),
            }),
            None => Err(e),
        },
    }
}

/// Checks every event against its predecessor and the head; returns the number of events.
pub fn verify(conn: &mut DbConnection) -> Result<i64, anyhow::Error> {
    const BATCH: i64 = 5_000;
    let mut expected_prev = "0".repeat(64);
    let mut next_seq = 1_i64;
    loop {
        let batch: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::seq.ge(next_seq))
            .order(audit_events::seq.asc())
            .limit(BATCH)
            .select(AuditEvent::as_select())
            .load(conn)?;
        for event in &batch {
            let fail = |reason: Problem| ChainBroken::Event {
                seq: event.seq,
                reason,
            };
            if event.seq != next_seq {
                return Err(ChainBroken::Event {
                    seq: next_seq,
                    reason: problem!("audit_event_missing_before", next = event.seq),
                }
                .into());
            }
            if event.prev_hash != expected_prev {
                return Err(fail(problem!("audit_prev_hash_mismatch")).into());
            }
            if event.expected_hash() != event.hash {
                return Err(fail(problem!("audit_content_changed")).into());
            }
            expected_prev = event.hash.clone();
            next_seq += 1;
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let count = next_seq - 1;
    if head_seq != count {
        return Err(ChainBroken::Truncated {
            found: count,
            expected: head_seq,
        }
        .into());
    }
    if head_hash != expected_prev {
        return Err(ChainBroken::Event {
            seq: count,
            reason: problem!("audit_head_hash_mismatch"),
        }
        .into());
    }
    Ok(count)
}
