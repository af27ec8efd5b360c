//! The rows the seed inserts, one struct a table.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{carriers, departure_lines, departures, employees, obligations, reminders};
use crate::domain::carriers::{CarrierKind, CarrierStatus, Classification};
use crate::domain::departures::{DepartureReason, DepartureStatus, LineKind, LineStatus};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::reminders::{ReminderKind, ReminderStatus};
use crate::domain::users::Language;

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = employees)]
pub(super) struct EmployeeRow {
    pub(super) id: String,
    pub(super) employee_no: String,
    pub(super) name: String,
    pub(super) work_email: Option<String>,
    pub(super) private_email: Option<String>,
    pub(super) language: Language,
    pub(super) department: &'static str,
    pub(super) title: &'static str,
    pub(super) manager_id: Option<String>,
    pub(super) hire_date: Option<NaiveDate>,
    pub(super) status: EmployeeStatus,
    pub(super) clearance_tier: ClearanceTier,
    pub(super) search_text: String,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = carriers)]
pub(super) struct CarrierRow {
    pub(super) id: String,
    pub(super) tag: String,
    pub(super) kind: CarrierKind,
    pub(super) description: String,
    pub(super) classification: Classification,
    pub(super) copies: i32,
    pub(super) custodian_id: Option<String>,
    pub(super) status: CarrierStatus,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = departures)]
pub(super) struct DepartureRow {
    pub(super) id: String,
    pub(super) employee_id: String,
    pub(super) notice_date: NaiveDate,
    pub(super) last_working_day: NaiveDate,
    pub(super) left_post_on: NaiveDate,
    pub(super) reason: DepartureReason,
    pub(super) successor_id: Option<String>,
    pub(super) status: DepartureStatus,
    pub(super) started_by: String,
    pub(super) started_at: NaiveDateTime,
    pub(super) completed_by: Option<String>,
    pub(super) completed_at: Option<NaiveDateTime>,
    pub(super) override_reason: Option<String>,
    pub(super) takes_effect_at: Option<NaiveDateTime>,
    pub(super) in_effect: bool,
    /// Filled by `number_registers` before the rows are inserted.
    pub(super) register_year: i32,
    pub(super) register_seq: i32,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = departure_lines)]
pub(super) struct LineRow {
    pub(super) id: String,
    pub(super) departure_id: String,
    pub(super) position: i32,
    pub(super) kind: LineKind,
    pub(super) carrier_id: Option<String>,
    pub(super) title: String,
    pub(super) title_en: String,
    pub(super) expected_count: i32,
    pub(super) status: LineStatus,
    pub(super) counted: Option<i32>,
    pub(super) note: String,
    pub(super) confirmed_by: Option<String>,
    pub(super) confirmed_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = obligations)]
pub(super) struct ObligationRow {
    pub(super) id: String,
    pub(super) employee_id: String,
    pub(super) kind: ObligationKind,
    pub(super) starts_on: NaiveDate,
    pub(super) ends_on: Option<NaiveDate>,
    pub(super) status: ObligationStatus,
    pub(super) tier: Option<ClearanceTier>,
    pub(super) departure_id: Option<String>,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(treat_none_as_default_value = false)]
#[diesel(table_name = reminders)]
pub(super) struct ReminderRow {
    pub(super) id: String,
    pub(super) unique_key: String,
    pub(super) employee_id: Option<String>,
    pub(super) kind: ReminderKind,
    pub(super) period: String,
    pub(super) due_at: NaiveDateTime,
    pub(super) status: ReminderStatus,
    pub(super) to_address: Option<String>,
    pub(super) message_id: Option<String>,
    pub(super) sent_at: Option<NaiveDateTime>,
    pub(super) last_error: Option<String>,
    pub(super) acknowledged_at: Option<NaiveDateTime>,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}
