//! The reporter's access: opening a case from a report or a loss, and the reporter's own
//! view of it by code and secret, where they add information.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::course::add_step;
use super::{Case, ReportReceipt, ReporterView, touch};
use crate::auth::{random_token, token_hash};
use crate::db::audit;
use crate::db::reminders::{Recipient, plan_one};
use crate::db::schema::{breach_additions, breach_cases, breach_evidence};
use crate::db::users::User;
use crate::db::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::{CaseSource, CaseStatus, NewReport};
use crate::domain::reminders::ReminderKind;
use crate::domain::users::Role;
use crate::error::{Error, Result};
use crate::problem;

/// An unambiguous case code, e.g. `BR-7KQ4-MX2P`.
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let mut part = || -> String {
        (0..4)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    };
    format!("BR-{}-{}", part(), part())
}

/// Where a case comes from and who is behind it.
pub struct Opening<'a> {
    pub source: CaseSource,
    /// The signed-in reporter of a named report; none for an anonymous one or a loss.
    pub reporter: Option<&'a User>,
    pub employee_id: Option<&'a str>,
    pub departure_line_id: Option<&'a str>,
    /// The obligation the case is about (a forbidden new employer's).
    pub obligation_id: Option<&'a str>,
}

/// Opens a case and tells every security officer that one arrived — only that, and where to
/// read it.
pub fn open(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    opening: Opening<'_>,
    report: &NewReport,
) -> Result<(String, ReportReceipt)> {
    if let Some(e) = opening.employee_id
        && crate::db::employees::find(tx, e)?.is_none()
    {
        return Err(Error::field("employee_id", problem!("no_employee_with_id")));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let secret = random_token("brs");
    let code = new_code();
    let at = stored_instant(now);
    diesel::insert_into(breach_cases::table)
        .values((
            breach_cases::id.eq(&id),
            breach_cases::code.eq(&code),
            breach_cases::secret_hash.eq(token_hash(&secret)),
            breach_cases::source.eq(opening.source.as_str()),
            breach_cases::reporter_user_id.eq(opening.reporter.map(|u| u.id.as_str())),
            breach_cases::reporter_contact.eq(&report.contact),
            breach_cases::person.eq(&report.person),
            breach_cases::employee_id.eq(opening.employee_id),
            breach_cases::departure_line_id.eq(opening.departure_line_id),
            breach_cases::obligation_id.eq(opening.obligation_id),
            breach_cases::what.eq(&report.what),
            breach_cases::discovered_on.eq(report.discovered_on),
            breach_cases::carriers.eq(&report.carriers),
            breach_cases::status.eq(CaseStatus::Reported),
            breach_cases::state_secret.eq(false),
            breach_cases::created_at.eq(at),
            breach_cases::updated_at.eq(at),
        ))
        .execute(tx.conn())?;
    add_step(tx, now, &id, None, None, CaseStatus::Reported, "")?;
    // The trail names the case, never the reporter.
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::System,
            action: "breach.reported",
            subject_type: "breach",
            subject_id: &id,
            details: json!({ "code": code, "source": opening.source }),
        },
    )?;
    // A loss is already emailed to HR and security as it is confirmed, and so is a forbidden
    // new employer.
    let officers = match opening.source {
        CaseSource::Report | CaseSource::Travel => {
            crate::db::users::active_with_roles(tx, &[Role::Security])?
        }
        CaseSource::Loss | CaseSource::Employer => Vec::new(),
    };
    for officer in officers {
        plan_one(
            tx,
            now,
            Recipient::User(&officer.id),
            ReminderKind::BreachReported,
            &id,
            now,
        )?;
    }
    Ok((id, ReportReceipt { code, secret }))
}

/// The case a code and secret open, if both match (the secret compared by its hash).
pub(super) fn by_code(
    conn: &mut DbConnection,
    code: &str,
    secret: &str,
) -> QueryResult<Option<Case>> {
    let found: Option<(Case, String)> = breach_cases::table
        .filter(breach_cases::code.eq(code.trim().to_uppercase()))
        .select((Case::as_select(), breach_cases::secret_hash))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(case, hash)| {
        let given = token_hash(secret.trim());
        // Equal-length hex strings compared without an early exit.
        let same = hash.len() == given.len()
            && hash
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        same.then_some(case)
    }))
}

/// The reporter's view of their report, if the code and secret match.
pub fn for_reporter(
    conn: &mut DbConnection,
    code: &str,
    secret: &str,
) -> QueryResult<Option<ReporterView>> {
    let Some(case) = by_code(conn, code, secret)? else {
        return Ok(None);
    };
    let additions = breach_additions::table
        .filter(breach_additions::case_id.eq(&case.id))
        .count()
        .get_result(conn)?;
    let evidence = breach_evidence::table
        .filter(breach_evidence::case_id.eq(&case.id))
        .count()
        .get_result(conn)?;
    let rfc = |at: NaiveDateTime| {
        at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    Ok(Some(ReporterView {
        code: case.code,
        status: case.status,
        reported_at: rfc(case.created_at),
        updated_at: rfc(case.updated_at),
        additions,
        evidence,
    }))
}

/// The reporter adds information to their report.
pub fn add_information(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    code: &str,
    secret: &str,
    text: &str,
) -> Result<()> {
    let case = by_code(tx, code, secret)?.ok_or(Error::NotFound)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(Error::field(
            "text",
            problem!("from_to_characters", min = 1, max = 10_000),
        ));
    }
    diesel::insert_into(breach_additions::table)
        .values((
            breach_additions::id.eq(uuid::Uuid::now_v7().to_string()),
            breach_additions::case_id.eq(&case.id),
            breach_additions::at.eq(stored_instant(now)),
            breach_additions::text.eq(text),
        ))
        .execute(tx.conn())?;
    touch(tx, now, &case.id)?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::System,
            action: "breach.information_added",
            subject_type: "breach",
            subject_id: &case.id,
            details: json!({ "code": case.code }),
        },
    )?;
    Ok(())
}
