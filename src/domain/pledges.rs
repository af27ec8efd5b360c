//! Confidentiality pledges (保密承诺书, 002 第八条): versioned texts, and each person's
//! signature — on entering a classified tier, for a key post, and on leaving.

use chrono::NaiveDate;

use super::FieldErrors;
use crate::problem;

crate::string_enum! {
    pub enum PledgeKind ("a pledge kind") {
        /// Signed on entering a classified tier.
        Entry = "entry",
        /// The specific pledge of a key post (000 篇11 三.3).
        KeyPost = "key_post",
        /// Signed on leaving.
        Exit = "exit",
    }
}

crate::string_enum! {
    pub enum SigningMethod ("a method") {
        /// Signed on screen by typing one's name.
        ESigned = "e_signed",
        /// Signed on paper; the scan is kept elsewhere, referenced here.
        Paper = "paper",
        /// The person refused to sign; the reason is kept.
        Refused = "refused",
    }
}

/// How a pledge was signed (or refused), checked: each method needs its own evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub method: SigningMethod,
    pub signed_on: NaiveDate,
    pub typed_name: Option<String>,
    pub scan_ref: Option<String>,
    pub refusal_reason: Option<String>,
}

fn present(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

impl Signature {
    pub fn parse(
        method: SigningMethod,
        signed_on: NaiveDate,
        typed_name: Option<&str>,
        scan_ref: Option<&str>,
        refusal_reason: Option<&str>,
    ) -> Result<Signature, FieldErrors> {
        let (typed_name, scan_ref, refusal_reason) = (
            present(typed_name),
            present(scan_ref),
            present(refusal_reason),
        );
        let mut errors = FieldErrors::new();
        match method {
            SigningMethod::ESigned if typed_name.is_none() => {
                errors.add("typed_name", problem!("e_signature_typed_name"))
            }
            SigningMethod::Paper if scan_ref.is_none() => {
                errors.add("scan_ref", problem!("paper_pledge_scan_ref"))
            }
            SigningMethod::Refused if refusal_reason.is_none() => {
                errors.add("refusal_reason", problem!("refusal_reason_required"))
            }
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Signature {
            method,
            signed_on,
            typed_name,
            scan_ref,
            refusal_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()
    }

    #[test]
    fn each_signing_method_needs_its_evidence() {
        let e = Signature::parse(SigningMethod::ESigned, day(), Some(" "), None, None);
        assert!(e.unwrap_err().0.contains_key("typed_name"));
        let p = Signature::parse(SigningMethod::Paper, day(), None, None, None);
        assert!(p.unwrap_err().0.contains_key("scan_ref"));
        let r = Signature::parse(SigningMethod::Refused, day(), None, None, None);
        assert!(r.unwrap_err().0.contains_key("refusal_reason"));
        let ok = Signature::parse(
            SigningMethod::Paper,
            day(),
            None,
            Some("scan/2028/17.pdf"),
            None,
        );
        assert_eq!(ok.unwrap().scan_ref.as_deref(), Some("scan/2028/17.pdf"));
    }
}
