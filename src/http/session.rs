//! Sessions (a row each, the cookie carries only its secret) and CSRF tokens bound to them,
//! in encrypted cookies (HttpOnly, SameSite=Lax, Secure under https).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, SameSite, time};
use actix_web::http::header;
use sha2::{Digest, Sha256};

use super::AppState;
use crate::db::sessions;
use crate::db::users::User;
use crate::error::Error;

pub const SESSION_COOKIE: &str = "tuomi_session";
pub const CSRF_COOKIE: &str = "tuomi_csrf";
/// Between a right password and the code of an enrolled user: who, since when.
pub const PENDING_COOKIE: &str = "tuomi_pending";
/// How long the code step waits after the password.
pub const PENDING_SECONDS: i64 = 5 * 60;

fn encrypted(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: time::Duration,
) -> Cookie<'static> {
    let cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .max_age(max_age)
        .finish();
    let mut jar = CookieJar::new();
    jar.private_mut(&state.cookie_key).add(cookie);
    jar.get(name)
        .cloned()
        .unwrap_or_else(|| Cookie::new(name, ""))
}

fn decrypted(state: &AppState, req: &HttpRequest, name: &str) -> Option<String> {
    let cookie = req.cookie(name)?;
    CookieJar::new()
        .private(&state.cookie_key)
        .decrypt(cookie.into_owned())
        .map(|c| c.value().to_string())
}

/// Starts a session for a user who has just proven who they are: the one function every
/// sign-in calls (the sign-in page, `POST /api/v1/session`, the setup page). Answers the
/// cookie to set, which carries only the session's secret.
pub async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
) -> Result<Cookie<'static>, Error> {
    let origin = sessions::Origin {
        address: client_address(req, &state.config.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let (now, limits, user) = (state.now(), state.config.sessions, user.clone());
    let (_, secret) = state
        .write(move |tx| Ok(sessions::start(tx, now, limits, &user, &origin)?))
        .await?;
    let max_age = time::Duration::seconds(limits.lifetime.num_seconds());
    Ok(encrypted(state, SESSION_COOKIE, secret, max_age))
}

/// The pending cookie of a sign-in whose password was right and whose code is still to come:
/// encrypted (so it cannot be made or changed), holding the user's id and when.
pub fn pending_cookie(state: &AppState, user_id: &str) -> Cookie<'static> {
    let value = format!("{user_id} {}", state.now().timestamp());
    encrypted(
        state,
        PENDING_COOKIE,
        value,
        time::Duration::seconds(PENDING_SECONDS),
    )
}

/// The user whose password was right less than [`PENDING_SECONDS`] ago (by the service's
/// clock, not the cookie's max-age, which a browser may ignore).
pub fn pending_user(state: &AppState, req: &HttpRequest) -> Option<String> {
    let value = decrypted(state, req, PENDING_COOKIE)?;
    let (user_id, at) = value.split_once(' ')?;
    let age = state.now().timestamp() - at.parse::<i64>().ok()?;
    (0..=PENDING_SECONDS)
        .contains(&age)
        .then(|| user_id.to_string())
}

pub fn expired_pending_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = Cookie::build(PENDING_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .finish();
    cookie.make_removal();
    cookie
}

pub fn expired_session_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies())
        .finish();
    cookie.make_removal();
    cookie
}

/// The secret of the session cookie the request carries, if it is one of ours (whether or
/// not the session is still live).
fn session_secret(state: &AppState, req: &HttpRequest) -> Option<String> {
    decrypted(state, req, SESSION_COOKIE).filter(|s| !s.is_empty())
}

/// The session the request's cookie belongs to and its user, while the session is live and
/// the user active: (session id, user).
pub async fn current_session(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<(String, User)>, Error> {
    let Some(secret) = session_secret(state, req) else {
        return Ok(None);
    };
    let (now, limits) = (state.now(), state.config.sessions);
    state
        .db(move |conn| Ok(sessions::find_live(conn, &secret, now, limits)?))
        .await
}

/// Ends the session of the request's cookie (signing out), for every copy of the cookie.
pub async fn end_session(state: &AppState, req: &HttpRequest) -> Result<(), Error> {
    if let Some(secret) = session_secret(state, req) {
        let now = state.now();
        state
            .write(move |tx| Ok(sessions::end_by_secret(tx, now, &secret)?))
            .await?;
    }
    Ok(())
}

/// The form token of what a CSRF token is bound to: a session's secret, or the random value
/// of an anonymous browser's cookie. An HMAC under a key derived from the service's secret,
/// so a token is worth nothing outside the session (or cookie) it was made for.
fn csrf_of(state: &AppState, bound_to: &str, value: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let key = Sha256::digest([b"tuomi csrf\0".as_slice(), state.cookie_key.master()].concat());
    let mut mac =
        hmac::SimpleHmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(format!("{bound_to}\0{value}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The CSRF token for forms on this page, and the cookie to set when the browser has none yet.
/// With a session cookie the token is the session's; without, an anonymous cookie's (the
/// sign-in page, the public report form, the setup page).
pub fn csrf_token(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(secret) = session_secret(state, req) {
        return (csrf_of(state, "session", &secret), None);
    }
    match decrypted(state, req, CSRF_COOKIE) {
        Some(value) => (csrf_of(state, "anonymous", &value), None),
        None => {
            let value = crate::auth::random_token("csrf");
            let cookie = encrypted(state, CSRF_COOKIE, value.clone(), time::Duration::days(7));
            (csrf_of(state, "anonymous", &value), Some(cookie))
        }
    }
}

/// True when a submitted form carries the token of this request's session, or — for a
/// browser without a session — of its anonymous cookie. A token made for another session, or
/// an anonymous one planted with its cookie, is refused once the request has a session.
pub fn csrf_valid(state: &AppState, req: &HttpRequest, submitted: &str) -> bool {
    let expected = match session_secret(state, req) {
        Some(secret) => csrf_of(state, "session", &secret),
        None => match decrypted(state, req, CSRF_COOKIE) {
            Some(value) => csrf_of(state, "anonymous", &value),
            None => return false,
        },
    };
    // Compare digests so the comparison time does not depend on where they differ.
    Sha256::digest(expected.as_bytes()) == Sha256::digest(submitted.as_bytes())
}

/// The client's address: the peer, or — when the peer is a trusted reverse proxy — the
/// nearest untrusted address its `X-Forwarded-For` names.
pub fn client_address(req: &HttpRequest, trusted: &[std::net::IpAddr]) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    // The proxy appends; walk back from the end past our own proxies.
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// Checks an email and password, throttled per account and per client address. The answer is
/// the same whether or not the email exists.
pub async fn authenticate(
    state: &actix_web::web::Data<AppState>,
    req: &HttpRequest,
    email: &str,
    password: &str,
) -> Result<crate::db::users::User, crate::error::Error> {
    use crate::error::Error;
    let now = state.now();
    let account_key = email.trim().to_lowercase();
    let address_key = client_address(req, &state.config.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let (by_account, by_address) = (state.signin_by_account, state.signin_by_address);
    let (account, address) = (account_key.clone(), address_key.clone());
    // The attempt is counted as it is checked, in one statement a key, so a burst of
    // concurrent guesses gets no more password checks than the limit.
    let wait = state
        .write(move |tx| {
            if let Some(secs) = by_account.take(tx, &account, now)? {
                return Ok(Some(secs));
            }
            let wait = by_address.take(tx, &address, now)?;
            if wait.is_some() {
                by_account.give_back(tx, &account)?;
            }
            Ok(wait)
        })
        .await?;
    if let Some(secs) = wait {
        return Err(Error::Throttled(secs));
    }
    let lookup = account_key.clone();
    let user = state
        .db(move |conn| Ok(crate::db::users::find_by_email(conn, &lookup)?))
        .await?;
    let password = password.to_string();
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.clone());
    let ok =
        actix_web::web::block(move || crate::auth::verify_password(&password, stored.as_deref()))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("password check failed: {e}")))?;
    match user {
        Some(user) if ok => {
            // A right password was no failure: the account starts again, the address gets its
            // attempt back.
            state
                .write(move |tx| {
                    by_account.clear(tx, &account_key)?;
                    Ok(by_address.give_back(tx, &address_key)?)
                })
                .await?;
            Ok(user)
        }
        _ => {
            // Counted already, when it was taken.
            tracing::info!("sign-in refused");
            Err(Error::WrongCredentials)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_forwarded_address() {
        let proxy: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr("10.0.0.5:4000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.7, 203.0.113.9"))
            .to_http_request();
        assert_eq!(
            client_address(&req, &[proxy]),
            Some("203.0.113.9".parse().unwrap())
        );
        // An untrusted peer cannot choose its address by sending the header.
        assert_eq!(client_address(&req, &[]), Some(proxy));
    }
}
