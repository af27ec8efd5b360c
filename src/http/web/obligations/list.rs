//! `/obligations`: the list with the API list's filters, sorting and pages, or its CSV.

use crate::db::listing::{Page, Window};
use crate::db::names::{self, EmployeeName};
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::{lists, page_language, render_page};
use super::query_values;
use crate::clock::company_date;
use crate::db::employees::Scope;
use crate::db::obligations::{self, Obligation};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::obligations::ObligationQuery;
use crate::http::extract::{Authorized, Overseers, QueryParams};

fn options(values: &[&str], prefix: &str) -> Vec<[String; 2]> {
    values
        .iter()
        .map(|v| [v.to_string(), format!("{prefix}{v}")])
        .collect()
}

fn kind_options() -> Vec<[String; 2]> {
    let kinds: Vec<&str> = ObligationKind::ALL.iter().map(|k| k.as_str()).collect();
    options(&kinds, "obligation.")
}

fn status_options() -> Vec<[String; 2]> {
    let statuses: Vec<&str> = ObligationStatus::ALL.iter().map(|s| s.as_str()).collect();
    options(&statuses, "obligations.status.")
}

/// One row of the list, with the person's name.
fn row(o: &Obligation, names: &HashMap<String, EmployeeName>) -> Value {
    let (name, no) = names
        .get(&o.employee_id)
        .map(|n| (n.name.clone(), n.employee_no.clone()))
        .unwrap_or_default();
    context! {
        id => o.id,
        employee_id => o.employee_id,
        name,
        employee_no => no,
        kind => o.kind,
        tier => o.tier,
        starts_on => o.starts_on.to_string(),
        ends_on => o.ends_on.map(|d| d.to_string()),
        status => o.status,
    }
}

/// GET /obligations: the list, as the API lists it, or its CSV (`?format=csv`).
pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let today = company_date(state.now(), state.config.timezone);
    let lang = page_language(&req, Some(&user));
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
        .map(|s| format!("{}{}", if s.descending { "-" } else { "" }, s.key))
        // The list's own order when none is chosen: soonest end first.
        .unwrap_or_else(|| "ends_on".into());
    let employee_filter = filter.as_ref().and_then(|f| f.employee_id.clone());
    let (items, total, filtered_name) = match filter {
        Some(filter) => {
            let (offset, limit) = match (csv, window) {
                (false, Some(w)) => (w.offset, w.limit),
                _ => (0, i64::MAX),
            };
            let who = user.clone();
            state
                .db(move |conn| {
                    let scope = Scope::of(conn, &who)?;
                    let window = Window {
                        offset,
                        limit,
                        ..Window::first()
                    };
                    let Page { rows: items, total } =
                        obligations::list(conn, &scope, &filter, window)?;
                    let ids = items.iter().map(|o| o.employee_id.clone());
                    let names = names::employees(conn, ids.chain(filter.employee_id.clone()))?;
                    let filtered_name = filter
                        .employee_id
                        .as_ref()
                        .and_then(|e| names.get(e))
                        .map(|n| n.name.clone());
                    let rows: Vec<Value> = items.iter().map(|o| row(o, &names)).collect();
                    Ok((rows, total, filtered_name))
                })
                .await?
        }
        None => (Vec::new(), 0, None),
    };
    if csv {
        return Ok(csv_of(&state, lang, &items));
    }
    let window = window.unwrap_or(Window::first());
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "obligations_list.html",
        context! {
            rows => items,
            total,
            page => window.page,
            per_page => window.per_page,
            query => lists::query_without(&req, &["page", "format"]),
            sort_query => lists::query_without(&req, &["page", "sort", "format"]),
            all_people_query => lists::query_without(&req, &["page", "employee_id", "format"]),
            csv_query => lists::query_without(&req, &["page", "format"]),
            sort,
            shown,
            errors,
            employee_filter,
            filtered_name,
            kinds => kind_options(),
            statuses => status_options(),
        },
    )
}

fn csv_of(state: &AppState, lang: Language, rows: &[Value]) -> HttpResponse {
    let text = |key: &str| state.pages.text(lang, key);
    let header: Vec<String> = [
        "obligations.col.employee_no",
        "obligations.col.person",
        "obligations.col.kind",
        "obligations.col.tier",
        "obligations.col.starts_on",
        "obligations.col.ends_on",
        "obligations.col.status",
        "obligations.col.id",
    ]
    .iter()
    .map(|k| text(k))
    .collect();
    let field = |r: &Value, name: &str| -> String {
        r.get_attr(name)
            .ok()
            .filter(|v| !v.is_none() && !v.is_undefined())
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let tier = field(r, "tier");
            let ends = field(r, "ends_on");
            vec![
                field(r, "employee_no"),
                field(r, "name"),
                text(&format!("obligation.{}", field(r, "kind"))),
                if tier.is_empty() {
                    String::new()
                } else {
                    text(&format!("obligations.tier.{tier}"))
                },
                field(r, "starts_on"),
                if ends.is_empty() {
                    text("obligations.until_public")
                } else {
                    ends
                },
                text(&format!("obligations.status.{}", field(r, "status"))),
                field(r, "id"),
            ]
        })
        .collect();
    lists::csv_file("obligations", &header, &rows)
}
