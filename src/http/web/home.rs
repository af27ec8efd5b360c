//! The start page of a signed-in user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::{redirect, render_page};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::MaybeUser;

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
) -> Result<HttpResponse, Error> {
    match user.0 {
        None => Ok(redirect("/login")),
        Some(user) => render_page(
            &state,
            &req,
            Some(&user),
            StatusCode::OK,
            "home.html",
            context! {},
        ),
    }
}
