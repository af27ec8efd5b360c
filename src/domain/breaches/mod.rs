//! Breaches (泄密, DOMAIN "Breaches"): a case's steps, the ladder of consequences the product
//! suggests (the decision is the company's), and what a report must contain.

use chrono::NaiveDate;

mod course;

pub use course::*;

use super::FieldErrors;

crate::string_enum! {
    pub enum CaseStatus ("a case status") {
        Reported = "reported",
        Triaged = "triaged",
        Investigating = "investigating",
        Substantiated = "substantiated",
        Unfounded = "unfounded",
        Closed = "closed",
    }
}

crate::string_enum! {
    pub enum Severity ("a severity") {
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

crate::string_enum! {
    /// Where a case comes from.
    pub enum CaseSource ("a case source") {
        /// Someone reported it, named or anonymously.
        Report = "report",
        /// A carrier confirmed missing at a departure (失密).
        Loss = "loss",
        /// Security recorded a trip abroad taken without approval (Law on Guarding State
        /// Secrets art. 45, 46).
        Travel = "travel",
        /// A new employer the person's running restrictions forbid (a competitor during a
        /// non-compete, a foreign body during a declassification period).
        Employer = "employer",
    }
}

crate::string_enum! {
    pub enum Fault ("a fault") {
        Negligent = "negligent",
        Intentional = "intentional",
    }
}

crate::string_enum! {
    pub enum Gravity ("a gravity") {
        Minor = "minor",
        Serious = "serious",
    }
}

crate::string_enum! {
    /// The rungs of the ladder (000 篇1 第六至八条, 篇7 第九至十二条).
    pub enum Consequence ("a consequence") {
        /// Negligent, minor, no loss: 警告.
        Warning = "warning",
        /// Negligent, minor, some loss: 罚款并降职.
        FineAndDemotion = "fine_and_demotion",
        /// Negligent, serious, loss: 解除劳动合同、不予补偿并赔偿损失.
        TerminationAndDamages = "termination_and_damages",
        /// Intentional: 降职或开除、赔偿损失、追究法律责任.
        DismissalDamagesAndLegalAction = "dismissal_damages_and_legal_action",
    }
}

/// The consequence the policy's ladder suggests for what the investigation found.
pub fn suggested_consequence(fault: Fault, gravity: Gravity, loss: bool) -> Consequence {
    match (fault, gravity, loss) {
        (Fault::Intentional, _, _) => Consequence::DismissalDamagesAndLegalAction,
        (Fault::Negligent, Gravity::Serious, _) => Consequence::TerminationAndDamages,
        (Fault::Negligent, Gravity::Minor, true) => Consequence::FineAndDemotion,
        (Fault::Negligent, Gravity::Minor, false) => Consequence::Warning,
    }
}

/// Days from flagging a serious case about state secrets to the report that is due to the
/// secrecy administration (保密行政管理部门).
pub const STATE_SECRET_REPORT_DAYS: u64 = 1;

/// The day the report to the secrecy administration is due, for a serious case about state
/// secrets flagged on `on`.
pub fn authority_report_due(
    state_secret: bool,
    severity: Option<Severity>,
    on: NaiveDate,
) -> Option<NaiveDate> {
    let serious = matches!(severity, Some(Severity::High | Severity::Critical));
    (state_secret && serious).then(|| {
        on.checked_add_days(chrono::Days::new(STATE_SECRET_REPORT_DAYS))
            .unwrap_or(on)
    })
}

/// What a report says, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// Who it concerns, as the reporter names them (free text; a public reporter has no ids).
    pub person: String,
    pub what: String,
    pub discovered_on: Option<NaiveDate>,
    /// Which carriers or information.
    pub carriers: String,
    /// How to reach the reporter, if they want to be reached (security only).
    pub contact: String,
}

impl NewReport {
    pub fn parse(
        person: &str,
        what: &str,
        discovered_on: Option<&str>,
        carriers: &str,
        contact: &str,
        today: NaiveDate,
    ) -> Result<NewReport, FieldErrors> {
        let mut errors = FieldErrors::new();
        let what = what.trim();
        if what.chars().count() < 10 {
            errors.add("what", crate::problem!("say_what_happened"));
        }
        for (field, text, max) in [
            ("what", what, 10_000),
            ("person", person.trim(), 200),
            ("carriers", carriers.trim(), 2_000),
            ("contact", contact.trim(), 300),
        ] {
            if text.chars().count() > max {
                errors.add(field, crate::problem!("at_most_characters", max = max));
            }
        }
        let discovered_on = match discovered_on.map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => match super::people::parse_date(text) {
                Ok(d) if d > today => {
                    errors.add("discovered_on", crate::problem!("not_in_the_future"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.add("discovered_on", e);
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewReport {
            person: person.trim().to_string(),
            what: what.to_string(),
            discovered_on,
            carriers: carriers.trim().to_string(),
            contact: contact.trim().to_string(),
        })
    }
}

/// Evidence files: at most this many bytes each.
pub const EVIDENCE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The type of an evidence file, from its first bytes (never from the name the sender gave):
/// PDF, PNG, JPEG or plain UTF-8 text; anything else is refused.
pub fn evidence_type(bytes: &[u8]) -> Result<&'static str, super::problem::Problem> {
    if bytes.is_empty() {
        return Err(crate::problem!("file_empty"));
    }
    if bytes.len() > EVIDENCE_MAX_BYTES {
        return Err(crate::problem!(
            "file_larger_than",
            megabytes = EVIDENCE_MAX_BYTES / 1024 / 1024
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
        Ok("text/plain; charset=utf-8")
    } else {
        Err(crate::problem!("file_type_not_accepted"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_ladder_suggests_a_warning_for_minor_negligence_without_loss() {
        use Consequence::*;
        let s = suggested_consequence;
        assert_eq!(s(Fault::Negligent, Gravity::Minor, false), Warning);
        assert_eq!(s(Fault::Negligent, Gravity::Minor, true), FineAndDemotion);
        assert_eq!(
            s(Fault::Negligent, Gravity::Serious, true),
            TerminationAndDamages
        );
        assert_eq!(
            s(Fault::Intentional, Gravity::Minor, false),
            DismissalDamagesAndLegalAction,
            "intent weighs more than the size of the loss"
        );
    }

    #[test]
    fn a_serious_case_about_state_secrets_is_due_at_the_secrecy_administration_the_next_day() {
        let on = d(2028, 2, 29);
        assert_eq!(
            authority_report_due(true, Some(Severity::Critical), on),
            Some(d(2028, 3, 1))
        );
        assert_eq!(authority_report_due(true, Some(Severity::Low), on), None);
        assert_eq!(
            authority_report_due(false, Some(Severity::Critical), on),
            None
        );
    }

    #[test]
    fn a_report_needs_what_happened_and_no_date_in_the_future() {
        let today = d(2028, 2, 28);
        let e = NewReport::parse("", "short", Some("2028-03-01"), "", "", today).unwrap_err();
        assert!(e.0.contains_key("what") && e.0.contains_key("discovered_on"));
        let ok = NewReport::parse(
            " 张伟 ",
            "拷贝了设计图纸到个人U盘",
            Some("2028-02-27"),
            "DOC-3",
            "",
            today,
        )
        .unwrap();
        assert_eq!(ok.person, "张伟");
    }

    #[test]
    fn evidence_is_typed_by_its_content_not_its_name() {
        assert_eq!(evidence_type(b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(evidence_type(b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert_eq!(
            evidence_type("纸质记录".as_bytes()),
            Ok("text/plain; charset=utf-8")
        );
        assert!(
            evidence_type(b"MZ\x90\x00\x03").is_err(),
            "an executable is refused"
        );
        assert!(evidence_type(b"").is_err());
    }
}
