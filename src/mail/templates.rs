//! Email templates: one per message and format, in every language, each extending the layout
//! of its format (`layout.txt`, `layout.html`) and taking its texts from the `mail.` keys of the
//! message catalogs through `t`. Compiled in; a file of the same name under
//! `TUOMI_TEMPLATES_DIR/mail/` replaces one, and under `TUOMI_TEMPLATES_DIR/mail/<language>/`
//! replaces a message in that language only. A template that uses a variable its message does
//! not provide, or a catalog key a language lacks, is refused when the service starts, not
//! when a reminder is due.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use minijinja::{Environment, UndefinedBehavior, Value, context};

use crate::catalog;
use crate::domain::identity::CompanyView;
use crate::domain::users::Language;

/// The messages and the variables each may use. The subject is the `subject` block of the
/// .txt template, the text its `body` block (the layout's, around the message's `content`);
/// the HTML gets the rendered subject too.
pub const MESSAGES: &[(&str, &[&str])] = &[
    (
        "reminder",
        &[
            "name",
            "occasion",
            "serving",
            "obligations",
            "restrictions",
            "released_on",
            "lasting",
            "ack_url",
            "whereabouts_url",
            "report_url",
        ],
    ),
    (
        "exit_notice",
        &[
            "name",
            "employee_no",
            "last_working_day",
            "obligations",
            "restrictions",
            "non_compete",
            "ack_url",
            "report_url",
        ],
    ),
    ("nudge", &["name", "days", "lines"]),
    ("breach", &["name", "code", "url"]),
    ("password_reset", &["name", "hours", "url"]),
    (
        "trip_decided",
        &[
            "name",
            "approved",
            "countries",
            "starts_on",
            "ends_on",
            "reason",
            "report_back_days",
            "url",
        ],
    ),
    (
        "handover",
        &["name", "employee_name", "items", "receipt_url"],
    ),
    (
        "loss",
        &[
            "name",
            "employee_name",
            "title",
            "carrier",
            "not_handed_over",
            "on",
            "url",
        ],
    ),
    (
        "disputed",
        &[
            "name",
            "employee_name",
            "successor_name",
            "title",
            "note",
            "on",
            "url",
        ],
    ),
    (
        "forbidden",
        &[
            "name",
            "employee_name",
            "employer",
            "post",
            "kind",
            "obligation",
            "starts_on",
            "url",
            "case_url",
        ],
    ),
    (
        "digest",
        &[
            "name",
            "ending",
            "unacknowledged",
            "escalate_days",
            "payments",
            "rescission",
            "failed",
            "waiting",
            "waiting_since",
            "losses",
            "late_trips",
            "late_documents",
            "url",
        ],
    ),
];

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".txt"),
             include_str!(concat!("../../templates/mail/", $name, ".txt"))),
            (concat!($name, ".html"),
             include_str!(concat!("../../templates/mail/", $name, ".html"))),
        )*]
    };
}

const BUILTIN: &[(&str, &str)] = builtin![
    "layout",
    "reminder",
    "exit_notice",
    "nudge",
    "loss",
    "disputed",
    "forbidden",
    "digest",
    "handover",
    "breach",
    "password_reset",
    "trip_decided",
];

/// What every template may use besides its message's variables: the reader's language (which
/// `t` reads), the catalog functions, and the company (its name, contacts and rules, in the
/// reader's language: every message is signed by it).
const ALWAYS: &[&str] = &["lang", "t", "has_t", "company"];

/// The variables the layouts may use: those every message provides.
const LAYOUT: &[&str] = &["name", "subject"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct MailTemplates {
    env: Environment<'static>,
}

impl MailTemplates {
    /// The built-in templates, each replaced by `<dir>/mail/<file>` where present, and each
    /// message by `<dir>/mail/<language>/<file>` in that language.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<MailTemplates> {
        catalog::load()?;
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        catalog::add_functions(&mut env);
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the template {}", path.display()))
        };
        for (name, source) in BUILTIN {
            let replacement = dir.map(|d| d.join("mail").join(name));
            let source = match replacement.filter(|p| p.is_file()) {
                Some(path) => read(&path)?,
                None => source.to_string(),
            };
            env.add_template_owned(name.to_string(), source)
                .with_context(|| format!("email template {name}"))?;
        }
        if let Some(dir) = dir {
            for lang in [Language::En, Language::ZhCn] {
                for (name, _) in BUILTIN.iter().filter(|(n, _)| !n.starts_with("layout.")) {
                    let path = dir.join("mail").join(lang.as_str()).join(name);
                    if path.is_file() {
                        let name = format!("{}/{name}", lang.as_str());
                        env.add_template_owned(name.clone(), read(&path)?)
                            .with_context(|| format!("email template {name}"))?;
                    }
                }
            }
        }
        let templates = MailTemplates { env };
        templates.check()?;
        Ok(templates)
    }

    /// The template of a message in a language: its own for that language if there is one.
    fn name(&self, language: Language, message: &str, ext: &str) -> String {
        let own = format!("{}/{message}.{ext}", language.as_str());
        if self.env.get_template(&own).is_ok() {
            own
        } else {
            format!("{message}.{ext}")
        }
    }

    /// Every template uses only the variables its message provides (the layouts only those
    /// every message provides), and every catalog key it names is in every language.
    fn check(&self) -> anyhow::Result<()> {
        let mut uses: Vec<(String, BTreeSet<&str>)> = ["layout.txt", "layout.html"]
            .iter()
            .map(|name| (name.to_string(), LAYOUT.iter().copied().collect()))
            .collect();
        for lang in [Language::En, Language::ZhCn] {
            for (message, allowed) in MESSAGES {
                for ext in ["txt", "html"] {
                    let mut allowed: BTreeSet<&str> = allowed.iter().copied().collect();
                    if ext == "html" {
                        allowed.insert("subject");
                    }
                    uses.push((self.name(lang, message, ext), allowed));
                }
            }
        }
        uses.sort();
        uses.dedup();
        for (name, mut allowed) in uses {
            let template = self.env.get_template(&name)?;
            allowed.extend(ALWAYS);
            let unknown: Vec<String> = template
                .undeclared_variables(false)
                .into_iter()
                .filter(|v| !allowed.contains(v.as_str()))
                .collect();
            if !unknown.is_empty() {
                let message = name.rsplit('/').next().unwrap_or(&name);
                anyhow::bail!(
                    "email template {name} uses {} which {} does not provide (it provides: {})",
                    unknown.join(", "),
                    match message.split_once('.') {
                        Some(("layout", _)) => "every message".to_string(),
                        Some((message, _)) => format!("the {message} message"),
                        None => "its message".to_string(),
                    },
                    allowed.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
            let source = template.source();
            if name.ends_with(".txt") && !name.starts_with("layout.") {
                let extends = source.contains("{% extends");
                for block in ["subject", "body"] {
                    let given =
                        source.contains(&format!("block {block}")) || (block == "body" && extends);
                    if !given {
                        anyhow::bail!("email template {name} has no {block} block");
                    }
                }
            }
            for key in catalog_keys(source) {
                for lang in [Language::En, Language::ZhCn] {
                    let known = catalog::text(lang, key).is_some()
                        || catalog::text(lang, &format!("{key}.other")).is_some();
                    if !known {
                        anyhow::bail!(
                            "email template {name} uses the message {key:?}, which the {} \
                             catalog lacks",
                            lang.as_str()
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Renders a message in a language, signed by the company as that language names it.
    pub fn render(
        &self,
        language: Language,
        message: &str,
        company: &CompanyView,
        ctx: Value,
    ) -> anyhow::Result<Rendered> {
        let ctx = context! { lang => language.as_str(), company, ..ctx };
        let txt_name = self.name(language, message, "txt");
        let txt = self.env.get_template(&txt_name)?;
        let mut captured = txt
            .render_captured(&ctx)
            .with_context(|| format!("rendering {txt_name}"))?;
        let (subject, text) = captured
            .with_state_mut(|state| {
                Ok::<_, minijinja::Error>((
                    state.render_block("subject")?,
                    state.render_block("body")?,
                ))
            })
            .with_context(|| format!("rendering {txt_name}"))?;
        let subject = subject.trim().replace('\n', " ");
        let text = text.trim().to_string() + "\n";
        let html_name = self.name(language, message, "html");
        let html = self
            .env
            .get_template(&html_name)?
            .render(context! { subject => subject.clone(), ..ctx })
            .with_context(|| format!("rendering {html_name}"))?;
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }
}

/// The catalog keys a template names whole, as `t("key"…)`; a key built in the template
/// (`t("obligation." ~ o.kind)`) is left to the tests that render every value.
fn catalog_keys(source: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    for (at, _) in source.match_indices("t(\"") {
        let before = source[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &source[at + 3..];
        let Some(end) = rest.find('"') else { continue };
        if !rest[end + 1..].trim_start().starts_with('~') {
            keys.push(&rest[..end]);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_that_uses_an_unknown_variable_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("mail").join("en");
        std::fs::create_dir_all(&mail).unwrap();
        std::fs::write(
            mail.join("nudge.txt"),
            "{% block subject %}x{% endblock %}{% block body %}{{ nmae }}{% endblock %}",
        )
        .unwrap();
        let err = MailTemplates::load(Some(dir.path())).err().unwrap();
        let text = format!("{err:#}");
        assert!(
            text.contains("en/nudge.txt") && text.contains("nmae"),
            "{text}"
        );
    }

    #[test]
    fn a_template_from_the_folder_replaces_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("mail").join("en");
        std::fs::create_dir_all(&mail).unwrap();
        std::fs::write(
            mail.join("loss.txt"),
            "{% block subject %}LOST {{ carrier }}{% endblock %}{% block body %}{{ name }}{% endblock %}",
        )
        .unwrap();
        let templates = MailTemplates::load(Some(dir.path())).unwrap();
        let got = templates
            .render(
                Language::En,
                "loss",
                &CompanyView::default(),
                context! { name => "Wang", employee_name => "Li", title => "USB", carrier => "C-1", not_handed_over => false,
                on => "1 March 2028", url => "http://x" },
            )
            .unwrap();
        assert_eq!(got.subject, "LOST C-1");
        assert_eq!(got.text, "Wang\n");
    }
    #[test]
    fn a_template_from_the_folder_replaces_the_built_in_one_in_every_language() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        std::fs::write(
            mail.join("breach.txt"),
            "{% extends \"layout.txt\" %}{% block subject %}CASE {{ code }}{% endblock %}\
             {% block content %}{{ url }}{% endblock %}",
        )
        .unwrap();
        let templates = MailTemplates::load(Some(dir.path())).unwrap();
        let ctx = context! { name => "Wang", code => "BR-1", url => "http://x" };
        let en = templates
            .render(Language::En, "breach", &CompanyView::default(), ctx.clone())
            .unwrap();
        let zh = templates
            .render(Language::ZhCn, "breach", &CompanyView::default(), ctx)
            .unwrap();
        assert_eq!(
            (en.subject.as_str(), en.text.as_str()),
            ("CASE BR-1", "Dear Wang,\n\nhttp://x\n")
        );
        assert_eq!(
            (zh.subject.as_str(), zh.text.as_str()),
            ("CASE BR-1", "Wang，您好：\n\nhttp://x\n")
        );
    }

    #[test]
    fn a_template_that_names_a_message_the_catalogs_lack_is_refused_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        std::fs::write(
            mail.join("breach.html"),
            "{% extends \"layout.html\" %}{% block content %}{{ t(\"mail.breach.lnik\") }}{% endblock %}",
        )
        .unwrap();
        let err = MailTemplates::load(Some(dir.path())).err().unwrap();
        let text = format!("{err:#}");
        assert!(
            text.contains("breach.html") && text.contains("mail.breach.lnik"),
            "{text}"
        );
    }

    /// The labels built from a value (each obligation kind, each occasion, both marks) are in
    /// both catalogs, and a count picks its form.
    #[test]
    fn every_reminder_occasion_and_obligation_kind_reads_in_both_languages() {
        let templates = MailTemplates::load(None).unwrap();
        let obligations: Vec<Value> = [
            "declassification",
            "confidentiality",
            "non_compete",
            "trade_secret",
        ]
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            context! {
                kind, starts_on => "S", ends_on => (i != 3).then_some("E"),
                ended => i == 0, ending_soon => i == 1,
            }
        })
        .collect();
        for lang in [Language::En, Language::ZhCn] {
            for occasion in ["periodic", "ending", "released", "on_request"] {
                for serving in [false, true] {
                    let lasting = (occasion == "released").then_some("L");
                    let r = templates
                        .render(
                            lang,
                            "reminder",
                            &CompanyView::default(),
                            context! {
                                name => "N", occasion, serving, obligations => obligations.clone(),
                                restrictions => "R", ack_url => "A", report_url => "P",
                                whereabouts_url => "W", released_on => "D", lasting,
                            },
                        )
                        .unwrap();
                    for part in [&r.subject, &r.text, &r.html] {
                        assert!(!part.contains("mail."), "{lang:?} {occasion}: {part}");
                        assert!(!part.contains('{'), "{lang:?} {occasion}: {part}");
                    }
                    let lines = 4 + usize::from(lasting.is_some());
                    assert_eq!(r.text.matches("\n* ").count(), lines, "{}", r.text);
                }
            }
        }
        let nudge = |n: usize| {
            let lines =
                vec![context! { employee_name => "E", title => "T", since => "S", url => "U" }; n];
            templates
                .render(
                    Language::En,
                    "nudge",
                    &CompanyView::default(),
                    context! { name => "N", days => 3, lines },
                )
                .unwrap()
                .subject
        };
        assert_eq!(nudge(1), "Departure checklist: 1 line waiting for you");
        assert_eq!(nudge(2), "Departure checklist: 2 lines waiting for you");
    }
}
