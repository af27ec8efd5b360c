//! The page templates and the message catalogs they read, embedded at build time: the
//! template environment with its filters, and the patterns that translate the domain's
//! messages.

use std::collections::HashMap;
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::domain::users::Language;
use crate::error::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The page templates and the message catalogs.
pub struct Pages {
    pub(super) env: Environment<'static>,
    catalogs: Arc<HashMap<&'static str, Catalog>>,
}

type Catalog = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

impl Pages {
    pub fn new(timezone: chrono_tz::Tz) -> anyhow::Result<Pages> {
        let mut catalogs: HashMap<&'static str, Catalog> = HashMap::new();
        for (lang, file, text) in embedded::CATALOG_FILES {
            let table: toml::Table = toml::from_str(text)
                .map_err(|e| anyhow::anyhow!("message catalog {lang}/{file}: {e}"))?;
            let mut part = Catalog::new();
            flatten("", &table, &mut part);
            let catalog = catalogs.entry(*lang).or_default();
            for (key, value) in part {
                if catalog.insert(key.clone(), value).is_some() {
                    anyhow::bail!("message catalog {lang}/{file}: {key:?} is defined twice");
                }
            }
        }
        let catalogs = Arc::new(catalogs);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // HTML escaping of the five characters that matter, leaving `/` as it is so links
        // read plainly in the page source.
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == minijinja::AutoEscape::None || value.is_safe() {
                return minijinja::escape_formatter(out, state, value);
            }
            let text = match value.as_str() {
                Some(s) => std::borrow::Cow::Borrowed(s),
                None if value.is_none() || value.is_undefined() => std::borrow::Cow::Borrowed(""),
                None => std::borrow::Cow::Owned(value.to_string()),
            };
            let mut escaped = String::with_capacity(text.len());
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)?;
            Ok(())
        });
        for (name, source) in embedded::WEB_TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("template {name}: {e}"))?;
        }
        let lang_of = |state: &minijinja::State| {
            state
                .lookup("lang")
                .and_then(|v| v.as_str().and_then(|s| s.parse::<Language>().ok()))
                .unwrap_or_default()
        };
        // t("key") looks the key up in the catalog of the page's language; a missing key is an
        // error, so no page shows a raw key.
        let messages = catalogs.clone();
        env.add_function(
            "t",
            move |state: &minijinja::State, key: &str| -> Result<String, minijinja::Error> {
                let lang = lang_of(state);
                messages
                    .get(lang.as_str())
                    .and_then(|c| c.get(key))
                    .cloned()
                    .ok_or_else(|| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::UndefinedError,
                            format!("no message {key:?} in the {} catalog", lang.as_str()),
                        )
                    })
            },
        );
        // has_t("key"): whether a message exists (for values that may have no label).
        let messages = catalogs.clone();
        env.add_function("has_t", move |state: &minijinja::State, key: &str| {
            messages
                .get(lang_of(state).as_str())
                .is_some_and(|c| c.contains_key(key))
        });
        // Error messages come from the domain in English; the catalog's [problem] table
        // translates the ones it knows, the rest show as they are.
        let messages = catalogs.clone();
        env.add_filter("problem", move |state: &minijinja::State, text: &str| {
            let Some(catalog) = messages.get(lang_of(state).as_str()) else {
                return text.to_string();
            };
            if let Some(exact) = catalog.get(&format!("problem.{text}")) {
                return exact.clone();
            }
            // A message with what was typed or a number in it: looked up as a pattern.
            let (pattern, parts) = problem_pattern(text);
            match catalog.get(&format!("problem.{pattern}")) {
                Some(translated) => fill_pattern(translated, &parts),
                None => text.to_string(),
            }
        });
        // Dates (YYYY-MM-DD) written as people of the page's language write them.
        env.add_filter("date", move |state: &minijinja::State, value: Value| {
            let text = value.as_str().map(str::to_string).unwrap_or_default();
            match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(date) => crate::domain::reminders::written_date(date, lang_of(state)),
                Err(_) => text,
            }
        });
        // Instants (RFC 3339, UTC) as the company's local date and time.
        env.add_filter("datetime", move |value: Value| {
            let text = value.as_str().map(str::to_string).unwrap_or_default();
            match chrono::DateTime::parse_from_rfc3339(&text) {
                Ok(at) => at
                    .with_timezone(&timezone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                Err(_) => text,
            }
        });
        // Whole numbers with thousands grouped (both languages group by three here).
        env.add_filter("number", |value: Value| {
            let n = i64::try_from(value.clone()).unwrap_or_default();
            let digits = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if n < 0 { format!("-{out}") } else { out }
        });
        Ok(Pages { env, catalogs })
    }

    /// A message of the catalog, for text written outside templates (CSV headers, pictures).
    pub fn text(&self, lang: Language, key: &str) -> String {
        self.catalogs
            .get(lang.as_str())
            .and_then(|c| c.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
    }
}

/// A message as a catalog pattern: each quoted part becomes `{}`, each number `{n}`; with the
/// parts taken out, in order.
fn problem_pattern(text: &str) -> (String, Vec<String>) {
    let mut pattern = String::new();
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut quoted = String::from('"');
            for q in chars.by_ref() {
                quoted.push(q);
                if q == '"' {
                    break;
                }
            }
            parts.push(quoted);
            pattern.push_str("{}");
        } else if c.is_ascii_digit() {
            let mut number = String::from(c);
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                number.push(*d);
                chars.next();
            }
            parts.push(number);
            pattern.push_str("{n}");
        } else {
            pattern.push(c);
        }
    }
    (pattern, parts)
}

/// A translated pattern with the parts put back, in order.
fn fill_pattern(translated: &str, parts: &[String]) -> String {
    let mut out = String::new();
    let mut rest = translated;
    let mut parts = parts.iter();
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let marker = if tail.starts_with("{n}") {
            3
        } else if tail.starts_with("{}") {
            2
        } else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        out.push_str(parts.next().map_or("", String::as_str));
        rest = &tail[marker..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_what_was_typed_is_translated_through_its_pattern() {
        let (pattern, parts) = problem_pattern("\"2026-13-01\" is not a date like 2026-03-01");
        assert_eq!(pattern, "{} is not a date like {n}-{n}-{n}");
        let translated = fill_pattern("{} 不是有效日期，格式如 {n}-{n}-{n}", &parts);
        assert_eq!(translated, "\"2026-13-01\" 不是有效日期，格式如 2026-03-01");
        let (pattern, parts) = problem_pattern("is longer than 300 characters");
        assert_eq!(pattern, "is longer than {n} characters");
        assert_eq!(fill_pattern("超过 {n} 个字符", &parts), "超过 300 个字符");
    }

    /// What a form answers when the record is no longer in the state the form was for: the
    /// message names the state, and every state it can name reads in Chinese on a Chinese page.
    #[test]
    fn a_record_in_the_wrong_state_is_explained_in_chinese() {
        use crate::domain::carriers::CarrierStatus;
        use crate::domain::clearance::ChangeStatus;
        use crate::domain::departures::LineStatus;
        use crate::domain::people::EmployeeStatus;
        let pages = Pages::new(chrono_tz::Asia::Shanghai).unwrap();
        let zh = |text: &str| -> String {
            pages
                .env
                .render_str(
                    "{{ m|problem }}",
                    minijinja::context! { lang => "zh-CN", m => text },
                )
                .unwrap()
        };
        let mut messages = Vec::new();
        for s in [
            EmployeeStatus::Departing,
            EmployeeStatus::Departed,
            EmployeeStatus::Retired,
        ] {
            let s = s.as_str();
            messages.push(format!(
                "the employee is {s}; only an active employee can start a departure"
            ));
            if s != "departing" {
                messages.push(format!(
                    "the employee is {s}; tiers change only while employed"
                ));
            }
        }
        for s in [EmployeeStatus::Active, EmployeeStatus::Departing] {
            let s = s.as_str();
            messages.push(format!(
                "the employee is {s}; only someone who has left can be rehired"
            ));
        }
        for s in [
            LineStatus::Returned,
            LineStatus::HandedOver,
            LineStatus::Destroyed,
            LineStatus::Missing,
            LineStatus::Done,
        ] {
            messages.push(format!("the line is already {}", s.as_str()));
        }
        for (expected, others) in [
            (
                ChangeStatus::Proposed,
                [
                    ChangeStatus::Reviewed,
                    ChangeStatus::Approved,
                    ChangeStatus::Rejected,
                ],
            ),
            (
                ChangeStatus::Reviewed,
                [
                    ChangeStatus::Proposed,
                    ChangeStatus::Approved,
                    ChangeStatus::Rejected,
                ],
            ),
        ] {
            for s in others {
                messages.push(format!(
                    "the change is {}, not {}",
                    s.as_str(),
                    expected.as_str()
                ));
            }
        }
        for s in [ChangeStatus::Approved, ChangeStatus::Rejected] {
            messages.push(format!("the extension is already {}", s.as_str()));
        }
        let (pool, held, destroyed) = (
            CarrierStatus::InPool.as_str(),
            CarrierStatus::InCustody.as_str(),
            CarrierStatus::Destroyed.as_str(),
        );
        for (s, what) in [
            (held, "assigned (only from the pool)"),
            (destroyed, "assigned (only from the pool)"),
            (pool, "transferred (only while held)"),
            (destroyed, "transferred (only while held)"),
            (pool, "returned (only while held)"),
            (destroyed, "returned (only while held)"),
            (destroyed, "destroyed again"),
        ] {
            messages.push(format!("the carrier is {s}; it cannot be {what}"));
        }
        messages.push(
            "3 checklist lines are still open: resolve them, or complete with an override_reason"
                .into(),
        );
        messages.push("2 months are unpaid; the former employee may rescind after 3".into());
        messages.push("2027-03 is already recorded as paid".into());
        for message in &messages {
            let shown = zh(message);
            assert!(
                !shown.contains(|c: char| c.is_ascii_lowercase()),
                "{message:?} shows as {shown:?} on a Chinese page"
            );
        }
        assert_eq!(
            zh(
                "3 checklist lines are still open: resolve them, or complete with an override_reason"
            ),
            "还有 3 项清单未办结：请先办结，或填写强制办结的理由"
        );
    }
}
