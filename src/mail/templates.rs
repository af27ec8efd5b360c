//! Email templates: compiled in, each replaceable by a file of the same name under
//! `TUOMI_TEMPLATES_DIR/mail/`. A template that uses a variable its message does not provide is
//! refused when the service starts, not when a reminder is due.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use minijinja::{Environment, UndefinedBehavior, Value, context};

use crate::domain::users::Language;

/// The messages and the variables each may use. The subject is the `subject` block of the
/// .txt template, the text its `body` block; the HTML gets the rendered subject too.
pub const MESSAGES: &[(&str, &[&str])] = &[
    (
        "reminder",
        &[
            "name",
            "occasion",
            "obligations",
            "restrictions",
            "ack_url",
            "report_url",
            "company",
        ],
    ),
    ("nudge", &["name", "days", "lines"]),
    ("breach", &["name", "code", "url"]),
    (
        "handover",
        &["name", "employee_name", "title", "count", "receipt_url"],
    ),
    (
        "loss",
        &["name", "employee_name", "title", "carrier", "on", "url"],
    ),
    (
        "digest",
        &[
            "name",
            "ending",
            "unacknowledged",
            "escalate_days",
            "payments",
            "failed",
            "waiting",
            "waiting_since",
            "losses",
            "url",
        ],
    ),
];

macro_rules! builtin {
    ($($lang:literal / $name:literal),* $(,)?) => {
        &[$(
            (concat!($lang, "/", $name, ".txt"),
             include_str!(concat!("../../templates/mail/", $lang, "/", $name, ".txt"))),
            (concat!($lang, "/", $name, ".html"),
             include_str!(concat!("../../templates/mail/", $lang, "/", $name, ".html"))),
        )*]
    };
}

const BUILTIN: &[(&str, &str)] = builtin![
    "en" / "reminder",
    "en" / "nudge",
    "en" / "loss",
    "en" / "digest",
    "en" / "handover",
    "en" / "breach",
    "zh-CN" / "reminder",
    "zh-CN" / "nudge",
    "zh-CN" / "loss",
    "zh-CN" / "digest",
    "zh-CN" / "handover",
    "zh-CN" / "breach",
];

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
    /// The built-in templates, each replaced by `<dir>/mail/<language>/<file>` where present.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<MailTemplates> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in BUILTIN {
            let replacement = dir.map(|d| d.join("mail").join(name));
            let source = match replacement.filter(|p| p.is_file()) {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the template {}", path.display()))?,
                None => source.to_string(),
            };
            env.add_template_owned(name.to_string(), source)
                .with_context(|| format!("email template {name}"))?;
        }
        let templates = MailTemplates { env };
        templates.check()?;
        Ok(templates)
    }

    /// Every template uses only the variables its message provides.
    fn check(&self) -> anyhow::Result<()> {
        for lang in [Language::En, Language::ZhCn] {
            for (message, allowed) in MESSAGES {
                for ext in ["txt", "html"] {
                    let name = format!("{}/{message}.{ext}", lang.as_str());
                    let template = self.env.get_template(&name)?;
                    let mut allowed: BTreeSet<&str> = allowed.iter().copied().collect();
                    if ext == "html" {
                        allowed.insert("subject");
                    }
                    let unknown: Vec<String> = template
                        .undeclared_variables(false)
                        .into_iter()
                        .filter(|v| !allowed.contains(v.as_str()))
                        .collect();
                    if !unknown.is_empty() {
                        anyhow::bail!(
                            "email template {name} uses {} which the {message} message does not \
                             provide (it provides: {})",
                            unknown.join(", "),
                            allowed.into_iter().collect::<Vec<_>>().join(", ")
                        );
                    }
                    if ext == "txt" {
                        for block in ["subject", "body"] {
                            if !template.source().contains(&format!("block {block}")) {
                                anyhow::bail!("email template {name} has no {block} block");
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Renders a message in a language.
    pub fn render(
        &self,
        language: Language,
        message: &str,
        ctx: Value,
    ) -> anyhow::Result<Rendered> {
        let name = |ext: &str| format!("{}/{message}.{ext}", language.as_str());
        let txt = self.env.get_template(&name("txt"))?;
        let mut captured = txt
            .render_captured(&ctx)
            .with_context(|| format!("rendering {}", name("txt")))?;
        let (subject, text) = captured.with_state_mut(|state| {
            Ok::<_, minijinja::Error>((state.render_block("subject")?, state.render_block("body")?))
        })?;
        let subject = subject.trim().replace('\n', " ");
        let text = text.trim().to_string() + "\n";
        let html = self
            .env
            .get_template(&name("html"))?
            .render(context! { subject => subject.clone(), ..ctx })
            .with_context(|| format!("rendering {}", name("html")))?;
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }
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
                context! { name => "Wang", employee_name => "Li", title => "USB", carrier => "C-1",
                on => "1 March 2028", url => "http://x" },
            )
            .unwrap();
        assert_eq!(got.subject, "LOST C-1");
        assert_eq!(got.text, "Wang\n");
    }
}
