//! Multipart forms (uploads). Their CSRF token is their first field, checked by the form
//! layer before any route runs ([`check_token`]), so nothing large is read from a forged form
//! and a route that reads no body is never reached by one; the one reader of their fields
//! ([`read_multipart`]) then bounds their number and size.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt, stream};

use crate::error::Error;
use crate::http::extract::JSON_LIMIT;
use crate::http::{AppState, session};

/// A token is a few dozen characters: a first field longer than this is no token of ours.
const TOKEN_LIMIT: usize = 256;

/// The request body as it is read, with a copy of every chunk taken, so that what was read
/// to find the token can be given back to the route.
struct Tee {
    payload: Rc<RefCell<Payload>>,
    seen: Rc<RefCell<Vec<Bytes>>>,
}

impl Stream for Tee {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut *self.payload.borrow_mut()).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            self.seen.borrow_mut().push(chunk.clone());
        }
        polled
    }
}

/// The value of the form's first field when it is named `csrf` and short.
async fn first_token(multipart: &mut actix_multipart::Multipart) -> Option<String> {
    let mut field = multipart.next().await?.ok()?;
    if field.name() != Some("csrf") {
        return None;
    }
    let bytes = field.bytes(TOKEN_LIMIT).await.ok()?.ok()?;
    String::from_utf8(bytes.to_vec()).ok()
}

/// True when the multipart form's first field is this request's session (or anonymous
/// cookie) token. The body is given back whole, so the route reads the form from its start.
pub async fn check_token(state: &AppState, req: &mut ServiceRequest) -> bool {
    let payload = Rc::new(RefCell::new(req.take_payload()));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let tee = Tee {
        payload: payload.clone(),
        seen: seen.clone(),
    };
    let token = {
        let mut multipart = actix_multipart::Multipart::new(req.headers(), tee);
        first_token(&mut multipart).await
    };
    let rest = std::mem::replace(&mut *payload.borrow_mut(), Payload::None);
    let read: Vec<Result<Bytes, PayloadError>> = seen.take().into_iter().map(Ok).collect();
    req.set_payload(Payload::Stream {
        payload: Box::pin(stream::iter(read).chain(rest)),
    });
    token.is_some_and(|token| session::csrf_valid(state, req.request(), &token))
}

/// Text fields of a multipart form, at most this long each.
const FIELD_LIMIT: usize = 64 * 1024;
/// Fields a multipart form may have: more is no form of ours.
const MULTIPART_FIELDS: usize = 64;
/// All text fields of a multipart form together, as much as an urlencoded form may be.
const MULTIPART_TEXT: usize = JSON_LIMIT;

/// A multipart form as read: its text fields and at most one file.
pub struct MultipartForm {
    pub fields: BTreeMap<String, String>,
    /// The file's name as sent and its bytes; None when no file (or an empty one) was sent.
    pub file: Option<(String, Vec<u8>)>,
}

/// Reads a multipart form (an upload) with one file in `file_field`, of at most `file_limit`
/// bytes; text fields are bounded in number, each length and total length. Its token, the
/// first field, was checked by the form layer before the route ran ([`check_token`]). The one
/// reader of multipart forms: every upload page reads its form here.
pub async fn read_multipart(
    mut multipart: actix_multipart::Multipart,
    file_field: &str,
    file_limit: usize,
) -> Result<MultipartForm, Error> {
    let mut out = MultipartForm {
        fields: BTreeMap::new(),
        file: None,
    };
    let mut count = 0;
    let mut text = 0;
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))?;
        count += 1;
        if count > MULTIPART_FIELDS {
            // The field is let go first: the next one is not read while it is held.
            drop(field);
            drain(&mut multipart).await;
            return Err(Error::TooLarge);
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = if name == file_field {
            file_limit
        } else {
            FIELD_LIMIT
        };
        let bytes = match field.bytes(limit).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                return Err(Error::BadRequest(format!(
                    "the form could not be read: {e}"
                )));
            }
            Err(_) => {
                drop(field);
                drain(&mut multipart).await;
                return Err(Error::TooLarge);
            }
        };
        if name == "csrf" {
            // Checked before the route ran.
        } else if name == file_field {
            if !bytes.is_empty() {
                out.file = Some((file_name.unwrap_or_default(), bytes.to_vec()));
            }
        } else {
            text += bytes.len();
            if text > MULTIPART_TEXT {
                drop(field);
                drain(&mut multipart).await;
                return Err(Error::TooLarge);
            }
            out.fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(out)
}

/// Reads and drops the rest of a refused form, up to a bound: the browser, still sending,
/// then reads the answer instead of finding the connection cut mid-upload.
async fn drain(multipart: &mut actix_multipart::Multipart) {
    let mut budget: usize = 16 * 1024 * 1024;
    while let Some(Ok(mut field)) = multipart.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            if chunk.len() >= budget {
                return;
            }
            budget -= chunk.len();
        }
    }
}
