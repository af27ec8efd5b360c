//! The policy form's section on the company's identity: its fields, and the form read back
//! into the policy. A form without them (an older page) keeps the identity in force.

use minijinja::{Value, context};

use super::{Fields, field};
use crate::domain::identity::Identity;
use crate::domain::policy::RuleText;

/// Each field of the identity as a setting of the form; a text in one language is marked as
/// being in that language whatever the page's.
pub(super) fn settings(identity: &Identity) -> Vec<Value> {
    let mut read = identity.clone();
    Identity::FORM_ORDER
        .iter()
        .map(|name| {
            let value = value_of_mut(&mut read, name).cloned().unwrap_or_default();
            let lang = match name.rsplit('.').next() {
                Some("zh") => Some("zh-CN"),
                Some("en") => Some("en"),
                _ => None,
            };
            let kind = if name.ends_with("address")
                || name.ends_with("email")
                || name.ends_with("reply_to")
            {
                "email"
            } else {
                "identity"
            };
            match lang {
                Some(lang) => context! { name, kind, value, lang },
                None => context! { name, kind, value },
            }
        })
        .collect()
}

/// The identity as the form gives it.
pub(super) fn read(identity: &mut Identity, fields: &Fields) {
    for name in Identity::FORM_ORDER {
        if fields.contains_key(*name)
            && let Some(value) = value_of_mut(identity, name)
        {
            *value = field(fields, name).trim().to_string();
        }
    }
}

/// The field of the identity a form name is; none for a name that is not one. (One mapping,
/// used to read as well as to write.)
fn value_of_mut<'a>(i: &'a mut Identity, name: &str) -> Option<&'a mut String> {
    let text = |t: &'a mut RuleText, lang: &str| if lang == "zh" { &mut t.zh } else { &mut t.en };
    let parts: Vec<&str> = name.trim_start_matches("identity.").split('.').collect();
    Some(match parts[..] {
        ["company", lang] => text(&mut i.company, lang),
        ["sender_name", lang] => text(&mut i.sender_name, lang),
        ["sender_address"] => &mut i.sender_address,
        ["reply_to"] => &mut i.reply_to,
        ["hr", "name", lang] => text(&mut i.hr.name, lang),
        ["hr", "phone"] => &mut i.hr.phone,
        ["hr", "email"] => &mut i.hr.email,
        ["security", "name", lang] => text(&mut i.security.name, lang),
        ["security", "phone"] => &mut i.security.phone,
        ["security", "email"] => &mut i.security.email,
        _ => return None,
    })
}
