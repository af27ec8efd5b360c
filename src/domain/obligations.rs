//! What a person still owes after leaving (DOMAIN "Obligations after leaving"): which
//! obligations a departure or a lowered tier creates, and their dates.

use chrono::NaiveDate;

use super::people::ClearanceTier;
use super::periods::{Period, months_after};
use super::policy::Policy;

crate::string_enum! {
    pub enum ObligationKind ("a kind") {
        /// 脱密期, 002 第十一条.
        Declassification = "declassification",
        /// 离职保密义务, 000 篇7 第八条(二).
        Confidentiality = "confidentiality",
        /// 竞业限制.
        NonCompete = "non_compete",
        /// Until the information becomes public.
        TradeSecret = "trade_secret",
    }
}

crate::string_enum! {
    pub enum ObligationStatus ("a status") {
        Active = "active",
        Ended = "ended",
        Waived = "waived",
        Rescinded = "rescinded",
        Breached = "breached",
        Superseded = "superseded",
    }
}

impl ObligationStatus {
    /// Still owed: running, whether or not a breach was found while it runs.
    pub const OWED: [ObligationStatus; 2] = [ObligationStatus::Active, ObligationStatus::Breached];
}

/// Whether an obligation in `status` with last day `ends_on` ends when `today` begins: one
/// still owed — a breached one too, its breach kept in its history — whose last day has
/// passed (a day ends at 24:00, Civil Code art. 203). None has no end ("until public").
pub fn ends_by(status: ObligationStatus, ends_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    ObligationStatus::OWED.contains(&status) && ends_on.is_some_and(|end| end < today)
}

/// The tier whose restrictions a person is told of: the highest among their declassification
/// periods still running (`running` lists kind and tier of what they still owe), not the tier
/// of the period ending first.
pub fn restricting_tier(
    running: impl IntoIterator<Item = (ObligationKind, Option<ClearanceTier>)>,
) -> Option<ClearanceTier> {
    running
        .into_iter()
        .filter(|(kind, _)| *kind == ObligationKind::Declassification)
        .filter_map(|(_, tier)| tier)
        .filter(|t| t.is_classified())
        .max()
}

/// After a 脱密期 the duty to keep the state secrets the person knew goes on for life (Law on
/// Guarding State Secrets, 2024, art. 46): the first day of that lasting duty, the day after
/// the first declassification period that ran to its end (`periods`: kind, status, last day).
/// None while no period has ended; a superseded one (the person came back) does not count.
pub fn lasting_duty_from(
    periods: impl IntoIterator<Item = (ObligationKind, ObligationStatus, Option<NaiveDate>)>,
) -> Option<NaiveDate> {
    periods
        .into_iter()
        .filter(|(kind, status, _)| {
            *kind == ObligationKind::Declassification && *status == ObligationStatus::Ended
        })
        .filter_map(|(_, _, end)| end)
        .min()
        .and_then(|end| end.succ_opt())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObligation {
    pub kind: ObligationKind,
    pub starts_on: NaiveDate,
    /// None: until the information becomes public.
    pub ends_on: Option<NaiveDate>,
    /// The tier whose period this is (declassification only).
    pub tier: Option<ClearanceTier>,
}

impl NewObligation {
    fn over(kind: ObligationKind, period: Period, tier: Option<ClearanceTier>) -> NewObligation {
        NewObligation {
            kind,
            starts_on: period.starts_on,
            ends_on: Some(period.ends_on),
            tier,
        }
    }
}

/// The declassification period of someone who left a post of `tier_held` on `left_on`.
pub fn declassification(
    policy: &Policy,
    tier_held: ClearanceTier,
    left_on: NaiveDate,
) -> Option<NewObligation> {
    let months = policy.declassification_months(tier_held)?;
    Some(NewObligation::over(
        ObligationKind::Declassification,
        months_after(left_on, months),
        Some(tier_held),
    ))
}

/// What a completed departure leaves behind, whatever the reason for leaving: the
/// declassification period of a classified tier, counted from the day the person left the
/// classified post (002 第十一条; never the notice date), the confidentiality duty for everyone
/// from the last working day, and the trade-secret duty with no end unless HR left it out.
pub fn after_departure(
    policy: &Policy,
    tier_held: ClearanceTier,
    left_post_on: NaiveDate,
    last_working_day: NaiveDate,
    trade_secret: bool,
) -> Vec<NewObligation> {
    let mut out = Vec::new();
    out.extend(declassification(policy, tier_held, left_post_on));
    out.push(NewObligation::over(
        ObligationKind::Confidentiality,
        months_after(last_working_day, policy.confidentiality_months),
        None,
    ));
    if trade_secret {
        let Period { starts_on, .. } = months_after(last_working_day, 0);
        out.push(NewObligation {
            kind: ObligationKind::TradeSecret,
            starts_on,
            ends_on: None,
            tier: None,
        });
    }
    out
}

/// A non-compete of `months` months from the departure.
pub fn non_compete(last_working_day: NaiveDate, months: u32) -> NewObligation {
    NewObligation::over(
        ObligationKind::NonCompete,
        months_after(last_working_day, months),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_restrictions_shown_are_those_of_the_highest_tier_still_running() {
        use ObligationKind::*;
        let running = [
            (Declassification, Some(ClearanceTier::General)),
            (Confidentiality, None),
            (Declassification, Some(ClearanceTier::Core)),
        ];
        assert_eq!(restricting_tier(running), Some(ClearanceTier::Core));
        assert_eq!(restricting_tier([(Confidentiality, None)]), None);
    }

    #[test]
    fn after_the_declassification_period_the_duty_to_keep_state_secrets_lasts_for_life() {
        use ObligationKind::*;
        use ObligationStatus::*;
        let end = d(2031, 2, 28);
        assert_eq!(
            lasting_duty_from([(Declassification, Active, Some(end))]),
            None
        );
        assert_eq!(
            lasting_duty_from([
                (Confidentiality, Ended, Some(d(2028, 1, 31))),
                (Declassification, Ended, Some(end)),
            ]),
            Some(d(2031, 3, 1))
        );
        assert_eq!(
            lasting_duty_from([(Declassification, Superseded, Some(end))]),
            None
        );
    }

    #[test]
    fn a_breached_obligation_still_ends_on_its_end_date() {
        let last = d(2028, 2, 29);
        for status in [ObligationStatus::Active, ObligationStatus::Breached] {
            assert!(
                !ends_by(status, Some(last), last),
                "{status}: its last day still runs"
            );
            assert!(ends_by(status, Some(last), d(2028, 3, 1)), "{status}");
        }
        for status in [
            ObligationStatus::Ended,
            ObligationStatus::Waived,
            ObligationStatus::Rescinded,
            ObligationStatus::Superseded,
        ] {
            assert!(!ends_by(status, Some(last), d(2028, 3, 1)), "{status}");
        }
        assert!(!ends_by(ObligationStatus::Breached, None, d(2099, 1, 1)));
    }

    #[test]
    fn a_declassification_period_is_three_two_or_one_years_by_tier() {
        let p = Policy::default();
        let left = d(2028, 2, 29);
        let end = |tier| declassification(&p, tier, left).unwrap().ends_on;
        assert_eq!(end(ClearanceTier::Core), Some(d(2031, 2, 28)));
        assert_eq!(end(ClearanceTier::Important), Some(d(2030, 2, 28)));
        assert_eq!(end(ClearanceTier::General), Some(d(2029, 2, 28)));
        assert_eq!(declassification(&p, ClearanceTier::None, left), None);
        assert_eq!(
            declassification(&p, ClearanceTier::Core, left)
                .unwrap()
                .starts_on,
            d(2028, 3, 1)
        );
    }

    #[test]
    fn everyone_owes_two_years_of_confidentiality_whatever_the_tier() {
        let p = Policy::default();
        let got = after_departure(
            &p,
            ClearanceTier::None,
            d(2026, 1, 5),
            d(2026, 1, 31),
            false,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, ObligationKind::Confidentiality);
        assert_eq!(
            (got[0].starts_on, got[0].ends_on),
            (d(2026, 2, 1), Some(d(2028, 1, 31)))
        );
    }

    #[test]
    fn the_declassification_period_starts_on_leaving_the_classified_post() {
        let last = d(2026, 3, 31);
        let by_last = after_departure(&Policy::default(), ClearanceTier::General, last, last, true);
        assert_eq!(by_last[0].ends_on, Some(d(2027, 3, 31)));
        assert_eq!(by_last[2].kind, ObligationKind::TradeSecret);
        assert_eq!(
            by_last[2].ends_on, None,
            "until the information becomes public"
        );
        // Moved off the post at notice, on a leap day: the period counts from then.
        let left = d(2026, 2, 28);
        let got = after_departure(
            &Policy::default(),
            ClearanceTier::General,
            left,
            last,
            false,
        );
        assert_eq!(got[0].starts_on, d(2026, 3, 1));
        assert_eq!(got[0].ends_on, Some(d(2027, 2, 28)));
        assert_eq!(
            got[1].ends_on,
            Some(d(2028, 3, 31)),
            "confidentiality still runs from the last working day"
        );
        // Whatever an old policy stored as its anchor.
        let old = Policy {
            anchor: super::super::policy::PeriodAnchor::NoticeDate,
            ..Policy::default()
        };
        let same = after_departure(&old, ClearanceTier::General, last, last, false);
        assert_eq!(same[0].ends_on, Some(d(2027, 3, 31)));
    }
}
