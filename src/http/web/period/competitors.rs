//! `/competitors`: the competitor list HR keeps (HR, security and administrators read it; HR
//! adds and removes through the API's forms).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::lists::{Cell, Columns, Texts};
use super::super::{page_language, render_page};
use crate::db::listing::{Page, Window};
use crate::db::whereabouts::{self, Competitor};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, HrOnly, Overseers};

/// The list's columns; HR's rows end with the form that takes one off.
fn columns(tz: chrono_tz::Tz, can_edit: bool) -> Columns<Competitor> {
    let columns = Columns::<Competitor>::new()
        .col("name", "competitors.name", |r, _| Cell::text(&r.name))
        .col("credit_code", "competitors.credit_code", |r, _| {
            Cell::text(r.credit_code.clone().unwrap_or_default())
        })
        .col("added_at", "competitors.added_at", move |r, _| {
            Cell::local(tz, Some(r.added_at))
        });
    if can_edit {
        columns
            .col("remove", "competitors.remove", |r, _| {
                Cell::custom("", context! { id => r.id })
            })
            .page_only()
    } else {
        columns
    }
}

pub(super) async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let rows = state
        .db(|conn| Ok(whereabouts::competitor_list(conn)?))
        .await?;
    let texts = Texts::new(&state.pages, page_language(&req, Some(&user)));
    let can_edit = user.may::<HrOnly>();
    let found = Page {
        total: rows.len() as i64,
        rows,
    };
    let list = columns(state.config.timezone, can_edit).table(
        &req,
        &texts,
        &found,
        Window::first(),
        "",
        |_| None,
    );
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "period_competitors.html",
        context! { list, can_edit },
    )
}
