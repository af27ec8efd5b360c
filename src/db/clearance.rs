//! Clearance tier changes through their chain, the tier history, and the record of leaving a
//! classified post.

use crate::db::WriteTx;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::employees::{self, Employee, Scope};
use super::listing::{self, Page, Sort, Window};
use super::obligations::{self, Source};
use super::schema::{clearance_changes, employees as employees_table, post_exits};
use super::users::User;
use super::{DbConnection, stored_instant};
use crate::clock::company_date;
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::clearance::{
    ChainRefusal, ChangeStatus, Decider, Decision, Proposal, Step, StepTaken, Verdict,
    leaves_classified_post, may_propose, take_step,
};
use crate::domain::obligations::declassification;
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::problem::{Arg, Problem};
use crate::domain::users::Role;
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = clearance_changes)]
pub struct ClearanceChange {
    pub id: String,
    pub employee_id: String,
    pub from_tier: ClearanceTier,
    pub to_tier: ClearanceTier,
    /// proposed, reviewed, approved or rejected.
    pub status: ChangeStatus,
    pub proposed_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub proposed_at: NaiveDateTime,
    pub proposal_reason: String,
    pub reviewed_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<NaiveDateTime>,
    pub review_reason: Option<String>,
    pub decided_by: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    /// The company date an approved change took effect.
    #[schema(value_type = Option<String>, format = Date)]
    pub effective_on: Option<NaiveDate>,
}

/// The day a person left a classified post, and the tier they held then.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = post_exits)]
pub struct PostExit {
    pub id: String,
    pub employee_id: String,
    #[schema(value_type = String, format = Date)]
    pub left_on: NaiveDate,
    pub tier_held: ClearanceTier,
    pub new_tier: ClearanceTier,
    /// tier_change or departure.
    pub cause: String,
    pub clearance_change_id: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

/// One change, or NotFound.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<ClearanceChange> {
    clearance_changes::table
        .find(id)
        .select(ClearanceChange::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// Why a change is not at the step taken, said per state (they read differently in Chinese).
fn wrong_step(is: ChangeStatus, expected: ChangeStatus) -> Problem {
    use ChangeStatus::{Approved, Proposed, Rejected, Reviewed};
    match (is, expected) {
        (Reviewed, Proposed) => problem!("change_reviewed_not_proposed"),
        (Approved, Proposed) => problem!("change_approved_not_proposed"),
        (Rejected, Proposed) => problem!("change_rejected_not_proposed"),
        (Proposed, Reviewed) => problem!("change_proposed_not_reviewed"),
        (Approved, Reviewed) => problem!("change_approved_not_reviewed"),
        (Rejected, Reviewed) => problem!("change_rejected_not_reviewed"),
        // No step expects a decided change, and a change at its step is not refused.
        _ => problem!(
            "change_not_at_step",
            status = Arg::label("sec.change_status", is.as_str())
        ),
    }
}

impl From<ChainRefusal> for Error {
    fn from(refusal: ChainRefusal) -> Error {
        match refusal {
            ChainRefusal::OwnRecord
            | ChainRefusal::OwnProposal
            | ChainRefusal::OwnReview
            | ChainRefusal::OutsideTheLine
            | ChainRefusal::NotTheirStep(_) => Error::Forbidden,
            ChainRefusal::NotEmployed(status) => Error::refused(match status {
                EmployeeStatus::Retired => problem!("tier_change_retired"),
                _ => problem!("tier_change_departed"),
            }),
            ChainRefusal::AlreadyTheTier => Error::field("to_tier", problem!("already_the_tier")),
            ChainRefusal::ChangeWaiting => Error::refused(problem!("tier_change_waiting")),
            ChainRefusal::WrongStep { is, expected } => Error::refused(wrong_step(is, expected)),
        }
    }
}

/// Whether the user is the person the record is about.
fn own_record(user: &User, employee: &Employee) -> bool {
    user.employee_no.as_deref() == Some(employee.employee_no.as_str())
}

/// Who the user is in the chain of this change (about the employee numbered
/// `employee_no`): their roles, whether they are a manager above the person, and which
/// steps of it they took.
pub fn decider(
    conn: &mut DbConnection,
    user: &User,
    change: &ClearanceChange,
    employee_no: Option<&str>,
) -> QueryResult<Decider> {
    Ok(Decider {
        hr: user.roles.contains(&Role::Hr),
        security: user.roles.contains(&Role::Security),
        manager: user.roles.contains(&Role::Manager),
        manager_above: employees::above_in_line(conn, user, &change.employee_id)?,
        proposed: change.proposed_by == user.id,
        reviewed: change.reviewed_by.as_deref() == Some(user.id.as_str()),
        own_record: employee_no.is_some() && user.employee_no.as_deref() == employee_no,
    })
}

/// Proposes a new tier for an employee the user may see.
pub fn propose(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    user: &User,
    employee_id: &str,
    to_tier: ClearanceTier,
    reason: &str,
) -> Result<ClearanceChange> {
    let scope = Scope::of(tx, user)?;
    let employee = employees::get(tx, &scope, employee_id)?;
    let open: i64 = clearance_changes::table
        .filter(clearance_changes::employee_id.eq(employee_id))
        .filter(clearance_changes::status.eq_any([ChangeStatus::Proposed, ChangeStatus::Reviewed]))
        .count()
        .get_result(tx.conn())?;
    may_propose(&Proposal {
        employee_status: employee.status,
        current: employee.clearance_tier,
        proposed: to_tier,
        own_record: own_record(user, &employee),
        change_waiting: open > 0,
    })?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(clearance_changes::table)
        .values((
            clearance_changes::id.eq(&id),
            clearance_changes::employee_id.eq(employee_id),
            clearance_changes::from_tier.eq(employee.clearance_tier.as_str()),
            clearance_changes::to_tier.eq(to_tier.as_str()),
            clearance_changes::status.eq(ChangeStatus::Proposed),
            clearance_changes::proposed_by.eq(&user.id),
            clearance_changes::proposed_at.eq(stored_instant(now)),
            clearance_changes::proposal_reason.eq(reason),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "clearance.proposed",
            subject_type: "clearance_change",
            subject_id: &id,
            details: json!({
                "employee_id": employee_id,
                "from_tier": employee.clearance_tier,
                "to_tier": to_tier,
                "reason": reason,
            }),
        },
    )?;
    find(tx, &id)
}

/// Takes the review or approval decision on a change. An approval changes the employee's tier
/// from the company date of `now`, and a lowered or removed tier records the exit from the
/// classified post.
pub fn decide(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    tz: Tz,
    user: &User,
    id: &str,
    step: Step,
    verdict: Verdict<'_>,
) -> Result<ClearanceChange> {
    let Verdict { decision, reason } = verdict;
    super::lock_row(tx, super::Locked::ClearanceChange, id)?;
    let change = find(tx, id)?;
    let employee = employees::find(tx, &change.employee_id)?.ok_or(Error::NotFound)?;
    let outcome = take_step(&StepTaken {
        step,
        decision,
        status: change.status,
        decider: decider(tx, user, &change, Some(&employee.employee_no))?,
    })?;
    let at = stored_instant(now);
    let effective_on = company_date(now, tz);
    match step {
        Step::Review => diesel::update(clearance_changes::table.find(id))
            .set((
                clearance_changes::status.eq(outcome.as_str()),
                clearance_changes::reviewed_by.eq(&user.id),
                clearance_changes::reviewed_at.eq(at),
                clearance_changes::review_reason.eq(reason),
            ))
            .execute(tx.conn())?,
        Step::Approval => diesel::update(clearance_changes::table.find(id))
            .set((
                clearance_changes::status.eq(outcome.as_str()),
                clearance_changes::decided_by.eq(&user.id),
                clearance_changes::decided_at.eq(at),
                clearance_changes::decision_reason.eq(reason),
                clearance_changes::effective_on
                    .eq((outcome == ChangeStatus::Approved).then_some(effective_on)),
            ))
            .execute(tx.conn())?,
    };
    let actor = Actor::User(user.id.clone());
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &actor,
            action: match (step, decision) {
                (Step::Review, Decision::Approve) => "clearance.reviewed",
                (Step::Approval, Decision::Approve) => "clearance.approved",
                (_, Decision::Reject) => "clearance.rejected",
            },
            subject_type: "clearance_change",
            subject_id: id,
            details: json!({ "employee_id": change.employee_id, "reason": reason }),
        },
    )?;
    if outcome == ChangeStatus::Approved {
        apply(tx, now, &actor, &change, effective_on)?;
    }
    find(tx, id)
}

/// Puts an approved change into effect.
fn apply(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    change: &ClearanceChange,
    effective_on: NaiveDate,
) -> Result<()> {
    let from: ClearanceTier = change.from_tier;
    let to: ClearanceTier = change.to_tier;
    diesel::update(employees_table::table.find(&change.employee_id))
        .set((
            employees_table::clearance_tier.eq(to.as_str()),
            employees_table::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action: "employee.tier_changed",
            subject_type: "employee",
            subject_id: &change.employee_id,
            details: json!({
                "from_tier": from, "to_tier": to, "effective_on": effective_on,
                "clearance_change_id": change.id,
            }),
        },
    )?;
    // Put back into a classified post: a running 脱密期 ends as superseded (002 第十二条).
    if to.is_classified() && !from.is_classified() {
        obligations::supersede_on_return_to_post(tx, now, actor, &change.employee_id, to)?;
    }
    if leaves_classified_post(from, to) {
        let exit_id = record_post_exit(
            tx,
            now,
            actor,
            &change.employee_id,
            effective_on,
            from,
            to,
            "tier_change",
            Some(&change.id),
        )?;
        // The declassification period of the tier held, while the person stays (002 第十一条).
        let (_, policy) = super::policy::current(tx)?;
        let owed: Vec<_> = declassification(&policy, from, effective_on)
            .into_iter()
            .collect();
        let source = Source {
            departure_id: None,
            post_exit_id: Some(&exit_id),
        };
        obligations::create_all(tx, now, actor, &change.employee_id, &owed, source)?;
    }
    Ok(())
}

/// Records that a person left a classified post on `left_on`, holding `tier_held`.
#[allow(clippy::too_many_arguments)]
pub fn record_post_exit(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    employee_id: &str,
    left_on: NaiveDate,
    tier_held: ClearanceTier,
    new_tier: ClearanceTier,
    cause: &str,
    clearance_change_id: Option<&str>,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(post_exits::table)
        .values((
            post_exits::id.eq(&id),
            post_exits::employee_id.eq(employee_id),
            post_exits::left_on.eq(left_on),
            post_exits::tier_held.eq(tier_held.as_str()),
            post_exits::new_tier.eq(new_tier.as_str()),
            post_exits::cause.eq(cause),
            post_exits::clearance_change_id.eq(clearance_change_id),
            post_exits::created_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action: "employee.left_classified_post",
            subject_type: "employee",
            subject_id: employee_id,
            details: json!({ "left_on": left_on, "tier_held": tier_held, "cause": cause }),
        },
    )?;
    Ok(id)
}

/// An employee's tier history: every change (oldest first) and every exit from a classified post.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TierHistory {
    pub changes: Vec<ClearanceChange>,
    pub post_exits: Vec<PostExit>,
}

pub fn history(conn: &mut DbConnection, employee_id: &str) -> QueryResult<TierHistory> {
    Ok(TierHistory {
        changes: clearance_changes::table
            .filter(clearance_changes::employee_id.eq(employee_id))
            .order(clearance_changes::proposed_at.asc())
            .select(ClearanceChange::as_select())
            .load(conn)?,
        post_exits: post_exits::table
            .filter(post_exits::employee_id.eq(employee_id))
            .order(post_exits::left_on.asc())
            .select(PostExit::as_select())
            .load(conn)?,
    })
}

crate::string_enum! {
    /// The columns a list of tier changes can be sorted by.
    pub enum ChangeSortKey ("a sort order") {
        Proposed = "proposed",
        Effective = "effective",
    }
}

/// The order of a list of tier changes (`-` for descending).
pub type ChangeSort = Sort<ChangeSortKey>;

/// Which tier changes a list shows; every part optional.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub status: Option<ChangeStatus>,
    pub employee_id: Option<String>,
    /// Only the changes this user proposed.
    pub proposed_by: Option<String>,
    /// Only the changes this user proposed or that are about someone in their scope (what a
    /// manager sees of the chain: their proposals, and the changes of their line to review).
    pub followed_by: Option<(String, Scope)>,
    /// Oldest proposal first when not given (a work queue).
    pub sort: Option<ChangeSort>,
}

/// The changes the filter lets through (`status=proposed` is HR's queue, `reviewed`
/// security's), oldest first unless sorted otherwise.
pub fn list(
    conn: &mut DbConnection,
    filter: &ChangeFilter,
    window: Window,
) -> QueryResult<Page<ClearanceChange>> {
    let query = || {
        let mut q = clearance_changes::table.into_boxed();
        if let Some(s) = filter.status {
            q = q.filter(clearance_changes::status.eq(s.as_str()));
        }
        if let Some(e) = &filter.employee_id {
            q = q.filter(clearance_changes::employee_id.eq(e.clone()));
        }
        if let Some(u) = &filter.proposed_by {
            q = q.filter(clearance_changes::proposed_by.eq(u.clone()));
        }
        if let Some((user_id, scope)) = &filter.followed_by {
            let own = clearance_changes::proposed_by.eq(user_id.clone());
            q = match scope.condition("clearance_changes.employee_id") {
                Some(team) => q.filter(own.or(team)),
                None => q,
            };
        }
        q
    };
    let sort = filter.sort.unwrap_or(Sort::asc(ChangeSortKey::Proposed));
    let d = sort.descending;
    listing::page(conn, window, query, |conn, q| {
        let sorted = match sort.key {
            ChangeSortKey::Proposed => listing::order_by!(q, d, clearance_changes::proposed_at),
            ChangeSortKey::Effective => listing::order_by!(q, d, clearance_changes::effective_on),
        };
        sorted
            .then_order_by(clearance_changes::id.asc())
            .select(ClearanceChange::as_select())
            .load(conn)
    })
}
