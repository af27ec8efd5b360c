//! Obligations after leaving: the list (with the filters the obligations page shares) and one
//! obligation with its history.

use actix_web::{get, web};
use chrono::NaiveDate;

use crate::db::employees::Scope;
use crate::db::obligations::{self, Obligation, ObligationDetail, ObligationFilter};
use crate::domain::FieldErrors;
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ErrorBody, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{AnyRole, Authorized, ListPage, QueryParams, Window};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(AnyRole, list);
    r.service(AnyRole, get);
}

list_query! {
    #[derive(Debug, Default)]
    pub struct ObligationQuery {
        pub employee_id: Option<String>,
        /// Any part of the person's name, employee number or email.
        pub q: Option<String>,
        /// declassification, confidentiality, non_compete or trade_secret.
        pub kind: Option<String>,
        /// active, ended, waived, rescinded, breached or superseded.
        pub status: Option<String>,
        /// Ending from today (company date) to today + N days.
        pub ending_within_days: Option<u32>,
        /// ends_on (default), starts_on, kind, status or name; `-` before it for descending.
        pub sort: Option<String>,
    }
}

impl ObligationQuery {
    /// The filter and the window of rows the query asks for, or the fields at fault.
    pub fn resolve(self, today: NaiveDate) -> Result<(ObligationFilter, Window), Error> {
        let window = self.window()?;
        let mut errors = FieldErrors::new();
        let filter = ObligationFilter {
            employee_id: self.employee_id.filter(|e| !e.trim().is_empty()),
            q: self.q.filter(|q| !q.trim().is_empty()),
            kind: errors.optional("kind", self.kind),
            status: errors.optional("status", self.status),
            ending_within: self.ending_within_days.map(|d| (today, d)),
            sort: errors.optional("sort", self.sort),
        };
        errors.finish()?;
        Ok((filter, window))
    }
}

/// Obligations after leaving, soonest end first (a manager: their reports').
#[utoipa::path(
    tag = "obligations",
    params(ObligationQuery),
    responses(
        (status = 200, body = ListPage<Obligation>),
        (status = 422, body = ErrorBody)
    )
)]
#[get("/obligations")]
pub async fn list(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    query: QueryParams<ObligationQuery>,
) -> Result<web::Json<ListPage<Obligation>>, Error> {
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    let (filter, window) = query.0.resolve(today)?;
    super::scoped_page(&state, user.0, window, move |conn, scope, window| {
        obligations::list(conn, scope, &filter, window)
    })
    .await
}

/// One obligation with its full history (created, extended, paid, ended…).
#[utoipa::path(
    tag = "obligations",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ObligationDetail),
        ReadErrors
    )
)]
#[get("/obligations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<web::Json<ObligationDetail>, Error> {
    let (user, id) = (user.0, id.into_inner());
    let detail = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            obligations::get(conn, &scope, &id)
        })
        .await?;
    Ok(web::Json(detail))
}
