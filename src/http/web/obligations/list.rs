//! `/obligations`: the list with the API list's filters, sorting and pages, or its CSV.

use crate::db::listing::{Page, Window};
use crate::db::names::{self, EmployeeName};
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::lists::{self, Cell, Columns, Texts};
use super::super::view::options;
use super::super::{page_language, render_page};
use super::query_values;
use crate::clock::company_date;
use crate::db::employees::Scope;
use crate::db::obligations::{self, Obligation};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::obligations::ObligationQuery;
use crate::http::extract::{Authorized, Overseers, QueryParams};

/// One row of the list: the obligation and the person it binds.
struct Row {
    obligation: Obligation,
    person: Option<EmployeeName>,
}

fn columns() -> Columns<Row> {
    let person = |r: &Row, pick: fn(&EmployeeName) -> &String| {
        Cell::text(r.person.as_ref().map(pick).cloned().unwrap_or_default())
    };
    let tier = |r: &Row, t: &Texts| {
        let tier = r.obligation.tier;
        tier.map(|tier| t.t(&format!("obligations.tier.{tier}")))
    };
    Columns::<Row>::new()
        .col("employee_no", "obligations.col.employee_no", move |r, _| {
            person(r, |p| &p.employee_no)
        })
        .csv_only()
        .col("name", "obligations.col.person", |r, _| {
            let id = &r.obligation.employee_id;
            let name = r.person.as_ref().map(|p| &p.name).filter(|n| !n.is_empty());
            Cell::link(format!("/employees/{id}"), name.unwrap_or(id))
                .note(r.person.as_ref().map(|p| &p.employee_no))
        })
        .sortable()
        .page_only()
        .col("person", "obligations.col.person", move |r, _| {
            person(r, |p| &p.name)
        })
        .csv_only()
        .col("kind", "obligations.col.kind", move |r, t| {
            Cell::label(t, format!("obligation.{}", r.obligation.kind))
                .note(tier(r, t).map(|tier| format!("({tier})")))
        })
        .sortable()
        .col("tier", "obligations.col.tier", move |r, t| {
            Cell::text(tier(r, t).unwrap_or_default())
        })
        .csv_only()
        .col("starts_on", "obligations.col.starts_on", |r, _| {
            Cell::date(Some(r.obligation.starts_on))
        })
        .sortable()
        .col("ends_on", "obligations.col.ends_on", |r, t| {
            match r.obligation.ends_on {
                Some(day) => Cell::date(Some(day)),
                None => Cell::label(t, "obligations.until_public"),
            }
        })
        .sortable()
        .col("status", "obligations.col.status", |r, t| {
            Cell::badge(t, "obligations.status", r.obligation.status)
        })
        .sortable()
        .col("id", "obligations.col.id", |r, _| {
            Cell::text(&r.obligation.id)
        })
        .csv_only()
        .col("open", "obligations.col.open", |r, _| {
            let o = &r.obligation;
            let name = r.person.as_ref().map(|p| p.name.clone());
            Cell::custom("", context! { id => o.id, name, kind => o.kind })
        })
        .page_only()
}

/// GET /obligations: the list, as the API lists it, or its CSV (`?format=csv`).
pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let today = company_date(state.now(), state.config.timezone);
    let raw = QueryParams::<ObligationQuery>::extract(&req).await;
    let typed = query_values(&req);
    let shown: HashMap<&str, Option<String>> =
        ["q", "kind", "status", "ending_within_days", "sort"]
            .into_iter()
            .map(|k| (k, typed.get(k).cloned().filter(|v| !v.is_empty())))
            .collect();
    let resolved = match raw {
        Ok(q) => q.0.resolve(today),
        Err(e) => Err(e),
    };
    let (filter, window, errors) = match resolved {
        Ok((filter, window)) => (Some(filter), Some(window), Default::default()),
        Err(Error::Validation(errors)) => (None, None, errors.0),
        Err(e) => return Err(e),
    };
    let csv = lists::wants_csv(&req);
    let sort = filter
        .as_ref()
        .and_then(|f| f.sort)
        .map(|s| s.to_string())
        // The list's own order when none is chosen: soonest end first.
        .unwrap_or_else(|| "ends_on".into());
    let employee_filter = filter.as_ref().and_then(|f| f.employee_id.clone());
    let (found, filtered_name) = match filter {
        Some(filter) => {
            let read = lists::window_for(&req, window.unwrap_or(Window::first()));
            let who = user.clone();
            state
                .db(move |conn| {
                    let scope = Scope::of(conn, &who)?;
                    let Page { rows: items, total } =
                        obligations::list(conn, &scope, &filter, read)?;
                    let ids = items.iter().map(|o| o.employee_id.clone());
                    let names = names::employees(conn, ids.chain(filter.employee_id.clone()))?;
                    let filtered_name = filter
                        .employee_id
                        .as_ref()
                        .and_then(|e| names.get(e))
                        .map(|n| n.name.clone());
                    let found = Page { rows: items, total }.map(|obligation| Row {
                        person: names.get(&obligation.employee_id).cloned(),
                        obligation,
                    });
                    Ok((found, filtered_name))
                })
                .await?
        }
        None => (
            Page {
                rows: Vec::new(),
                total: 0,
            },
            None,
        ),
    };
    let texts = Texts::new(&state.pages, page_language(&req, Some(&user)));
    let columns = columns();
    if csv {
        return Ok(columns.csv("obligations", &texts, &found.rows));
    }
    let window = window.unwrap_or(Window::first());
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "obligations_list.html",
        context! {
            list => columns.table(&req, &texts, &found, window, &sort, |_| None),
            all_people_query => lists::query_without(&req, &["page", "employee_id", "format"]),
            csv_query => lists::query_without(&req, &["page", "format"]),
            sort,
            shown,
            errors,
            employee_filter,
            filtered_name,
            kinds => options("obligation", ObligationKind::ALL),
            statuses => options("obligations.status", ObligationStatus::ALL),
        },
    )
}
