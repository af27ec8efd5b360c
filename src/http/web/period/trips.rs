//! `/trips`: the trips abroad (出境) — the list (the approved ones are the register), one trip
//! with its decisions and the forms its reader may use, and the forms that ask for a trip or
//! record one taken without approval. Every form posts to the JSON API.

use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::lists::{self, Cell, Columns, Found, ListPage};
use super::super::people::{instant, person_link, sort_text};
use super::super::render_page;
use super::super::view::options;
use super::documents::{document_view, why};
use crate::db::employees::{self, Scope};
use crate::db::listing::Sort;
use crate::db::names::{self, EmployeeName, UserName};
use crate::db::travel::documents::{self as docs, DocumentFilter};
use crate::db::travel::lists::{self as travel_lists, TripSort};
use crate::db::travel::{self, Trip, TripFilter};
use crate::domain::FieldErrors;
use crate::domain::clearance::Decision;
use crate::domain::roles::{CaseReaders, SecurityOnly, TripDeciders};
use crate::domain::travel::{TripStatus, may_record_return};
use crate::domain::travel_documents::DocumentStatus;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized, CurrentUser, QueryParams, list_query};

list_query! {
    /// The list's filters and order, as the page's query string carries them.
    pub struct TripPageQuery {
        status: Option<String>,
        /// "1": only approved trips not reported back in time.
        overdue: Option<String>,
        employee_id: Option<String>,
        sort: Option<String>,
    }
}

/// A row of the list: the trip, its traveller and who decided it.
struct Row {
    trip: Trip,
    person: Option<EmployeeName>,
    decided_by: Vec<String>,
}

fn columns() -> Columns<Row> {
    Columns::<Row>::new()
        .col("person", "travel.col.person", |r, _| {
            let name = r
                .person
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let no = r.person.as_ref().map(|p| format!("({})", p.employee_no));
            Cell::link(format!("/employees/{}", r.trip.employee_id), &name)
                .note(no)
                .in_csv(name)
        })
        .col("employee_no", "travel.col.employee_no", |r, _| {
            Cell::text(
                r.person
                    .as_ref()
                    .map(|p| p.employee_no.clone())
                    .unwrap_or_default(),
            )
        })
        .csv_only()
        .col("countries", "travel.col.countries", |r, _| {
            Cell::link(format!("/trips/{}", r.trip.id), &r.trip.countries).in_csv(&r.trip.countries)
        })
        .col("starts_on", "travel.col.starts_on", |r, _| {
            Cell::date(Some(r.trip.starts_on))
        })
        .sortable()
        .col("ends_on", "travel.col.ends_on", |r, _| {
            Cell::date(Some(r.trip.ends_on))
        })
        .col("purpose", "travel.col.purpose", |r, _| {
            Cell::text(&r.trip.purpose)
        })
        .col("status", "travel.col.status", |r, t| {
            Cell::badge(t, "travel.status", r.trip.status)
        })
        .sortable()
        .col("decided_by", "travel.col.decided_by", |r, t| {
            Cell::text(r.decided_by.join(&t.t("punct.list")))
        })
        .col("returned_on", "travel.col.returned_on", |r, _| {
            Cell::date(r.trip.returned_on)
        })
        .csv_only()
        .col("requested_at", "travel.col.requested_at", |r, _| {
            Cell::instant(Some(r.trip.requested_at))
        })
        .sortable()
}

fn today(state: &AppState) -> chrono::NaiveDate {
    crate::clock::company_date(state.now(), state.config.timezone)
}

/// Who decided: the first decider, and the unit leader after them.
fn deciders(trip: &Trip, users: &HashMap<String, UserName>) -> Vec<String> {
    [&trip.decided_by, &trip.second_by]
        .into_iter()
        .filter_map(|id| id.as_ref().and_then(|i| users.get(i)))
        .map(|u| u.name.clone())
        .collect()
}

/// GET /trips (every staff role; a manager sees their reports' only): filters status and
/// overdue, paging, sort; `?format=csv` for the whole list.
pub(super) async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    query: QueryParams<TripPageQuery>,
) -> Result<HttpResponse, Error> {
    let q = query.0;
    let window = q.window()?;
    let mut errors = FieldErrors::new();
    let status: Option<TripStatus> = errors.optional("status", q.status.filter(|s| !s.is_empty()));
    let sort: Option<Sort<TripSort>> = errors.optional("sort", q.sort.filter(|s| !s.is_empty()));
    errors.finish()?;
    let overdue = matches!(q.overdue.as_deref(), Some("1" | "true" | "on"));
    let employee_id = q.employee_id.filter(|e| !e.is_empty());
    let (user, today) = (user.0, today(&state));
    let read = lists::window_for(&req, window);
    let (who, e) = (user.clone(), employee_id.clone());
    let (found, people, users) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let (_, policy) = crate::db::policy::current(conn)?;
            let filter = TripFilter {
                status,
                employee_id: e,
                overdue_on: overdue.then_some((today, policy.travel.report_back_days)),
            };
            let found = travel_lists::trips_page(conn, &scope, &filter, sort, read)?;
            let people = names::employees(conn, found.rows.iter().map(|t| t.employee_id.clone()))?;
            let user_ids = found.rows.iter().flat_map(|t| {
                t.decided_by
                    .iter()
                    .chain(t.second_by.iter())
                    .cloned()
                    .collect::<Vec<_>>()
            });
            let users = names::users(conn, user_ids)?;
            Ok((found, people, users))
        })
        .await?;
    let found = found.map(|trip| Row {
        person: people.get(&trip.employee_id).cloned(),
        decided_by: deciders(&trip, &users),
        trip,
    });
    let page = ListPage {
        columns: columns(),
        csv: "trips",
        template: "period_trips.html",
        anchor: |_| None,
    };
    let sort = sort_text(sort);
    let found = Found {
        rows: found,
        window,
        sort: &sort,
    };
    let person = person_link(&people, employee_id.as_ref());
    page.answer(
        &state,
        &req,
        &user,
        found,
        context! {
            filter => context! {
                status => status.map(|s| s.as_str()).unwrap_or_default(),
                overdue,
                employee_id => employee_id.unwrap_or_default(),
            },
            person,
            statuses => options("travel.status", TripStatus::ALL),
        },
    )
}

/// GET /trips/{id}: the trip, its decisions, its documents and the forms its reader may use
/// (a reader who may not act reads why).
pub(super) async fn trip_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (who, id) = (user.clone(), id.into_inner());
    let (trip, people, users, documents, held) = state
        .db(move |conn| {
            let trip = travel::find(conn, &id)?;
            let scope = Scope::of(conn, &who)?;
            // The traveller reads their own trip, whoever else may.
            let own = travel::own_employee(conn, &who).is_ok_and(|e| e.id == trip.employee_id);
            if !own {
                employees::get(conn, &scope, &trip.employee_id)?;
            }
            let documents = travel_lists::documents_of_trip(conn, &trip.id)?;
            let held = docs::list(
                conn,
                &DocumentFilter {
                    employee_id: Some(trip.employee_id.clone()),
                    status: Some(DocumentStatus::Held),
                    late_on: None,
                },
            )?;
            let people = names::employees(conn, [trip.employee_id.clone()])?;
            let mut ids: BTreeSet<String> = BTreeSet::new();
            for u in [
                &trip.requested_by,
                &trip.decided_by,
                &trip.second_by,
                &trip.return_recorded_by,
            ] {
                ids.extend(u.clone());
            }
            let users = names::users(conn, ids)?;
            Ok((trip, people, users, documents, held))
        })
        .await?;
    let name = |id: &Option<String>| {
        id.as_ref()
            .and_then(|i| users.get(i))
            .map(|u| u.name.clone())
    };
    // The decision form, or why this reader may not give one.
    let (may_decide, decide_why) = if user.may::<TripDeciders>() {
        match travel::decision_of(&trip, &user, Decision::Approve) {
            Ok(_) => (true, None),
            Err(refusal) => (false, why(refusal.into())),
        }
    } else {
        (false, None)
    };
    let pending = TripStatus::PENDING.contains(&trip.status);
    let security = user.may::<SecurityOnly>();
    let (may_return, return_why) = match may_record_return(trip.status, trip.returned_on) {
        Ok(()) if security => (true, None),
        Ok(()) => (false, None),
        Err(refusal) => (false, security.then(|| why(refusal.into())).flatten()),
    };
    let may_hand_out =
        security && trip.status == TripStatus::Approved && trip.returned_on.is_none();
    let documents: Vec<Value> = documents.iter().map(document_view).collect();
    let held: Vec<Value> = held
        .iter()
        .map(|d| context! { id => d.id, kind => d.kind, number => d.number })
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "period_trip.html",
        context! {
            trip => context! {
                id => trip.id, countries => trip.countries, purpose => trip.purpose,
                starts_on => trip.starts_on.to_string(), ends_on => trip.ends_on.to_string(),
                invited_by => trip.invited_by, status => trip.status, tier => trip.tier,
                needs_second_approval => trip.needs_second_approval,
                requested_at => instant(trip.requested_at),
                requested_by => name(&trip.requested_by),
                decided_by => name(&trip.decided_by),
                decided_at => trip.decided_at.map(instant),
                decision_reason => trip.decision_reason,
                second_by => name(&trip.second_by),
                second_at => trip.second_at.map(instant),
                second_reason => trip.second_reason,
                returned_on => trip.returned_on.map(|d| d.to_string()),
                return_recorded_by => name(&trip.return_recorded_by),
                breach_case_id => trip.breach_case_id,
            },
            person => person_link(&people, Some(&trip.employee_id)),
            may_read_case => user.may::<CaseReaders>(),
            pending,
            may_decide,
            decide_why,
            second_step => trip.status == TripStatus::AwaitingSecondApproval,
            may_return,
            return_why,
            may_hand_out,
            documents,
            held,
            security,
        },
    )
}

#[derive(serde::Deserialize)]
pub(super) struct NewTripQuery {
    /// Security: the person whose trip taken without approval is recorded.
    employee_id: Option<String>,
    /// The same, by employee number (the page's search field).
    employee_no: Option<String>,
}

/// GET /trips/new: a signed-in employee asks for their own trip; security finds a person
/// (`?employee_no=`) and records a trip they took without approval.
pub(super) async fn new_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    query: web::Query<NewTripQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let q = query.into_inner();
    let security = user.may::<SecurityOnly>();
    let who = user.clone();
    let (own, unapproved, not_found) = state
        .db(move |conn| {
            let own = travel::own_employee(conn, &who).err();
            let mut not_found = false;
            let mut person = None;
            if security {
                if let Some(id) = q.employee_id.filter(|i| !i.is_empty()) {
                    person = employees::find(conn, &id)?;
                    not_found = person.is_none();
                } else if let Some(no) = q.employee_no.map(|n| n.trim().to_string())
                    && !no.is_empty()
                {
                    person = employees::find_by_no(conn, &no)?;
                    not_found = person.is_none();
                }
            }
            Ok((own, person, not_found))
        })
        .await?;
    let own_why = own.and_then(why);
    let unapproved =
        unapproved.map(|e| context! { id => e.id, name => e.name, employee_no => e.employee_no });
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "period_trip_new.html",
        context! { own_why, security, unapproved, not_found },
    )
}
