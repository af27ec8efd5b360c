//! The audit chain's pure part: who acts, what an event says, and the hash that links each
//! event to the one before it (the table code is in `db::audit`).

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(String),
    /// The service itself: start-up, scheduled jobs.
    System,
    /// Someone not signed in: the first-admin setup, a public report.
    Anonymous,
    /// A person in the register without an account, acting through a signed link addressed
    /// to them (a successor signing for a handover): the employee's id.
    Employee(String),
}

impl Actor {
    /// The actor as stored: its type and, for a user, the id.
    pub fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Actor::User(id) => ("user", Some(id)),
            Actor::System => ("system", None),
            Actor::Anonymous => ("anonymous", None),
            Actor::Employee(id) => ("employee", Some(id)),
        }
    }
}

/// What happened to what. Recorded in the caller's transaction, so the event exists exactly
/// when the change does.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub details: serde_json::Value,
}

/// The SHA-256 of an event's fields and its predecessor's hash, hex-encoded.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    seq: i64,
    at: &NaiveDateTime,
    actor_type: &str,
    actor_id: Option<&str>,
    action: &str,
    subject_type: &str,
    subject_id: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    // A JSON array is an unambiguous encoding of the fields (no separator can be forged).
    let canonical = serde_json::json!([
        seq,
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        actor_type,
        actor_id,
        action,
        subject_type,
        subject_id,
        details,
        prev_hash
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_with(action: &str, prev: &str) -> String {
        let at = chrono::NaiveDate::from_ymd_opt(2028, 2, 29)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .unwrap();
        chain_hash(
            1,
            &at,
            "user",
            Some("u1"),
            action,
            "employee",
            "e1",
            "{}",
            prev,
        )
    }

    #[test]
    fn an_event_whose_content_or_predecessor_changes_no_longer_verifies() {
        let genesis = "0".repeat(64);
        let original = hash_with("employee.created", &genesis);
        assert_eq!(original.len(), 64);
        assert_eq!(original, hash_with("employee.created", &genesis), "stable");
        assert_ne!(original, hash_with("employee.updated", &genesis));
        assert_ne!(original, hash_with("employee.created", &"1".repeat(64)));
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let at = chrono::NaiveDate::from_ymd_opt(2028, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let prev = "0".repeat(64);
        let a = chain_hash(1, &at, "user", Some("u1"), "a.b", "x", "y", "{}", &prev);
        let b = chain_hash(1, &at, "user", Some("u1"), "a", "b.x", "y", "{}", &prev);
        assert_ne!(a, b);
    }
}
