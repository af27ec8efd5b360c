//! Employees and their clearance tiers (涉密等级, 002 第五条).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::users::{Email, Language, check_name};

/// A person's clearance tier. Ordered: a higher tier is more secret.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ClearanceTier {
    /// 非涉密
    None,
    /// 一般涉密人员: works with confidential (秘密) information.
    General,
    /// 重要涉密人员: secret (机密).
    Important,
    /// 核心涉密人员: top secret (绝密).
    Core,
}

impl ClearanceTier {
    pub const ALL: [ClearanceTier; 4] = [
        ClearanceTier::None,
        ClearanceTier::General,
        ClearanceTier::Important,
        ClearanceTier::Core,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClearanceTier::None => "none",
            ClearanceTier::General => "general",
            ClearanceTier::Important => "important",
            ClearanceTier::Core => "core",
        }
    }

    pub fn is_classified(self) -> bool {
        self != ClearanceTier::None
    }
}

impl fmt::Display for ClearanceTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClearanceTier {
    type Err = String;
    fn from_str(s: &str) -> Result<ClearanceTier, String> {
        ClearanceTier::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| format!("{s:?} is not a tier: use none, general, important or core"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmployeeStatus {
    Active,
    Departing,
    Departed,
    Retired,
}

impl EmployeeStatus {
    pub const ALL: [EmployeeStatus; 4] = [
        EmployeeStatus::Active,
        EmployeeStatus::Departing,
        EmployeeStatus::Departed,
        EmployeeStatus::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "active",
            EmployeeStatus::Departing => "departing",
            EmployeeStatus::Departed => "departed",
            EmployeeStatus::Retired => "retired",
        }
    }
}

impl FromStr for EmployeeStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<EmployeeStatus, String> {
        EmployeeStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                format!("{s:?} is not a status: use active, departing, departed or retired")
            })
    }
}

/// A calendar date as HR tools write it: 2026-03-01, 2026/3/1 or 2026.03.01.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    if let [y, m, d] = parts[..]
        && y.len() == 4
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse())
    {
        return NaiveDate::from_ymd_opt(y, m, d)
            .ok_or_else(|| format!("{text:?} is not a date in the calendar"));
    }
    Err(format!("{text:?} is not a date like 2026-03-01"))
}

pub fn check_employee_no(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        Err("is required".into())
    } else if text.chars().count() > 50 {
        Err("is longer than 50 characters".into())
    } else if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("must not contain spaces".into())
    } else {
        Ok(text.to_string())
    }
}

fn check_text(text: &str, max: usize, required: bool) -> Result<String, String> {
    let text = text.trim();
    if required && text.is_empty() {
        Err("is required".into())
    } else if text.chars().count() > max {
        Err(format!("is longer than {max} characters"))
    } else if text.chars().any(|c| c.is_control()) {
        Err("contains control characters".into())
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

fn optional_email(text: Option<&str>) -> Result<Option<String>, String> {
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
            Some(text) => errors.check("language", text.parse()),
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
        [
            Some(self.name.as_str()),
            Some(self.employee_no.as_str()),
            self.work_email.as_deref(),
            self.private_email.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(parse_date("2023-02-29").unwrap_err().contains("calendar"));
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
}
