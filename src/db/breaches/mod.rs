//! Breach cases: reports (named or anonymous) and losses, followed by their reporter through a
//! code and a secret, handled by security step by step to a decision.
//!
//! This module holds the stored rows and the lookups its parts share; the reporter's access is
//! in `reporter`, evidence in `evidence`, the case's course in `course`, reading cases in
//! `query`, remedial tasks in `tasks`.

mod course;
mod evidence;
mod penalty;
mod query;
mod reporter;
mod tasks;

pub use course::*;
pub use evidence::*;
pub use penalty::*;
pub use query::*;
pub use reporter::*;
pub use tasks::*;

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{
    breach_additions, breach_cases, breach_evidence, breach_steps, remedial_tasks,
};
use super::{DbConnection, stored_instant};
use crate::domain::breaches::{CaseSource, CaseStatus, Fault, Gravity, Severity};
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

fn find(conn: &mut DbConnection, id: &str) -> Result<Case> {
    breach_cases::table
        .find(id)
        .select(Case::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

fn touch(tx: &mut WriteTx, now: DateTime<Utc>, id: &str) -> QueryResult<()> {
    diesel::update(breach_cases::table.find(id))
        .set(breach_cases::updated_at.eq(stored_instant(now)))
        .execute(tx.conn())?;
    Ok(())
}
