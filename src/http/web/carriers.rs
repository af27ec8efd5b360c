//! The carrier register's pages (载体): the list (search, filters, sorting, CSV), a new
//! carrier, and a carrier with its custody history and the forms that move it: assign from
//! the pool, transfer, return to the pool, destroy (security, before two witnesses).

use crate::domain::roles::SecurityOnly;
use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::people::{employee_names, instant, options, person_link, sort_text};
use super::{lists, page_language, render_page};
use crate::db::carriers::{self, Carrier, CarrierFilter};
use crate::db::employees::{self, Scope};
use crate::db::names::EmployeeName;
use crate::domain::carriers::CarrierStatus;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::carriers::CarrierQuery;
use crate::http::extract::{AnyRole, Authorized, Overseers, QueryParams};
use crate::http::routes::PageRoutes;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/carriers", Overseers, list);
    r.get("/carriers/new", Overseers, new_carrier);
    r.get("/carriers/{id}", AnyRole, carrier);
}

const KINDS: [&str; 8] = [
    "document",
    "laptop",
    "removable_media",
    "phone",
    "key",
    "badge",
    "seal",
    "other",
];
const CLASSIFICATIONS: [&str; 4] = ["top_secret", "secret", "confidential", "internal"];
const STATUSES: [&str; 3] = ["in_custody", "in_pool", "destroyed"];

async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: QueryParams<CarrierQuery>,
) -> Result<HttpResponse, Error> {
    let (filter, window) = query.0.resolve()?;
    let user = user.0;
    let csv = lists::wants_csv(&req);
    let (who, f) = (user.clone(), filter.clone());
    let (items, total, names) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let (offset, limit) = if csv {
                (0, i64::MAX)
            } else {
                (window.offset, window.limit)
            };
            let (items, total) = carriers::list(conn, &scope, &f, offset, limit)?;
            let mut ids: BTreeSet<String> = items
                .iter()
                .filter_map(|c| c.custodian_id.clone())
                .collect();
            ids.extend(f.custodian_id.clone());
            let names = employee_names(conn, ids)?;
            Ok((items, total, names))
        })
        .await?;
    let lang = page_language(&req, Some(&user));
    if csv {
        return Ok(register_csv(&state, lang, &items, &names));
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|c| {
            context! {
                id => c.id, tag => c.tag, kind => c.kind, description => c.description,
                classification => c.classification, copies => c.copies, status => c.status,
                custodian => person_link(&names, c.custodian_id.as_ref()),
                updated_at => instant(c.updated_at),
            }
        })
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "carriers_list.html",
        context! {
            rows,
            total,
            page => window.page,
            per_page => window.per_page,
            filter => filter_context(&filter),
            custodian => person_link(&names, filter.custodian_id.as_ref()),
            sort => sort_text(filter.sort),
            query => lists::query_without(&req, &["page", "format"]),
            sort_query => lists::query_without(&req, &["sort", "page", "format"]),
            kinds => options("carriers.kind", &KINDS),
            classifications => options("carriers.classification", &CLASSIFICATIONS),
            statuses => options("carriers.status", &STATUSES),
        },
    )
}

fn filter_context(f: &CarrierFilter) -> Value {
    context! {
        q => f.q.clone().unwrap_or_default(),
        custodian_id => f.custodian_id.clone().unwrap_or_default(),
        custodian_no => f.custodian_no.clone().unwrap_or_default(),
        status => f.status.map(|s| s.as_str()).unwrap_or_default(),
        classification => f.classification.map(|c| c.as_str()).unwrap_or_default(),
    }
}

fn register_csv(
    state: &AppState,
    lang: Language,
    items: &[Carrier],
    names: &HashMap<String, EmployeeName>,
) -> HttpResponse {
    let t = |key: &str| state.pages.text(lang, key);
    let header: Vec<String> = [
        "tag",
        "kind",
        "description",
        "classification",
        "copies",
        "status",
        "custodian_no",
        "custodian",
        "updated_at",
    ]
    .iter()
    .map(|c| t(&format!("carriers.col.{c}")))
    .collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|c| {
            let holder = c.custodian_id.as_ref().and_then(|id| names.get(id));
            vec![
                c.tag.clone(),
                t(&format!("carriers.kind.{}", c.kind)),
                c.description.clone(),
                t(&format!("carriers.classification.{}", c.classification)),
                c.copies.to_string(),
                t(&format!("carriers.status.{}", c.status)),
                holder.map(|h| h.employee_no.clone()).unwrap_or_default(),
                holder.map(|h| h.name.clone()).unwrap_or_default(),
                instant(c.updated_at),
            ]
        })
        .collect();
    lists::csv_file("carriers", &header, &rows)
}

#[derive(Deserialize)]
struct NewQuery {
    /// Prefills the holder (a link from the person's page).
    custodian_id: Option<String>,
}

async fn new_carrier(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, Error> {
    let custodian_no = match query.into_inner().custodian_id {
        Some(id) => state
            .db(move |conn| Ok(employees::find(conn, &id)?))
            .await?
            .map(|e| e.employee_no)
            .unwrap_or_default(),
        None => String::new(),
    };
    render_page(
        &state,
        &req,
        Some(&user.0),
        StatusCode::OK,
        "carriers_new.html",
        context! {
            custodian_no,
            kinds => options("carriers.kind", &KINDS),
            classifications => options("carriers.classification", &CLASSIFICATIONS),
        },
    )
}

async fn carrier(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (who, id) = (user.clone(), id.into_inner());
    let (detail, people, user_names) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let detail = carriers::get(conn, &scope, &id)?;
            let mut ids: BTreeSet<String> = BTreeSet::new();
            ids.extend(detail.carrier.custodian_id.clone());
            let mut user_ids: BTreeSet<String> = BTreeSet::new();
            for e in &detail.history {
                ids.extend(e.from_custodian_id.clone());
                ids.extend(e.to_custodian_id.clone());
                ids.extend(e.witness_1_id.clone());
                ids.extend(e.witness_2_id.clone());
                user_ids.insert(e.actor_id.clone());
                user_ids.extend(e.approver_id.clone());
            }
            let people = employee_names(conn, ids)?;
            let user_names = crate::db::names::users(conn, user_ids)?;
            Ok((detail, people, user_names))
        })
        .await?;
    let person = |id: &Option<String>| person_link(&people, id.as_ref());
    let c = &detail.carrier;
    let history: Vec<Value> = detail
        .history
        .iter()
        .map(|e| {
            context! {
                event => e.event,
                at => instant(e.at),
                from => person(&e.from_custodian_id),
                to => person(&e.to_custodian_id),
                actor => user_names.get(&e.actor_id).map(|u| &u.name),
                approver => e.approver_id.as_ref().and_then(|a| user_names.get(a)).map(|u| &u.name),
                witness_1 => person(&e.witness_1_id),
                witness_2 => person(&e.witness_2_id),
                note => e.note,
            }
        })
        .collect();
    let overseer = user.may::<Overseers>();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "carriers_carrier.html",
        context! {
            carrier => context! {
                id => c.id, tag => c.tag, kind => c.kind, description => c.description,
                classification => c.classification, copies => c.copies, status => c.status,
                created_at => instant(c.created_at), updated_at => instant(c.updated_at),
            },
            custodian => person(&c.custodian_id),
            history,
            can_assign => overseer && c.status == CarrierStatus::InPool,
            can_move => overseer && c.status == CarrierStatus::InCustody,
            can_destroy => user.may::<SecurityOnly>() && c.status != CarrierStatus::Destroyed,
        },
    )
}
