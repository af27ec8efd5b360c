//! Employees and their clearance tiers (涉密等级, 002 第五条).

use chrono::NaiveDate;
use serde::Deserialize;

use super::FieldErrors;
use super::obligations::{ObligationKind, ObligationStatus};
use super::problem::Problem;
use super::users::{Email, Language, check_name};
use crate::problem;

crate::string_enum! {
    /// A person's clearance tier. Ordered: a higher tier is more secret.
    #[derive(PartialOrd, Ord)]
    pub enum ClearanceTier ("a tier") {
        /// 非涉密
        None = "none",
        /// 一般涉密人员: works with confidential (秘密) information.
        General = "general",
        /// 重要涉密人员: secret (机密).
        Important = "important",
        /// 核心涉密人员: top secret (绝密).
        Core = "core",
    }
}

impl EmployeeStatus {
    /// Still on the payroll: active, or working their notice.
    pub fn is_employed(self) -> bool {
        matches!(self, EmployeeStatus::Active | EmployeeStatus::Departing)
    }
}

impl ClearanceTier {
    pub fn is_classified(self) -> bool {
        self != ClearanceTier::None
    }

    /// The classified tiers, for a filter an index serves (where `!= none` reads everyone).
    pub fn classified() -> Vec<ClearanceTier> {
        ClearanceTier::ALL
            .iter()
            .copied()
            .filter(|t| t.is_classified())
            .collect()
    }
}

crate::string_enum! {
    pub enum EmployeeStatus ("a status") {
        Active = "active",
        Departing = "departing",
        Departed = "departed",
        Retired = "retired",
    }
}

/// A calendar date as HR tools write it: 2026-03-01, 2026/3/1 or 2026.03.01.
pub fn parse_date(text: &str) -> Result<NaiveDate, Problem> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    if let [y, m, d] = parts[..]
        && y.len() == 4
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse())
    {
        return NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| problem!("not_a_calendar_date", value = format!("{text:?}")));
    }
    Err(problem!("not_a_date", value = format!("{text:?}")))
}

pub fn check_employee_no(text: &str) -> Result<String, Problem> {
    let text = text.trim();
    if text.is_empty() {
        Err(problem!("required"))
    } else if text.chars().count() > 50 {
        Err(problem!("too_long", max = 50))
    } else if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(problem!("no_spaces"))
    } else {
        Ok(text.to_string())
    }
}

fn check_text(text: &str, max: usize, required: bool) -> Result<String, Problem> {
    let text = text.trim();
    if required && text.is_empty() {
        Err(problem!("required"))
    } else if text.chars().count() > max {
        Err(problem!("too_long", max = max))
    } else if text.chars().any(|c| c.is_control()) {
        Err(problem!("control_characters"))
    } else {
        Ok(text.to_string())
    }
}

/// An employee's fields as typed (API body, PATCH merged over the record, or a CSV row).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EmployeeInput {
    pub employee_no: Option<String>,
    pub name: Option<String>,
    pub work_email: Option<String>,
    pub private_email: Option<String>,
    /// zh-CN or en (default zh-CN).
    pub language: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    pub hire_date: Option<String>,
}

/// An employee's own fields, checked. (The manager is resolved against the register.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeFields {
    pub employee_no: String,
    pub name: String,
    pub work_email: Option<String>,
    pub private_email: Option<String>,
    pub language: Language,
    pub department: String,
    pub title: String,
    pub hire_date: Option<NaiveDate>,
}

fn optional_email(text: Option<&str>) -> Result<Option<String>, Problem> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => Email::parse(t).map(|e| Some(e.as_str().to_string())),
    }
}

impl EmployeeInput {
    pub fn parse(&self) -> Result<EmployeeFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let employee_no = errors.check(
            "employee_no",
            check_employee_no(self.employee_no.as_deref().unwrap_or("")),
        );
        let name = errors.check("name", check_name(self.name.as_deref().unwrap_or("")));
        let work_email = errors.check("work_email", optional_email(self.work_email.as_deref()));
        let private_email = errors.check(
            "private_email",
            optional_email(self.private_email.as_deref()),
        );
        let language = match self.language.as_deref().map(str::trim) {
            None | Some("") => Some(Language::default()),
            Some(text) => errors.check("language", Language::parse(text)),
        };
        let department = errors.check(
            "department",
            check_text(self.department.as_deref().unwrap_or(""), 200, true),
        );
        let title = errors.check(
            "title",
            check_text(self.title.as_deref().unwrap_or(""), 200, false),
        );
        let hire_date = match self.hire_date.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(text) => errors.check("hire_date", parse_date(text).map(Some)),
        };
        match (
            employee_no,
            name,
            work_email,
            private_email,
            language,
            department,
            title,
            hire_date,
        ) {
            (
                Some(employee_no),
                Some(name),
                Some(work_email),
                Some(private_email),
                Some(language),
                Some(department),
                Some(title),
                Some(hire_date),
            ) if errors.is_empty() => Ok(EmployeeFields {
                employee_no,
                name,
                work_email,
                private_email,
                language,
                department,
                title,
                hire_date,
            }),
            _ => Err(errors),
        }
    }
}

impl EmployeeFields {
    /// What search matches against: name, number and emails, lower-cased.
    pub fn search_text(&self) -> String {
        search_text(
            &self.name,
            &self.employee_no,
            [self.work_email.as_deref(), self.private_email.as_deref()],
        )
    }
}

/// A person's name, number and emails, lower-cased, in one text.
pub fn search_text<'a>(
    name: &'a str,
    employee_no: &'a str,
    emails: impl IntoIterator<Item = Option<&'a str>>,
) -> String {
    [Some(name), Some(employee_no)]
        .into_iter()
        .chain(emails)
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What separates the parts of an email address, for search.
pub const EMAIL_SEPARATORS: &[char] = &['@', '.', '_', '-', '+'];

/// The terms a person is found by, from their search text: a search finds the people with a
/// term that starts with each word typed, on an index (a substring search would read every
/// person). Each word of a name gives every ending of itself, so any part of a name is found
/// (王, 伟, 王伟, smith); a number is found from its start; an email from its start and from the
/// start of each of its parts (zhang.wei@corp.cn: by zhang, wei, wei@corp, corp, corp.cn, cn).
pub fn search_terms(search_text: &str) -> std::collections::BTreeSet<String> {
    let mut terms = std::collections::BTreeSet::new();
    for word in search_text.to_lowercase().split_whitespace() {
        terms.insert(word.to_string());
        if word.contains('@') {
            let starts = word.char_indices().filter(|&(at, _)| {
                at > 0
                    && word[..at].ends_with(EMAIL_SEPARATORS)
                    && !word[at..].starts_with(EMAIL_SEPARATORS)
            });
            terms.extend(starts.map(|(at, _)| word[at..].to_string()));
        } else if !word.chars().any(|c| c.is_ascii_digit()) {
            terms.extend(
                word.char_indices()
                    .skip(1)
                    .map(|(at, _)| word[at..].to_string()),
            );
        }
    }
    terms
}

/// Why someone may not be rehired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RehireRefusal {
    /// Only someone who has left is rehired: not someone active or working their notice.
    NotLeft(EmployeeStatus),
}

/// An obligation of the person, as a rehire weighs it.
#[derive(Debug, Clone, Copy)]
pub struct Owed<'a> {
    pub id: &'a str,
    pub kind: ObligationKind,
    pub status: ObligationStatus,
    /// Created by a departure (not by leaving a classified post while employed).
    pub from_departure: bool,
}

/// What a rehire changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rehire<'a> {
    /// The person's status from now on.
    pub status: EmployeeStatus,
    /// The obligations superseded (kept in the record, no longer owed).
    pub superseded: Vec<&'a str>,
}

/// Only someone who has left — departed or retired — is taken back, active again. A rehire
/// supersedes the running confidentiality duty (and non-compete) their departures left; a
/// running 脱密期 continues until the person is put back into a classified post through the
/// tier chain (002 第十二条), and a trade-secret duty never ends by a rehire. Every other
/// obligation (one from leaving a post while employed, or one that ended, was waived,
/// rescinded or breached) stays as it is.
pub fn rehire<'a>(
    status: EmployeeStatus,
    obligations: &[Owed<'a>],
) -> Result<Rehire<'a>, RehireRefusal> {
    if !matches!(status, EmployeeStatus::Departed | EmployeeStatus::Retired) {
        return Err(RehireRefusal::NotLeft(status));
    }
    Ok(Rehire {
        status: EmployeeStatus::Active,
        superseded: obligations
            .iter()
            .filter(|o| o.status == ObligationStatus::Active && o.from_departure)
            .filter(|o| {
                matches!(
                    o.kind,
                    ObligationKind::Confidentiality | ObligationKind::NonCompete
                )
            })
            .map(|o| o.id)
            .collect(),
    })
}

/// Put back into a classified post through the tier chain (an approved change to a classified
/// tier), a person is managed as serving staff again (002 第十二条): their running 脱密期 end
/// as superseded. `to`: the tier the change puts them in.
pub fn superseded_on_return_to_post<'a>(
    to: ClearanceTier,
    obligations: &[Owed<'a>],
) -> Vec<&'a str> {
    if !to.is_classified() {
        return Vec::new();
    }
    obligations
        .iter()
        .filter(|o| o.kind == ObligationKind::Declassification)
        .filter(|o| ObligationStatus::OWED.contains(&o.status))
        .map(|o| o.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classified_tiers_are_every_tier_but_none() {
        use ClearanceTier::*;
        assert_eq!(ClearanceTier::classified(), vec![General, Important, Core]);
    }

    #[test]
    fn a_rehire_supersedes_only_the_confidentiality_duty_and_a_running_declassification_period_continues()
     {
        use ObligationKind::*;
        let owed = |id, kind| Owed {
            id,
            kind,
            status: ObligationStatus::Active,
            from_departure: true,
        };
        let held = [
            owed("period", Declassification),
            owed("confidentiality", Confidentiality),
            owed("trade-secret", TradeSecret),
        ];
        let r = rehire(EmployeeStatus::Departed, &held).unwrap();
        assert_eq!(
            r.superseded,
            ["confidentiality"],
            "a rehire never ends a trade-secret duty"
        );
        // Back in a classified post through the tier chain: only then does the period end.
        assert_eq!(
            superseded_on_return_to_post(ClearanceTier::General, &held),
            ["period"]
        );
        assert!(superseded_on_return_to_post(ClearanceTier::None, &held).is_empty());
        let breached = Owed {
            status: ObligationStatus::Breached,
            ..owed("breached", Declassification)
        };
        let ended = Owed {
            status: ObligationStatus::Ended,
            ..owed("ended", Declassification)
        };
        assert_eq!(
            superseded_on_return_to_post(ClearanceTier::Core, &[breached, ended]),
            ["breached"]
        );
    }

    #[test]
    fn only_someone_who_has_left_can_be_rehired() {
        for status in [EmployeeStatus::Active, EmployeeStatus::Departing] {
            assert_eq!(rehire(status, &[]), Err(RehireRefusal::NotLeft(status)));
        }
        for status in [EmployeeStatus::Departed, EmployeeStatus::Retired] {
            assert_eq!(
                rehire(status, &[]),
                Ok(Rehire {
                    status: EmployeeStatus::Active,
                    superseded: vec![],
                })
            );
        }
    }

    #[test]
    fn a_rehire_supersedes_only_the_running_obligations_a_departure_left() {
        let owed = |id, status, from_departure| Owed {
            id,
            kind: if id == "non-compete" {
                ObligationKind::NonCompete
            } else {
                ObligationKind::Confidentiality
            },
            status,
            from_departure,
        };
        let held = [
            owed("confidentiality", ObligationStatus::Active, true),
            owed("post-exit", ObligationStatus::Active, false),
            owed("ended", ObligationStatus::Ended, true),
            owed("breached", ObligationStatus::Breached, true),
            owed("waived", ObligationStatus::Waived, true),
            owed("rescinded", ObligationStatus::Rescinded, true),
            owed("non-compete", ObligationStatus::Active, true),
        ];
        let r = rehire(EmployeeStatus::Retired, &held).unwrap();
        assert_eq!(r.superseded, ["confidentiality", "non-compete"]);
    }

    #[test]
    fn tiers_are_ordered_by_secrecy() {
        assert!(ClearanceTier::Core > ClearanceTier::Important);
        assert!(ClearanceTier::Important > ClearanceTier::General);
        assert!(ClearanceTier::General > ClearanceTier::None);
        assert!(!ClearanceTier::None.is_classified());
    }

    #[test]
    fn dates_are_read_as_hr_exports_write_them() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        for text in ["2024-02-29", "2024/2/29", "2024.02.29", " 2024/02/29 "] {
            assert_eq!(parse_date(text), Ok(d), "{text}");
        }
        assert_eq!(
            parse_date("2023-02-29"),
            Err(problem!("not_a_calendar_date", value = "\"2023-02-29\""))
        );
        assert_eq!(
            parse_date("29/02/2024"),
            Err(problem!("not_a_date", value = "\"29/02/2024\""))
        );
        assert!(parse_date("29/02/2024").is_err());
        assert!(parse_date("").is_err());
    }

    #[test]
    fn an_employee_needs_a_number_a_name_and_a_department() {
        let errors = EmployeeInput {
            work_email: Some("not an email".into()),
            hire_date: Some("2026-13-01".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "department",
                "employee_no",
                "hire_date",
                "name",
                "work_email"
            ]
        );
    }

    #[test]
    fn search_text_holds_chinese_names_and_lowercased_emails() {
        let fields = EmployeeInput {
            employee_no: Some("E001".into()),
            name: Some("张伟".into()),
            work_email: Some("Zhang.Wei@Corp.CN".into()),
            department: Some("研发部".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(fields.search_text(), "张伟 e001 zhang.wei@corp.cn");
    }

    #[test]
    fn a_person_is_found_by_any_part_of_their_name_and_the_start_of_number_and_emails() {
        let terms = search_terms("欧阳明月 e0042 mary.ann-lee@corp.cn");
        let expected = [
            "欧阳明月",
            "阳明月",
            "明月",
            "月",
            "e0042",
            "mary.ann-lee@corp.cn",
            "ann-lee@corp.cn",
            "lee@corp.cn",
            "corp.cn",
            "cn",
        ];
        assert_eq!(terms, expected.iter().map(|t| t.to_string()).collect());
        let latin = search_terms("mary lee");
        assert!(latin.contains("ee") && latin.contains("ary") && latin.contains("mary"));
    }
}
