//! Sessions and CSRF tokens in encrypted cookies (HttpOnly, SameSite=Lax, Secure under https).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, SameSite, time};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;

pub const SESSION_COOKIE: &str = "tuomi_session";
pub const CSRF_COOKIE: &str = "tuomi_csrf";
/// A session lasts a working day, then the person signs in again.
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, Serialize, Deserialize)]
struct SessionData {
    uid: String,
    exp: i64,
}

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

pub fn session_cookie(state: &AppState, user_id: &str, now: DateTime<Utc>) -> Cookie<'static> {
    let data = SessionData {
        uid: user_id.to_string(),
        exp: (now + chrono::Duration::hours(SESSION_HOURS)).timestamp(),
    };
    let value = serde_json::to_string(&data).unwrap_or_default();
    encrypted(
        state,
        SESSION_COOKIE,
        value,
        time::Duration::hours(SESSION_HOURS),
    )
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

/// The signed-in user's id, if the request carries a valid, unexpired session.
pub fn session_user_id(state: &AppState, req: &HttpRequest) -> Option<String> {
    let data: SessionData = serde_json::from_str(&decrypted(state, req, SESSION_COOKIE)?).ok()?;
    (data.exp > state.now().timestamp()).then_some(data.uid)
}

/// The CSRF token for forms on this page, and the cookie to set when the browser has none yet.
pub fn csrf_token(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    match decrypted(state, req, CSRF_COOKIE) {
        Some(token) => (token, None),
        None => {
            let token = crate::auth::random_token("csrf");
            let cookie = encrypted(state, CSRF_COOKIE, token.clone(), time::Duration::days(7));
            (token, Some(cookie))
        }
    }
}

/// True when a submitted form carries the token of this browser's CSRF cookie.
pub fn csrf_valid(state: &AppState, req: &HttpRequest, submitted: &str) -> bool {
    use sha2::{Digest, Sha256};
    match decrypted(state, req, CSRF_COOKIE) {
        // Compare digests so the comparison time does not depend on where they differ.
        Some(token) => Sha256::digest(token.as_bytes()) == Sha256::digest(submitted.as_bytes()),
        None => false,
    }
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
    let wait = state
        .db(move |conn| {
            Ok([
                by_account.retry_after(conn, &account, now)?,
                by_address.retry_after(conn, &address, now)?,
            ]
            .into_iter()
            .flatten()
            .max())
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
            state.throttle_forget(by_account, &account_key).await?;
            Ok(user)
        }
        _ => {
            state
                .write(move |tx| {
                    by_account.fail(tx, &account_key, now)?;
                    Ok(by_address.fail(tx, &address_key, now)?)
                })
                .await?;
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
