//! Breach cases: reports (named or anonymous) and losses, followed by their reporter through a
//! code and a secret, handled by security step by step to a decision.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::reminders::{Recipient, plan_one};
use super::schema::{
    breach_additions, breach_cases, breach_evidence, breach_steps, obligations, remedial_tasks,
};
use super::users::User;
use super::{DbConnection, Locked, lock_row, stored_instant};
use crate::auth::{random_token, token_hash};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::{
    CaseSource, CaseStatus, Consequence, Fault, Gravity, NewReport, Severity, authority_report_due,
    check_step, evidence_type, suggested_consequence,
};
use crate::domain::obligations::ObligationStatus;
use crate::domain::reminders::ReminderKind;
use crate::domain::users::Role;
use crate::error::{Error, Result};

/// A case as security and admin see it: everything but the reporter's secret.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = breach_cases)]
pub struct Case {
    pub id: String,
    pub code: String,
    /// report or loss.
    pub source: CaseSource,
    /// The signed-in reporter of a named report (security and admin only).
    pub reporter_user_id: Option<String>,
    /// How to reach the reporter, if they left a way (security and admin only).
    pub reporter_contact: String,
    /// Who it concerns, as reported.
    pub person: String,
    pub employee_id: Option<String>,
    pub obligation_id: Option<String>,
    pub departure_line_id: Option<String>,
    pub what: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub discovered_on: Option<NaiveDate>,
    pub carriers: String,
    /// reported, triaged, investigating, substantiated, unfounded or closed.
    pub status: CaseStatus,
    /// low, medium, high or critical (set at triage).
    pub severity: Option<Severity>,
    /// negligent or intentional.
    pub fault: Option<Fault>,
    /// minor or serious.
    pub gravity: Option<Gravity>,
    pub caused_loss: Option<bool>,
    /// What the ladder suggests (warning, fine_and_demotion, termination_and_damages,
    /// dismissal_damages_and_legal_action); the decision is the company's.
    pub suggested: Option<String>,
    pub decision: Option<String>,
    /// About state secrets: serious cases are due at the secrecy administration.
    pub state_secret: bool,
    #[schema(value_type = Option<String>, format = Date)]
    pub authority_report_due: Option<NaiveDate>,
    pub reward: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = breach_steps)]
pub struct Step {
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub reason: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = breach_additions)]
pub struct Addition {
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    pub text: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = breach_evidence)]
pub struct Evidence {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub added_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = remedial_tasks)]
pub struct Task {
    pub id: String,
    pub case_id: String,
    pub title: String,
    pub owner_id: String,
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    pub steps: Vec<Step>,
    pub additions: Vec<Addition>,
    pub evidence: Vec<Evidence>,
    pub tasks: Vec<Task>,
}

/// What the reporter gets back, once: the code to quote and the secret to follow the report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportReceipt {
    pub code: String,
    pub secret: String,
}

/// What a reporter may see of their own report — its progress, nothing of the investigation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReporterView {
    pub code: String,
    /// reported, triaged, investigating, substantiated, unfounded or closed.
    pub status: CaseStatus,
    #[schema(value_type = String, format = DateTime)]
    pub reported_at: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: String,
    /// How many times they added information.
    pub additions: i64,
    /// How many evidence files are attached.
    pub evidence: i64,
}

/// The outcome of a substantiated case, as HR sees it for their people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    pub id: String,
    pub code: String,
    pub employee_id: Option<String>,
    pub obligation_id: Option<String>,
    pub status: CaseStatus,
    pub suggested: Option<String>,
    pub decision: Option<String>,
}

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

fn find(conn: &mut DbConnection, id: &str) -> Result<Case> {
    breach_cases::table
        .find(id)
        .select(Case::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

fn add_step(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    case_id: &str,
    actor_id: Option<&str>,
    from: Option<CaseStatus>,
    to: CaseStatus,
    reason: &str,
) -> QueryResult<()> {
    diesel::insert_into(breach_steps::table)
        .values((
            breach_steps::id.eq(uuid::Uuid::now_v7().to_string()),
            breach_steps::case_id.eq(case_id),
            breach_steps::at.eq(stored_instant(now)),
            breach_steps::actor_id.eq(actor_id),
            breach_steps::from_status.eq(from.map(|s| s.as_str())),
            breach_steps::to_status.eq(to.as_str()),
            breach_steps::reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where a case comes from and who is behind it.
pub struct Opening<'a> {
    pub source: CaseSource,
    /// The signed-in reporter of a named report; none for an anonymous one or a loss.
    pub reporter: Option<&'a User>,
    pub employee_id: Option<&'a str>,
    pub departure_line_id: Option<&'a str>,
}

/// Opens a case and tells every security officer that one arrived — only that, and where to
/// read it. Call inside a write transaction.
pub fn open(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    opening: Opening<'_>,
    report: &NewReport,
) -> Result<(String, ReportReceipt)> {
    if let Some(e) = opening.employee_id
        && super::employees::find(conn, e)?.is_none()
    {
        return Err(Error::field("employee_id", "no employee has this id"));
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
            breach_cases::what.eq(&report.what),
            breach_cases::discovered_on.eq(report.discovered_on),
            breach_cases::carriers.eq(&report.carriers),
            breach_cases::status.eq(CaseStatus::Reported),
            breach_cases::state_secret.eq(false),
            breach_cases::created_at.eq(at),
            breach_cases::updated_at.eq(at),
        ))
        .execute(conn)?;
    add_step(conn, now, &id, None, None, CaseStatus::Reported, "")?;
    // The trail names the case, never the reporter.
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::System,
            action: "breach.reported",
            subject_type: "breach",
            subject_id: &id,
            details: json!({ "code": code, "source": opening.source }),
        },
    )?;
    // A loss is already emailed to HR and security as it is confirmed.
    let officers = match opening.source {
        CaseSource::Report => super::users::active_with_roles(conn, &[Role::Security])?,
        CaseSource::Loss => Vec::new(),
    };
    for officer in officers {
        plan_one(
            conn,
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
fn by_code(conn: &mut DbConnection, code: &str, secret: &str) -> QueryResult<Option<Case>> {
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

/// The reporter adds information to their report. Call inside a write transaction.
pub fn add_information(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    code: &str,
    secret: &str,
    text: &str,
) -> Result<()> {
    let case = by_code(conn, code, secret)?.ok_or(Error::NotFound)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(Error::field("text", "from 1 to 10000 characters"));
    }
    diesel::insert_into(breach_additions::table)
        .values((
            breach_additions::id.eq(uuid::Uuid::now_v7().to_string()),
            breach_additions::case_id.eq(&case.id),
            breach_additions::at.eq(stored_instant(now)),
            breach_additions::text.eq(text),
        ))
        .execute(conn)?;
    touch(conn, now, &case.id)?;
    audit::record(
        conn,
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

fn touch(conn: &mut DbConnection, now: DateTime<Utc>, id: &str) -> QueryResult<()> {
    diesel::update(breach_cases::table.find(id))
        .set(breach_cases::updated_at.eq(stored_instant(now)))
        .execute(conn)?;
    Ok(())
}

/// Who attaches evidence: the reporter (by code and secret) or security (by case id).
pub enum EvidenceFor<'a> {
    Reporter { code: &'a str, secret: &'a str },
    Case(&'a str),
}

/// Attaches a file, typed by its content, with its SHA-256. Call inside a write transaction.
pub fn add_evidence(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    to: EvidenceFor<'_>,
    file_name: &str,
    bytes: &[u8],
) -> Result<Evidence> {
    let case = match to {
        EvidenceFor::Reporter { code, secret } => {
            by_code(conn, code, secret)?.ok_or(Error::NotFound)?
        }
        EvidenceFor::Case(id) => find(conn, id)?,
    };
    let content_type = evidence_type(bytes).map_err(|m| Error::field("file", m))?;
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(200)
        .collect();
    use sha2::{Digest, Sha256};
    let sha = hex::encode(Sha256::digest(bytes));
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(breach_evidence::table)
        .values((
            breach_evidence::id.eq(&id),
            breach_evidence::case_id.eq(&case.id),
            breach_evidence::file_name.eq(&file_name),
            breach_evidence::content_type.eq(content_type),
            breach_evidence::size.eq(bytes.len() as i64),
            breach_evidence::sha256.eq(&sha),
            breach_evidence::bytes.eq(bytes),
            breach_evidence::added_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    touch(conn, now, &case.id)?;
    audit::record(
        conn,
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
        .first(conn)?)
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

pub fn get(conn: &mut DbConnection, id: &str) -> Result<CaseDetail> {
    let case = find(conn, id)?;
    let steps = breach_steps::table
        .filter(breach_steps::case_id.eq(id))
        .order((breach_steps::at.asc(), breach_steps::id.asc()))
        .select(Step::as_select())
        .load(conn)?;
    let additions = breach_additions::table
        .filter(breach_additions::case_id.eq(id))
        .order(breach_additions::at.asc())
        .select(Addition::as_select())
        .load(conn)?;
    let evidence = breach_evidence::table
        .filter(breach_evidence::case_id.eq(id))
        .order(breach_evidence::added_at.asc())
        .select(Evidence::as_select())
        .load(conn)?;
    let tasks = remedial_tasks::table
        .filter(remedial_tasks::case_id.eq(id))
        .order(remedial_tasks::due_on.asc())
        .select(Task::as_select())
        .load(conn)?;
    Ok(CaseDetail {
        case,
        steps,
        additions,
        evidence,
        tasks,
    })
}

crate::string_enum! {
    /// The orders a list of cases takes (`-` for descending).
    pub enum CaseSort ("a sort order") {
        Created = "created",
        CreatedDesc = "-created",
        Updated = "updated",
        UpdatedDesc = "-updated",
        Code = "code",
        CodeDesc = "-code",
        Discovered = "discovered",
        DiscoveredDesc = "-discovered",
        Due = "due",
        DueDesc = "-due",
    }
}

/// Which cases a list shows; every part optional.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Any part of the code, of who it concerns, or of what happened (any case).
    pub q: Option<String>,
    pub status: Option<CaseStatus>,
    pub severity: Option<Severity>,
    pub source: Option<CaseSource>,
    /// Newest first when not given.
    pub sort: Option<CaseSort>,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// One page of the cases the filter lets through, newest first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    filter: &CaseFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Case>, i64)> {
    let query = || {
        let mut q = breach_cases::table.into_boxed();
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = format!("%{}%", super::like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(breach_cases::code)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(breach_cases::person)
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(lower(breach_cases::what).like(pattern).escape('\\')),
            );
        }
        if let Some(s) = filter.status {
            q = q.filter(breach_cases::status.eq(s.as_str()));
        }
        if let Some(s) = filter.severity {
            q = q.filter(breach_cases::severity.eq(s.as_str()));
        }
        if let Some(s) = filter.source {
            q = q.filter(breach_cases::source.eq(s.as_str()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    use CaseSort::*;
    let sorted = match filter.sort.unwrap_or(CreatedDesc) {
        Created => query().order(breach_cases::created_at.asc()),
        CreatedDesc => query().order(breach_cases::created_at.desc()),
        Updated => query().order(breach_cases::updated_at.asc()),
        UpdatedDesc => query().order(breach_cases::updated_at.desc()),
        Code => query().order(breach_cases::code.asc()),
        CodeDesc => query().order(breach_cases::code.desc()),
        Discovered => query().order(breach_cases::discovered_on.asc()),
        DiscoveredDesc => query().order(breach_cases::discovered_on.desc()),
        Due => query().order(breach_cases::authority_report_due.asc()),
        DueDesc => query().order(breach_cases::authority_report_due.desc()),
    };
    let items = sorted
        .then_order_by(breach_cases::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Case::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// How many cases are in each status.
pub fn count_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    breach_cases::table
        .group_by(breach_cases::status)
        .select((breach_cases::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Cases not yet closed that are due at the secrecy administration, soonest first.
pub fn authority_reports_due(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Case>> {
    breach_cases::table
        .filter(breach_cases::authority_report_due.is_not_null())
        .filter(breach_cases::status.ne(CaseStatus::Closed))
        .order((
            breach_cases::authority_report_due.asc(),
            breach_cases::id.asc(),
        ))
        .limit(limit)
        .select(Case::as_select())
        .load(conn)
}

/// The codes of cases by id (to name the case of a task without a query a row).
pub fn codes(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(breach_cases::table
        .filter(breach_cases::id.eq_any(ids))
        .select((breach_cases::id, breach_cases::code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// The outcomes of substantiated cases (still substantiated, or closed after it) for HR.
pub fn outcomes(conn: &mut DbConnection) -> QueryResult<Vec<Outcome>> {
    let substantiated = breach_steps::table
        .filter(breach_steps::to_status.eq(CaseStatus::Substantiated))
        .select(breach_steps::case_id);
    let rows: Vec<Case> = breach_cases::table
        .filter(breach_cases::id.eq_any(substantiated))
        .filter(breach_cases::employee_id.is_not_null())
        .order(breach_cases::updated_at.desc())
        .select(Case::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|c| Outcome {
            id: c.id,
            code: c.code,
            employee_id: c.employee_id,
            obligation_id: c.obligation_id,
            status: c.status,
            suggested: c.suggested,
            decision: c.decision,
        })
        .collect())
}

/// What security changes on a case; every field optional.
#[derive(Debug, Default, Clone)]
pub struct CaseChange {
    pub status: Option<CaseStatus>,
    pub reason: String,
    pub severity: Option<Severity>,
    pub fault: Option<Fault>,
    pub gravity: Option<Gravity>,
    pub caused_loss: Option<bool>,
    pub decision: Option<String>,
    pub state_secret: Option<bool>,
    pub reward: Option<String>,
    pub employee_id: Option<String>,
    pub obligation_id: Option<String>,
}

/// Security takes a step or records findings. A substantiated case linked to an obligation
/// marks it breached. Call inside a write transaction.
pub fn change(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    user: &User,
    id: &str,
    c: &CaseChange,
) -> Result<CaseDetail> {
    lock_row(conn, Locked::Breach, id)?;
    let case = find(conn, id)?;
    let from: CaseStatus = case.status;
    if let Some(to) = c.status {
        check_step(from, to, &c.reason, c.severity)?;
    }
    if let Some(e) = &c.employee_id
        && super::employees::find(conn, e)?.is_none()
    {
        return Err(Error::field("employee_id", "no employee has this id"));
    }
    let obligation_employee: Option<String> = match &c.obligation_id {
        None => None,
        Some(o) => Some(
            obligations::table
                .find(o)
                .select(obligations::employee_id)
                .first(conn)
                .optional()?
                .ok_or_else(|| Error::field("obligation_id", "no obligation has this id"))?,
        ),
    };
    let named = c.employee_id.clone().or(case.employee_id.clone());
    if let (Some(named), Some(owner)) = (&named, &obligation_employee)
        && named != owner
    {
        return Err(Error::field(
            "obligation_id",
            "this obligation belongs to another employee than the case names",
        ));
    }
    let employee_id = obligation_employee.or(named);
    let obligation_id = c.obligation_id.clone().or(case.obligation_id.clone());
    let severity = c.severity.or(case.severity);
    let fault = c.fault.or(case.fault);
    let gravity = c.gravity.or(case.gravity);
    let caused_loss = c.caused_loss.or(case.caused_loss);
    let suggested = match (fault, gravity, caused_loss) {
        (Some(f), Some(g), Some(l)) => Some(suggested_consequence(f, g, l)),
        _ => None,
    };
    let state_secret = c.state_secret.unwrap_or(case.state_secret);
    // Counted from when the leak came to light, however late the flag is set.
    let known_on = case
        .discovered_on
        .unwrap_or_else(|| crate::clock::company_date(case.created_at.and_utc(), tz));
    let due = authority_report_due(state_secret, severity, known_on);
    let status = c.status.unwrap_or(from);
    diesel::update(breach_cases::table.find(id))
        .set((
            breach_cases::status.eq(status.as_str()),
            breach_cases::severity.eq(&severity),
            breach_cases::fault.eq(&fault),
            breach_cases::gravity.eq(&gravity),
            breach_cases::caused_loss.eq(caused_loss),
            breach_cases::suggested.eq(suggested.map(Consequence::as_str)),
            breach_cases::decision.eq(c.decision.clone().or(case.decision.clone())),
            breach_cases::state_secret.eq(state_secret),
            breach_cases::authority_report_due.eq(due),
            breach_cases::reward.eq(c.reward.clone().or(case.reward.clone())),
            breach_cases::employee_id.eq(&employee_id),
            breach_cases::obligation_id.eq(&obligation_id),
            breach_cases::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    if let Some(to) = c.status {
        add_step(
            conn,
            now,
            id,
            Some(&user.id),
            Some(from),
            to,
            c.reason.trim(),
        )?;
    }
    audit::record(
        conn,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "breach.changed",
            subject_type: "breach",
            subject_id: id,
            details: json!({
                "from": from, "to": status, "reason": c.reason.trim(), "severity": severity,
                "suggested": suggested, "decision": c.decision, "state_secret": state_secret,
                "authority_report_due": due, "reward": c.reward, "obligation_id": obligation_id,
            }),
        },
    )?;
    // A substantiated case marks its obligation breached, whenever the link is made; an
    // obligation that has since ended is marked too (the breach happened while it ran).
    if status == CaseStatus::Substantiated
        && let Some(o) = &obligation_id
    {
        let marked = diesel::update(
            obligations::table
                .find(o)
                .filter(obligations::status.eq_any([
                    ObligationStatus::Active.as_str(),
                    ObligationStatus::Ended.as_str(),
                ])),
        )
        .set((
            obligations::status.eq(ObligationStatus::Breached),
            obligations::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
        if marked == 1 {
            audit::record(
                conn,
                now,
                NewEvent {
                    actor: &Actor::User(user.id.clone()),
                    action: "obligation.breached",
                    subject_type: "obligation",
                    subject_id: o,
                    details: json!({ "case": case.code }),
                },
            )?;
        }
    }
    get(conn, id)
}

/// A remedial measure with an owner and a due date. Call inside a write transaction.
pub fn add_task(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    case_id: &str,
    title: &str,
    owner_id: &str,
    due_on: NaiveDate,
) -> Result<Task> {
    find(conn, case_id)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(Error::field("title", "from 1 to 300 characters"));
    }
    if super::users::find(conn, owner_id)?.is_none() {
        return Err(Error::field("owner_id", "no user has this id"));
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
        .execute(conn)?;
    audit::record(
        conn,
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
        .first(conn)?)
}

/// The remedial tasks a user owns (a manager sees nothing else of a case).
pub fn tasks_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<Task>> {
    remedial_tasks::table
        .filter(remedial_tasks::owner_id.eq(user_id))
        .order(remedial_tasks::due_on.asc())
        .select(Task::as_select())
        .load(conn)
}

/// The owner marks a task done. Call inside a write transaction.
pub fn finish_task(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    user: &User,
    task_id: &str,
) -> Result<Task> {
    let task: Task = remedial_tasks::table
        .find(task_id)
        .select(Task::as_select())
        .first(conn)
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
    .execute(conn)?;
    if finished == 0 {
        return Err(Error::Conflict("the task is already done".into()));
    }
    audit::record(
        conn,
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
        .first(conn)?)
}
