//! Secrets: password hashing (argon2id), random tokens and their stored hashes.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Checks a password against a stored hash. With no hash (unknown user, or a user who has no
/// password) it still spends the same time, so the answer does not tell which it was.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("an unguessable dummy").unwrap_or_default());
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
}

/// A random token of 32 bytes, URL-safe, with a readable prefix (`tuomi_`, `setup_`).
pub fn random_token(prefix: &str) -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::rng().random();
    format!(
        "{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What is stored of a token: its SHA-256, so a database leak yields no usable token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What a signed link is for; a link made for one purpose is refused for any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A former employee acknowledging a reminder.
    Acknowledge,
    /// A successor signing for a handover (签收).
    Receipt,
    /// A user setting a new password; bound to the password it replaces, so it works once.
    PasswordReset,
    /// A person in a declassification period asking to travel abroad, and reporting back.
    Travel,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Acknowledge => "ack",
            LinkPurpose::Receipt => "receipt",
            LinkPurpose::PasswordReset => "password_reset",
            LinkPurpose::Travel => "travel",
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link has expired")]
    Expired,
    #[error("the link is not valid")]
    Invalid,
}

/// Signs links with a key derived from the service's secret key.
#[derive(Clone)]
pub struct LinkSigner {
    key: [u8; 32],
}

impl LinkSigner {
    pub fn new(secret: &str) -> LinkSigner {
        LinkSigner {
            key: Sha256::digest(format!("tuomi links\0{secret}")).into(),
        }
    }

    /// The MAC over what a link says: its purpose, subject and expiry.
    /// With a `bound` value, the MAC covers it too (and links without one keep the MAC they
    /// were sent with).
    fn mac(
        &self,
        purpose: LinkPurpose,
        subject: &str,
        expires: i64,
        bound: &str,
    ) -> hmac::SimpleHmac<Sha256> {
        use hmac::Mac;
        let mut mac = hmac::SimpleHmac::<Sha256>::new_from_slice(&self.key)
            .expect("HMAC takes any key length");
        mac.update(format!("{}\0{subject}\0{expires}", purpose.as_str()).as_bytes());
        if !bound.is_empty() {
            mac.update(format!("\0{bound}").as_bytes());
        }
        mac
    }

    /// `subject.expires.signature`, URL-safe; the subject is an id (no dots).
    pub fn sign(
        &self,
        purpose: LinkPurpose,
        subject: &str,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> String {
        self.sign_bound(purpose, subject, "", expires)
    }

    /// A link that verifies only while `bound` (never written into the link) is unchanged:
    /// bound to what the link changes, it works once.
    pub fn sign_bound(
        &self,
        purpose: LinkPurpose,
        subject: &str,
        bound: &str,
        expires: chrono::DateTime<chrono::Utc>,
    ) -> String {
        use base64::Engine;
        let expires = expires.timestamp();
        use hmac::Mac;
        let sig = self
            .mac(purpose, subject, expires, bound)
            .finalize()
            .into_bytes();
        format!(
            "{subject}.{expires}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// The subject of a link signed for `purpose`, if it verifies and has not expired.
    pub fn verify(
        &self,
        purpose: LinkPurpose,
        token: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, LinkError> {
        self.verify_bound(purpose, token, "", now)
    }

    /// What a link claims to be about, unchecked: to look up the value it is bound to.
    pub fn claimed_subject(token: &str) -> Option<&str> {
        token.split('.').next().filter(|s| !s.is_empty())
    }

    /// The subject of a link signed with [`LinkSigner::sign_bound`] while `bound` held.
    pub fn verify_bound(
        &self,
        purpose: LinkPurpose,
        token: &str,
        bound: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, LinkError> {
        use base64::Engine;
        use hmac::Mac;
        let mut parts = token.splitn(3, '.');
        let (Some(subject), Some(expires), Some(sig)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let expires: i64 = expires.parse().map_err(|_| LinkError::Invalid)?;
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| LinkError::Invalid)?;
        // Compared in constant time.
        self.mac(purpose, subject, expires, bound)
            .verify_slice(&sig)
            .map_err(|_| LinkError::Invalid)?;
        if now.timestamp() > expires {
            return Err(LinkError::Expired);
        }
        Ok(subject.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_link_verifies_until_it_expires_and_only_for_its_purpose() {
        let signer = LinkSigner::new("a secret of at least thirty-two characters");
        let now = chrono::Utc::now();
        let token = signer.sign(
            LinkPurpose::Acknowledge,
            "r-1",
            now + chrono::Duration::days(1),
        );
        assert_eq!(
            signer.verify(LinkPurpose::Acknowledge, &token, now),
            Ok("r-1".to_string())
        );
        assert_eq!(
            signer.verify(
                LinkPurpose::Acknowledge,
                &token,
                now + chrono::Duration::days(2)
            ),
            Err(LinkError::Expired)
        );
        let forged = token.replacen("r-1", "r-2", 1);
        assert_eq!(
            signer.verify(LinkPurpose::Acknowledge, &forged, now),
            Err(LinkError::Invalid)
        );
        let other = LinkSigner::new("another secret of at least thirty-two chars");
        assert_eq!(
            other.verify(LinkPurpose::Acknowledge, &token, now),
            Err(LinkError::Invalid)
        );
    }

    #[test]
    fn a_bound_link_works_only_while_what_it_is_bound_to_is_unchanged() {
        let signer = LinkSigner::new("a secret of at least thirty-two characters");
        let now = chrono::Utc::now();
        let later = now + chrono::Duration::hours(1);
        let token = signer.sign_bound(LinkPurpose::PasswordReset, "u-1", "hash-1", later);
        assert!(!token.contains("hash-1"));
        assert_eq!(LinkSigner::claimed_subject(&token), Some("u-1"));
        let check = |bound| signer.verify_bound(LinkPurpose::PasswordReset, &token, bound, now);
        assert_eq!(check("hash-1"), Ok("u-1".to_string()));
        assert_eq!(check("hash-2"), Err(LinkError::Invalid));
        assert_eq!(check(""), Err(LinkError::Invalid));
        assert_eq!(
            signer.verify(LinkPurpose::Acknowledge, &token, now),
            Err(LinkError::Invalid)
        );
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("an unguessable dummy", None));
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let a = random_token("tuomi");
        let b = random_token("tuomi");
        assert_ne!(a, b);
        assert!(a.starts_with("tuomi_") && a.len() > 40);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
