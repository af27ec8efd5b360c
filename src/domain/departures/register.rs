//! The printed handover register (移交登记表): its number, and what each of its lines shows.

use super::{ChecklistRefusal, LineKind};

/// The register's number: the year it was assigned in and its place in that year, `2026-0042`.
pub fn register_number(year: i32, seq: i32) -> String {
    format!("{year}-{seq:04}")
}

/// The next number of a year: one past the highest assigned in it (a number is never reused,
/// as departures are never deleted), 1 for the year's first.
pub fn next_register_seq(highest_of_the_year: Option<i32>) -> i32 {
    highest_of_the_year.unwrap_or(0) + 1
}

/// Only things have copies to register and count: a carrier from the asset register, or a
/// line HR added for something handed in. The standard lines (the secret files handed over as
/// a whole, accounts revoked, the pledge, the interview) are acts, not things.
pub fn has_copies(kind: LineKind) -> bool {
    matches!(kind, LineKind::Carrier | LineKind::Custom)
}

/// The successor counts what they sign for (清点): a thing's count is the register's copies;
/// an act has nothing to count.
pub fn receipt_count(
    kind: LineKind,
    expected: i32,
    counted: Option<i32>,
) -> Result<(), ChecklistRefusal> {
    match counted {
        _ if !has_copies(kind) => Ok(()),
        None => Err(ChecklistRefusal::NotCounted),
        Some(n) if n == expected => Ok(()),
        Some(n) => Err(ChecklistRefusal::CountDiffers {
            counted: n,
            expected,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_successor_counts_each_thing_signed_for() {
        assert_eq!(receipt_count(LineKind::Carrier, 3, Some(3)), Ok(()));
        assert_eq!(
            receipt_count(LineKind::Carrier, 3, Some(2)),
            Err(ChecklistRefusal::CountDiffers {
                counted: 2,
                expected: 3
            })
        );
        assert_eq!(
            receipt_count(LineKind::Carrier, 1, None),
            Err(ChecklistRefusal::NotCounted)
        );
        assert_eq!(receipt_count(LineKind::SecretsHandover, 1, None), Ok(()));
    }

    #[test]
    fn register_numbers_are_sequential_per_year_and_never_reused() {
        assert_eq!(next_register_seq(None), 1, "the year's first");
        assert_eq!(next_register_seq(Some(41)), 42);
        assert_eq!(
            register_number(2026, next_register_seq(Some(41))),
            "2026-0042"
        );
        assert_eq!(register_number(2027, 1), "2027-0001");
        assert_eq!(
            register_number(2026, 12345),
            "2026-12345",
            "no number is cut short"
        );
    }

    #[test]
    fn only_things_have_copies_on_the_register() {
        assert!(has_copies(LineKind::Carrier));
        assert!(has_copies(LineKind::Custom));
        for act in [
            LineKind::SecretsHandover,
            LineKind::AccountsRevoked,
            LineKind::ExitPledge,
            LineKind::ExitInterview,
        ] {
            assert!(!has_copies(act), "{act:?}");
        }
    }
}
