//! Travel documents held by the unit (证照集中保管): the passports and permits of classified
//! personnel stay with security, go out for one approved trip and come back after it; when
//! the person's declassification period ends they are given back to the person.

use chrono::NaiveDate;

use super::travel::{TripStatus, due_back_by};

crate::string_enum! {
    /// The kinds of travel document the unit keeps.
    pub enum DocumentKind ("a travel document kind") {
        Passport = "passport",
        /// 往来港澳通行证.
        HongKongMacaoPermit = "hk_macao_permit",
        /// 往来台湾通行证.
        TaiwanPermit = "taiwan_permit",
    }
}

crate::string_enum! {
    /// Where a document is.
    pub enum DocumentStatus ("a travel document status") {
        /// With security.
        Held = "held",
        /// Handed to the person for a trip.
        Out = "out",
        /// Given back to the person for good (their period ended).
        ReturnedToPerson = "returned_to_person",
    }
}

/// Why a document may not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentRefusal {
    /// Only a document security holds goes out, or back to the person.
    NotHeld(DocumentStatus),
    /// Only a document that is out comes back.
    NotOut,
    /// A document goes out only for an approved trip of its holder not yet back.
    TripNotApproved,
    /// The trip is another person's.
    AnotherPersonsTrip,
    /// The trip has a document of this kind out already: one per trip.
    KindAlreadyOut,
    /// Kept while serving on a classified post or while a period runs.
    StillOwed,
}

/// The trip a document is asked to go out for.
#[derive(Debug, Clone, Copy)]
pub struct TripFacts {
    pub status: TripStatus,
    pub same_person: bool,
    pub returned: bool,
    /// A document of the same kind is out for this trip already.
    pub kind_out: bool,
}

/// A held document goes out for one approved trip of its holder that has not come back.
pub fn may_hand_out(status: DocumentStatus, trip: &TripFacts) -> Result<(), DocumentRefusal> {
    if status != DocumentStatus::Held {
        return Err(DocumentRefusal::NotHeld(status));
    }
    if !trip.same_person {
        return Err(DocumentRefusal::AnotherPersonsTrip);
    }
    if trip.status != TripStatus::Approved || trip.returned {
        return Err(DocumentRefusal::TripNotApproved);
    }
    if trip.kind_out {
        return Err(DocumentRefusal::KindAlreadyOut);
    }
    Ok(())
}

/// A document comes back to security only while it is out.
pub fn may_take_back(status: DocumentStatus) -> Result<(), DocumentRefusal> {
    if status == DocumentStatus::Out {
        Ok(())
    } else {
        Err(DocumentRefusal::NotOut)
    }
}

/// A document goes back to its holder for good only once nothing is owed any more: the
/// person no longer serves classified and no period of theirs runs.
pub fn may_give_back(status: DocumentStatus, still_owed: bool) -> Result<(), DocumentRefusal> {
    if status != DocumentStatus::Held {
        return Err(DocumentRefusal::NotHeld(status));
    }
    if still_owed {
        return Err(DocumentRefusal::StillOwed);
    }
    Ok(())
}

/// A document out past its trip's end plus the policy's days is late back.
pub fn is_out_too_long(
    status: DocumentStatus,
    trip_ends_on: NaiveDate,
    today: NaiveDate,
    days: u32,
) -> bool {
    status == DocumentStatus::Out && today > due_back_by(trip_ends_on, days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn approved() -> TripFacts {
        TripFacts {
            status: TripStatus::Approved,
            same_person: true,
            returned: false,
            kind_out: false,
        }
    }

    #[test]
    fn a_document_goes_out_only_for_one_approved_trip_of_its_holder() {
        assert_eq!(may_hand_out(DocumentStatus::Held, &approved()), Ok(()));
        assert_eq!(
            may_hand_out(DocumentStatus::Out, &approved()),
            Err(DocumentRefusal::NotHeld(DocumentStatus::Out))
        );
        for status in [
            TripStatus::Requested,
            TripStatus::AwaitingSecondApproval,
            TripStatus::Refused,
            TripStatus::Unapproved,
        ] {
            let t = TripFacts {
                status,
                ..approved()
            };
            assert_eq!(
                may_hand_out(DocumentStatus::Held, &t),
                Err(DocumentRefusal::TripNotApproved),
                "{status}"
            );
        }
        let back = TripFacts {
            returned: true,
            ..approved()
        };
        assert_eq!(
            may_hand_out(DocumentStatus::Held, &back),
            Err(DocumentRefusal::TripNotApproved)
        );
        let other = TripFacts {
            same_person: false,
            ..approved()
        };
        assert_eq!(
            may_hand_out(DocumentStatus::Held, &other),
            Err(DocumentRefusal::AnotherPersonsTrip)
        );
        let twice = TripFacts {
            kind_out: true,
            ..approved()
        };
        assert_eq!(
            may_hand_out(DocumentStatus::Held, &twice),
            Err(DocumentRefusal::KindAlreadyOut)
        );
    }

    #[test]
    fn a_document_out_past_its_trip_is_flagged() {
        // The trip ended on 31 December 2028: back by 7 January 2029.
        let end = day(2028, 12, 31);
        assert!(!is_out_too_long(
            DocumentStatus::Out,
            end,
            day(2029, 1, 7),
            7
        ));
        assert!(is_out_too_long(
            DocumentStatus::Out,
            end,
            day(2029, 1, 8),
            7
        ));
        assert!(!is_out_too_long(
            DocumentStatus::Held,
            end,
            day(2029, 1, 8),
            7
        ));
    }

    #[test]
    fn documents_go_back_to_the_person_when_nothing_is_owed_any_more() {
        assert_eq!(may_give_back(DocumentStatus::Held, false), Ok(()));
        assert_eq!(
            may_give_back(DocumentStatus::Held, true),
            Err(DocumentRefusal::StillOwed)
        );
        assert_eq!(
            may_give_back(DocumentStatus::Out, false),
            Err(DocumentRefusal::NotHeld(DocumentStatus::Out))
        );
        assert_eq!(may_take_back(DocumentStatus::Out), Ok(()));
        assert_eq!(
            may_take_back(DocumentStatus::Held),
            Err(DocumentRefusal::NotOut)
        );
    }
}
