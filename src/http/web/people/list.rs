//! `/employees`: the register (search, filters, sorting, paging, CSV), and the form of a new
//! person.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::super::lists::{self, Cell, Columns, Found, ListPage};
use super::super::render_page;
use super::super::view::options;
use super::{person_link, sort_text};
use crate::db::employees::{self, Employee, EmployeeFilter, Scope};
use crate::db::names::{self, EmployeeName};
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::employees::EmployeeQuery;
use crate::http::extract::{AnyRole, Authorized, PeopleEditors, QueryParams};

/// A row of the register: the person and their manager's number and name.
struct Row {
    person: Employee,
    manager: Option<EmployeeName>,
}

fn columns() -> Columns<Row> {
    Columns::<Row>::new()
        .col("employee_no", "people.col.employee_no", |r, _| {
            Cell::text(&r.person.employee_no)
        })
        .sortable()
        .col("name", "people.col.name", |r, _| {
            Cell::link(format!("/employees/{}", r.person.id), &r.person.name)
        })
        .sortable()
        .col("department", "people.col.department", |r, _| {
            Cell::text(&r.person.department)
        })
        .sortable()
        .col("title", "people.col.title", |r, _| {
            Cell::text(&r.person.title)
        })
        .sortable()
        .col("tier", "people.col.tier", |r, t| {
            Cell::badge(t, "people.tier", r.person.clearance_tier)
        })
        .sortable()
        .col("status", "people.col.status", |r, t| {
            Cell::badge(t, "people.status", r.person.status)
        })
        .sortable()
        .col("manager", "people.col.manager", |r, _| {
            Cell::text(
                r.manager
                    .as_ref()
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
            )
        })
        .page_only()
        .col("manager_no", "people.col.manager_no", |r, _| {
            Cell::text(
                r.manager
                    .as_ref()
                    .map(|m| m.employee_no.clone())
                    .unwrap_or_default(),
            )
        })
        .csv_only()
        .col("manager", "people.col.manager", |r, _| {
            Cell::text(
                r.manager
                    .as_ref()
                    .map(|m| m.name.clone())
                    .unwrap_or_default(),
            )
        })
        .csv_only()
        .col("work_email", "people.col.work_email", |r, _| {
            Cell::text(r.person.work_email.clone().unwrap_or_default())
        })
        .csv_only()
        .col("private_email", "people.col.private_email", |r, _| {
            Cell::text(r.person.private_email.clone().unwrap_or_default())
        })
        .csv_only()
        .col("language", "people.col.language", |r, _| {
            Cell::text(r.person.language.as_str())
        })
        .csv_only()
        .col("hire_date", "people.col.hire_date", |r, _| {
            Cell::date(r.person.hire_date)
        })
        .sortable()
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    query: QueryParams<EmployeeQuery>,
) -> Result<HttpResponse, Error> {
    let (filter, window) = query.0.resolve()?;
    let user = user.0;
    let csv = lists::wants_csv(&req);
    let read = lists::window_for(&req, window);
    let (who, f) = (user.clone(), filter.clone());
    let (found, names, departments, manager_shown) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let found = employees::list(conn, &scope, &f, read)?;
            let mut ids: BTreeSet<String> = found
                .rows
                .iter()
                .filter_map(|e| e.manager_id.clone())
                .collect();
            // The manager a list is narrowed to, named only if this user may see them.
            let manager_shown = match &f.manager_id {
                Some(m) if employees::visible(conn, &scope, m)? => {
                    ids.insert(m.clone());
                    Some(m.clone())
                }
                _ => None,
            };
            let names = names::employees(conn, ids)?;
            let departments = if csv {
                Vec::new()
            } else {
                employees::departments(conn, &scope)?
            };
            Ok((found, names, departments, manager_shown))
        })
        .await?;
    let manager = person_link(&names, manager_shown.as_ref());
    let found = found.map(|person| Row {
        manager: person
            .manager_id
            .as_ref()
            .and_then(|m| names.get(m))
            .cloned(),
        person,
    });
    let page = ListPage {
        columns: columns(),
        csv: "employees",
        template: "people_list.html",
        anchor: |_| None,
    };
    let departments: Vec<[String; 2]> = departments.into_iter().map(|d| [d.clone(), d]).collect();
    let sort = sort_text(filter.sort);
    let found = Found {
        rows: found,
        window,
        sort: &sort,
    };
    page.answer(
        &state,
        &req,
        &user,
        found,
        context! {
            filter => filter_context(&filter),
            manager,
            tiers => options("people.tier", ClearanceTier::ALL),
            statuses => options("people.status", EmployeeStatus::ALL),
            departments,
            can_edit => user.may::<PeopleEditors>(),
        },
    )
}

fn filter_context(f: &EmployeeFilter) -> Value {
    context! {
        q => f.q.clone().unwrap_or_default(),
        department => f.department.clone().unwrap_or_default(),
        tier => f.tier.map(|t| t.as_str()).unwrap_or_default(),
        status => f.status.map(|s| s.as_str()).unwrap_or_default(),
        manager_id => f.manager_id.clone().unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------
// A new person

#[derive(Deserialize)]
pub(super) struct NewQuery {
    /// Prefills the manager (a link "add a report" from the manager's page).
    manager_id: Option<String>,
    manager_no: Option<String>,
}

pub(super) async fn new_person(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, Error> {
    let NewQuery {
        manager_id,
        manager_no,
    } = query.into_inner();
    let manager_no = match (manager_no, manager_id) {
        (Some(no), _) => no,
        (None, Some(id)) => state
            .db(move |conn| Ok(employees::find(conn, &id)?))
            .await?
            .map(|m| m.employee_no)
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    render_page(
        &state,
        &req,
        Some(&user.0),
        StatusCode::OK,
        "people_new.html",
        context! {
            manager_no,
            languages => options("people.language", &["zh-CN", "en"]),
        },
    )
}
