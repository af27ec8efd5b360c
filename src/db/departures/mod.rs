//! Departures: the checklist from the custody list and the standard lines, each line
//! confirmed by the manager or HR (a handover signed for by the successor), and completion,
//! which ends the employment and creates the obligations in the same transaction.
//!
//! This module holds the stored rows and the lookups its parts share; finding and listing
//! are in `query`, the checklist in `checklist`, completion in `completion`.

mod checklist;
mod completion;
mod query;
mod receipt;

pub use checklist::*;
pub use completion::*;
pub use query::*;
pub use receipt::*;

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{departure_lines, departures, employees as employees_table};
use super::{DbConnection, stored_instant};
use crate::domain::departures::{
    ChecklistRefusal, CompletionRefusal, DepartureReason, DepartureStatus, LineKind, LineStatus,
    StartRefusal, is_resolved,
};
use crate::domain::people::EmployeeStatus;
use crate::domain::users::Language;
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departures)]
pub struct Departure {
    pub id: String,
    pub employee_id: String,
    #[schema(value_type = String, format = Date)]
    pub notice_date: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub last_working_day: NaiveDate,
    /// The day the person left the classified post: the 脱密期 counts from it.
    #[schema(value_type = String, format = Date)]
    pub left_post_on: NaiveDate,
    /// Who approved leaving the post before the last working day.
    pub left_post_approved_by: Option<String>,
    pub reason: DepartureReason,
    pub successor_id: Option<String>,
    /// in_progress or completed.
    pub status: DepartureStatus,
    pub started_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: NaiveDateTime,
    pub completed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<NaiveDateTime>,
    pub override_reason: Option<String>,
    /// Why HR did not create the trade-secret duty at completion (it is created by default).
    pub no_trade_secret_reason: Option<String>,
    /// When the completion takes (or took) effect: at the end of the last working day, 24:00
    /// company time, or at once when recorded after it.
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub takes_effect_at: Option<NaiveDateTime>,
    /// Whether the completion has taken effect: the person departed, accounts disabled,
    /// obligations created. Until then they stay departing.
    pub in_effect: bool,
    /// When the company waived the non-compete before it began (on or before the last working
    /// day: nothing extra owed, SPC Interpretation (I) art. 39), who did and why.
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub non_compete_waived_at: Option<NaiveDateTime>,
    pub non_compete_waived_by: Option<String>,
    pub non_compete_waiver_reason: Option<String>,
    /// The day the printed exit notice was signed on paper, and the scan of it (served to
    /// HR and security at `/departures/{id}/exit-notice/scan`).
    #[schema(value_type = Option<String>, format = Date)]
    pub exit_notice_signed_on: Option<NaiveDate>,
    #[serde(skip)]
    pub exit_notice_scan_id: Option<String>,
    pub exit_notice_recorded_by: Option<String>,
    /// The handover register's number, year and sequence (`register_no` in the detail).
    #[serde(skip)]
    pub register_year: i32,
    #[serde(skip)]
    pub register_seq: i32,
}

impl Departure {
    /// The handover register's number, `2026-0042`.
    pub fn register_no(&self) -> String {
        crate::domain::departures::register_number(self.register_year, self.register_seq)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departure_lines)]
pub struct DepartureLine {
    pub id: String,
    #[serde(skip)]
    pub departure_id: String,
    pub position: i32,
    /// carrier, secrets_handover, accounts_revoked, exit_pledge, exit_interview,
    /// travel_documents or custom.
    pub kind: LineKind,
    pub carrier_id: Option<String>,
    #[diesel(embed)]
    #[serde(flatten)]
    #[schema(inline)]
    pub title: LineTitle,
    /// Copies the register says the person holds.
    pub expected_count: i32,
    /// open, returned, handed_over, destroyed, missing or done.
    pub status: LineStatus,
    pub counted: Option<i32>,
    pub note: String,
    pub handed_to_id: Option<String>,
    pub confirmed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<NaiveDateTime>,
    pub received_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub received_at: Option<NaiveDateTime>,
}

/// A line's title in each language: a standard line's as the policy words it; a carrier's
/// (its tag and description) is one text, the same in both; a line HR added has the title HR
/// wrote, and its English one when HR gave it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = departure_lines)]
pub struct LineTitle {
    #[diesel(column_name = title)]
    pub zh: String,
    #[diesel(column_name = title_en)]
    pub en: String,
}

impl LineTitle {
    /// The title in `lang`; a line stored without an English title shows its Chinese one.
    pub fn in_lang(&self, lang: Language) -> &str {
        match lang {
            Language::En if !self.en.is_empty() => &self.en,
            _ => &self.zh,
        }
    }

    /// Both languages in one text, "中文 · English" (one when they are the same): the API's
    /// `title` as it always was, and what a loss report quotes.
    pub fn as_one_text(&self) -> String {
        if self.zh == self.en || self.en.is_empty() {
            self.zh.clone()
        } else {
            format!("{} · {}", self.zh, self.en)
        }
    }
}

/// A line's title as the API answers it.
#[derive(Serialize, utoipa::ToSchema)]
struct LineTitleFields<'a> {
    /// Both languages in one text, "中文 · English" (one when they are the same), as before
    /// the titles were kept per language.
    title: String,
    /// The title in Chinese.
    title_zh: &'a str,
    /// The title in English (a carrier's tag and description, or a line HR added without an
    /// English title: the same text as in Chinese).
    title_en: &'a str,
}

impl Serialize for LineTitle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        LineTitleFields {
            title: self.as_one_text(),
            title_zh: &self.zh,
            title_en: &self.en,
        }
        .serialize(s)
    }
}

impl utoipa::PartialSchema for LineTitle {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        LineTitleFields::schema()
    }
}

impl utoipa::ToSchema for LineTitle {}

impl DepartureLine {
    pub fn resolved(&self) -> bool {
        is_resolved(self.status, self.received_at.is_some())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepartureDetail {
    #[serde(flatten)]
    pub departure: Departure,
    /// The handover register's number (移交登记表编号), sequential per year: `2026-0042`.
    pub register_no: String,
    pub lines: Vec<DepartureLine>,
    /// Lines not yet resolved (a handover counts once signed for).
    pub open_lines: usize,
}

pub struct NewDeparture {
    pub employee_id: String,
    pub notice_date: NaiveDate,
    pub last_working_day: NaiveDate,
    pub left_post_on: Option<NaiveDate>,
    pub left_post_approved_by: Option<String>,
    pub reason: DepartureReason,
    pub successor_id: Option<String>,
    /// The year (company time) the departure starts in: its register is numbered in it.
    pub register_year: i32,
}

impl From<StartRefusal> for Error {
    fn from(refusal: StartRefusal) -> Error {
        match refusal {
            StartRefusal::LastDayBeforeNotice => {
                Error::field("last_working_day", problem!("last_day_before_notice"))
            }
            StartRefusal::NoSuchEmployee => {
                Error::field("employee_id", problem!("no_employee_with_id"))
            }
            StartRefusal::NotActive(status) => Error::refused(match status {
                EmployeeStatus::Departing => problem!("start_departure_departing"),
                EmployeeStatus::Retired => problem!("start_departure_retired"),
                _ => problem!("start_departure_departed"),
            }),
            StartRefusal::LeftPostOutsideNotice => {
                Error::field("left_post_on", problem!("left_post_outside_notice"))
            }
            StartRefusal::LeftPostNotApproved => Error::field(
                "left_post_approved_by",
                problem!("left_post_approved_by_required"),
            ),
            StartRefusal::OwnSuccessor => {
                Error::field("successor_id", problem!("successor_is_the_leaver"))
            }
            StartRefusal::NoSuchSuccessor => {
                Error::field("successor_id", problem!("no_employee_with_id"))
            }
        }
    }
}

impl From<CompletionRefusal> for Error {
    fn from(refusal: CompletionRefusal) -> Error {
        match refusal {
            CompletionRefusal::NoTradeSecretReason => Error::field(
                "no_trade_secret_reason",
                problem!("no_trade_secret_reason_required"),
            ),
        }
    }
}

impl From<ChecklistRefusal> for Error {
    fn from(refusal: ChecklistRefusal) -> Error {
        match refusal {
            ChecklistRefusal::Completed => Error::refused(problem!("departure_completed")),
            ChecklistRefusal::NotAConfirmer | ChecklistRefusal::NotTheSuccessor => Error::Forbidden,
            ChecklistRefusal::AlreadyConfirmed(status) => Error::refused(match status {
                LineStatus::Returned => problem!("line_already_returned"),
                LineStatus::HandedOver => problem!("line_already_handed_over"),
                LineStatus::Destroyed => problem!("line_already_destroyed"),
                LineStatus::Missing => problem!("line_already_missing"),
                LineStatus::Done | LineStatus::Open => problem!("line_already_done"),
            }),
            // One text a kind, naming its outcomes in words.
            ChecklistRefusal::OutcomeNotForKind(kind) => Error::field(
                "outcome",
                match kind {
                    LineKind::Carrier => problem!("outcome_not_for_kind.carrier"),
                    LineKind::SecretsHandover => problem!("outcome_not_for_kind.secrets_handover"),
                    LineKind::AccountsRevoked => problem!("outcome_not_for_kind.accounts_revoked"),
                    LineKind::ExitPledge => problem!("outcome_not_for_kind.exit_pledge"),
                    LineKind::ExitInterview => problem!("outcome_not_for_kind.exit_interview"),
                    LineKind::TravelDocuments => problem!("outcome_not_for_kind.travel_documents"),
                    LineKind::Custom => problem!("outcome_not_for_kind.custom"),
                },
            ),
            ChecklistRefusal::NotCounted => Error::field("count", problem!("count_the_copies")),
            ChecklistRefusal::CountDiffers { counted, expected } => Error::field(
                "count",
                problem!("count_differs", counted = counted, expected = expected),
            ),
            ChecklistRefusal::NoSuccessor => {
                Error::field("outcome", problem!("no_successor_to_hand_over"))
            }
            ChecklistRefusal::NotDestroyedInRegister => {
                Error::refused(problem!("destruction_not_recorded"))
            }
            ChecklistRefusal::NotAwaitingReceipt => {
                Error::refused(problem!("line_not_awaiting_receipt"))
            }
            ChecklistRefusal::UnknownSuccessor => Error::NotFound,
            ChecklistRefusal::NoExitPledge => {
                Error::field("pledge_method", problem!("exit_pledge_not_on_record"))
            }
            ChecklistRefusal::LinesOpen(open) => {
                Error::refused(problem!("lines_still_open", open = open))
            }
        }
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Departure> {
    departures::table
        .find(id)
        .select(Departure::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

fn lines_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<DepartureLine>> {
    departure_lines::table
        .filter(departure_lines::departure_id.eq(id))
        .order(departure_lines::position.asc())
        .select(DepartureLine::as_select())
        .load(conn)
}

fn detail(conn: &mut DbConnection, departure: Departure) -> Result<DepartureDetail> {
    let lines = lines_of(conn, &departure.id)?;
    let open_lines = lines.iter().filter(|l| !l.resolved()).count();
    Ok(DepartureDetail {
        register_no: departure.register_no(),
        departure,
        lines,
        open_lines,
    })
}

fn in_progress(conn: &mut DbConnection, id: &str) -> Result<Departure> {
    let departure = find(conn, id)?;
    crate::domain::departures::in_progress(departure.status)?;
    Ok(departure)
}
fn set_employee_status(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    status: EmployeeStatus,
) -> QueryResult<usize> {
    diesel::update(employees_table::table.find(id))
        .set((
            employees_table::status.eq(status.as_str()),
            employees_table::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: Error) -> String {
        match e {
            Error::Validation(errors) => errors
                .0
                .iter()
                .map(|(f, p)| format!("{f}: {}", crate::catalog::english(p)))
                .collect(),
            Error::Refused(p) => crate::catalog::english(&p),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn refusals_answer_with_the_field_or_conflict_they_always_did() {
        assert_eq!(
            message(StartRefusal::LastDayBeforeNotice.into()),
            "last_working_day: must not be before notice_date"
        );
        assert_eq!(
            message(StartRefusal::NotActive(EmployeeStatus::Departed).into()),
            "the employee is departed; only an active employee can start a departure"
        );
        assert_eq!(
            message(ChecklistRefusal::OutcomeNotForKind(LineKind::SecretsHandover).into()),
            "outcome: the secret files are confirmed as handed over to the successor or missing"
        );
        assert_eq!(
            message(ChecklistRefusal::AlreadyConfirmed(LineStatus::Returned).into()),
            "the line is already returned"
        );
        assert_eq!(
            message(
                ChecklistRefusal::CountDiffers {
                    counted: 2,
                    expected: 3
                }
                .into()
            ),
            "count: 2 counted but the register holds 3 copies; confirm as missing if some are \
             not returned"
        );
        assert_eq!(
            message(ChecklistRefusal::LinesOpen(5).into()),
            "5 checklist lines are still open: resolve them, or complete with an override_reason"
        );
        assert!(matches!(
            ChecklistRefusal::NotAConfirmer.into(),
            Error::Forbidden
        ));
        assert!(matches!(
            ChecklistRefusal::UnknownSuccessor.into(),
            Error::NotFound
        ));
    }
}
