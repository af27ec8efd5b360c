//! Outgoing email: messages built from the templates (text and HTML, zh-CN and en), signed
//! with DKIM when a key is configured, and handed to SMTP or written to the outbox folder.

pub mod exit_notice;
pub mod templates;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::dkim::{DkimConfig, DkimSigningAlgorithm, DkimSigningKey};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, Message, SmtpTransport, Transport};

use crate::config::Config;

/// Threads of one worker that claim and send jobs side by side, each on an SMTP connection
/// of its own from the pool.
pub const SENDERS: usize = 4;
pub use templates::{MailTemplates, Rendered};

/// Why a message did not go out. A permanent failure (5xx, a bad address) is not retried.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            permanent: true,
            message: message.into(),
        }
    }

    fn temporary(message: impl Into<String>) -> SendError {
        SendError {
            permanent: false,
            message: message.into(),
        }
    }
}

enum Delivery {
    Smtp(Box<SmtpTransport>),
    /// No SMTP server configured: each message becomes an .eml file here.
    Outbox(PathBuf),
}

pub struct Mailer {
    delivery: Delivery,
    from: Mailbox,
    dkim: Option<DkimConfig>,
}

/// A message ready to build: who, what, and its stable Message-ID.
pub struct Letter<'a> {
    pub to: &'a str,
    pub rendered: &'a Rendered,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
    /// Who it is from as the reader sees it (the company's identity); none: the configured
    /// sender.
    pub sender: Sender,
}

/// The From and Reply-To of a message, from the company's identity in the reader's language.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub name: Option<String>,
    pub address: Option<String>,
    pub reply_to: Option<String>,
}

impl Sender {
    pub fn of(
        identity: &crate::domain::identity::Identity,
        lang: crate::domain::users::Language,
    ) -> Sender {
        let set = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Sender {
            name: identity.sender_name(lang).map(str::to_string),
            address: set(&identity.sender_address),
            reply_to: set(&identity.reply_to),
        }
    }
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let from: Mailbox = config.mail_from.parse().with_context(|| {
            format!(
                "TUOMI_MAIL_FROM {:?} is not a mailbox like \"tuomi <tuomi@example.com>\"",
                config.mail_from
            )
        })?;
        let delivery = match &config.smtp_url {
            Some(url) => Delivery::Smtp(Box::new(
                SmtpTransport::from_url(url.as_str())
                    .context("TUOMI_SMTP_URL")?
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(PoolConfig::new().max_size(SENDERS as u32))
                    .build(),
            )),
            None => Delivery::Outbox(config.data_dir.join("outbox")),
        };
        let dkim = match &config.dkim {
            None => None,
            Some((selector, file)) => {
                let key = std::fs::read_to_string(file)
                    .with_context(|| format!("TUOMI_DKIM_KEY_FILE {}", file.display()))?;
                let algorithm = if key.contains("-----BEGIN") {
                    DkimSigningAlgorithm::Rsa
                } else {
                    DkimSigningAlgorithm::Ed25519
                };
                let key = DkimSigningKey::new(key.trim(), algorithm)
                    .map_err(|e| anyhow::anyhow!("TUOMI_DKIM_KEY_FILE {}: {e}", file.display()))?;
                Some(DkimConfig::default_config(
                    selector.clone(),
                    from.email.domain().to_string(),
                    key,
                ))
            }
        };
        Ok(Mailer {
            delivery,
            from,
            dkim,
        })
    }

    /// The Message-ID of a reminder: the same for every attempt, so a receiver can drop the
    /// duplicate a crash between "accepted" and "marked sent" could cause.
    pub fn message_id(&self, reminder_id: &str) -> String {
        format!("<{reminder_id}@{}>", self.from.email.domain())
    }

    /// The message exactly as it will be sent.
    pub fn build(&self, letter: &Letter<'_>) -> Result<Vec<u8>, SendError> {
        let to: Mailbox = letter.to.parse().map_err(|e| {
            SendError::permanent(format!("{:?} is not a deliverable address: {e}", letter.to))
        })?;
        let mut builder = Message::builder().from(self.sender_mailbox(&letter.sender)?);
        if let Some(reply_to) = &letter.sender.reply_to {
            let reply_to: Mailbox = reply_to.parse().map_err(|e| {
                SendError::permanent(format!("the reply-to {reply_to:?} is not an address: {e}"))
            })?;
            builder = builder.reply_to(reply_to);
        }
        let mut message = builder
            .to(to)
            .subject(letter.rendered.subject.clone())
            .message_id(Some(letter.message_id.to_string()))
            .date(letter.date.into())
            .multipart(MultiPart::alternative_plain_html(
                letter.rendered.text.clone(),
                letter.rendered.html.clone(),
            ))
            .map_err(|e| SendError::permanent(format!("the message cannot be built: {e}")))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        Ok(message.formatted())
    }

    /// The From of a message: the identity's name and address, each where set, else the
    /// configured sender's.
    fn sender_mailbox(&self, sender: &Sender) -> Result<Mailbox, SendError> {
        let email = match &sender.address {
            Some(address) => address.parse().map_err(|e| {
                SendError::permanent(format!("the sender {address:?} is not an address: {e}"))
            })?,
            None => self.from.email.clone(),
        };
        let name = sender.name.clone().or_else(|| self.from.name.clone());
        Ok(Mailbox::new(name, email))
    }

    /// Hands the bytes to the mail server (or the outbox); returns the server's answer.
    /// Never call it inside a database transaction.
    pub fn send(&self, to: &str, message_id: &str, bytes: &[u8]) -> Result<String, SendError> {
        let to: Address = to
            .parse()
            .map_err(|e| SendError::permanent(format!("{to:?} is not an address: {e}")))?;
        match &self.delivery {
            Delivery::Smtp(transport) => {
                let envelope = Envelope::new(Some(self.from.email.clone()), vec![to])
                    .map_err(|e| SendError::permanent(e.to_string()))?;
                match transport.send_raw(&envelope, bytes) {
                    Ok(response) => Ok(format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    )),
                    Err(e) if e.is_permanent() => Err(SendError::permanent(e.to_string())),
                    Err(e) => Err(SendError::temporary(e.to_string())),
                }
            }
            Delivery::Outbox(dir) => {
                let name: String = message_id
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '@'))
                    .collect();
                let path = dir.join(format!("{name}.eml"));
                write_file(dir, &path, bytes).map_err(|e| {
                    SendError::temporary(format!("cannot write {}: {e}", path.display()))
                })?;
                Ok(format!("written to {}", path.display()))
            }
        }
    }
}

/// Writes whole or not at all (a temporary file renamed into place).
fn write_file(dir: &std::path::Path, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("eml.tmp");
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        // A full disk leaves no half-written message behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered() -> Rendered {
        Rendered {
            subject: "保密义务提醒".into(),
            text: "王芳，您好：\n  两年内不得披露。  \n".into(),
            html: "<p>王芳，您好</p>".into(),
        }
    }

    fn config(dir: &std::path::Path) -> Config {
        let mut config = Config::for_data_dir(dir, "sqlite://x.db").unwrap();
        config.mail_from = "Example Co. <tuomi@example.com>".into();
        config
    }

    #[test]
    fn a_message_has_its_stable_message_id_both_parts_and_an_encoded_chinese_subject() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::from_config(&config(dir.path())).unwrap();
        let id = mailer.message_id("r-42");
        assert_eq!(id, "<r-42@example.com>");
        let bytes = mailer
            .build(&Letter {
                to: "wang@home.example",
                rendered: &rendered(),
                message_id: &id,
                date: chrono::Utc::now(),
                sender: Sender::default(),
            })
            .unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.is_ascii(), "7-bit safe on the wire");
        assert!(text.contains("Message-ID: <r-42@example.com>"));
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("Subject: =?utf-8?b?"));
        // Without an SMTP server the message is written to the outbox as it would be sent.
        let reply = mailer.send("wang@home.example", &id, &bytes).unwrap();
        let written = std::fs::read(dir.path().join("outbox/r-42@example.com.eml")).unwrap();
        assert_eq!(written, bytes, "{reply}");
    }

    #[test]
    fn a_bad_address_is_a_permanent_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::from_config(&config(dir.path())).unwrap();
        let err = mailer
            .build(&Letter {
                to: "not an address",
                rendered: &rendered(),
                message_id: "<x@example.com>",
                date: chrono::Utc::now(),
                sender: Sender::default(),
            })
            .unwrap_err();
        assert!(err.permanent, "{err}");
    }

    #[test]
    fn with_a_dkim_key_messages_are_signed_over_their_body() {
        use base64::Engine;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("dkim.key");
        let seed: [u8; 32] = rand::random();
        std::fs::write(&key, base64::engine::general_purpose::STANDARD.encode(seed)).unwrap();
        let mut config = config(dir.path());
        config.dkim = Some(("mail2028".into(), key));
        let mailer = Mailer::from_config(&config).unwrap();
        let bytes = mailer
            .build(&Letter {
                to: "wang@home.example",
                rendered: &rendered(),
                message_id: "<r-1@example.com>",
                date: chrono::Utc::now(),
                sender: Sender::default(),
            })
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let (headers, body) = text.split_once("\r\n\r\n").unwrap();
        let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
        let signature = unfolded
            .lines()
            .find(|l| l.starts_with("DKIM-Signature:"))
            .expect("a DKIM-Signature header");
        let tag = |name: &str| {
            signature
                .split(';')
                .map(str::trim)
                .find_map(|t| t.strip_prefix(&format!("{name}=")))
                .unwrap_or_default()
                .replace(' ', "")
        };
        assert_eq!(tag("d"), "example.com");
        assert_eq!(tag("s"), "mail2028");
        assert_eq!(tag("a"), "ed25519-sha256");
        assert!(!tag("b").is_empty());
        // bh is the hash of the body, canonicalised (relaxed: runs of spaces become one,
        // trailing spaces and empty lines go).
        let mut lines: Vec<String> = body
            .split("\r\n")
            .map(|l| {
                l.split([' ', '\t'])
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let canonical = lines.join("\r\n") + "\r\n";
        use sha2::Digest;
        let expected = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(canonical.as_bytes()));
        assert_eq!(tag("bh"), expected);
    }
}
