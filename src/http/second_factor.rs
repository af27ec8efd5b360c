//! The second factor at the door: checking a code (or a recovery code) at sign-in, throttled
//! like passwords; enrolment and its confirmation; and who must have one (the
//! `second_factor_roles` setting). The secret is sealed under a key derived from the
//! service's secret key, so the database alone gives no codes.

use sha2::{Digest, Sha256};

use super::AppState;
use crate::db::second_factor as stored;
use crate::db::users::User;
use crate::domain::second_factor as rules;
use crate::error::Error;

/// The page a user who must enrol is sent to.
pub const ENROL_PAGE: &str = "/settings/second-factor";

/// Paths a user who must enrol may still use: enrolment itself, signing out, who am I.
pub fn open_before_enrolment(path: &str) -> bool {
    path.starts_with(ENROL_PAGE)
        || path.starts_with("/api/v1/me/second-factor")
        || matches!(path, "/api/v1/session" | "/api/v1/me" | "/logout")
}

fn key(state: &AppState) -> Vec<u8> {
    Sha256::digest(
        [
            b"tuomi second factor\0".as_slice(),
            state.cookie_key.master(),
        ]
        .concat(),
    )
    .to_vec()
}

/// True when the user's roles need a second factor.
pub fn required_for(state: &AppState, user: &User) -> bool {
    user.has_any_role(&state.config.second_factor_roles)
}

/// True when the user's second factor is on.
pub async fn enrolled(state: &AppState, user_id: &str) -> Result<bool, Error> {
    let id = user_id.to_string();
    state
        .db(move |conn| Ok(stored::is_enrolled(conn, &id)?))
        .await
}

/// The throttle's key for a user's codes: apart from their email's, which a right password
/// clears (so the password cannot reset the count of wrong codes).
fn code_key(user: &User) -> String {
    format!("second factor {}", user.id)
}

fn unix(state: &AppState) -> u64 {
    state.now().timestamp().max(0) as u64
}

/// Accepts `code` for the user if it is the TOTP code of now (a step either way) not used
/// before, or — with `recovery` — one of their unspent recovery codes, which is then spent.
/// Only for a second factor in `stored` state `enrolled` (on) or not yet (being confirmed).
async fn accept(
    state: &AppState,
    user_id: &str,
    code: &str,
    enrolled: bool,
) -> Result<bool, Error> {
    let (id, code, key, now, unix) = (
        user_id.to_string(),
        code.to_string(),
        key(state),
        state.now(),
        unix(state),
    );
    state
        .write(move |tx| {
            let Some(factor) = stored::of_user(tx, &id)?.filter(|f| f.enrolled == enrolled) else {
                return Ok(false);
            };
            let secret = rules::unseal(&key, &factor.sealed_secret).unwrap_or_default();
            if let Some(step) = rules::accepted_step(&secret, &code, unix, factor.last_step) {
                return Ok(stored::take_step(tx, &id, step)?);
            }
            if !enrolled {
                return Ok(false);
            }
            Ok(stored::spend_code(
                tx,
                now,
                &id,
                &rules::normalized_recovery_code(&code),
            )?)
        })
        .await
}

/// The second step of a sign-in of `user`, whose password was right: nothing for a user
/// without a second factor; else `code` must be right. Wrong codes count against the account
/// like wrong passwords (the same throttle), so guessing codes is as slow as guessing
/// passwords.
pub async fn second_step(state: &AppState, user: &User, code: Option<&str>) -> Result<(), Error> {
    if !enrolled(state, &user.id).await? {
        return Ok(());
    }
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(Error::SecondFactorNeeded);
    };
    let (by_account, account, now) = (state.signin_by_account, code_key(user), state.now());
    let key = account.clone();
    let wait = state
        .write(move |tx| Ok(by_account.take(tx, &key, now)?))
        .await?;
    if let Some(secs) = wait {
        return Err(Error::Throttled(secs));
    }
    if !accept(state, &user.id, code, true).await? {
        tracing::info!("second-factor code refused");
        return Err(Error::WrongSecondFactor);
    }
    state
        .write(move |tx| Ok(by_account.clear(tx, &account)?))
        .await
}

/// An enrolment started: the secret as text to type, the `otpauth://` address and its QR
/// code as inline SVG.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The secret in base32, for typing into an app.
    pub secret: String,
    /// What the QR code says, for apps that take a link.
    pub otpauth_url: String,
    /// The QR code, an SVG image to show inline.
    pub qr_svg: String,
}

/// Starts (or starts again) the user's enrolment with a new secret.
pub async fn start(state: &AppState, user: &User) -> Result<Enrolment, Error> {
    let secret = rules::new_secret();
    let sealed = rules::seal(&key(state), &secret);
    let (id, now) = (user.id.clone(), state.now());
    state
        .write(move |tx| stored::start(tx, now, &id, &sealed))
        .await?;
    enrolment_of(&secret, &user.email)
}

fn enrolment_of(secret: &[u8], account: &str) -> Result<Enrolment, Error> {
    let otpauth_url = rules::otpauth_url(secret, account);
    let qr_svg = rules::qr_svg(&otpauth_url)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the QR code could not be drawn")))?;
    Ok(Enrolment {
        secret: rules::secret_text(secret),
        otpauth_url,
        qr_svg,
    })
}

/// The enrolment the user started and has not confirmed, to show again.
pub async fn pending(state: &AppState, user: &User) -> Result<Option<Enrolment>, Error> {
    let (id, key) = (user.id.clone(), key(state));
    let factor = state
        .db(move |conn| Ok(stored::of_user(conn, &id)?))
        .await?;
    match factor.filter(|f| !f.enrolled) {
        Some(f) => {
            let secret = rules::unseal(&key, &f.sealed_secret).unwrap_or_default();
            Ok(Some(enrolment_of(&secret, &user.email)?))
        }
        None => Ok(None),
    }
}

/// Confirms the enrolment with a code from the app: only then is the second factor on. The
/// recovery codes to show once.
pub async fn confirm(state: &AppState, user: &User, code: &str) -> Result<Vec<String>, Error> {
    let id = user.id.clone();
    let started = state
        .db(move |conn| Ok(stored::of_user(conn, &id)?))
        .await?;
    match started {
        None => return Err(Error::refused(crate::problem!("second_factor_not_started"))),
        Some(f) if f.enrolled => return Err(Error::refused(crate::problem!("second_factor_on"))),
        Some(_) => {}
    }
    if !accept(state, &user.id, code, false).await? {
        return Err(Error::field("code", crate::problem!("wrong_second_factor")));
    }
    let codes = rules::new_recovery_codes();
    let (id, now, kept) = (user.id.clone(), state.now(), codes.clone());
    state
        .write(move |tx| stored::confirm(tx, now, &id, &kept))
        .await?;
    Ok(codes)
}

/// New recovery codes (shown once); the old ones stop working.
pub async fn renew_codes(state: &AppState, user: &User) -> Result<Vec<String>, Error> {
    let codes = rules::new_recovery_codes();
    let (id, now, kept) = (user.id.clone(), state.now(), codes.clone());
    state
        .write(move |tx| stored::renew_codes(tx, now, &id, &kept))
        .await?;
    Ok(codes)
}

/// Turns the user's own second factor off, proven by their password or a code (a recovery
/// code too); a wrong proof is 422 naming `proof` and counts as a failed sign-in.
pub async fn disable(state: &AppState, user: &User, proof: &str) -> Result<(), Error> {
    if !enrolled(state, &user.id).await? {
        return Err(Error::refused(crate::problem!("second_factor_off")));
    }
    let (by_account, account, now) = (state.signin_by_account, code_key(user), state.now());
    let key = account.clone();
    if let Some(secs) = state
        .write(move |tx| Ok(by_account.take(tx, &key, now)?))
        .await?
    {
        return Err(Error::Throttled(secs));
    }
    let (typed, hash) = (proof.to_string(), user.password_hash.clone());
    let password_ok =
        actix_web::web::block(move || crate::auth::verify_password(&typed, hash.as_deref()))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("password check failed: {e}")))?;
    if !password_ok && !accept(state, &user.id, proof, true).await? {
        return Err(Error::field(
            "proof",
            crate::problem!("wrong_second_factor"),
        ));
    }
    let (id, actor) = (
        user.id.clone(),
        crate::domain::audit::Actor::User(user.id.clone()),
    );
    state
        .write(move |tx| {
            by_account.clear(tx, &account)?;
            stored::remove(tx, now, &actor, &id)
        })
        .await
}

/// An administrator resets a user's second factor (a lost phone): it is removed with the
/// recovery codes and the user's sessions end.
pub async fn reset(state: &AppState, admin: &User, user_id: &str) -> Result<(), Error> {
    let (id, now, actor) = (
        user_id.to_string(),
        state.now(),
        crate::domain::audit::Actor::User(admin.id.clone()),
    );
    state
        .write(move |tx| stored::remove(tx, now, &actor, &id))
        .await
}
