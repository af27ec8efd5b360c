//! The entry-exit filing list (出入境备案, DOMAIN "Managing the period"): every person the unit
//! must have on file with the entry-exit administration — serving classified staff and everyone
//! in a 脱密期 — with the day each is to be taken off (the period's end, extensions included),
//! and what changed since the last filing, so the unit sends only additions and removals.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::obligations::{ObligationKind, ObligationStatus};
use super::people::ClearanceTier;
use crate::domain::problem::Problem;
use crate::problem;

crate::string_enum! {
    /// Why a person is on the list.
    pub enum FilingBasis ("a basis") {
        /// Holds a classified post now.
        Serving = "serving",
        /// In a declassification period (脱密期).
        Period = "period",
    }
}

crate::string_enum! {
    /// What the next filing tells the administration about a person.
    pub enum FilingChange ("a change") {
        /// Not on the last filing: to be added.
        Addition = "addition",
        /// On the last filing, no longer on the list: to be removed.
        Removal = "removal",
        /// On both, with another removal date (an extension, a departure from a serving post).
        NewRemovalDate = "new_removal_date",
    }
}

/// A person holding a classified post, and since when they hold its tier.
#[derive(Debug, Clone)]
pub struct Serving {
    pub employee_id: String,
    pub tier: ClearanceTier,
    pub since: NaiveDate,
}

/// One of a person's obligations as stored (only running declassification periods count).
#[derive(Debug, Clone)]
pub struct PeriodHeld {
    pub employee_id: String,
    pub kind: ObligationKind,
    pub status: ObligationStatus,
    pub tier: Option<ClearanceTier>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// A person who must be on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnFile {
    pub employee_id: String,
    pub basis: FilingBasis,
    /// The tier held, or whose period runs (the highest when several do).
    pub tier: ClearanceTier,
    /// The day the person came under the duty to be on file (the tier held since, or the
    /// period's first day).
    pub since: NaiveDate,
    /// The day the person is to be taken off: the end of the last running period; none while
    /// they serve.
    pub remove_on: Option<NaiveDate>,
}

/// Who must be on file on `today`: everyone serving in a classified post, and everyone with a
/// declassification period still owed whose last day has not passed. A person in both (a
/// lowered tier) is on file as serving, with no removal date; a person with several periods
/// is taken off after the last of them ends. Ordered by person.
pub fn on_file(
    serving: impl IntoIterator<Item = Serving>,
    periods: impl IntoIterator<Item = PeriodHeld>,
    today: NaiveDate,
) -> Vec<OnFile> {
    let mut out: BTreeMap<String, OnFile> = BTreeMap::new();
    for p in periods {
        let Some(end) = p.ends_on else { continue };
        let running = p.kind == ObligationKind::Declassification
            && ObligationStatus::OWED.contains(&p.status)
            && end >= today;
        if !running {
            continue;
        }
        let tier = p.tier.unwrap_or(ClearanceTier::General);
        out.entry(p.employee_id.clone())
            .and_modify(|f| {
                f.since = f.since.min(p.starts_on);
                f.remove_on = f.remove_on.max(Some(end));
                f.tier = f.tier.max(tier);
            })
            .or_insert(OnFile {
                employee_id: p.employee_id,
                basis: FilingBasis::Period,
                tier,
                since: p.starts_on,
                remove_on: Some(end),
            });
    }
    for s in serving.into_iter().filter(|s| s.tier.is_classified()) {
        out.insert(
            s.employee_id.clone(),
            OnFile {
                employee_id: s.employee_id,
                basis: FilingBasis::Serving,
                tier: s.tier,
                since: s.since,
                remove_on: None,
            },
        );
    }
    out.into_values().collect()
}

/// One line of the changes since the last filing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub employee_id: String,
    pub change: FilingChange,
    /// The removal date filed last time (none for an addition, or while serving).
    pub filed_remove_on: Option<NaiveDate>,
    /// The removal date now (none for a removal, or while serving).
    pub remove_on: Option<NaiveDate>,
}

/// What the next filing must send: who is on the list and was not on the last filing
/// (`filed`: person and the removal date filed), who was and no longer is, and who is on both
/// with another removal date. Without a last filing everyone is an addition.
pub fn changes_since(filed: &BTreeMap<String, Option<NaiveDate>>, now: &[OnFile]) -> Vec<Changed> {
    let mut out = Vec::new();
    for f in now {
        match filed.get(&f.employee_id) {
            None => out.push(Changed {
                employee_id: f.employee_id.clone(),
                change: FilingChange::Addition,
                filed_remove_on: None,
                remove_on: f.remove_on,
            }),
            Some(was) if *was != f.remove_on => out.push(Changed {
                employee_id: f.employee_id.clone(),
                change: FilingChange::NewRemovalDate,
                filed_remove_on: *was,
                remove_on: f.remove_on,
            }),
            Some(_) => {}
        }
    }
    for (id, was) in filed {
        if !now.iter().any(|f| &f.employee_id == id) {
            out.push(Changed {
                employee_id: id.clone(),
                change: FilingChange::Removal,
                filed_remove_on: *was,
                remove_on: None,
            });
        }
    }
    out
}

/// A filing's reference as the administration gave it (a receipt number): required, short.
pub fn check_reference(text: &str) -> Result<String, Problem> {
    let text = text.trim();
    if text.is_empty() {
        Err(problem!("reference_required"))
    } else if text.chars().count() > 100 {
        Err(problem!("too_long", max = 100))
    } else {
        Ok(text.to_string())
    }
}

/// A filing is recorded once sent: its date is not after today.
pub fn check_filed_on(filed_on: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Problem> {
    if filed_on > today {
        Err(problem!("not_in_the_future"))
    } else {
        Ok(filed_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn period(id: &str, tier: ClearanceTier, starts: NaiveDate, ends: NaiveDate) -> PeriodHeld {
        PeriodHeld {
            employee_id: id.into(),
            kind: ObligationKind::Declassification,
            status: ObligationStatus::Active,
            tier: Some(tier),
            starts_on: starts,
            ends_on: Some(ends),
        }
    }

    #[test]
    fn the_filing_lists_removal_date_moves_with_an_extension() {
        let today = d(2028, 2, 29);
        let mut p = period("e1", ClearanceTier::Core, d(2028, 2, 29), d(2031, 2, 28));
        let before = on_file([], [p.clone()], today);
        assert_eq!(before[0].remove_on, Some(d(2031, 2, 28)));
        // An approved extension moves the period's stored end; the list follows it.
        p.ends_on = Some(d(2032, 2, 29));
        let after = on_file([], [p], today);
        assert_eq!(after[0].remove_on, Some(d(2032, 2, 29)));
        let filed = BTreeMap::from([("e1".to_string(), Some(d(2031, 2, 28)))]);
        assert_eq!(
            changes_since(&filed, &after),
            vec![Changed {
                employee_id: "e1".into(),
                change: FilingChange::NewRemovalDate,
                filed_remove_on: Some(d(2031, 2, 28)),
                remove_on: Some(d(2032, 2, 29)),
            }]
        );
    }

    #[test]
    fn a_person_is_taken_off_the_day_after_their_last_period_ends() {
        let periods = [
            period("e1", ClearanceTier::General, d(2027, 1, 1), d(2028, 1, 31)),
            period("e1", ClearanceTier::Core, d(2026, 6, 1), d(2029, 5, 31)),
        ];
        let on = on_file([], periods.clone(), d(2029, 5, 31));
        assert_eq!(on[0].remove_on, Some(d(2029, 5, 31)));
        assert_eq!(on[0].tier, ClearanceTier::Core);
        assert_eq!(on[0].since, d(2026, 6, 1));
        assert!(on_file([], periods, d(2029, 6, 1)).is_empty());
    }

    #[test]
    fn serving_staff_are_on_file_without_a_removal_date() {
        let serving = Serving {
            employee_id: "e1".into(),
            tier: ClearanceTier::Important,
            since: d(2025, 3, 1),
        };
        let lowered = period("e1", ClearanceTier::Core, d(2026, 1, 1), d(2029, 1, 1));
        let none = Serving {
            employee_id: "e2".into(),
            tier: ClearanceTier::None,
            since: d(2025, 3, 1),
        };
        let on = on_file([serving, none], [lowered], d(2026, 5, 1));
        assert_eq!(on.len(), 1);
        assert_eq!(on[0].basis, FilingBasis::Serving);
        assert_eq!(on[0].remove_on, None);
    }

    #[test]
    fn an_ended_or_waived_period_puts_nobody_on_file() {
        let mut ended = period("e1", ClearanceTier::Core, d(2026, 1, 1), d(2029, 1, 1));
        ended.status = ObligationStatus::Superseded;
        let mut other = period("e2", ClearanceTier::Core, d(2026, 1, 1), d(2029, 1, 1));
        other.kind = ObligationKind::Confidentiality;
        assert!(on_file([], [ended, other], d(2027, 1, 1)).is_empty());
    }

    #[test]
    fn the_changes_since_the_last_filing_are_additions_and_removals() {
        let now = on_file(
            [],
            [period(
                "new",
                ClearanceTier::Core,
                d(2026, 1, 1),
                d(2029, 1, 1),
            )],
            d(2027, 1, 1),
        );
        let filed = BTreeMap::from([("gone".to_string(), Some(d(2026, 12, 31)))]);
        let changes = changes_since(&filed, &now);
        let kinds: Vec<_> = changes
            .iter()
            .map(|c| (c.employee_id.as_str(), c.change))
            .collect();
        assert_eq!(
            kinds,
            [
                ("new", FilingChange::Addition),
                ("gone", FilingChange::Removal)
            ]
        );
        assert!(changes_since(&BTreeMap::new(), &[]).is_empty());
    }

    #[test]
    fn a_filing_needs_a_reference_and_a_day_not_in_the_future() {
        assert!(check_reference("  ").is_err());
        assert!(check_reference(&"x".repeat(101)).is_err());
        assert_eq!(check_reference(" 备2026-01 ").unwrap(), "备2026-01");
        assert!(check_filed_on(d(2026, 3, 2), d(2026, 3, 1)).is_err());
        assert!(check_filed_on(d(2026, 3, 1), d(2026, 3, 1)).is_ok());
    }
}
