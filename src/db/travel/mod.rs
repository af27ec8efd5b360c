//! Trips abroad: asked for by the person, decided by security (and a unit leader where the
//! tier needs it), their return recorded; a trip taken without approval opens a breach case.

pub mod documents;
pub mod late;
pub mod lists;

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::employees::{Employee, Scope};
use super::schema::trips;
use super::users::User;
use super::{DbConnection, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::breaches::{CaseSource, NewReport};
use crate::domain::clearance::Decision;
use crate::domain::obligations::ObligationKind;
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::travel::{self, Decider, Traveller, TripRefusal, TripStatus};
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = trips)]
pub struct Trip {
    pub id: String,
    pub employee_id: String,
    /// The destination countries or regions, as the person wrote them.
    pub countries: String,
    pub purpose: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub ends_on: NaiveDate,
    pub invited_by: String,
    /// requested, awaiting_second_approval, approved, refused or unapproved.
    pub status: TripStatus,
    /// The tier whose policy decides the trip.
    pub tier: ClearanceTier,
    pub needs_second_approval: bool,
    /// The account that asked; none when asked through the person's link.
    pub requested_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub second_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub second_at: Option<NaiveDateTime>,
    pub second_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub returned_on: Option<NaiveDate>,
    pub return_recorded_by: Option<String>,
    /// The breach case a trip taken without approval opened.
    pub breach_case_id: Option<String>,
}

impl Trip {
    /// The reason given with the final decision — the unit leader's when a second approval
    /// was given, else security's; none before a decision or when left blank.
    pub fn final_reason(&self) -> Option<String> {
        if !matches!(self.status, TripStatus::Approved | TripStatus::Refused) {
            return None;
        }
        let reason = if self.second_by.is_some() {
            &self.second_reason
        } else {
            &self.decision_reason
        };
        reason.clone().filter(|r| !r.trim().is_empty())
    }
}

impl From<TripRefusal> for Error {
    fn from(refusal: TripRefusal) -> Error {
        match refusal {
            TripRefusal::EndsBeforeItStarts => {
                Error::field("ends_on", problem!("trip_ends_before_it_starts"))
            }
            TripRefusal::OutsideAnyPeriod => {
                Error::field("starts_on", problem!("trip_outside_any_period"))
            }
            TripRefusal::NotAwaiting(_) => Error::refused(problem!("trip_not_awaiting_decision")),
            TripRefusal::SecondApprovalIsALeaders => {
                Error::refused(problem!("trip_second_approval_is_a_leaders"))
            }
            TripRefusal::SameApprover => Error::refused(problem!("trip_same_approver")),
            TripRefusal::NotApproved => Error::refused(problem!("trip_not_approved")),
            TripRefusal::AlreadyReturned => Error::refused(problem!("trip_already_returned")),
            TripRefusal::CoveredByAnApproval => {
                Error::refused(problem!("trip_covered_by_approval"))
            }
        }
    }
}

/// A trip as asked for or recorded.
#[derive(Debug, Clone)]
pub struct NewTrip {
    pub countries: String,
    pub purpose: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub invited_by: String,
}

/// The instant of a write and its company date.
#[derive(Debug, Clone, Copy)]
pub struct At {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

/// One trip, or NotFound.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Trip> {
    trips::table
        .find(id)
        .select(Trip::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// The person as the rules see them: serving tier and running declassification periods.
pub fn traveller(conn: &mut DbConnection, employee: &Employee) -> Result<Traveller> {
    let serving = matches!(
        employee.status,
        EmployeeStatus::Active | EmployeeStatus::Departing
    );
    let periods = super::obligations::owed_by(conn, &employee.id)?
        .into_iter()
        .filter(|o| o.kind == ObligationKind::Declassification)
        .map(|o| (o.starts_on, o.ends_on, o.tier))
        .collect();
    Ok(Traveller {
        serving_tier: if serving {
            employee.clearance_tier
        } else {
            ClearanceTier::None
        },
        periods,
    })
}

/// The employee record of a signed-in user, or a refusal naming why there is none.
pub fn own_employee(conn: &mut DbConnection, user: &User) -> Result<Employee> {
    let no = user
        .employee_no
        .as_deref()
        .ok_or_else(|| Error::refused(problem!("no_own_employee_record")))?;
    super::employees::find_by_no(conn, no)?
        .ok_or_else(|| Error::refused(problem!("no_own_employee_record")))
}

/// Asks for a trip of `employee` (by `by`, or through their link when none); the policy of
/// the tier it falls under says whether a second approval will be needed.
pub fn request(
    tx: &mut WriteTx,
    at: At,
    by: Option<&User>,
    employee: &Employee,
    trip: &NewTrip,
) -> Result<Trip> {
    let t = traveller(tx, employee)?;
    let tier = travel::may_request(&t, trip.starts_on, trip.ends_on)?;
    let (_, policy) = super::policy::current(tx)?;
    let needs_second = policy.travel.needs_second_approval(tier);
    let id = insert(
        tx,
        at.now,
        employee,
        trip,
        TripStatus::Requested,
        tier,
        needs_second,
        by,
    )?;
    let actor = match by {
        Some(u) => Actor::User(u.id.clone()),
        None => Actor::System,
    };
    audit::record(
        tx,
        at.now,
        NewEvent {
            actor: &actor,
            action: "trip.requested",
            subject_type: "trip",
            subject_id: &id,
            details: json!({
                "employee_id": employee.id, "countries": trip.countries,
                "starts_on": trip.starts_on, "ends_on": trip.ends_on, "tier": tier,
                "through_link": by.is_none(),
            }),
        },
    )?;
    find(tx, &id)
}

#[allow(clippy::too_many_arguments)]
fn insert(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    employee: &Employee,
    trip: &NewTrip,
    status: TripStatus,
    tier: ClearanceTier,
    needs_second: bool,
    by: Option<&User>,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(trips::table)
        .values((
            trips::id.eq(&id),
            trips::employee_id.eq(&employee.id),
            trips::countries.eq(&trip.countries),
            trips::purpose.eq(&trip.purpose),
            trips::starts_on.eq(trip.starts_on),
            trips::ends_on.eq(trip.ends_on),
            trips::invited_by.eq(&trip.invited_by),
            trips::status.eq(status),
            trips::tier.eq(tier),
            trips::needs_second_approval.eq(needs_second),
            trips::requested_by.eq(by.map(|u| u.id.as_str())),
            trips::requested_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// Whose decision `user` gives on `trip`: the one due (a user holding both roles gives the
/// one the trip waits for).
pub fn decider_of(trip: &Trip, user: &User) -> Decider {
    use crate::domain::users::Role;
    if trip.status == TripStatus::AwaitingSecondApproval && user.roles.contains(&Role::Admin) {
        Decider::Leader
    } else if user.roles.contains(&Role::Security) {
        Decider::Security
    } else {
        Decider::Leader
    }
}

/// The status `user`'s decision would leave `trip` in, or why they may not give it (a page
/// asks before it offers the form).
pub fn decision_of(
    trip: &Trip,
    user: &User,
    decision: Decision,
) -> std::result::Result<TripStatus, TripRefusal> {
    let same = trip.decided_by.as_deref() == Some(user.id.as_str());
    travel::decide(
        trip.status,
        decider_of(trip, user),
        decision,
        trip.needs_second_approval,
        same,
    )
}

/// Security's decision, or a unit leader's second approval: which one `user` gives is the
/// step the trip is at (a user holding both roles gives the one due).
pub fn decide(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    id: &str,
    decision: Decision,
    reason: &str,
) -> Result<Trip> {
    super::lock_row(tx, super::Locked::Trip, id)?;
    let trip = find(tx, id)?;
    let decider = decider_of(&trip, user);
    let status = decision_of(&trip, user, decision)?;
    let at_ = stored_instant(at.now);
    match decider {
        Decider::Security => diesel::update(trips::table.find(id))
            .set((
                trips::status.eq(status),
                trips::decided_by.eq(&user.id),
                trips::decided_at.eq(at_),
                trips::decision_reason.eq(reason),
            ))
            .execute(tx.conn())?,
        Decider::Leader => diesel::update(trips::table.find(id))
            .set((
                trips::status.eq(status),
                trips::second_by.eq(&user.id),
                trips::second_at.eq(at_),
                trips::second_reason.eq(reason),
            ))
            .execute(tx.conn())?,
    };
    audit::record(
        tx,
        at.now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: match status {
                TripStatus::Refused => "trip.refused",
                TripStatus::AwaitingSecondApproval => "trip.first_approval",
                _ => "trip.approved",
            },
            subject_type: "trip",
            subject_id: id,
            details: json!({ "employee_id": trip.employee_id, "status": status, "reason": reason }),
        },
    )?;
    if matches!(status, TripStatus::Approved | TripStatus::Refused) {
        // The person is told the decision, once, in their language.
        super::reminders::plan_one(
            tx,
            at.now,
            super::reminders::Recipient::Employee(&trip.employee_id),
            crate::domain::reminders::ReminderKind::TripDecided,
            id,
            at.now,
        )?;
    }
    find(tx, id)
}

/// Records the return of an approved trip (by security; `by` none: through the person's link).
pub fn record_return(
    tx: &mut WriteTx,
    at: At,
    by: Option<&User>,
    id: &str,
    returned_on: NaiveDate,
) -> Result<Trip> {
    super::lock_row(tx, super::Locked::Trip, id)?;
    let trip = find(tx, id)?;
    travel::may_record_return(trip.status, trip.returned_on)?;
    diesel::update(trips::table.find(id))
        .set((
            trips::returned_on.eq(returned_on),
            trips::return_recorded_by.eq(by.map(|u| u.id.as_str())),
        ))
        .execute(tx.conn())?;
    let actor = match by {
        Some(u) => Actor::User(u.id.clone()),
        None => Actor::System,
    };
    audit::record(
        tx,
        at.now,
        NewEvent {
            actor: &actor,
            action: "trip.returned",
            subject_type: "trip",
            subject_id: id,
            details: json!({ "employee_id": trip.employee_id, "returned_on": returned_on }),
        },
    )?;
    find(tx, id)
}

/// Security records a trip taken without approval: it is kept as unapproved and opens a
/// breach case about the person, as a lost carrier does (the one way cases are opened).
pub fn record_unapproved(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    employee_id: &str,
    trip: &NewTrip,
) -> Result<Trip> {
    let employee = super::employees::find(tx, employee_id)?
        .ok_or_else(|| Error::field("employee_id", problem!("no_employee_with_id")))?;
    let approved: Vec<(NaiveDate, NaiveDate)> = trips::table
        .filter(trips::employee_id.eq(employee_id))
        .filter(trips::status.eq(TripStatus::Approved))
        .select((trips::starts_on, trips::ends_on))
        .load(tx.conn())?;
    let travel::UnapprovedTrip::OpensCase =
        travel::taken_without_approval(trip.starts_on, trip.ends_on, &approved)?;
    let t = traveller(tx, &employee)?;
    let tier = t
        .tier_for(trip.starts_on, trip.ends_on)
        .unwrap_or(employee.clearance_tier);
    let id = insert(
        tx,
        at.now,
        &employee,
        trip,
        TripStatus::Unapproved,
        tier,
        false,
        Some(user),
    )?;
    let report = NewReport {
        person: employee.name.clone(),
        what: format!(
            "{} → {} ({} – {})",
            employee.name, trip.countries, trip.starts_on, trip.ends_on
        ),
        discovered_on: Some(at.today),
        carriers: String::new(),
        contact: String::new(),
    };
    let (case_id, _) = super::breaches::open(
        tx,
        at.now,
        super::breaches::Opening {
            source: CaseSource::Travel,
            reporter: None,
            employee_id: Some(&employee.id),
            departure_line_id: None,
            obligation_id: None,
        },
        &report,
    )?;
    diesel::update(trips::table.find(&id))
        .set(trips::breach_case_id.eq(&case_id))
        .execute(tx.conn())?;
    audit::record(
        tx,
        at.now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "trip.taken_without_approval",
            subject_type: "trip",
            subject_id: &id,
            details: json!({
                "employee_id": employee.id, "countries": trip.countries,
                "starts_on": trip.starts_on, "ends_on": trip.ends_on, "case_id": case_id,
            }),
        },
    )?;
    find(tx, &id)
}

/// What a list of trips is filtered by.
#[derive(Debug, Clone, Default)]
pub struct TripFilter {
    pub status: Option<TripStatus>,
    pub employee_id: Option<String>,
    /// Only approved trips whose return is overdue on `today` under the policy's days.
    pub overdue_on: Option<(NaiveDate, u32)>,
}

/// The trips the scope may see, newest first (a manager: their reports').
pub fn list(conn: &mut DbConnection, scope: &Scope, filter: &TripFilter) -> QueryResult<Vec<Trip>> {
    let mut q = trips::table.into_boxed();
    if let Some(condition) = scope.condition("trips.employee_id") {
        q = q.filter(condition);
    }
    if let Some(s) = filter.status {
        q = q.filter(trips::status.eq(s));
    }
    if let Some(e) = &filter.employee_id {
        q = q.filter(trips::employee_id.eq(e.clone()));
    }
    if let Some((today, days)) = filter.overdue_on {
        // The last day still on time: a trip ending on or before it is overdue today.
        let latest_end = today
            .checked_sub_days(chrono::Days::new(u64::from(days) + 1))
            .unwrap_or(NaiveDate::MIN);
        q = q
            .filter(trips::status.eq(TripStatus::Approved))
            .filter(trips::returned_on.is_null())
            .filter(trips::ends_on.le(latest_end));
    }
    let found = q
        .order((trips::requested_at.desc(), trips::id.asc()))
        .limit(500)
        .select(Trip::as_select())
        .load(conn)?;
    // The rule decides; the query only narrows.
    Ok(match filter.overdue_on {
        Some((today, days)) => found
            .into_iter()
            .filter(|t| travel::is_overdue(t.status, t.ends_on, t.returned_on, today, days))
            .collect(),
        None => found,
    })
}

/// How many trips stand at `status` (security's start page counts the requests waiting).
pub fn count_with_status(conn: &mut DbConnection, status: TripStatus) -> QueryResult<i64> {
    trips::table
        .filter(trips::status.eq(status))
        .count()
        .get_result(conn)
}
