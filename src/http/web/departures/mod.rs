//! The departure pages: the list (with CSV), starting a departure, one departure with its
//! checklist and history (confirming lines from a phone), its printable handover register,
//! and the departures sections of HR's and a manager's start page. Every action is a form
//! posted to the JSON API (see `forms.rs`); these handlers only read.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::render_page;
use crate::db::DbConnection;
use crate::db::departures::{self, DepartureDetail, DepartureLine, Named};
use crate::db::employees::{self, EmployeeFilter, Scope};
use crate::db::users::User;
use crate::domain::departures::{
    DepartureReason, DepartureStatus, LineKind, LineStatus, allowed_outcomes,
};
use crate::domain::people::EmployeeStatus;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::extract::{
    AnyRole, Authorized, HrOnly, InterviewReaders, PaperReaders, QueryParams,
};

mod dashboards;
mod exit_notice;
mod interview;
mod list;
// The chart is drawn only for this area's section of the start page.
mod ending_chart;

use crate::http::routes::PageRoutes;
pub use dashboards::{hr_dashboard, manager_dashboard};
pub(super) use exit_notice::scan_download;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/departures", AnyRole, list::list);
    r.get("/departures/new", HrOnly, new_form);
    r.get("/departures/{id}", AnyRole, detail);
    r.get("/departures/{id}/register", AnyRole, register);
    r.get("/departures/{id}/exit-notice", AnyRole, exit_notice::print);
    r.post(
        "/departures/{id}/exit-notice/signed",
        HrOnly,
        exit_notice::record_signed,
    );
    r.get(
        "/departures/{id}/exit-notice/scan",
        PaperReaders,
        exit_notice::scan,
    );
    r.get(
        "/departures/{id}/exit-interview",
        InterviewReaders,
        interview::show,
    );
    r.post("/departures/{id}/exit-interview", HrOnly, interview::record);
    r.get(
        "/departures/{id}/exit-interview/print",
        PaperReaders,
        interview::print,
    );
}

/// Choices a people search offers at most.
const CHOICES: i64 = 20;
/// Departures in progress listed on HR's start page at most.
pub(super) const HOME_DEPARTURES: i64 = 10;
/// Lines to confirm listed on a manager's start page at most.
pub(super) const HOME_LINES: i64 = 50;
/// Reports listed in a manager's "my team" at most.
pub(super) const HOME_TEAM: i64 = 100;
/// Months in the picture of obligations ending.
pub(super) const CHART_MONTHS: u32 = 24;

// ---------------------------------------------------------------------------------------
// Starting a departure

#[derive(Deserialize)]
struct NewQuery {
    employee_id: Option<String>,
    successor_id: Option<String>,
    /// A search for the person leaving.
    q: Option<String>,
    /// A search for the successor.
    successor_q: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    id: String,
    employee_no: String,
    name: String,
    department: String,
    title: String,
    status: EmployeeStatus,
}

fn choice(e: employees::Employee) -> Choice {
    Choice {
        id: e.id,
        employee_no: e.employee_no,
        name: e.name,
        department: e.department,
        title: e.title,
        status: e.status,
    }
}

/// Active employees matching a search, for a "choose" list.
fn search_active(conn: &mut DbConnection, q: &str, except: Option<&str>) -> Result<Vec<Choice>> {
    let filter = EmployeeFilter {
        q: Some(q.to_string()),
        status: Some(EmployeeStatus::Active),
        ..EmployeeFilter::default()
    };
    let found = employees::list(
        conn,
        &Scope::All,
        &filter,
        crate::db::listing::Window::top(CHOICES + 1),
    )?
    .rows;
    Ok(found
        .into_iter()
        .filter(|e| Some(e.id.as_str()) != except)
        .take(CHOICES as usize)
        .map(choice)
        .collect())
}

async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    query: QueryParams<NewQuery>,
) -> Result<HttpResponse, Error> {
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let q = query.0;
    let (employee_id, successor_id) = (nonempty(q.employee_id), nonempty(q.successor_id));
    let (search, successor_search) = (nonempty(q.q), nonempty(q.successor_q));
    let ctx = state
        .db(move |conn| {
            let employee = match &employee_id {
                Some(id) => employees::find(conn, id)?.map(choice),
                None => None,
            };
            let successor = match &successor_id {
                Some(id) => employees::find(conn, id)?.map(choice),
                None => None,
            };
            let matches = match (&employee, &search) {
                (None, Some(text)) => search_active(conn, text, None)?,
                _ => Vec::new(),
            };
            let successor_matches = match &successor_search {
                Some(text) => search_active(conn, text, employee_id.as_deref())?,
                None => Vec::new(),
            };
            Ok(context! {
                employee_unknown => employee_id.is_some() && employee.is_none(),
                employee_active => employee.as_ref()
                    .is_some_and(|e| e.status == EmployeeStatus::Active),
                employee, successor, matches, successor_matches,
                searched => search.is_some(),
                successor_searched => successor_search.is_some(),
                search => search.unwrap_or_default(),
                successor_search => successor_search.unwrap_or_default(),
                reason_options => super::view::options("departures.reason", DepartureReason::ALL),
            })
        })
        .await?;
    render_page(
        &state,
        &req,
        Some(&user.0),
        StatusCode::OK,
        "departures_new.html",
        ctx,
    )
}

// ---------------------------------------------------------------------------------------
// One departure, and its register

/// A checklist line as the pages show it.
#[derive(Serialize)]
struct LineView {
    #[serde(flatten)]
    line: DepartureLine,
    /// The outcomes its kind allows.
    outcomes: Vec<&'static str>,
    is_carrier: bool,
    /// Still open: confirmable.
    open: bool,
    resolved: bool,
    /// Handed over, and the successor has not signed for it yet.
    awaiting_receipt: bool,
    confirmed_by_name: Option<String>,
    received_by_name: Option<String>,
    handed_to: Option<Named>,
    /// The carrier's classification (密级); none for a line that is not a carrier.
    classification: Option<String>,
    /// Whether the register registers and counts copies of it (things only).
    has_copies: bool,
}

pub(super) fn outcomes_of(line: &DepartureLine) -> Vec<&'static str> {
    allowed_outcomes(line.kind)
        .iter()
        .map(|o| o.as_str())
        .collect()
}

/// One event of the departure's history.
#[derive(Serialize)]
struct HistoryView {
    at: String,
    actor: Option<String>,
    action: String,
    /// The line's title then; an event recorded before titles were kept per language has one.
    title: Option<String>,
    title_en: Option<String>,
    outcome: Option<String>,
    count: Option<i64>,
    note: Option<String>,
    reason: Option<String>,
}

/// Everything the departure page and the register show, in a fixed number of statements.
/// `now` and `tz` say whether a completion now would take effect only at the end of the
/// last working day (the form says so).
fn departure_context(
    conn: &mut DbConnection,
    user: &User,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> Result<Value> {
    let scope = Scope::of(conn, user)?;
    let DepartureDetail {
        departure,
        register_no,
        lines,
        open_lines,
    } = departures::get(conn, &scope, id)?;
    let employee = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let history = crate::db::audit::of_subject(conn, "departure", &departure.id)?;

    let mut user_ids: Vec<&str> = vec![departure.started_by.as_str()];
    user_ids.extend(departure.completed_by.as_deref());
    user_ids.extend(departure.non_compete_waived_by.as_deref());
    user_ids.extend(departure.exit_notice_recorded_by.as_deref());
    for l in &lines {
        user_ids.extend(l.confirmed_by.as_deref());
        user_ids.extend(l.received_by.as_deref());
    }
    for e in &history {
        if e.actor_type == "user" {
            user_ids.extend(e.actor_id.as_deref());
        }
    }
    let users = departures::users_named(conn, &user_ids)?;
    let mut people: Vec<&str> = Vec::new();
    people.extend(departure.successor_id.as_deref());
    people.extend(employee.manager_id.as_deref());
    for l in &lines {
        people.extend(l.handed_to_id.as_deref());
    }
    for e in &history {
        if e.actor_type == "employee" {
            people.extend(e.actor_id.as_deref());
        }
    }
    let named = departures::employees_named(conn, &people)?;
    let carrier_ids: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.carrier_id.as_deref())
        .collect();
    let classifications = departures::classifications_of(conn, &carrier_ids)?;
    let user_name = |id: Option<&str>| id.and_then(|i| users.get(i)).map(|u| u.name.clone());

    let can_confirm = departure.status == DepartureStatus::InProgress
        && match departures::may_confirm(conn, user, &employee) {
            Ok(()) => true,
            Err(Error::Forbidden) => false,
            Err(e) => return Err(e),
        };
    let successor = departure
        .successor_id
        .as_ref()
        .and_then(|s| named.get(s).cloned());
    let is_successor = successor
        .as_ref()
        .is_some_and(|s| user.employee_no.as_deref() == Some(s.no.as_str()));
    // Completing now opens a loss case for each of these (视同泄密): the form says so first.
    let leak_lines = crate::domain::departures::treated_as_leaked(
        lines
            .iter()
            .map(|l| (l.id.as_str(), l.kind, l.status, l.received_at.is_some())),
    )
    .len();
    let lines: Vec<LineView> = lines
        .into_iter()
        .map(|l| {
            let status: LineStatus = l.status;
            let handed_to = l.handed_to_id.as_ref().and_then(|h| named.get(h).cloned());
            LineView {
                outcomes: outcomes_of(&l),
                is_carrier: l.kind == LineKind::Carrier,
                open: status == LineStatus::Open,
                resolved: l.resolved(),
                awaiting_receipt: status == LineStatus::HandedOver && l.received_at.is_none(),
                confirmed_by_name: user_name(l.confirmed_by.as_deref()),
                // Signed for through the emailed link: the successor it was handed to signed.
                received_by_name: user_name(l.received_by.as_deref()).or_else(|| {
                    l.received_at
                        .and(handed_to.as_ref())
                        .map(|h| h.name.clone())
                }),
                handed_to,
                classification: l
                    .carrier_id
                    .as_ref()
                    .and_then(|c| classifications.get(c).cloned()),
                has_copies: crate::domain::departures::has_copies(l.kind),
                line: l,
            }
        })
        .collect();
    let history: Vec<HistoryView> = history
        .into_iter()
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let text = |k: &str| {
                details[k]
                    .as_str()
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
            };
            HistoryView {
                at: e.at.and_utc().to_rfc3339(),
                // A user by their account's name; a person through a link by theirs.
                actor: match e.actor_type.as_str() {
                    "employee" => e
                        .actor_id
                        .as_ref()
                        .and_then(|i| named.get(i))
                        .map(|n| n.name.clone()),
                    _ => user_name(e.actor_id.as_deref()),
                },
                action: e
                    .action
                    .strip_prefix("departure.")
                    .unwrap_or(&e.action)
                    .to_string(),
                title: text("title"),
                title_en: text("title_en"),
                outcome: text("outcome"),
                count: details["count"].as_i64(),
                note: text("note"),
                reason: text("override_reason"),
            }
        })
        .collect();
    let company = crate::db::policy::identity(conn)?;
    // The non-compete agreed, and whether the company may still waive it before it begins.
    let today = crate::clock::company_date(now, tz);
    let non_compete = crate::db::noncompete::agreement_of(conn, &employee.id)?.map(|a| {
        let may_waive = crate::domain::noncompete::waiver_before_term(
            crate::domain::noncompete::BeforeTerm {
                departure: departure.status,
                in_effect: departure.in_effect,
                last_working_day: departure.last_working_day,
                has_agreement: true,
                already_waived: departure.non_compete_waived_at.is_some(),
            },
            today,
        )
        .is_ok();
        context! {
            months => a.months, may_waive,
            waived_by => user_name(departure.non_compete_waived_by.as_deref()),
        }
    });
    let exit_notice_signed = match departure.exit_notice_scan_id.as_deref() {
        Some(scan_id) => crate::db::papers::scan(conn, scan_id)?.map(|s| {
            context! {
                on => departure.exit_notice_signed_on, file_name => s.file_name,
                size => s.size, sha256 => s.sha256,
                by => user_name(departure.exit_notice_recorded_by.as_deref()),
            }
        }),
        None => None,
    };
    Ok(context! {
        non_compete,
        exit_notice_signed,
        reads_papers => user.may::<PaperReaders>(),
        departure => Value::from_serialize(&departure),
        register_no,
        // The register prints in the reader's language: the company's name in both.
        company_name => company.view(crate::domain::users::Language::ZhCn).name,
        company_name_en => company.view(crate::domain::users::Language::En).name,
        employee => context! {
            id => employee.id, employee_no => employee.employee_no, name => employee.name,
            department => employee.department, title => employee.title,
            status => employee.status,
        },
        manager => employee.manager_id.as_ref().and_then(|m| named.get(m).cloned()),
        successor,
        started_by => user_name(Some(&departure.started_by)),
        completed_by => user_name(departure.completed_by.as_deref()),
        lines,
        open_lines,
        leak_lines,
        history,
        can_confirm,
        is_successor,
        in_progress => departure.status == DepartureStatus::InProgress,
        effect_later => crate::domain::departures::takes_effect_at(departure.last_working_day, tz, now) > now,
        is_hr => user.may::<HrOnly>(),
    })
}

async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    departure_page(
        &state,
        &req,
        user.0,
        id.into_inner(),
        "departures_detail.html",
        StatusCode::OK,
    )
    .await
}

async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    departure_page(
        &state,
        &req,
        user.0,
        id.into_inner(),
        "departures_register.html",
        StatusCode::OK,
    )
    .await
}

/// The departure page and its register show the same things, drawn differently.
pub(super) async fn departure_page(
    state: &AppState,
    req: &HttpRequest,
    user: User,
    id: String,
    template: &str,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let who = user.clone();
    let (now, tz) = (state.now(), state.config.timezone);
    let ctx = state
        .db(move |conn| departure_context(conn, &who, &id, now, tz))
        .await?;
    render_page(state, req, Some(&user), status, template, ctx)
}
