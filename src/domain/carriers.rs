//! Carriers of secret information (载体): documents, devices, keys, badges, seals… and who
//! holds them. Each is returned or handed over at a departure (002 第十一条).

use super::FieldErrors;

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
            errors.add("tag", "must be 1 to 100 characters");
        }
        let description = description.trim();
        if description.chars().count() > 2000 {
            errors.add("description", "is longer than 2000 characters");
        }
        let copies = copies.unwrap_or(1);
        if copies < 1 {
            errors.add("copies", "must be 1 or more");
        } else if copies > 1 && kind != CarrierKind::Document {
            errors.add("copies", "only documents have more than one copy");
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
pub fn check_witnesses(witnesses: &[String]) -> Result<(String, String), String> {
    match witnesses {
        [a, b] if a != b => Ok((a.clone(), b.clone())),
        [_, _] => Err("must be two different people".into()),
        _ => Err("destruction needs exactly two witnesses".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(check_witnesses(&["a".into()]).is_err());
        assert!(check_witnesses(&["a".into(), "a".into()]).is_err());
        assert_eq!(
            check_witnesses(&["a".into(), "b".into()]),
            Ok(("a".into(), "b".into()))
        );
    }
}
