//! Where a former employee works now (离职去向, DOMAIN "Managing the period"): the new
//! employer and post with their dates, its kind, and which running obligation, if any, the
//! running restrictions say it breaches — a competitor during a non-compete, a foreign body
//! or foreign-invested firm during a declassification period whose tier the policy forbids it
//! (Law on Guarding State Secrets art. 46; Labor Contract Law art. 23, 24).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::obligations::{ObligationKind, ObligationStatus};
use super::people::{ClearanceTier, parse_date};
use crate::problem;

crate::string_enum! {
    /// What kind of employer a new one is.
    pub enum EmployerKind ("an employer kind") {
        /// On the competitor list HR keeps (or marked so by HR).
        Competitor = "competitor",
        /// A foreign body in China, a foreign organisation or a foreign-invested firm.
        Foreign = "foreign",
        Other = "other",
    }
}

/// The policy's part: during a declassification period of which tiers a foreign employer is
/// forbidden (policies saved before it existed get the default: core and important).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WhereaboutsPolicy {
    pub foreign_forbidden_tiers: Vec<ClearanceTier>,
}

impl Default for WhereaboutsPolicy {
    fn default() -> WhereaboutsPolicy {
        WhereaboutsPolicy {
            foreign_forbidden_tiers: vec![ClearanceTier::Core, ClearanceTier::Important],
        }
    }
}

impl WhereaboutsPolicy {
    /// Whether a foreign employer is forbidden during a period of `tier`.
    pub fn foreign_forbidden(&self, tier: ClearanceTier) -> bool {
        self.foreign_forbidden_tiers.contains(&tier)
    }

    pub fn check(&self, errors: &mut FieldErrors) {
        if self.foreign_forbidden_tiers.contains(&ClearanceTier::None) {
            errors.add(
                "whereabouts.foreign_forbidden_tiers",
                problem!("no_period_without_a_tier"),
            );
        }
    }
}

/// A new employer as recorded: who, which post, from when (until when, if it ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWhereabouts {
    pub employer: String,
    pub post: String,
    /// The employer's unified social credit code (统一社会信用代码), if known.
    pub credit_code: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// The kind HR (or the person) gave by hand; none: from the competitor list.
    pub kind: Option<EmployerKind>,
}

/// A text of at most `max` characters, trimmed; required unless `optional`.
fn text(errors: &mut FieldErrors, field: &str, value: &str, max: usize, optional: bool) -> String {
    let value = value.trim();
    if value.is_empty() && !optional {
        errors.add(field, problem!("required"));
    } else if value.chars().count() > max {
        errors.add(field, problem!("too_long", max = max));
    }
    value.to_string()
}

/// A unified social credit code: 18 characters of digits and capitals other than I, O, S,
/// V and Z; empty is none.
pub fn parse_credit_code(text: &str) -> Result<Option<String>, crate::domain::problem::Problem> {
    let code: String = text.trim().to_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    let allowed = |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"IOSVZ".contains(c));
    if code.chars().count() != 18 || !code.chars().all(allowed) {
        return Err(problem!("not_a_credit_code"));
    }
    Ok(Some(code))
}

impl NewWhereabouts {
    /// The fields as typed, checked each on its own.
    pub fn parse(
        employer: &str,
        post: &str,
        credit_code: &str,
        starts_on: &str,
        ends_on: &str,
        kind: &str,
    ) -> Result<NewWhereabouts, FieldErrors> {
        let mut errors = FieldErrors::new();
        let employer = text(&mut errors, "employer", employer, 200, false);
        let post = text(&mut errors, "post", post, 200, true);
        let credit_code = errors.check("credit_code", parse_credit_code(credit_code));
        let starts = errors.check("starts_on", parse_date(starts_on));
        let ends = match ends_on.trim() {
            "" => Some(None),
            t => errors.check("ends_on", parse_date(t)).map(Some),
        };
        let kind = match kind.trim() {
            "" => Some(None),
            k => errors
                .check(
                    "kind",
                    k.parse::<EmployerKind>().map_err(|_| problem!("not_valid")),
                )
                .map(Some),
        };
        if let (Some(s), Some(Some(e))) = (starts, ends)
            && e < s
        {
            errors.add("ends_on", problem!("employment_ends_before_it_starts"));
        }
        errors.finish()?;
        let (Some(starts_on), Some(ends_on), Some(credit_code), Some(kind)) =
            (starts, ends, credit_code, kind)
        else {
            unreachable!("every field was checked");
        };
        Ok(NewWhereabouts {
            employer,
            post,
            credit_code,
            starts_on,
            ends_on,
            kind,
        })
    }
}

/// A name as compared with the competitor list: full-width forms as their ASCII, letters in
/// lower case, without spaces and the punctuation names are written with in either language
/// (so "华为技术有限公司", "华为技术（有限）公司" and "华为 技术有限公司" are one name).
pub fn normalized_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| !c.is_whitespace() && !"()[]{}.,-_·・/\\'\"&、。，".contains(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A competitor as the list holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCompetitor {
    pub name: String,
    pub credit_code: Option<String>,
}

/// Whether an employer is a listed competitor: by its normalized name, or by its code.
pub fn is_listed(employer: &str, code: Option<&str>, list: &[ListedCompetitor]) -> bool {
    let key = normalized_name(employer);
    list.iter().any(|c| {
        normalized_name(&c.name) == key || (code.is_some() && c.credit_code.as_deref() == code)
    })
}

/// The kind of a new employer: the one given by hand, else competitor when it is listed,
/// else other.
pub fn kind_of(record: &NewWhereabouts, list: &[ListedCompetitor]) -> EmployerKind {
    record.kind.unwrap_or_else(|| {
        if is_listed(&record.employer, record.credit_code.as_deref(), list) {
            EmployerKind::Competitor
        } else {
            EmployerKind::Other
        }
    })
}

/// A duty of the person as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningDuty {
    pub id: String,
    pub kind: ObligationKind,
    pub status: ObligationStatus,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub tier: Option<ClearanceTier>,
}

/// The obligation a new employer breaches, if any: a competitor taken on (on any day from its
/// first to its last, or open-ended) during a non-compete; a foreign employer during a
/// declassification period of a tier the policy forbids it for. A waived, rescinded or
/// superseded duty restrains nothing; an ended one only on its days. Of several, the one
/// whose days the job reaches first.
pub fn breached_duty<'a>(
    kind: EmployerKind,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    duties: &'a [RunningDuty],
    policy: &WhereaboutsPolicy,
) -> Option<&'a RunningDuty> {
    let forbids = |d: &RunningDuty| match (kind, d.kind) {
        (EmployerKind::Competitor, ObligationKind::NonCompete) => true,
        (EmployerKind::Foreign, ObligationKind::Declassification) => {
            d.tier.is_some_and(|t| policy.foreign_forbidden(t))
        }
        _ => false,
    };
    let restrains = |d: &RunningDuty| {
        matches!(
            d.status,
            ObligationStatus::Active | ObligationStatus::Breached | ObligationStatus::Ended
        )
    };
    // The job's days and the duty's overlap (a duty's last day counts until 24:00).
    let overlaps = |d: &RunningDuty| {
        d.ends_on.is_none_or(|end| starts_on <= end) && ends_on.is_none_or(|e| e >= d.starts_on)
    };
    duties
        .iter()
        .filter(|d| forbids(d) && restrains(d) && overlaps(d))
        .min_by_key(|d| (d.starts_on.max(starts_on), d.id.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn duty(id: &str, kind: ObligationKind, tier: Option<ClearanceTier>) -> RunningDuty {
        RunningDuty {
            id: id.into(),
            kind,
            status: ObligationStatus::Active,
            // From 29 February 2028 to the end of 28 February 2029.
            starts_on: day(2028, 2, 29),
            ends_on: Some(day(2029, 2, 28)),
            tier,
        }
    }

    fn non_compete() -> RunningDuty {
        duty("nc", ObligationKind::NonCompete, None)
    }

    #[test]
    fn a_competitor_during_a_non_compete_breaches_it_up_to_its_last_day() {
        let duties = [non_compete()];
        let p = WhereaboutsPolicy::default();
        let at = |on| breached_duty(EmployerKind::Competitor, on, None, &duties, &p);
        assert_eq!(at(day(2028, 2, 29)).map(|d| d.id.as_str()), Some("nc"));
        assert_eq!(at(day(2029, 2, 28)).map(|d| d.id.as_str()), Some("nc"));
        // The day after the non-compete ends, the person is free to join a competitor.
        assert_eq!(at(day(2029, 3, 1)), None);
        // A job that started before and still runs when the non-compete begins breaches it.
        assert!(at(day(2027, 6, 1)).is_some());
        // One that ended the day before the non-compete began does not.
        let ended = breached_duty(
            EmployerKind::Competitor,
            day(2027, 6, 1),
            Some(day(2028, 2, 28)),
            &duties,
            &p,
        );
        assert_eq!(ended, None);
    }

    #[test]
    fn a_waived_or_rescinded_non_compete_forbids_no_competitor() {
        let p = WhereaboutsPolicy::default();
        for status in [
            ObligationStatus::Waived,
            ObligationStatus::Rescinded,
            ObligationStatus::Superseded,
        ] {
            let duties = [RunningDuty {
                status,
                ..non_compete()
            }];
            let found = breached_duty(EmployerKind::Competitor, day(2028, 5, 1), None, &duties, &p);
            assert_eq!(found, None, "{status}");
        }
    }

    #[test]
    fn a_foreign_employer_is_forbidden_during_a_period_of_a_tier_the_policy_names() {
        let p = WhereaboutsPolicy::default();
        assert!(p.foreign_forbidden(ClearanceTier::Core));
        assert!(p.foreign_forbidden(ClearanceTier::Important));
        assert!(!p.foreign_forbidden(ClearanceTier::General));
        let on = day(2028, 6, 1);
        for (tier, forbidden) in [
            (ClearanceTier::Core, true),
            (ClearanceTier::Important, true),
            (ClearanceTier::General, false),
        ] {
            let duties = [duty("period", ObligationKind::Declassification, Some(tier))];
            let found = breached_duty(EmployerKind::Foreign, on, None, &duties, &p);
            assert_eq!(found.is_some(), forbidden, "{tier}");
        }
        // The policy may forbid it for the general tier too.
        let strict = WhereaboutsPolicy {
            foreign_forbidden_tiers: ClearanceTier::ALL[1..].to_vec(),
        };
        let general = [duty(
            "period",
            ObligationKind::Declassification,
            Some(ClearanceTier::General),
        )];
        assert!(breached_duty(EmployerKind::Foreign, on, None, &general, &strict).is_some());
        // After the period's last day a foreign employer is allowed.
        let core = [duty(
            "period",
            ObligationKind::Declassification,
            Some(ClearanceTier::Core),
        )];
        assert_eq!(
            breached_duty(EmployerKind::Foreign, day(2029, 3, 1), None, &core, &p),
            None
        );
    }

    #[test]
    fn an_other_employer_breaches_nothing_and_each_kind_only_its_own_duty() {
        let p = WhereaboutsPolicy::default();
        let duties = [
            non_compete(),
            duty(
                "period",
                ObligationKind::Declassification,
                Some(ClearanceTier::Core),
            ),
            duty("conf", ObligationKind::Confidentiality, None),
        ];
        let on = day(2028, 6, 1);
        assert_eq!(
            breached_duty(EmployerKind::Other, on, None, &duties, &p),
            None
        );
        let c = breached_duty(EmployerKind::Competitor, on, None, &duties, &p);
        assert_eq!(c.map(|d| d.id.as_str()), Some("nc"));
        let f = breached_duty(EmployerKind::Foreign, on, None, &duties, &p);
        assert_eq!(f.map(|d| d.id.as_str()), Some("period"));
    }

    #[test]
    fn a_listed_competitor_matches_by_normalized_name_or_code() {
        let list = [ListedCompetitor {
            name: "华为技术有限公司".into(),
            credit_code: Some("914403001922038216".into()),
        }];
        assert!(is_listed("华为技术（有限）公司", None, &list));
        assert!(is_listed(" 华为 技术有限公司 ", None, &list));
        assert!(is_listed("Huawei", Some("914403001922038216"), &list));
        assert!(!is_listed("华为终端有限公司", None, &list));
        assert_eq!(normalized_name("ＡＢＣ Ltd."), "abcltd");
        let record = |kind| NewWhereabouts {
            employer: "华为技术有限公司".into(),
            post: String::new(),
            credit_code: None,
            starts_on: day(2028, 6, 1),
            ends_on: None,
            kind,
        };
        assert_eq!(kind_of(&record(None), &list), EmployerKind::Competitor);
        // HR's kind by hand wins over the list.
        assert_eq!(
            kind_of(&record(Some(EmployerKind::Other)), &list),
            EmployerKind::Other
        );
        assert_eq!(kind_of(&record(None), &[]), EmployerKind::Other);
    }

    #[test]
    fn a_record_is_checked_field_by_field() {
        let ok = NewWhereabouts::parse("某公司", "工程师", "", "2028-06-01", "", "").unwrap();
        assert_eq!((ok.ends_on, ok.kind, ok.credit_code), (None, None, None));
        let bad = NewWhereabouts::parse(" ", "", "12345", "2028-06-31", "2028-05-01", "x")
            .unwrap_err()
            .0;
        let fields: Vec<&str> = bad.keys().map(String::as_str).collect();
        assert_eq!(fields, ["credit_code", "employer", "kind", "starts_on"]);
        let backwards =
            NewWhereabouts::parse("某公司", "", "", "2028-06-01", "2028-05-31", "").unwrap_err();
        assert!(backwards.0.contains_key("ends_on"));
        assert_eq!(
            parse_credit_code("91440300192203821x"),
            Ok(Some("91440300192203821X".into()))
        );
        assert!(parse_credit_code("9144030019220382IO").is_err());
    }

    #[test]
    fn the_foreign_rule_never_names_no_tier() {
        let mut errors = FieldErrors::new();
        WhereaboutsPolicy {
            foreign_forbidden_tiers: vec![ClearanceTier::None],
        }
        .check(&mut errors);
        assert!(!errors.is_empty());
    }
}
