//! How long a request's body may take to arrive. actix bounds the time to send the headers
//! (`client_request_timeout`); this bounds the body: past the deadline its stream ends in an
//! error, the route answers, and the connection is let go, so a client that dribbles a body
//! holds neither memory nor a worker for long.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, timeout};
use actix_web::{HttpMessage, web};
use futures_util::StreamExt;

use super::AppState;

/// Wraps every request's body in the deadline of the `request_timeout_seconds` setting,
/// counted from when the request came in.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.config.request_timeout);
    if let Some(timeout) = timeout {
        let payload = req.take_payload();
        req.set_payload(within(payload, timeout));
    }
    next.call(req).await
}

/// The body as it arrives until `timeout` from now; then one error, and nothing more.
fn within(payload: Payload, limit: Duration) -> Payload {
    let deadline = Instant::now() + limit;
    let stream = futures_util::stream::unfold(Some(payload), move |payload| async move {
        let mut payload = payload?;
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, payload.next()).await {
            Ok(Some(item)) => Some((item, Some(payload))),
            Ok(None) => None,
            Err(_) => {
                tracing::info!("a request body took longer than the request timeout");
                let late = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the body took longer than the request timeout",
                );
                Some((Err(PayloadError::Io(late)), None))
            }
        }
    });
    // Fused: a reader may ask again after the end.
    Payload::Stream {
        payload: Box::pin(stream.fuse()),
    }
}
