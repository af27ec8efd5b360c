//! `/filing`: the entry-exit filing list (出入境备案) with its CSV, its A4 print, and the changes
//! since the last filing with the form that records a filing (security).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::lists::{self, Cell, Columns, ListPage};
use super::super::render_page;
use crate::clock::company_date;
use crate::db::filing::{self, FilingEntry};
use crate::domain::users::{Language, Role};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, FilingReaders};

fn columns() -> Columns<FilingEntry> {
    Columns::<FilingEntry>::new()
        .col("name", "period.col.name", |r, _| {
            Cell::link(format!("/employees/{}", r.employee_id), &r.name)
                .note(Some(format!("({})", r.employee_no)))
                .in_csv(&r.name)
        })
        .col("employee_no", "period.col.employee_no", |r, _| {
            Cell::text(&r.employee_no)
        })
        .csv_only()
        .col("department", "period.col.department", |r, _| {
            Cell::text(&r.department)
        })
        .col("title", "period.col.title", |r, _| Cell::text(&r.title))
        .col("tier", "period.col.tier", |r, t| {
            Cell::label(t, format!("people.tier.{}", r.tier))
        })
        .col("basis", "period.col.basis", |r, t| {
            Cell::badge(t, "period.basis", r.basis)
        })
        .col("since", "period.col.since", |r, _| {
            Cell::date(Some(r.since))
        })
        .col("remove_on", "period.col.remove_on", |r, _| {
            Cell::date(r.remove_on)
        })
        .col(
            "first_filed_on",
            "period.col.first_filed_on",
            |r, t| match r.first_filed_on {
                Some(_) => Cell::date(r.first_filed_on),
                None => Cell::label(t, "period.filing.not_filed"),
            },
        )
}

fn today(state: &AppState) -> chrono::NaiveDate {
    company_date(state.now(), state.config.timezone)
}

/// GET /filing (HR, security): who must be on file; `?format=csv` for the whole list.
pub(super) async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<FilingReaders>,
) -> Result<HttpResponse, Error> {
    let today = today(&state);
    let (rows, last) = state
        .db(move |conn| Ok((filing::on_file(conn, today)?, filing::last(conn)?)))
        .await?;
    let page = ListPage {
        columns: columns(),
        csv: "entry-exit-filing",
        template: "period_filing.html",
        anchor: |_| None,
    };
    page.answer(&state, &req, &user.0, lists::whole(rows), context! { last })
}

/// GET /filing/print: the list on A4, with the unit's name and the day it was printed.
pub(super) async fn print_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<FilingReaders>,
) -> Result<HttpResponse, Error> {
    let today = today(&state);
    let (rows, last, identity) = state
        .db(move |conn| {
            let company = crate::db::policy::identity(conn)?;
            Ok((filing::on_file(conn, today)?, filing::last(conn)?, company))
        })
        .await?;
    render_page(
        &state,
        &req,
        Some(&user.0),
        StatusCode::OK,
        "period_filing_print.html",
        context! {
            rows,
            last,
            // Printed in the reader's language: the company's name in both.
            company_name => identity.view(Language::ZhCn).name,
            company_name_en => identity.view(Language::En).name,
        },
    )
}

/// GET /filing/changes: additions, removals and new removal dates since the last filing, the
/// filings recorded, and (security) the form to record the next one.
pub(super) async fn changes_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<FilingReaders>,
) -> Result<HttpResponse, Error> {
    let today = today(&state);
    let (changes, filings) = state
        .db(move |conn| Ok((filing::changes(conn, today)?, filing::filings(conn)?)))
        .await?;
    let user = user.0;
    let may_record = user.has_any_role(&[Role::Security]);
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "period_filing_changes.html",
        context! { changes, filings, may_record },
    )
}
