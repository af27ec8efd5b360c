//! The policy in force: versions kept, the highest in force, the defaults before any.

use crate::db::WriteTx;
use chrono::{DateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use serde_json::json;

use super::audit;
use super::schema::policy_versions;
use super::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::policy::Policy;
use crate::error::Result;

/// The version in force (0: the defaults) and the policy.
pub fn current(conn: &mut DbConnection) -> Result<(i32, Policy)> {
    let latest: Option<(i32, String)> = policy_versions::table
        .order(policy_versions::version.desc())
        .select((policy_versions::version, policy_versions::body))
        .first(conn)
        .optional()?;
    match latest {
        None => Ok((0, Policy::default())),
        Some((version, body)) => Ok((
            version,
            serde_json::from_str(&body)
                .map_err(|e| anyhow::anyhow!("policy version {version} is unreadable: {e}"))?,
        )),
    }
}

/// Puts a new version in force; existing obligations keep their dates.
pub fn replace(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor_id: &str,
    policy: &Policy,
) -> Result<i32> {
    let (before_version, before) = current(tx)?;
    let last: Option<i32> = policy_versions::table
        .select(max(policy_versions::version))
        .first(tx.conn())?;
    let version = last.unwrap_or(0) + 1;
    let body = serde_json::to_string(policy).map_err(anyhow::Error::from)?;
    diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::version.eq(version),
            policy_versions::body.eq(&body),
            policy_versions::created_at.eq(stored_instant(now)),
            policy_versions::created_by.eq(actor_id),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "policy.changed",
            subject_type: "policy",
            subject_id: &version.to_string(),
            details: json!({ "from_version": before_version, "from": before, "to": policy }),
        },
    )?;
    Ok(version)
}

/// The company's identity and the rules its notices cite, from the policy in force: what
/// every email, page and printed document names (`Company::view` in the reader's language).
pub fn identity(conn: &mut DbConnection) -> Result<crate::domain::identity::Company> {
    let (_, policy) = current(conn)?;
    Ok(crate::domain::identity::Company {
        identity: policy.identity,
        rules: policy.rule_references,
    })
}
