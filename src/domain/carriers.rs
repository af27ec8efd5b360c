//! Carriers of secret information (载体): documents, devices, keys, badges, seals… and who
//! holds them. Each is returned or handed over at a departure (002 第十一条).

use super::FieldErrors;
use super::problem::Problem;
use crate::problem;

crate::string_enum! {
    pub enum CarrierKind ("a kind") {
        Document = "document",
        Laptop = "laptop",
        RemovableMedia = "removable_media",
        Phone = "phone",
        Key = "key",
        Badge = "badge",
        Seal = "seal",
        Other = "other",
    }
}

crate::string_enum! {
    /// 绝密 / 机密 / 秘密 / internal.
    pub enum Classification ("a classification") {
        TopSecret = "top_secret",
        Secret = "secret",
        Confidential = "confidential",
        Internal = "internal",
    }
}

crate::string_enum! {
    pub enum CarrierStatus ("a status") {
        /// Held by a custodian.
        InCustody = "in_custody",
        /// Returned, held by nobody.
        InPool = "in_pool",
        Destroyed = "destroyed",
    }
}

crate::string_enum! {
    /// A step of a carrier's custody history.
    pub enum CustodyEvent ("an event") {
        Registered = "registered",
        Assigned = "assigned",
        Transferred = "transferred",
        Returned = "returned",
        Destroyed = "destroyed",
    }
}

/// A change of custody.
#[derive(Debug, Clone)]
pub enum Custody {
    /// From the pool to a custodian.
    Assign { to: String },
    /// From one custodian to another.
    Transfer { to: String },
    /// Back to the pool.
    Return,
    /// Destroyed before two witnesses; the acting user is the approver.
    Destroy { witnesses: Vec<String> },
}

/// Why a carrier's custody cannot move so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustodyRefusal {
    /// Only a carrier in the pool is assigned.
    NotInPool(CarrierStatus),
    /// Only a held carrier is transferred or returned (the event it would have been).
    NotHeld(CarrierStatus, CustodyEvent),
    /// The new custodian holds it already.
    AlreadyHolds,
    AlreadyDestroyed,
}

/// The event and the status a move of custody makes: pool → custodian → another custodian or
/// back to the pool; destroyed from anywhere, once.
pub fn custody_step(
    status: CarrierStatus,
    holder: Option<&str>,
    change: &Custody,
) -> Result<(CustodyEvent, CarrierStatus), CustodyRefusal> {
    use CarrierStatus::*;
    match change {
        Custody::Assign { .. } if status != InPool => Err(CustodyRefusal::NotInPool(status)),
        Custody::Assign { .. } => Ok((CustodyEvent::Assigned, InCustody)),
        Custody::Transfer { .. } if status != InCustody => {
            Err(CustodyRefusal::NotHeld(status, CustodyEvent::Transferred))
        }
        Custody::Transfer { to } if holder == Some(to.as_str()) => {
            Err(CustodyRefusal::AlreadyHolds)
        }
        Custody::Transfer { .. } => Ok((CustodyEvent::Transferred, InCustody)),
        Custody::Return if status != InCustody => {
            Err(CustodyRefusal::NotHeld(status, CustodyEvent::Returned))
        }
        Custody::Return => Ok((CustodyEvent::Returned, InPool)),
        Custody::Destroy { .. } if status == Destroyed => Err(CustodyRefusal::AlreadyDestroyed),
        Custody::Destroy { .. } => Ok((CustodyEvent::Destroyed, Destroyed)),
    }
}

/// A carrier to register, checked.
#[derive(Debug, Clone)]
pub struct NewCarrier {
    pub tag: String,
    pub kind: CarrierKind,
    pub description: String,
    pub classification: Classification,
    pub copies: i32,
}

impl NewCarrier {
    pub fn parse(
        tag: &str,
        kind: CarrierKind,
        description: &str,
        classification: Classification,
        copies: Option<i32>,
    ) -> Result<NewCarrier, FieldErrors> {
        let mut errors = FieldErrors::new();
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > 100 || tag.chars().any(char::is_control) {
            errors.add("tag", problem!("length_between", min = 1, max = 100));
        }
        let description = description.trim();
        if description.chars().count() > 2000 {
            errors.add("description", problem!("too_long", max = 2000));
        }
        let copies = copies.unwrap_or(1);
        if copies < 1 {
            errors.add("copies", problem!("at_least_one"));
        } else if copies > 1 && kind != CarrierKind::Document {
            errors.add("copies", problem!("copies_only_documents"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewCarrier {
            tag: tag.to_string(),
            kind,
            description: description.to_string(),
            classification,
            copies,
        })
    }
}

/// Destruction needs two witnesses, two different people (plus the approver who records it).
pub fn check_witnesses(witnesses: &[String]) -> Result<(String, String), Problem> {
    match witnesses {
        [a, b] if a != b => Ok((a.clone(), b.clone())),
        [_, _] => Err(problem!("two_different_people")),
        _ => Err(problem!("two_witnesses")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custody_runs_from_the_pool_to_a_custodian_and_back_and_ends_in_destruction() {
        use CarrierStatus::*;
        let to = |id: &str| id.to_string();
        let assign = Custody::Assign { to: to("e1") };
        let transfer = Custody::Transfer { to: to("e2") };
        let destroy = Custody::Destroy { witnesses: vec![] };
        assert_eq!(
            custody_step(InPool, None, &assign),
            Ok((CustodyEvent::Assigned, InCustody))
        );
        assert_eq!(
            custody_step(InCustody, Some("e1"), &assign),
            Err(CustodyRefusal::NotInPool(InCustody))
        );
        assert_eq!(
            custody_step(InCustody, Some("e1"), &transfer),
            Ok((CustodyEvent::Transferred, InCustody))
        );
        assert_eq!(
            custody_step(InCustody, Some("e2"), &transfer),
            Err(CustodyRefusal::AlreadyHolds)
        );
        assert_eq!(
            custody_step(InPool, None, &transfer),
            Err(CustodyRefusal::NotHeld(InPool, CustodyEvent::Transferred))
        );
        assert_eq!(
            custody_step(InCustody, Some("e1"), &Custody::Return),
            Ok((CustodyEvent::Returned, InPool))
        );
        assert_eq!(
            custody_step(InPool, None, &Custody::Return),
            Err(CustodyRefusal::NotHeld(InPool, CustodyEvent::Returned))
        );
        for status in [InPool, InCustody] {
            assert_eq!(
                custody_step(status, None, &destroy),
                Ok((CustodyEvent::Destroyed, Destroyed))
            );
        }
        assert_eq!(
            custody_step(Destroyed, None, &destroy),
            Err(CustodyRefusal::AlreadyDestroyed)
        );
        assert_eq!(
            custody_step(Destroyed, None, &assign),
            Err(CustodyRefusal::NotInPool(Destroyed))
        );
    }

    #[test]
    fn only_documents_have_several_copies() {
        let doc = NewCarrier::parse(
            "D-1",
            CarrierKind::Document,
            "图纸",
            Classification::Secret,
            Some(3),
        );
        assert_eq!(doc.unwrap().copies, 3);
        let laptop = NewCarrier::parse(
            "L-1",
            CarrierKind::Laptop,
            "",
            Classification::Secret,
            Some(2),
        );
        assert!(laptop.unwrap_err().0.contains_key("copies"));
        let none = NewCarrier::parse(" ", CarrierKind::Key, "", Classification::Internal, Some(0));
        let errors = none.unwrap_err();
        assert!(errors.0.contains_key("tag") && errors.0.contains_key("copies"));
    }

    #[test]
    fn destruction_needs_two_different_witnesses() {
        assert_eq!(
            check_witnesses(&["a".into()]),
            Err(problem!("two_witnesses"))
        );
        assert_eq!(
            check_witnesses(&["a".into(), "a".into()]),
            Err(problem!("two_different_people"))
        );
        assert_eq!(
            check_witnesses(&["a".into(), "b".into()]),
            Ok(("a".into(), "b".into()))
        );
    }
}
