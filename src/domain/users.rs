//! Users of the service: who they are and what their roles let them do.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::problem::Problem;
use crate::problem;

crate::string_enum! {
    #[derive(PartialOrd, Ord)]
    pub enum Role ("a role") {
        Admin = "admin",
        Hr = "hr",
        Security = "security",
        Manager = "manager",
    }
}

/// The languages the service speaks.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
    }

    /// The first supported language of an `Accept-Language` header, if any.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        header.split(',').find_map(|part| {
            let tag = part.split(';').next()?.trim().to_ascii_lowercase();
            if tag.starts_with("zh") {
                Some(Language::ZhCn)
            } else if tag.starts_with("en") {
                Some(Language::En)
            } else {
                None
            }
        })
    }
}

crate::text_column!(Language);

impl Language {
    /// A language as typed: zh-CN (or zh) or en.
    pub fn parse(text: &str) -> Result<Language, Problem> {
        match text.trim() {
            "zh-CN" | "zh" => Ok(Language::ZhCn),
            "en" => Ok(Language::En),
            other => Err(problem!("not_a_language", value = format!("{other:?}"))),
        }
    }
}

impl FromStr for Language {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Language, Problem> {
        Language::parse(s)
    }
}

/// An email address, trimmed and lower-cased: addresses are unique whatever the case typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, Problem> {
        let text = text.trim().to_lowercase();
        if text.is_empty() {
            return Err(problem!("required"));
        }
        if text.len() > 254 {
            return Err(problem!("too_long", max = 254));
        }
        let valid = match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Email(text))
        } else {
            Err(problem!("not_an_email", value = format!("{text:?}")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name.
pub fn check_name(name: &str) -> Result<String, Problem> {
    let name = name.trim();
    if name.is_empty() {
        Err(problem!("required"))
    } else if name.chars().count() > 200 {
        Err(problem!("too_long", max = 200))
    } else if name.chars().any(|c| c.is_control()) {
        Err(problem!("control_characters"))
    } else {
        Ok(name.to_string())
    }
}

/// A user's roles: at least one, each known, each once (in the order first given).
pub fn parse_roles(roles: &[&str]) -> Result<Vec<Role>, Problem> {
    let mut parsed: Vec<Role> = Vec::new();
    for role in roles {
        let role = role.parse::<Role>()?;
        if !parsed.contains(&role) {
            parsed.push(role);
        }
    }
    if parsed.is_empty() {
        return Err(problem!("role_required"));
    }
    Ok(parsed)
}

/// A new user, parsed and checked.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub roles: Vec<Role>,
    pub language: Language,
    pub employee_no: Option<String>,
}

impl NewUser {
    pub fn parse(
        email: &str,
        name: &str,
        roles: &[&str],
        language: Option<&str>,
        employee_no: Option<&str>,
    ) -> Result<NewUser, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(email));
        let name = errors.check("name", check_name(name));
        let parsed_roles = errors
            .check("roles", parse_roles(roles))
            .unwrap_or_default();
        let language = match language {
            None => Some(Language::default()),
            Some(text) => errors.check("language", Language::parse(text)),
        };
        let employee_no = employee_no.map(str::trim).filter(|n| !n.is_empty());
        if employee_no.is_some_and(|n| n.chars().count() > 50) {
            errors.add("employee_no", problem!("too_long", max = 50));
        }
        match (email, name, language) {
            (Some(email), Some(name), Some(language)) if errors.is_empty() => Ok(NewUser {
                email,
                name,
                roles: parsed_roles,
                language,
                employee_no: employee_no.map(String::from),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_unique_whatever_the_case_typed() {
        assert_eq!(
            Email::parse("  Wang.Li@Example.COM ").unwrap().as_str(),
            "wang.li@example.com"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "@c.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn a_new_user_names_every_bad_field() {
        let errors = NewUser::parse("nope", " ", &["boss"], Some("fr"), None).unwrap_err();
        let fields: Vec<_> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["email", "language", "name", "roles"]);
        assert_eq!(
            errors.0["email"],
            problem!("not_an_email", value = "\"nope\"")
        );
        assert_eq!(
            errors.0["language"],
            problem!("not_a_language", value = "\"fr\"")
        );
        assert_eq!(errors.0["name"], problem!("required"));
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Language::from_accept_language("fr-FR, en-US;q=0.8, zh;q=0.5"),
            Some(Language::En)
        );
        assert_eq!(
            Language::from_accept_language("zh-CN,zh;q=0.9"),
            Some(Language::ZhCn)
        );
        assert_eq!(Language::from_accept_language("de"), None);
    }
}
