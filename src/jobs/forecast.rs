//! What the schedules will send in the coming days, computed without sending or planning.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::db::reminders::RELEASE_CATCH_UP_DAYS;
use crate::db::{self, DbConnection};
use crate::domain::obligations::ObligationKind;
use crate::domain::policy::Policy;
use crate::domain::reminders::{ReminderKind, parse_schedule, release_day, slots_between};
use crate::domain::users::Role;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub struct ForecastEntry {
    /// When it goes out (RFC 3339, UTC).
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// periodic, ending, released or digest.
    pub kind: ReminderKind,
    /// The former employee it is for (none for a digest).
    pub employee_id: Option<String>,
    /// Who it is for.
    pub recipient: String,
    /// Where it goes; none when no address is recorded (it would fail).
    pub to: Option<String>,
}

struct Active {
    employee_id: String,
    kind: ObligationKind,
    ends_on: Option<NaiveDate>,
}

/// Every email the schedules of `policy` will send from `now` to `now + days`.
pub fn forecast(
    conn: &mut DbConnection,
    policy: &Policy,
    tz: Tz,
    now: DateTime<Utc>,
    days: u32,
) -> anyhow::Result<Vec<ForecastEntry>> {
    let until = now + chrono::Duration::days(i64::from(days));
    let mut people: HashMap<String, (String, Option<String>)> = HashMap::new();
    let owed = db::forecast::owed(conn)?;
    let mut active = Vec::with_capacity(owed.len());
    for o in owed {
        let employed = o.status.is_employed();
        people.entry(o.employee_id.clone()).or_insert_with(|| {
            (
                o.name,
                o.private_email.or(o.work_email.filter(|_| employed)),
            )
        });
        active.push(Active {
            employee_id: o.employee_id,
            kind: o.kind,
            ends_on: o.ends_on,
        });
    }
    // Notices already planned (or sent) are not forecast again.
    let today = now.with_timezone(&tz).date_naive();
    let first = today
        .checked_sub_days(Days::new(RELEASE_CATCH_UP_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let planned: HashSet<String> = db::forecast::planned_notices(conn, first)?
        .into_iter()
        .collect();
    let already = |kind: ReminderKind, a: &Active, end: NaiveDate| {
        planned.contains(&format!("employee:{}:{kind}:{end}", a.employee_id))
    };
    // One email per person per instant and occasion, whatever the number of obligations.
    let mut out: BTreeMap<(DateTime<Utc>, ReminderKind, String), ()> = BTreeMap::new();
    let r = &policy.reminders;
    for (expr, kinds) in r.cadence_groups() {
        let schedule =
            parse_schedule(&expr).map_err(|p| anyhow::Error::msg(crate::catalog::english(&p)))?;
        for slot in slots_between(&schedule, tz, now, until) {
            let day = slot.with_timezone(&tz).date_naive();
            for a in active
                .iter()
                .filter(|a| kinds.contains(&a.kind) && a.ends_on.is_none_or(|e| e >= day))
            {
                out.insert((slot, ReminderKind::Periodic, a.employee_id.clone()), ());
            }
        }
    }
    let daily =
        parse_schedule(&r.daily).map_err(|p| anyhow::Error::msg(crate::catalog::english(&p)))?;
    let daily_slots = slots_between(&daily, tz, now, until);
    for a in &active {
        let Some(end) = a.ends_on else { continue };
        let notice_from = end
            .checked_sub_days(Days::new(u64::from(r.notice_days_before_end)))
            .unwrap_or(NaiveDate::MIN);
        let local = |s: &DateTime<Utc>| s.with_timezone(&tz).date_naive();
        if let Some(slot) = daily_slots
            .iter()
            .find(|s| local(s) >= notice_from && local(s) < end)
            .filter(|_| !already(ReminderKind::Ending, a, end))
        {
            out.insert((*slot, ReminderKind::Ending, a.employee_id.clone()), ());
        }
        if let Some(slot) = daily_slots
            .iter()
            .find(|s| local(s) == release_day(end))
            .filter(|_| !already(ReminderKind::Released, a, end))
        {
            out.insert((*slot, ReminderKind::Released, a.employee_id.clone()), ());
        }
    }
    let mut entries: Vec<ForecastEntry> = out
        .into_keys()
        .map(|(at, kind, employee_id)| {
            let (name, to) = people.get(&employee_id).cloned().unwrap_or_default();
            ForecastEntry {
                at,
                kind,
                employee_id: Some(employee_id),
                recipient: name,
                to,
            }
        })
        .collect();
    let digest =
        parse_schedule(&r.digest).map_err(|p| anyhow::Error::msg(crate::catalog::english(&p)))?;
    let hr = db::users::active_with_roles(conn, &[Role::Hr])?;
    for slot in slots_between(&digest, tz, now, until) {
        for user in &hr {
            entries.push(ForecastEntry {
                at: slot,
                kind: ReminderKind::Digest,
                employee_id: None,
                recipient: user.name.clone(),
                to: Some(user.email.clone()),
            });
        }
    }
    entries.sort();
    Ok(entries)
}
