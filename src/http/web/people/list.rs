//! `/employees`: the register (search, filters, sorting, paging, CSV), and the form of a new
//! person.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::super::{lists, page_language, render_page};
use super::{TIERS, day, employee_names, options, person_link, sort_text};
use crate::db::employees::{self, Employee, EmployeeFilter, Scope};
use crate::db::names::EmployeeName;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::employees::EmployeeQuery;
use crate::http::extract::{AnyRole, Authorized, PeopleEditors, QueryParams};

const STATUSES: [&str; 4] = ["active", "departing", "departed", "retired"];

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    query: QueryParams<EmployeeQuery>,
) -> Result<HttpResponse, Error> {
    let (filter, window) = query.0.resolve()?;
    let user = user.0;
    let csv = lists::wants_csv(&req);
    let (who, f) = (user.clone(), filter.clone());
    let (items, total, names, departments, manager_shown) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let (offset, limit) = if csv {
                (0, i64::MAX)
            } else {
                (window.offset, window.limit)
            };
            let (items, total) = employees::list(conn, &scope, &f, offset, limit)?;
            let mut ids: BTreeSet<String> =
                items.iter().filter_map(|e| e.manager_id.clone()).collect();
            // The manager a list is narrowed to, named only if this user may see them.
            let manager_shown = match &f.manager_id {
                Some(m) if employees::visible(conn, &scope, m)? => {
                    ids.insert(m.clone());
                    Some(m.clone())
                }
                _ => None,
            };
            let names = employee_names(conn, ids)?;
            let departments = if csv {
                Vec::new()
            } else {
                employees::departments(conn, &scope)?
            };
            Ok((items, total, names, departments, manager_shown))
        })
        .await?;
    let lang = page_language(&req, Some(&user));
    if csv {
        return Ok(register_csv(&state, lang, &items, &names));
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|e| {
            context! {
                id => e.id,
                employee_no => e.employee_no,
                name => e.name,
                department => e.department,
                title => e.title,
                tier => e.clearance_tier,
                status => e.status,
                hire_date => day(e.hire_date),
                manager => person_link(&names, e.manager_id.as_ref()),
            }
        })
        .collect();
    let departments: Vec<[String; 2]> = departments.into_iter().map(|d| [d.clone(), d]).collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "people_list.html",
        context! {
            rows,
            total,
            page => window.page,
            per_page => window.per_page,
            filter => filter_context(&filter),
            manager => person_link(&names, manager_shown.as_ref()),
            sort => sort_text(filter.sort),
            query => lists::query_without(&req, &["page", "format"]),
            sort_query => lists::query_without(&req, &["sort", "page", "format"]),
            tiers => options("people.tier", &TIERS),
            statuses => options("people.status", &STATUSES),
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

/// Every matching person as a CSV file, headers and values in the reader's language.
fn register_csv(
    state: &AppState,
    lang: Language,
    items: &[Employee],
    names: &HashMap<String, EmployeeName>,
) -> HttpResponse {
    let t = |key: &str| state.pages.text(lang, key);
    let header: Vec<String> = [
        "employee_no",
        "name",
        "department",
        "title",
        "tier",
        "status",
        "manager_no",
        "manager",
        "work_email",
        "private_email",
        "language",
        "hire_date",
    ]
    .iter()
    .map(|c| t(&format!("people.col.{c}")))
    .collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|e| {
            let manager = e.manager_id.as_ref().and_then(|m| names.get(m));
            vec![
                e.employee_no.clone(),
                e.name.clone(),
                e.department.clone(),
                e.title.clone(),
                t(&format!("people.tier.{}", e.clearance_tier)),
                t(&format!("people.status.{}", e.status)),
                manager.map(|m| m.employee_no.clone()).unwrap_or_default(),
                manager.map(|m| m.name.clone()).unwrap_or_default(),
                e.work_email.clone().unwrap_or_default(),
                e.private_email.clone().unwrap_or_default(),
                e.language.as_str().to_string(),
                e.hire_date.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    lists::csv_file("employees", &header, &rows)
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
