//! Which state-changing requests come from a page of another origin, as the browser says
//! (`Sec-Fetch-Site`, `Origin`). A page on another port of the host or on a sibling subdomain
//! is the same *site*, so SameSite cookies go with its requests: only the origin tells.

use actix_web::dev::ServiceRequest;
use actix_web::http::{Method, header};

use crate::http::AppState;

/// POST, PUT, PATCH, DELETE: what changes something.
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Requests with an API token: no browser sends one on its own, so no page can forge them.
pub fn has_bearer_token(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
}

/// True when the browser says the request comes from a page of another origin: a
/// `Sec-Fetch-Site` of `cross-site` or `same-site`, or an `Origin` that is neither the
/// service's address (`base_url`) nor the host the request was sent to. A client that sends
/// neither header (a script, an older browser) is not refused here.
pub fn from_another_origin(state: &AppState, req: &ServiceRequest) -> bool {
    let header_text = |name| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(site) = header_text("sec-fetch-site")
        && (site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site"))
    {
        return true;
    }
    let Some(origin) = header_text("origin") else {
        return false;
    };
    // "null": the browser keeps the origin to itself (our pages send no referrer, so their
    // own forms say "null" too); `Sec-Fetch-Site` above and the form's token decide.
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let service = &state.config.base_url;
    let same_as_service = origin.scheme() == service.scheme()
        && origin.host_str() == service.host_str()
        && origin.port_or_known_default() == service.port_or_known_default();
    let authority = |url: &url::Url| match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_string(),
    };
    // Behind a proxy that keeps the Host, or in a test on a port of its own, the host asked.
    let same_as_host = header_text("host").is_some_and(|host| host == authority(&origin));
    !(same_as_service || same_as_host)
}
