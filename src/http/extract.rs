//! Extractors: who is asking (and whether their role may), and request bodies parsed into
//! typed input with field-level errors.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::{AppState, session};
use crate::db::users::{self, User};
use crate::domain::FieldErrors;
use crate::error::Error;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("application state missing")))
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The signed-in user (session cookie or `Authorization: Bearer` token), or 401.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

pub async fn current_user(req: HttpRequest) -> Result<Option<User>, Error> {
    let state = state(&req)?;
    let user = if let Some(token) = bearer_token(&req) {
        let now = state.now();
        state
            .db(move |conn| Ok(users::find_by_token(conn, &token, now)?))
            .await?
    } else {
        match session::current_session(&state, &req).await? {
            Some((id, user)) => {
                req.extensions_mut().insert(SessionId(id));
                Some(user)
            }
            None => None,
        }
    };
    if let Some(user) = &user {
        enrolled_if_required(&state, &req, user).await?;
    }
    Ok(user)
}

/// A user whose role needs a second factor and who has none may do nothing but enrol (and
/// sign out): pages send them to enrolment, the API answers 403 saying so.
async fn enrolled_if_required(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
) -> Result<(), Error> {
    use super::second_factor::{enrolled, open_before_enrolment, required_for};
    if !required_for(state, user)
        || open_before_enrolment(req.path())
        || enrolled(state, &user.id).await?
    {
        return Ok(());
    }
    Err(Error::EnrolSecondFactor {
        page: !req.path().starts_with("/api/"),
    })
}

/// The id of the session a signed-in request came with (none with an API token): set once
/// the user is known, for "sign out everywhere else" and marking the current session.
#[derive(Debug, Clone)]
pub struct SessionId(pub String);

/// The session id of a request whose user is already extracted.
pub fn session_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<SessionId>().map(|s| s.0.clone())
}

impl FromRequest for CurrentUser {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<CurrentUser, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            current_user(req)
                .await?
                .map(CurrentUser)
                .ok_or(Error::Unauthorized)
        })
    }
}

/// The signed-in user if there is one; for pages that send strangers to the sign-in page.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<User>);

impl FromRequest for MaybeUser {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<MaybeUser, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeUser(current_user(req).await?)) })
    }
}

pub use crate::domain::roles::*;

/// The signed-in user, holding one of the roles of `R`: 401 if not signed in, 403 otherwise.
#[derive(Debug)]
pub struct Authorized<R: RoleSet>(pub User, PhantomData<R>);

/// Open while a route's role check runs. A route's extractors run side by side and the first
/// to fail answers, so a body or query that does not parse would otherwise be answered (422,
/// naming the fields) before the role check (401/403) of a caller who may not use the route
/// at all. [`JsonBody`] and [`QueryParams`] hold their refusal until this closes.
#[derive(Clone)]
struct RoleCheckRunning(tokio::sync::watch::Receiver<()>);

/// Waits, if the request's role check is still running, until it is over.
async fn after_role_check(running: Option<RoleCheckRunning>) {
    if let Some(RoleCheckRunning(mut running)) = running {
        // Resolves (with an error) once the check's end of the channel is dropped.
        let _ = running.changed().await;
    }
}

fn role_check_of(req: &HttpRequest) -> Option<RoleCheckRunning> {
    req.extensions().get::<RoleCheckRunning>().cloned()
}

impl<R: RoleSet + 'static> FromRequest for Authorized<R> {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Authorized<R>, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Handlers name `Authorized` before their body and query, so this is in place when
        // those are extracted; it closes when this check ends or is abandoned.
        let (running, check) = tokio::sync::watch::channel(());
        req.extensions_mut().insert(RoleCheckRunning(check));
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let _running = running;
            let CurrentUser(user) = user.await?;
            if user.has_any_role(R::ROLES) {
                Ok(Authorized(user, PhantomData))
            } else {
                Err(Error::Forbidden)
            }
        })
    }
}

/// Largest JSON body a route takes (uploads have their own limit).
pub const JSON_LIMIT: usize = 256 * 1024;

/// The fields of a browser form posted to the API (its CSRF token checked by the form layer),
/// read by [`JsonBody`] in the shape the route takes.
#[derive(Debug, Clone)]
pub struct FormFields {
    pub fields: Vec<(String, String)>,
    /// Fields whose empty box means "clear it" (an edit form), not "not given".
    pub clearable: Vec<String>,
}

impl FormFields {
    /// The fields as a query string, without the empty ones (an empty box means "not given",
    /// as a missing key does in JSON) unless the form names them clearable.
    pub fn encoded(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.fields {
            if !v.trim().is_empty() || self.clearable.contains(k) {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }
}

/// A JSON body: 415 when not sent as `application/json`, 400 when it is not JSON, 413 when too
/// large, 422 when it is not an object or naming the field that does not fit the expected
/// shape. The OpenAPI document lists these answers on every operation that takes a JSON body
/// (see `document_body_errors`).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<JsonBody<T>, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let role_check = role_check_of(req);
        // A browser form the form layer let through (its CSRF token checked): the same shape,
        // read from the form's fields.
        let form = req
            .extensions()
            .get::<FormFields>()
            .map(|form| form.encoded());
        if let Some(encoded) = form {
            let de =
                serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
            let parsed = serde_path_to_error::deserialize(de)
                .map(JsonBody)
                .map_err(shape_error);
            return Box::pin(async move {
                if parsed.is_err() {
                    after_role_check(role_check).await;
                }
                parsed
            });
        }
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime.eq_ignore_ascii_case("application/json")
            });
        let bytes = body_bytes(req, payload);
        Box::pin(async move {
            let parsed = async {
                if !is_json {
                    return Err(Error::UnsupportedMediaType(
                        "the body must be JSON, sent with Content-Type: application/json".into(),
                    ));
                }
                let bytes = bytes.await?;
                let value: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| Error::BadRequest(format!("the body is not valid JSON: {e}")))?;
                // Every body is an object: serde would also fill a struct from an array, in
                // field order, which no client means.
                if !value.is_object() {
                    return Err(Error::field("body", crate::problem!("not_a_json_object")));
                }
                serde_path_to_error::deserialize(value)
                    .map(JsonBody)
                    .map_err(shape_error)
            }
            .await;
            if parsed.is_err() {
                after_role_check(role_check).await;
            }
            parsed
        })
    }
}

fn body_bytes(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<web::Bytes, Error>> {
    let fut = web::Bytes::from_request(req, payload);
    Box::pin(async move {
        fut.await.map_err(|e| {
            if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
            {
                Error::TooLarge
            } else {
                Error::BadRequest("the body could not be read".into())
            }
        })
    })
}

/// Turns a deserialisation error into a message on the field at fault.
fn shape_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Error {
    let path = e.path().to_string();
    let message = e.inner().to_string();
    // serde reports a missing field at its parent, naming it in the message.
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        let field = if path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return Error::Validation(FieldErrors::single(&field, crate::problem!("required")));
    }
    let field = if path == "." {
        "body".to_string()
    } else {
        path
    };
    // serde's own words: what the value should have been, in the terms of the document.
    Error::Validation(FieldErrors::single(
        &field,
        crate::problem!("not_readable", detail = message),
    ))
}

/// Query parameters, with the same field-level errors as bodies.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for QueryParams<T> {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<QueryParams<T>, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parse = form_urlencoded::parse(req.query_string().as_bytes());
        let de = serde_urlencoded::Deserializer::new(parse);
        let parsed = serde_path_to_error::deserialize(de)
            .map(QueryParams)
            .map_err(shape_error);
        let role_check = role_check_of(req);
        Box::pin(async move {
            if parsed.is_err() {
                after_role_check(role_check).await;
            }
            parsed
        })
    }
}

/// An HTML form body whose CSRF token matches this browser's cookie: 403 otherwise.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<CsrfForm<T>, Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let bytes = body_bytes(&req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            let state = state(&req)?;
            let submitted = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            if !session::csrf_valid(&state, &req, &submitted) {
                return Err(Error::FormExpired);
            }
            serde_urlencoded::from_bytes(&bytes)
                .map(CsrfForm)
                .map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))
        })
    }
}

/// `page` and `per_page` of a list (per_page at most 200).
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Items a page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

pub use crate::db::listing::{Page, Window};

/// Declares the query of a list route: its own filters, then `page` and `per_page` (as
/// [`Paging`] documents and checks them), and `window()` for the rows they ask for.
macro_rules! list_query {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(serde::Deserialize, utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty,)*
            #[param(minimum = 1)]
            pub page: Option<u32>,
            #[param(minimum = 1, maximum = 200)]
            pub per_page: Option<u32>,
        }

        impl $name {
            /// The window of rows asked for, checked.
            pub fn window(&self) -> Result<$crate::http::extract::Window, $crate::error::Error> {
                $crate::http::extract::Paging::window(self.page, self.per_page)
            }
        }
    };
}
pub(crate) use list_query;

impl Window {
    /// The answer of a list route: the rows found and the total that match.
    pub fn page<T>(self, found: Page<T>) -> ListPage<T> {
        ListPage {
            items: found.rows,
            total: found.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

impl Paging {
    /// The window of rows a list's `page` and `per_page` ask for, checked.
    pub fn window(page: Option<u32>, per_page: Option<u32>) -> Result<Window, Error> {
        Paging { page, per_page }.resolve()
    }

    /// The window of rows, checked (per_page at most 200).
    pub fn resolve(self) -> Result<Window, Error> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        let mut errors = FieldErrors::new();
        // At most i32::MAX: the document's integers are 32-bit, the answer's `page` too.
        if page == 0 || page > i32::MAX as u32 {
            errors.add("page", crate::problem!("between", min = 1, max = i32::MAX));
        }
        if !(1..=200).contains(&per_page) {
            errors.add("per_page", crate::problem!("between", min = 1, max = 200));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        // The bounds are Window::new's; checked above to say which one failed.
        Window::new(page, per_page).ok_or(Error::Validation(errors))
    }
}

/// A text filter, trimmed; left blank it is not given.
pub fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A page of a list, as every list route answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Largest employee file the import takes (about 100,000 rows).
pub const IMPORT_LIMIT: usize = 32 * 1024 * 1024;

/// Reads a whole body up to `limit` bytes (413 beyond), for routes with their own limit.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, Error> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::BadRequest("the body could not be read".into()))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
