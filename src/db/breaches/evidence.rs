//! Evidence: files attached by the reporter or by security, typed by content and hashed.

use crate::db::WriteTx;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::reporter::by_code;
use super::{Evidence, find, touch};
use crate::db::audit;
use crate::db::schema::breach_evidence;
use crate::db::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::evidence_type;
use crate::error::{Error, Result};

/// Who attaches evidence: the reporter (by code and secret) or security (by case id).
pub enum EvidenceFor<'a> {
    Reporter { code: &'a str, secret: &'a str },
    Case(&'a str),
}

/// Attaches a file, typed by its content, with its SHA-256.
pub fn add_evidence(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    to: EvidenceFor<'_>,
    file_name: &str,
    bytes: &[u8],
) -> Result<Evidence> {
    let case = match to {
        EvidenceFor::Reporter { code, secret } => {
            by_code(tx, code, secret)?.ok_or(Error::NotFound)?
        }
        EvidenceFor::Case(id) => find(tx, id)?,
    };
    let (id, sha) = crate::db::files::store_file(file_name, bytes, evidence_type, |f| {
        diesel::insert_into(breach_evidence::table)
            .values((
                breach_evidence::id.eq(&f.id),
                breach_evidence::case_id.eq(&case.id),
                breach_evidence::file_name.eq(&f.file_name),
                breach_evidence::content_type.eq(f.content_type),
                breach_evidence::size.eq(f.size),
                breach_evidence::sha256.eq(&f.sha256),
                breach_evidence::bytes.eq(f.bytes),
                breach_evidence::added_at.eq(stored_instant(now)),
            ))
            .execute(tx.conn())?;
        Ok((f.id.clone(), f.sha256.clone()))
    })?;
    touch(tx, now, &case.id)?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::System,
            action: "breach.evidence_added",
            subject_type: "breach",
            subject_id: &case.id,
            details: json!({ "evidence_id": id, "sha256": sha, "size": bytes.len() }),
        },
    )?;
    Ok(breach_evidence::table
        .find(&id)
        .select(Evidence::as_select())
        .first(tx.conn())?)
}

/// An evidence file's bytes (security only).
pub fn evidence_file(
    conn: &mut DbConnection,
    case_id: &str,
    evidence_id: &str,
) -> QueryResult<Option<(Evidence, Vec<u8>)>> {
    breach_evidence::table
        .filter(breach_evidence::case_id.eq(case_id))
        .filter(breach_evidence::id.eq(evidence_id))
        .select((Evidence::as_select(), breach_evidence::bytes))
        .first(conn)
        .optional()
}
