//! The second factor, as pure rules: TOTP codes (RFC 6238 as authenticator apps read them:
//! SHA-1, 6 digits, 30-second steps, one step of clock skew either way), each step accepted
//! once; recovery codes; and the enrolment QR code drawn here as an inline SVG, so the page
//! loads nothing from elsewhere and runs no script. Time, secrets and the last step accepted
//! are given; nothing here reads a clock or stores anything.

use rand::Rng;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// The name an authenticator app lists the account under.
pub const ISSUER: &str = "tuomi";
/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;
const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;

/// A fresh secret: 20 random bytes (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> Vec<u8> {
    rand::rng().random::<[u8; 20]>().to_vec()
}

fn totp(secret: &[u8], account: &str) -> Totp {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(Secret::from(secret))
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        // Only the length of a secret can fail the build; ours are always 20 bytes.
        .build_noncompliant()
}

/// The secret as a person types it into an app (base32).
pub fn secret_text(secret: &[u8]) -> String {
    Secret::from(secret).to_base32()
}

/// The secret of its base32 text, as stored.
pub fn secret_of_text(text: &str) -> Option<Vec<u8>> {
    Secret::try_from_base32(text.trim())
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// The `otpauth://` address an app reads from the QR code.
pub fn otpauth_url(secret: &[u8], account: &str) -> String {
    totp(secret, account).to_url().unwrap_or_default()
}

/// The code for the time `unix` (seconds): what the person's app shows then.
pub fn code_at(secret: &[u8], unix: u64) -> String {
    totp(secret, "").generate(unix).to_string()
}

/// The step a code is accepted for at `unix`, if it is right and newer than `last_step`
/// (a code seen once is refused after, as RFC 6238 §5.2 asks).
pub fn accepted_step(secret: &[u8], code: &str, unix: u64, last_step: Option<u64>) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    totp(secret, "")
        .check(&code, unix)
        .filter(|step| last_step.is_none_or(|last| *step > last))
}

/// Seals a secret (at most 32 bytes) under `key` for storage: a random nonce, then the
/// secret XORed with HMAC-SHA256(key, nonce) — so the stored text without the service's key
/// gives no codes. Hex text.
pub fn seal(key: &[u8], secret: &[u8]) -> String {
    let nonce: [u8; 16] = rand::rng().random();
    let pad = keystream(key, &nonce);
    let sealed: Vec<u8> = secret.iter().zip(pad.iter()).map(|(s, p)| s ^ p).collect();
    format!("{}{}", hex::encode(nonce), hex::encode(sealed))
}

/// The secret [`seal`] sealed under `key`; None for text it did not make.
pub fn unseal(key: &[u8], sealed: &str) -> Option<Vec<u8>> {
    let bytes = hex::decode(sealed).ok()?;
    if bytes.len() < 16 || bytes.len() > 16 + 32 {
        return None;
    }
    let (nonce, body) = bytes.split_at(16);
    let pad = keystream(key, nonce);
    Some(body.iter().zip(pad.iter()).map(|(s, p)| s ^ p).collect())
}

fn keystream(key: &[u8], nonce: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut mac =
        hmac::SimpleHmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(nonce);
    mac.finalize().into_bytes().to_vec()
}

/// Recovery codes to show once: ten of `xxxxx-xxxxx`, letters and digits that cannot be
/// mistaken for one another.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut code: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            code.insert(5, '-');
            code
        })
        .collect()
}

/// A recovery code as typed, in the form it was issued in: lower case, no spaces, the dash
/// in the middle whether typed or not. What is stored is a hash of this.
pub fn normalized_recovery_code(typed: &str) -> String {
    let mut code: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if code.len() == 10 {
        code.insert(5, '-');
    }
    code
}

/// The QR code of `text` as an SVG image (one path, black on white, a quiet zone of 4
/// modules), to put inline on the enrolment page.
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let (size, border) = (qr.size(), 4);
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let full = size + 2 * border;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} {full}\" \
         width=\"{px}\" height=\"{px}\" role=\"img\" shape-rendering=\"crispEdges\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>",
        px = full * 6
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret of RFC 6238's test vectors for SHA-1.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn a_totp_code_is_accepted_once_within_a_step_of_its_time() {
        // RFC 6238 appendix B, truncated to 6 digits: 94287082 at 59 s.
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        assert_eq!(accepted_step(RFC_SECRET, "287082", 59, None), Some(1));
        assert_eq!(accepted_step(RFC_SECRET, "287 082", 59, None), Some(1));
        // One step of skew either way, no more.
        assert_eq!(accepted_step(RFC_SECRET, "287082", 89, None), Some(1));
        assert_eq!(accepted_step(RFC_SECRET, "287082", 29, None), Some(1));
        assert_eq!(accepted_step(RFC_SECRET, "287082", 120, None), None);
        // Seen once, refused after.
        assert_eq!(accepted_step(RFC_SECRET, "287082", 59, Some(1)), None);
        assert_eq!(accepted_step(RFC_SECRET, "000000", 59, None), None);
        assert_eq!(accepted_step(RFC_SECRET, "28708", 59, None), None);
        assert_eq!(accepted_step(RFC_SECRET, "abcdef", 59, None), None);
    }

    #[test]
    fn a_secret_reads_back_from_its_text_and_its_qr_code_is_an_inline_svg() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20);
        assert_ne!(secret, new_secret());
        let text = secret_text(&secret);
        assert_eq!(secret_of_text(&text), Some(secret.clone()));
        let url = otpauth_url(&secret, "wang.li@example.com");
        assert!(url.starts_with("otpauth://totp/tuomi:"), "{url}");
        assert!(url.contains(&format!("secret={text}")), "{url}");
        let svg = qr_svg(&url).unwrap();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script") && !svg.contains("href"));
    }

    #[test]
    fn a_stored_secret_is_sealed_and_opens_only_with_the_key() {
        let secret = new_secret();
        let sealed = seal(b"the service key", &secret);
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_ne!(
            sealed,
            seal(b"the service key", &secret),
            "a fresh nonce each time"
        );
        assert_eq!(unseal(b"the service key", &sealed), Some(secret.clone()));
        assert_ne!(unseal(b"another key", &sealed), Some(secret));
        assert_eq!(unseal(b"the service key", "not hex"), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_back_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), 11);
            assert_eq!(normalized_recovery_code(code), *code);
            assert_eq!(
                normalized_recovery_code(&code.to_uppercase().replace('-', " ")),
                *code
            );
        }
    }
}
