//! The checklist of a departure in progress: who confirms a line and with which outcome, the
//! successor's receipt of a handover (签收); completion is in `completion`.

use super::{DepartureStatus, LineKind, LineStatus};
use crate::domain::carriers::CarrierStatus;
use crate::domain::users::Role;

/// Why a line may not be confirmed or signed for, or a departure not completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistRefusal {
    /// The departure is completed: its checklist no longer changes.
    Completed,
    /// This user does not confirm this person's lines.
    NotAConfirmer,
    /// The line is confirmed already.
    AlreadyConfirmed(LineStatus),
    /// A line of this kind is not confirmed with this outcome.
    OutcomeNotForKind(LineKind),
    /// A return is counted.
    NotCounted,
    /// The copies counted are not the copies the register holds.
    CountDiffers { counted: i32, expected: i32 },
    /// A handover needs the successor the departure names.
    NoSuccessor,
    /// A destruction is recorded in the carrier register (by security) first.
    NotDestroyedInRegister,
    /// Only the successor signs for a handover.
    NotTheSuccessor,
    /// The line is not a handover waiting for its receipt.
    NotAwaitingReceipt,
    /// The successor the line was handed to is not in the register.
    UnknownSuccessor,
    /// Lines are still open and no override reason was given.
    LinesOpen(usize),
    /// The exit pledge line is confirmed only with an exit pledge of this departure on record.
    NoExitPledge,
}

/// A departure's checklist changes (lines added, confirmed, signed for; completion) only
/// while the departure is in progress.
pub fn in_progress(status: DepartureStatus) -> Result<(), ChecklistRefusal> {
    match status {
        DepartureStatus::InProgress => Ok(()),
        DepartureStatus::Completed => Err(ChecklistRefusal::Completed),
    }
}

/// The outcomes a line of this kind can be confirmed with.
pub fn allowed_outcomes(kind: LineKind) -> &'static [LineStatus] {
    use LineStatus::*;
    match kind {
        LineKind::Carrier => &[Returned, HandedOver, Destroyed, Missing],
        LineKind::SecretsHandover => &[HandedOver, Missing],
        _ => &[Done],
    }
}

/// A line counts as done once confirmed — a handover only once the successor signed for it.
pub fn is_resolved(status: LineStatus, received: bool) -> bool {
    match status {
        LineStatus::Open => false,
        LineStatus::HandedOver => received,
        _ => true,
    }
}

/// Who asks to confirm a departing person's lines.
#[derive(Debug, Clone, Copy)]
pub struct Confirmer<'a> {
    pub roles: &'a [Role],
    /// The user is the departing person.
    pub is_the_person: bool,
    /// The person is one of the user's reports, as a manager's team scope reaches them (an
    /// overseer has no team).
    pub manages_the_person: bool,
}

/// The departing person never confirms their own lines; HR confirms anyone's, a manager
/// their reports'.
pub fn may_confirm(c: &Confirmer<'_>) -> Result<(), ChecklistRefusal> {
    if c.is_the_person {
        return Err(ChecklistRefusal::NotAConfirmer);
    }
    if c.roles.contains(&Role::Hr) || (c.roles.contains(&Role::Manager) && c.manages_the_person) {
        return Ok(());
    }
    Err(ChecklistRefusal::NotAConfirmer)
}

/// A line as it stands, with what the confirmation of it depends on.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub kind: LineKind,
    pub status: LineStatus,
    /// Copies the register says the person holds.
    pub expected_count: i32,
    /// The register's status of the line's carrier (`None`: the line is about no carrier).
    pub carrier: Option<CarrierStatus>,
    /// The successor the departure names.
    pub successor: Option<&'a str>,
    /// An exit pledge for this departure is on record: signed, on paper with its scan, or
    /// refused with the reason (002 第八条).
    pub exit_pledge_on_record: bool,
}

/// What the confirmer says of a line.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub status: LineStatus,
    /// The copies counted (for a return).
    pub count: Option<i32>,
}

/// What a confirmation changes besides the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    /// The successor a handover goes to; they sign for it.
    pub handed_to: Option<String>,
    /// The carrier goes back to the pool.
    pub returns_carrier: bool,
    /// A missing carrier is a loss (000 篇3 第八条): reported at once, and a breach case.
    pub loss: bool,
}

/// An open line is confirmed once, with an outcome its kind has: a return counted against the
/// register's copies (a short count is a missing carrier), a handover to the departure's
/// successor, a destruction only once the carrier register records it.
pub fn confirm(line: &Line<'_>, outcome: &Outcome) -> Result<Confirmed, ChecklistRefusal> {
    if line.status != LineStatus::Open {
        return Err(ChecklistRefusal::AlreadyConfirmed(line.status));
    }
    if !allowed_outcomes(line.kind).contains(&outcome.status) {
        return Err(ChecklistRefusal::OutcomeNotForKind(line.kind));
    }
    if line.kind == LineKind::ExitPledge && !line.exit_pledge_on_record {
        return Err(ChecklistRefusal::NoExitPledge);
    }
    let mut handed_to = None;
    match outcome.status {
        LineStatus::Returned => match outcome.count {
            Some(n) if n == line.expected_count => {}
            Some(counted) => {
                return Err(ChecklistRefusal::CountDiffers {
                    counted,
                    expected: line.expected_count,
                });
            }
            None => return Err(ChecklistRefusal::NotCounted),
        },
        LineStatus::HandedOver => {
            let successor = line.successor.ok_or(ChecklistRefusal::NoSuccessor)?;
            handed_to = Some(successor.to_string());
        }
        LineStatus::Destroyed if line.carrier != Some(CarrierStatus::Destroyed) => {
            return Err(ChecklistRefusal::NotDestroyedInRegister);
        }
        _ => {}
    }
    Ok(Confirmed {
        handed_to,
        returns_carrier: outcome.status == LineStatus::Returned && line.carrier.is_some(),
        loss: outcome.status == LineStatus::Missing,
    })
}

/// What the receipt of a handover is decided on.
#[derive(Debug, Clone, Copy)]
pub struct Receipt {
    /// Signed through the link emailed to the successor (whoever holds it is the successor).
    pub by_link: bool,
    /// The signed-in user is the successor the line was handed to.
    pub by_the_successor: bool,
    pub departure: DepartureStatus,
    pub line: LineStatus,
    pub received: bool,
    /// The successor the line was handed to is in the register.
    pub successor_known: bool,
}

/// Only the successor signs for a handover — asked first, so anyone else learns nothing of
/// the line —, once, while the departure is in progress.
pub fn receive(r: &Receipt) -> Result<(), ChecklistRefusal> {
    if !r.by_link && !r.by_the_successor {
        return Err(ChecklistRefusal::NotTheSuccessor);
    }
    in_progress(r.departure)?;
    if r.line != LineStatus::HandedOver || r.received {
        return Err(ChecklistRefusal::NotAwaitingReceipt);
    }
    if !r.successor_known {
        return Err(ChecklistRefusal::UnknownSuccessor);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(kind: LineKind) -> Line<'static> {
        Line {
            kind,
            status: LineStatus::Open,
            expected_count: 3,
            carrier: (kind == LineKind::Carrier).then_some(CarrierStatus::InCustody),
            successor: Some("e-successor"),
            exit_pledge_on_record: true,
        }
    }

    fn outcome(status: LineStatus, count: Option<i32>) -> Outcome {
        Outcome { status, count }
    }

    fn confirmer(roles: &[Role], is_the_person: bool, manages: bool) -> Confirmer<'_> {
        Confirmer {
            roles,
            is_the_person,
            manages_the_person: manages,
        }
    }

    #[test]
    fn each_line_kind_offers_only_its_outcomes() {
        assert_eq!(allowed_outcomes(LineKind::ExitPledge), &[LineStatus::Done]);
        assert!(allowed_outcomes(LineKind::Carrier).contains(&LineStatus::Returned));
        assert!(!allowed_outcomes(LineKind::SecretsHandover).contains(&LineStatus::Returned));
    }

    #[test]
    fn each_line_kind_is_confirmed_only_with_its_outcomes() {
        let missing = outcome(LineStatus::Missing, None);
        assert!(confirm(&open(LineKind::Carrier), &missing).is_ok());
        assert!(confirm(&open(LineKind::SecretsHandover), &missing).is_ok());
        assert_eq!(
            confirm(&open(LineKind::Carrier), &outcome(LineStatus::Done, None)),
            Err(ChecklistRefusal::OutcomeNotForKind(LineKind::Carrier))
        );
        assert_eq!(
            confirm(
                &open(LineKind::SecretsHandover),
                &outcome(LineStatus::Returned, Some(3))
            ),
            Err(ChecklistRefusal::OutcomeNotForKind(
                LineKind::SecretsHandover
            ))
        );
        assert!(
            confirm(
                &open(LineKind::ExitInterview),
                &outcome(LineStatus::Done, None)
            )
            .is_ok()
        );
        assert_eq!(
            confirm(&open(LineKind::Custom), &missing),
            Err(ChecklistRefusal::OutcomeNotForKind(LineKind::Custom))
        );
    }

    #[test]
    fn a_handover_counts_only_once_the_successor_signed_for_it() {
        assert!(!is_resolved(LineStatus::HandedOver, false));
        assert!(is_resolved(LineStatus::HandedOver, true));
        assert!(is_resolved(LineStatus::Missing, false));
        assert!(!is_resolved(LineStatus::Open, false));
    }

    #[test]
    fn a_completed_departure_has_a_checklist_that_no_longer_changes() {
        assert_eq!(in_progress(DepartureStatus::InProgress), Ok(()));
        assert_eq!(
            in_progress(DepartureStatus::Completed),
            Err(ChecklistRefusal::Completed)
        );
    }

    #[test]
    fn the_departing_person_never_confirms_their_own_lines() {
        for roles in [
            &[Role::Hr][..],
            &[Role::Manager],
            &[Role::Hr, Role::Manager],
        ] {
            assert_eq!(
                may_confirm(&confirmer(roles, true, true)),
                Err(ChecklistRefusal::NotAConfirmer)
            );
        }
    }

    #[test]
    fn hr_confirms_anyones_lines_and_a_manager_only_their_reports() {
        assert_eq!(may_confirm(&confirmer(&[Role::Hr], false, false)), Ok(()));
        assert_eq!(
            may_confirm(&confirmer(&[Role::Manager], false, true)),
            Ok(())
        );
        assert_eq!(
            may_confirm(&confirmer(&[Role::Manager], false, false)),
            Err(ChecklistRefusal::NotAConfirmer)
        );
        for roles in [&[Role::Security][..], &[Role::Admin], &[]] {
            assert_eq!(
                may_confirm(&confirmer(roles, false, true)),
                Err(ChecklistRefusal::NotAConfirmer),
                "{roles:?}"
            );
        }
    }

    #[test]
    fn a_line_already_returned_cannot_be_confirmed_again() {
        for status in [
            LineStatus::Returned,
            LineStatus::HandedOver,
            LineStatus::Destroyed,
            LineStatus::Missing,
            LineStatus::Done,
        ] {
            let line = Line {
                status,
                ..open(LineKind::Carrier)
            };
            assert_eq!(
                confirm(&line, &outcome(LineStatus::Missing, None)),
                Err(ChecklistRefusal::AlreadyConfirmed(status))
            );
        }
    }

    #[test]
    fn a_return_is_counted_against_the_copies_the_register_holds() {
        let line = open(LineKind::Carrier);
        assert_eq!(
            confirm(&line, &outcome(LineStatus::Returned, Some(3))),
            Ok(Confirmed {
                handed_to: None,
                returns_carrier: true,
                loss: false,
            })
        );
        assert_eq!(
            confirm(&line, &outcome(LineStatus::Returned, Some(2))),
            Err(ChecklistRefusal::CountDiffers {
                counted: 2,
                expected: 3
            })
        );
        assert_eq!(
            confirm(&line, &outcome(LineStatus::Returned, None)),
            Err(ChecklistRefusal::NotCounted)
        );
    }

    #[test]
    fn the_exit_pledge_line_is_confirmed_only_with_an_exit_pledge_on_record() {
        let done = outcome(LineStatus::Done, None);
        let none = Line {
            exit_pledge_on_record: false,
            ..open(LineKind::ExitPledge)
        };
        assert_eq!(confirm(&none, &done), Err(ChecklistRefusal::NoExitPledge));
        assert!(confirm(&open(LineKind::ExitPledge), &done).is_ok());
        let interview = Line {
            exit_pledge_on_record: false,
            ..open(LineKind::ExitInterview)
        };
        assert!(
            confirm(&interview, &done).is_ok(),
            "only the pledge line asks"
        );
    }

    #[test]
    fn the_secrets_handover_cannot_be_confirmed_handed_over_without_a_named_successor() {
        let nobody = Line {
            successor: None,
            ..open(LineKind::SecretsHandover)
        };
        assert_eq!(
            confirm(&nobody, &outcome(LineStatus::HandedOver, None)),
            Err(ChecklistRefusal::NoSuccessor)
        );
        assert!(confirm(&nobody, &outcome(LineStatus::Missing, None)).is_ok());
    }

    #[test]
    fn a_handover_goes_to_the_successor_the_departure_names() {
        let line = open(LineKind::SecretsHandover);
        let handed = outcome(LineStatus::HandedOver, None);
        assert_eq!(
            confirm(&line, &handed).map(|c| c.handed_to),
            Ok(Some("e-successor".to_string()))
        );
        let nobody = Line {
            successor: None,
            ..line
        };
        assert_eq!(
            confirm(&nobody, &handed),
            Err(ChecklistRefusal::NoSuccessor)
        );
    }

    #[test]
    fn a_destruction_is_confirmed_only_once_the_carrier_register_records_it() {
        let destroyed = outcome(LineStatus::Destroyed, None);
        for held in [CarrierStatus::InCustody, CarrierStatus::InPool] {
            let line = Line {
                carrier: Some(held),
                ..open(LineKind::Carrier)
            };
            assert_eq!(
                confirm(&line, &destroyed),
                Err(ChecklistRefusal::NotDestroyedInRegister)
            );
        }
        let line = Line {
            carrier: Some(CarrierStatus::Destroyed),
            ..open(LineKind::Carrier)
        };
        assert_eq!(
            confirm(&line, &destroyed),
            Ok(Confirmed {
                handed_to: None,
                returns_carrier: false,
                loss: false,
            })
        );
    }

    #[test]
    fn a_missing_carrier_is_a_loss() {
        let confirmed = confirm(
            &open(LineKind::Carrier),
            &outcome(LineStatus::Missing, None),
        );
        assert!(confirmed.unwrap().loss);
        let done = confirm(
            &open(LineKind::ExitPledge),
            &outcome(LineStatus::Done, None),
        );
        assert!(!done.unwrap().loss);
    }

    fn waiting() -> Receipt {
        Receipt {
            by_link: false,
            by_the_successor: true,
            departure: DepartureStatus::InProgress,
            line: LineStatus::HandedOver,
            received: false,
            successor_known: true,
        }
    }

    #[test]
    fn only_the_successor_signs_for_a_handover_and_is_asked_first() {
        assert_eq!(receive(&waiting()), Ok(()));
        let link = Receipt {
            by_link: true,
            by_the_successor: false,
            ..waiting()
        };
        assert_eq!(receive(&link), Ok(()));
        // Someone else is refused before learning whether the line waits at all.
        let other = Receipt {
            by_the_successor: false,
            departure: DepartureStatus::Completed,
            line: LineStatus::Open,
            ..waiting()
        };
        assert_eq!(receive(&other), Err(ChecklistRefusal::NotTheSuccessor));
    }

    #[test]
    fn a_handover_is_signed_for_once_while_the_departure_is_in_progress() {
        let received = Receipt {
            received: true,
            ..waiting()
        };
        assert_eq!(
            receive(&received),
            Err(ChecklistRefusal::NotAwaitingReceipt)
        );
        for line in [LineStatus::Open, LineStatus::Returned, LineStatus::Missing] {
            let r = Receipt { line, ..waiting() };
            assert_eq!(receive(&r), Err(ChecklistRefusal::NotAwaitingReceipt));
        }
        let completed = Receipt {
            departure: DepartureStatus::Completed,
            ..waiting()
        };
        assert_eq!(receive(&completed), Err(ChecklistRefusal::Completed));
        let gone = Receipt {
            successor_known: false,
            by_link: true,
            ..waiting()
        };
        assert_eq!(receive(&gone), Err(ChecklistRefusal::UnknownSuccessor));
    }
}
