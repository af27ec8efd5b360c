//! The JSON API, one module a resource. Every handler is annotated for the OpenAPI document,
//! which is gathered from the very routes registered here (each module's `routes`).

pub mod audit;
pub mod breaches;
pub mod calendar;
pub mod carriers;
pub mod clearance;
pub mod departures;
pub mod employees;
pub mod extensions;
pub mod filing;
pub mod interview;
pub mod my_sessions;
pub mod noncompete;
pub mod noncompete_terms;
pub mod obligations;
pub mod ops;
pub mod passwords;
pub mod pledges;
pub mod policy;
pub mod reminders;
pub mod second_factor;
pub mod session;
pub mod travel;
pub mod users;
pub mod whereabouts;

use actix_web::web;

use super::AppState;
use super::extract::{ListPage, Page, Window};
use super::routes::{ApiRoutes, Open};
use crate::db::DbConnection;
use crate::db::employees::Scope;
use crate::db::users::User;
use crate::error::Error;

/// One page of a list that the caller's scope limits (a manager sees their reports' rows):
/// the steps every such list route takes, around the list's own query.
pub async fn scoped_page<T: Send + 'static>(
    state: &AppState,
    user: User,
    window: Window,
    list: impl FnOnce(&mut DbConnection, &Scope, Window) -> diesel::QueryResult<Page<T>>
    + Send
    + 'static,
) -> Result<web::Json<ListPage<T>>, Error> {
    let found = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            Ok(list(conn, &scope, window)?)
        })
        .await?;
    Ok(web::Json(window.page(found)))
}

/// Routes under `/api/v1`, one module a resource; the order is the order of registration
/// (a literal path before a `{id}` beside it).
pub fn routes(r: &mut ApiRoutes) {
    r.get("/openapi.json", Open, crate::http::openapi_document);
    session::routes(r);
    my_sessions::routes(r);
    calendar::routes(r);
    second_factor::routes(r);
    users::routes(r);
    passwords::routes(r);
    audit::routes(r);
    employees::routes(r);
    clearance::routes(r);
    carriers::routes(r);
    pledges::routes(r);
    departures::routes(r);
    interview::routes(r);
    obligations::routes(r);
    noncompete::routes(r);
    noncompete_terms::routes(r);
    extensions::routes(r);
    filing::routes(r);
    policy::routes(r);
    reminders::routes(r);
    breaches::routes(r);
    travel::routes(r);
    whereabouts::routes(r);
}
