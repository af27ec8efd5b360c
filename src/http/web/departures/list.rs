//! `/departures`: the list (search, filters, sorting, paging) and its CSV, from one
//! declaration of its columns.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use minijinja::{Value, context};

use super::super::lists::{self, Cell, Columns, Texts};
use super::super::view::options;
use super::super::{page_language, render_page};
use crate::db::departures::{self, DepartureRow, Named};
use crate::db::employees::Scope;
use crate::domain::departures::{DepartureSortKey, DepartureStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::departures::DepartureQuery;
use crate::http::extract::{AnyRole, Authorized, HrOnly, QueryParams};

/// The order of a list when none is chosen.
const DEFAULT_SORT: &str = "last_working_day";

/// The orders a list can take, as options of a select (for phones, where the column
/// headers that sort are not shown).
fn sort_options() -> Vec<[String; 2]> {
    DepartureSortKey::ALL
        .iter()
        .flat_map(|k| {
            [
                [k.as_str().to_string(), format!("departures.sort.{k}")],
                [format!("-{k}"), format!("departures.sort.{k}_desc")],
            ]
        })
        .collect()
}

fn columns(tz: Tz) -> Columns<DepartureRow> {
    let named = |who: &Option<Named>, pick: fn(&Named) -> &String| {
        who.as_ref().map(pick).cloned().unwrap_or_default()
    };
    Columns::<DepartureRow>::new()
        .col("employee_no", "departures.col.employee_no", move |r, _| {
            Cell::text(named(&r.employee, |e| &e.no))
        })
        .csv_only()
        .col("name", "departures.col.employee", |r, _| {
            let d = &r.departure;
            let name = r.employee.as_ref().map_or(&d.employee_id, |e| &e.name);
            Cell::link(format!("/departures/{}", d.id), name)
                .note(r.employee.as_ref().map(|e| &e.no))
        })
        .sortable()
        .page_only()
        .col("employee", "departures.col.employee", move |r, _| {
            Cell::text(named(&r.employee, |e| &e.name))
        })
        .csv_only()
        .col("reason", "departures.col.reason", |r, t| {
            Cell::label(t, format!("departures.reason.{}", r.departure.reason))
        })
        .col("notice_date", "departures.col.notice_date", |r, _| {
            Cell::date(Some(r.departure.notice_date))
        })
        .sortable()
        .col(
            "last_working_day",
            "departures.col.last_working_day",
            |r, _| Cell::date(Some(r.departure.last_working_day)),
        )
        .sortable()
        .col("status", "departures.col.status", |r, t| {
            let status = r.departure.status;
            Cell::custom(
                t.t(&format!("departures.status.{status}")),
                Value::from(status.as_str()),
            )
        })
        .col("open_lines", "departures.col.open_lines", |r, _| {
            let (open, lines) = (r.open_lines, r.lines);
            Cell::custom(open.to_string(), context! { open, lines })
        })
        .col("lines", "departures.col.lines", |r, _| {
            Cell::number(r.lines as i64)
        })
        .csv_only()
        .col("successor", "departures.col.successor", move |r, _| {
            Cell::text(named(&r.successor, |s| &s.name)).note(r.successor.as_ref().map(|s| &s.no))
        })
        .page_only()
        .col("successor", "departures.col.successor", |r, _| {
            let successor = r.successor.as_ref();
            Cell::text(
                successor
                    .map(|s| format!("{} {}", s.no, s.name))
                    .unwrap_or_default(),
            )
        })
        .csv_only()
        .col("started_at", "departures.col.started_at", move |r, _| {
            Cell::local(tz, Some(r.departure.started_at))
        })
        .sortable()
        .col(
            "completed_at",
            "departures.col.completed_at",
            move |r, _| Cell::local(tz, r.departure.completed_at),
        )
        .csv_only()
        .col(
            "override_reason",
            "departures.col.override_reason",
            |r, _| Cell::text(r.departure.override_reason.clone().unwrap_or_default()),
        )
        .csv_only()
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    query: QueryParams<DepartureQuery>,
) -> Result<HttpResponse, Error> {
    let shown = context! {
        status => query.0.status.clone().unwrap_or_default(),
        q => query.0.q.clone().unwrap_or_default(),
        loss => query.0.loss.clone().unwrap_or_default(),
    };
    let sort = query.0.sort.clone().unwrap_or_default();
    let (window, filter) = query.0.resolve()?;
    let user = user.0;
    let read = lists::window_for(&req, window);
    let who = user.clone();
    let found = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let found = departures::list(conn, &scope, &filter, read)?;
            let total = found.total;
            let rows = departures::rows(conn, found.rows)?;
            Ok(crate::db::listing::Page { rows, total })
        })
        .await?;
    let texts = Texts::new(&state.pages, page_language(&req, Some(&user)));
    let columns = columns(state.config.timezone);
    if lists::wants_csv(&req) {
        return Ok(columns.csv("departures", &texts, &found.rows));
    }
    let current = if sort.is_empty() { DEFAULT_SORT } else { &sort };
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "departures_list.html",
        context! {
            list => columns.table(&req, &texts, &found, window, current, |_| None),
            shown,
            sort,
            status_options => options("departures.status", DepartureStatus::ALL),
            sort_options => sort_options(),
            can_start => user.may::<HrOnly>(),
            ..lists::links(&req)
        },
    )
}
