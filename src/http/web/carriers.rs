//! The carrier register's pages (载体): the list (search, filters, sorting, CSV), a new
//! carrier, and a carrier with its custody history and the forms that move it: assign from
//! the pool, transfer, return to the pool, destroy (security, before two witnesses).

use crate::domain::roles::SecurityOnly;
use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::lists::{self, Cell, Columns, Found, ListPage};
use super::people::{instant, person_link, sort_text};
use super::render_page;
use super::view::options;
use crate::db::carriers::{self, Carrier, CarrierFilter};
use crate::db::employees::{self, Scope};
use crate::db::names::{self, EmployeeName};
use crate::domain::carriers::{CarrierKind, CarrierStatus, Classification};
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

/// A row of the register: the carrier and who holds it.
struct Row {
    carrier: Carrier,
    holder: Option<EmployeeName>,
}

fn columns() -> Columns<Row> {
    let holder = |r: &Row, pick: fn(&EmployeeName) -> &String| {
        Cell::text(r.holder.as_ref().map(pick).cloned().unwrap_or_default())
    };
    Columns::<Row>::new()
        .col("tag", "carriers.col.tag", |r, _| {
            let c = &r.carrier;
            Cell::link(format!("/carriers/{}", c.id), &c.tag).below(Some(&c.description))
        })
        .sortable()
        .col("kind", "carriers.col.kind", |r, t| {
            Cell::label(t, format!("carriers.kind.{}", r.carrier.kind))
        })
        .sortable()
        .col("description", "carriers.col.description", |r, _| {
            Cell::text(&r.carrier.description)
        })
        .csv_only()
        .col("classification", "carriers.col.classification", |r, t| {
            Cell::label(
                t,
                format!("carriers.classification.{}", r.carrier.classification),
            )
        })
        .sortable()
        .col("copies", "carriers.col.copies", |r, _| {
            Cell::number(i64::from(r.carrier.copies))
        })
        .sortable()
        .col("status", "carriers.col.status", |r, t| {
            Cell::badge(t, "carriers.status", r.carrier.status)
        })
        .sortable()
        .col("custodian", "carriers.col.custodian", |r, _| {
            match (&r.carrier.custodian_id, &r.holder) {
                (Some(id), Some(h)) => Cell::link(format!("/employees/{id}"), &h.name)
                    .note(Some(format!("({})", h.employee_no))),
                _ => Cell::empty(),
            }
        })
        .page_only()
        .col("custodian_no", "carriers.col.custodian_no", move |r, _| {
            holder(r, |h| &h.employee_no)
        })
        .csv_only()
        .col("custodian", "carriers.col.custodian", move |r, _| {
            holder(r, |h| &h.name)
        })
        .csv_only()
        .col("updated_at", "carriers.col.updated_at", |r, _| {
            Cell::instant(Some(r.carrier.updated_at))
        })
        .sortable()
}

async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: QueryParams<CarrierQuery>,
) -> Result<HttpResponse, Error> {
    let (filter, window) = query.0.resolve()?;
    let user = user.0;
    let read = lists::window_for(&req, window);
    let (who, f) = (user.clone(), filter.clone());
    let (found, names) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let found = carriers::list(conn, &scope, &f, read)?;
            let mut ids: BTreeSet<String> = found
                .rows
                .iter()
                .filter_map(|c| c.custodian_id.clone())
                .collect();
            ids.extend(f.custodian_id.clone());
            let names = names::employees(conn, ids)?;
            Ok((found, names))
        })
        .await?;
    let custodian = person_link(&names, filter.custodian_id.as_ref());
    let found = found.map(|carrier| Row {
        holder: carrier
            .custodian_id
            .as_ref()
            .and_then(|h| names.get(h))
            .cloned(),
        carrier,
    });
    let page = ListPage {
        columns: columns(),
        csv: "carriers",
        template: "carriers_list.html",
        anchor: |_| None,
    };
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
            custodian,
            classifications => options("carriers.classification", Classification::ALL),
            statuses => options("carriers.status", CarrierStatus::ALL),
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
            kinds => options("carriers.kind", CarrierKind::ALL),
            classifications => options("carriers.classification", Classification::ALL),
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
            let people = names::employees(conn, ids)?;
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
