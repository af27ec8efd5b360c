//! The company's identity on everything that leaves the system: its name, who the emails come
//! from and go back to, and whom a former employee may ask (HR, the security officer). Kept in
//! the policy, a text per language where it is read; unset until the administrator sets it,
//! and until then the administrator's start page lists what is missing.

use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::policy::{RuleReferences, RuleText};
use super::users::{Email, Language};
use crate::problem;

/// Someone a former employee may ask: their name in each language, phone and email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Contact {
    pub name: RuleText,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Identity {
    /// The company's name as each language writes it.
    pub company: RuleText,
    /// The display name of the emails' sender (e.g. 示例公司人力资源部 / Example Co. HR).
    pub sender_name: RuleText,
    /// The address the emails come from.
    pub sender_address: String,
    /// Where answers to the emails go.
    pub reply_to: String,
    pub hr: Contact,
    pub security: Contact,
}

/// The longest text of the identity, in characters.
const MAX_CHARS: usize = 200;

impl RuleText {
    pub fn in_lang(&self, lang: Language) -> &str {
        match lang {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

impl Identity {
    /// Every field by the name the policy form and the API's messages use, with its value.
    fn fields(&self) -> Vec<(String, &str)> {
        let mut fields: Vec<(String, &str)> = Vec::new();
        for (name, text) in [
            ("company", &self.company),
            ("sender_name", &self.sender_name),
            ("hr.name", &self.hr.name),
            ("security.name", &self.security.name),
        ] {
            fields.push((format!("identity.{name}.zh"), &text.zh));
            fields.push((format!("identity.{name}.en"), &text.en));
        }
        fields.push(("identity.sender_address".into(), &self.sender_address));
        fields.push(("identity.reply_to".into(), &self.reply_to));
        for (who, c) in [("hr", &self.hr), ("security", &self.security)] {
            fields.push((format!("identity.{who}.phone"), &c.phone));
            fields.push((format!("identity.{who}.email"), &c.email));
        }
        fields
    }

    /// The fields not set yet, by their form names, in the form's order.
    pub fn missing(&self) -> Vec<String> {
        let order = Identity::FORM_ORDER;
        let mut missing: Vec<String> = self
            .fields()
            .into_iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(name, _)| name)
            .collect();
        missing.sort_by_key(|name| order.iter().position(|o| o == name));
        missing
    }

    /// The fields as the policy form lists them.
    pub const FORM_ORDER: &'static [&'static str] = &[
        "identity.company.zh",
        "identity.company.en",
        "identity.sender_name.zh",
        "identity.sender_name.en",
        "identity.sender_address",
        "identity.reply_to",
        "identity.hr.name.zh",
        "identity.hr.name.en",
        "identity.hr.phone",
        "identity.hr.email",
        "identity.security.name.zh",
        "identity.security.name.en",
        "identity.security.phone",
        "identity.security.email",
    ];

    /// A field may be left empty (the start page says so); one set is of a sensible length,
    /// and an address is an email address.
    pub fn check(&self, errors: &mut FieldErrors) {
        for (name, value) in self.fields() {
            if value.chars().count() > MAX_CHARS {
                errors.add(&name, problem!("too_long", max = MAX_CHARS));
            } else if (name.ends_with("address")
                || name.ends_with("email")
                || name.ends_with("reply_to"))
                && !value.trim().is_empty()
                && let Err(why) = Email::parse(value)
            {
                errors.add(&name, why);
            }
        }
    }

    /// The display name of the sender in `lang`: its own, else the company's; none unset.
    pub fn sender_name(&self, lang: Language) -> Option<&str> {
        [&self.sender_name, &self.company]
            .into_iter()
            .map(|t| t.in_lang(lang).trim())
            .find(|t| !t.is_empty())
    }
}

/// Whom a contact is, as a page or an email in one language shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContactView {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// The company as a reader in one language sees it: what every email, page and printed
/// document names (the `company` value of their templates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompanyView {
    /// Empty until set.
    pub name: String,
    pub hr: ContactView,
    pub security: ContactView,
    /// The company's rules the notices cite, by duty.
    pub rules: RulesView,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RulesView {
    pub declassification: String,
    pub confidentiality: String,
}

/// The identity and the rule references, as one loader gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Company {
    pub identity: Identity,
    pub rules: RuleReferences,
}

impl Company {
    pub fn view(&self, lang: Language) -> CompanyView {
        let contact = |c: &Contact| ContactView {
            name: c.name.in_lang(lang).trim().to_string(),
            phone: c.phone.trim().to_string(),
            email: c.email.trim().to_string(),
        };
        let i = &self.identity;
        CompanyView {
            name: i.company.in_lang(lang).trim().to_string(),
            hr: contact(&i.hr),
            security: contact(&i.security),
            rules: RulesView {
                declassification: self.rules.declassification.in_lang(lang).to_string(),
                confidentiality: self.rules.confidentiality.in_lang(lang).to_string(),
            },
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A complete identity, as the tests set it.
    pub fn example() -> Identity {
        let text = |zh: &str, en: &str| RuleText {
            zh: zh.into(),
            en: en.into(),
        };
        Identity {
            company: text("示例科技有限公司", "Example Technology Co., Ltd."),
            sender_name: text("示例科技人力资源部", "Example Technology HR"),
            sender_address: "hr@example.com".into(),
            reply_to: "hr-help@example.com".into(),
            hr: Contact {
                name: text("李娟", "Li Juan"),
                phone: "010-6000 1001".into(),
                email: "lijuan@example.com".into(),
            },
            security: Contact {
                name: text("赵刚", "Zhao Gang"),
                phone: "010-6000 1002".into(),
                email: "security@example.com".into(),
            },
        }
    }

    #[test]
    fn the_company_identity_lists_each_unset_field_until_it_is_set() {
        let unset = Identity::default();
        assert_eq!(unset.missing(), Identity::FORM_ORDER);
        assert_eq!(unset.sender_name(Language::En), None);
        let mut some = example();
        some.hr.phone = " ".into();
        some.sender_name.en = String::new();
        assert_eq!(
            some.missing(),
            ["identity.sender_name.en", "identity.hr.phone"]
        );
        // Without a sender name of its own, the emails come from the company.
        assert_eq!(
            some.sender_name(Language::En),
            Some("Example Technology Co., Ltd.")
        );
        assert_eq!(some.sender_name(Language::ZhCn), Some("示例科技人力资源部"));
        assert!(example().missing().is_empty());
    }

    #[test]
    fn an_identity_address_must_be_an_email_address_when_set() {
        let mut errors = FieldErrors::new();
        Identity::default().check(&mut errors);
        example().check(&mut errors);
        assert!(errors.is_empty(), "unset or complete is fine");
        let mut bad = example();
        bad.reply_to = "hr at example".into();
        bad.security.email = "nope".into();
        bad.company.zh = "长".repeat(201);
        bad.check(&mut errors);
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "identity.company.zh",
                "identity.reply_to",
                "identity.security.email"
            ]
        );
    }

    #[test]
    fn a_policy_saved_before_the_identity_existed_reads_with_it_unset() {
        let mut saved = serde_json::to_value(crate::domain::policy::Policy::default()).unwrap();
        saved.as_object_mut().unwrap().remove("identity");
        let old: crate::domain::policy::Policy = serde_json::from_value(saved).unwrap();
        assert_eq!(old.identity, Identity::default());
        assert_eq!(old.identity.missing().len(), Identity::FORM_ORDER.len());
    }

    #[test]
    fn the_company_reads_in_the_readers_language() {
        let company = Company {
            identity: example(),
            rules: RuleReferences::default(),
        };
        let zh = company.view(Language::ZhCn);
        assert_eq!(zh.name, "示例科技有限公司");
        assert_eq!(zh.security.name, "赵刚");
        assert_eq!(zh.rules.confidentiality, "《员工保密制度》第八条");
        let en = company.view(Language::En);
        assert_eq!(en.hr.name, "Li Juan");
        assert_eq!(en.hr.email, "lijuan@example.com");
    }
}
