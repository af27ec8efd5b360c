//! The start page of a signed-in user: a section for each of their roles.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::{dashboard, render_page};
use crate::clock::company_date;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::MaybeUser;

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
) -> Result<HttpResponse, Error> {
    let Some(user) = user.0 else {
        return Err(Error::Unauthorized);
    };
    let today = company_date(state.now(), state.config.timezone);
    let who = user.clone();
    let sections = state
        .db(move |conn| dashboard::sections(conn, &who, today))
        .await?;
    let sections: Vec<_> = sections
        .into_iter()
        .map(|s| context! { template => s.template, data => s.data })
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "home.html",
        context! { sections },
    )
}
