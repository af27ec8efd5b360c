//! One's own calendar feed: whether there is one, a new one (its private URL shown once,
//! replacing the old), and ending it. The feed itself is `GET /calendar/{token}.ics`.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;

use crate::db::calendar;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::CurrentUser;
use crate::http::routes::{ApiRoutes, SignedIn};

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(SignedIn, feed_state);
    r.service(SignedIn, new_feed);
    r.service(SignedIn, end_feed);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedState {
    /// Whether the user has a feed.
    pub active: bool,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When a calendar program last read it.
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NewFeed {
    /// Shown once: put it in a calendar program ("subscribe to a calendar"); only a hash of
    /// its token is stored.
    pub url: String,
}

/// Whether the signed-in user has a calendar feed.
#[utoipa::path(tag = "session", responses((status = 200, body = FeedState)))]
#[get("/me/calendar-feed")]
pub async fn feed_state(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<FeedState>, Error> {
    let id = user.0.id;
    let found = state
        .db(move |conn| Ok(calendar::feed_of(conn, &id)?))
        .await?;
    Ok(web::Json(FeedState {
        active: found.is_some(),
        created_at: found.map(|(at, _)| at.and_utc()),
        last_used_at: found.and_then(|(_, at)| at).map(|at| at.and_utc()),
    }))
}

/// The feed's address for a token (what the settings page shows once, too).
pub fn feed_url(state: &AppState, token: &str) -> String {
    let mut url = state.config.base_url.clone();
    url.set_path(&format!("/calendar/{token}.ics"));
    url.to_string()
}

/// A new calendar feed for the signed-in user; a feed they had stops working.
#[utoipa::path(tag = "session", responses((status = 201, body = NewFeed)))]
#[post("/me/calendar-feed")]
pub async fn new_feed(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, Error> {
    let (now, user) = (state.now(), user.0);
    let token = state
        .write(move |tx| calendar::create(tx, now, &user))
        .await?;
    Ok(HttpResponse::Created().json(NewFeed {
        url: feed_url(&state, &token),
    }))
}

/// Ends the signed-in user's calendar feed: its URL answers 404 from now on. Without a feed
/// there is nothing to end, and the answer is the same.
#[utoipa::path(tag = "session", responses((status = 204, description = "no feed now")))]
#[delete("/me/calendar-feed")]
pub async fn end_feed(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, Error> {
    let (now, user) = (state.now(), user.0);
    state
        .write(move |tx| calendar::revoke(tx, now, &user))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
