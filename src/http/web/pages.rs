//! The page templates, embedded at build time: the template environment with the catalogs'
//! `t` and `has_t` (from `catalog`, shared with the emails), `problem`, and the filters that
//! write dates and numbers.

use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Deserialize;

use crate::catalog;
use crate::domain::problem::Problem;
use crate::domain::users::Language;
use crate::error::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// The page templates, with the catalogs' functions and filters.
pub struct Pages {
    pub(super) env: Environment<'static>,
}

impl Pages {
    pub fn new(timezone: chrono_tz::Tz) -> anyhow::Result<Pages> {
        catalog::load()?;
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
        catalog::add_functions(&mut env);
        let lang_of = catalog::lang_of;
        // A refusal or field message (a `Problem`) in the page's language.
        env.add_filter("problem", move |state: &minijinja::State, value: Value| {
            let lang = lang_of(state);
            match Problem::deserialize(&value) {
                Ok(problem) => catalog::render(lang, &problem),
                // Not a problem at all: a template slip, shown as it is rather than hidden.
                Err(_) => value.to_string(),
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
        Ok(Pages { env })
    }

    /// A message of the catalog, for text written outside templates (CSV headers, pictures).
    pub fn text(&self, lang: Language, key: &str) -> String {
        catalog::text(lang, key).unwrap_or(key).to_string()
    }

    pub fn render(&self, name: &str, ctx: Value) -> Result<String, Error> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
    }
}
