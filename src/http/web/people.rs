//! The people register's pages: the list (search, filters, sorting, CSV), a new person, the
//! person with everything about them (facts, tier and its history, carriers, pledges,
//! non-compete terms, obligations and their timeline, departures), the import of an HR export,
//! and a signed pledge ready to print. Actions are forms posted to the JSON API.

use std::collections::{BTreeSet, HashMap};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, NaiveDateTime};
use futures_util::StreamExt;
use minijinja::{Value, context};
use serde::Deserialize;

use super::forms::Flash;
use super::{lists, page_language, render_page, timeline};
use crate::db::carriers::{self, Carrier};
use crate::db::clearance::{self, TierHistory};
use crate::db::departures::Departure;
use crate::db::employees::{self, Employee, EmployeeFilter, Scope, SortBy};
use crate::db::names::{self, EmployeeName};
use crate::db::noncompete::{self, Agreement};
use crate::db::obligations::{self, Obligation, ObligationFilter};
use crate::db::pledges::{self, Pledge, PledgeText};
use crate::db::{extensions, users};
use crate::domain::audit::Actor;
use crate::domain::people::EmployeeStatus;
use crate::domain::users::{Language, Role};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::employees::{EmployeeQuery, import_file};
use crate::http::extract::{AnyRole, Authorized, IMPORT_LIMIT, PeopleEditors, QueryParams};
use crate::http::session;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/employees", web::get().to(list))
        .route("/employees/new", web::get().to(new_person))
        .route("/employees/import", web::get().to(import_page))
        .route("/employees/import", web::post().to(import_upload))
        .route("/employees/{id}", web::get().to(person))
        .route(
            "/employees/{id}/pledges/{pledge_id}/print",
            web::get().to(print_pledge),
        );
}

/// `[value, catalog key]` pairs for a select, from a closed set of values.
pub(super) fn options(prefix: &str, values: &[&str]) -> Vec<[String; 2]> {
    values
        .iter()
        .map(|v| [v.to_string(), format!("{prefix}.{v}")])
        .collect()
}

/// The `sort` parameter as written in links.
pub(super) fn sort_text<K: std::fmt::Display>(sort: Option<SortBy<K>>) -> String {
    sort.map(|s| format!("{}{}", if s.descending { "-" } else { "" }, s.key))
        .unwrap_or_default()
}

/// An instant as the `|datetime` filter takes it.
pub(super) fn instant(at: NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Number and name of each of these employees, by id: one query for a page, one for every
/// few thousand in a CSV of the whole register.
pub(super) fn employee_names(
    conn: &mut crate::db::DbConnection,
    ids: impl IntoIterator<Item = String>,
) -> diesel::QueryResult<HashMap<String, EmployeeName>> {
    let ids: Vec<String> = ids
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut found = HashMap::new();
    for chunk in ids.chunks(5000) {
        found.extend(names::employees(conn, chunk.to_vec())?);
    }
    Ok(found)
}

/// An employee as a page links to them: id, number and name.
pub(super) fn person_link(
    names: &HashMap<String, EmployeeName>,
    id: Option<&String>,
) -> Option<Value> {
    let id = id?;
    let n = names.get(id)?;
    Some(context! { id => id, employee_no => n.employee_no, name => n.name })
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

const TIERS: [&str; 4] = ["none", "general", "important", "core"];
const STATUSES: [&str; 4] = ["active", "departing", "departed", "retired"];

// ---------------------------------------------------------------------------------------
// The register

async fn list(
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
            can_edit => user.has_any_role(&[Role::Admin, Role::Hr]),
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
struct NewQuery {
    /// Prefills the manager (a link "add a report" from the manager's page).
    manager_id: Option<String>,
    manager_no: Option<String>,
}

async fn new_person(
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

// ---------------------------------------------------------------------------------------
// The person

/// Everything the person page shows, read in one go.
struct PersonView {
    employee: Employee,
    /// The manager's number and name.
    manager: HashMap<String, EmployeeName>,
    reports: i64,
    history: TierHistory,
    carriers: Vec<Carrier>,
    pledges: Vec<Pledge>,
    texts: Vec<PledgeText>,
    agreement: Option<Agreement>,
    obligations: Vec<Obligation>,
    ends_before: HashMap<String, NaiveDate>,
    departures: Vec<Departure>,
    users: HashMap<String, String>,
}

fn load_person(
    conn: &mut crate::db::DbConnection,
    user: &crate::db::users::User,
    id: &str,
) -> Result<PersonView, Error> {
    let scope = Scope::of(conn, user)?;
    let employee = employees::get(conn, &scope, id)?;
    let manager = employee_names(conn, employee.manager_id.clone())?;
    let reports = employees::direct_reports(conn, id)?;
    let history = clearance::history(conn, id)?;
    let carriers = carriers::custody_of(conn, id)?;
    let pledges = pledges::of_employee(conn, id)?;
    let texts = pledges::texts(conn, None)?;
    let agreement = noncompete::agreement_of(conn, id)?;
    let filter = ObligationFilter {
        employee_id: Some(id.to_string()),
        ..ObligationFilter::default()
    };
    let (mut obligations, _) = obligations::list(conn, &scope, &filter, 0, 1000)?;
    obligations.sort_by(|a, b| (a.starts_on, a.kind.as_str()).cmp(&(b.starts_on, b.kind.as_str())));
    let ids: Vec<String> = obligations.iter().map(|o| o.id.clone()).collect();
    let ends_before = extensions::ends_before_extension(conn, &ids)?;
    let departures = employees::departures_of(conn, id)?;
    let mut user_ids: BTreeSet<String> = BTreeSet::new();
    for c in &history.changes {
        user_ids.insert(c.proposed_by.clone());
        user_ids.extend(c.reviewed_by.clone());
        user_ids.extend(c.decided_by.clone());
    }
    user_ids.extend(pledges.iter().map(|p| p.recorded_by.clone()));
    let user_ids: Vec<String> = user_ids.into_iter().collect();
    let users = users::names(conn, &user_ids)?;
    Ok(PersonView {
        employee,
        manager,
        reports,
        history,
        carriers,
        pledges,
        texts,
        agreement,
        obligations,
        ends_before,
        departures,
        users,
    })
}

/// A pledge text's title in a language.
fn text_title(text: &PledgeText, lang: Language) -> &str {
    match lang {
        Language::ZhCn => &text.title_zh,
        Language::En => &text.title_en,
    }
}

/// An amount in minor units (fen, cents) as 8000.00.
fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

async fn person(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (who, id) = (user.clone(), id.into_inner());
    let v = state.db(move |conn| load_person(conn, &who, &id)).await?;
    let lang = page_language(&req, Some(&user));
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    let e = &v.employee;
    let employed = matches!(e.status, EmployeeStatus::Active | EmployeeStatus::Departing);
    let open_change = v.history.changes.iter().any(|c| c.status.is_open());
    let own_record = user.employee_no.as_deref() == Some(e.employee_no.as_str());
    let has = |roles: &[Role]| user.has_any_role(roles);
    let overseer = has(&[Role::Admin, Role::Hr, Role::Security]);
    let who = |id: &Option<String>| id.as_ref().and_then(|i| v.users.get(i)).cloned();

    let changes: Vec<Value> = v
        .history
        .changes
        .iter()
        .map(|c| {
            context! {
                from_tier => c.from_tier,
                to_tier => c.to_tier,
                status => c.status,
                proposed_by => v.users.get(&c.proposed_by),
                proposed_at => instant(c.proposed_at),
                proposal_reason => c.proposal_reason,
                reviewed_by => who(&c.reviewed_by),
                reviewed_at => c.reviewed_at.map(instant),
                review_reason => c.review_reason,
                decided_by => who(&c.decided_by),
                decided_at => c.decided_at.map(instant),
                decision_reason => c.decision_reason,
                effective_on => day(c.effective_on),
            }
        })
        .collect();
    let post_exits: Vec<Value> = v
        .history
        .post_exits
        .iter()
        .map(|p| {
            context! {
                left_on => p.left_on.to_string(),
                tier_held => p.tier_held,
                new_tier => p.new_tier,
                cause => p.cause,
            }
        })
        .collect();
    let texts_by_id: HashMap<&str, &PledgeText> =
        v.texts.iter().map(|t| (t.id.as_str(), t)).collect();
    let pledges: Vec<Value> = v
        .pledges
        .iter()
        .map(|p| {
            let text = texts_by_id.get(p.pledge_text_id.as_str());
            context! {
                id => p.id,
                kind => p.kind,
                title => text.map(|t| text_title(t, lang)),
                version => text.map(|t| t.version),
                method => p.method,
                signed_on => p.signed_on.to_string(),
                typed_name => p.typed_name,
                scan_ref => p.scan_ref,
                refusal_reason => p.refusal_reason,
                recorded_by => v.users.get(&p.recorded_by),
            }
        })
        .collect();
    let text_options: Vec<[String; 2]> = v
        .texts
        .iter()
        .map(|t| {
            let kind = state
                .pages
                .text(lang, &format!("people.pledge_kind.{}", t.kind));
            let label = format!("{kind} · v{} · {}", t.version, text_title(t, lang));
            [t.id.clone(), label]
        })
        .collect();
    let carriers: Vec<Value> = v
        .carriers
        .iter()
        .map(|c| {
            context! {
                id => c.id, tag => c.tag, kind => c.kind, classification => c.classification,
                copies => c.copies, description => c.description,
            }
        })
        .collect();
    let obligations: Vec<Value> = v
        .obligations
        .iter()
        .map(|o| {
            context! {
                id => o.id, kind => o.kind, starts_on => o.starts_on.to_string(),
                ends_on => day(o.ends_on), status => o.status, tier => o.tier,
                extended_from => v.ends_before.get(&o.id).map(|d| d.to_string()),
            }
        })
        .collect();
    let picture = timeline::draw(&v.obligations, &v.ends_before, today, lang, |key| {
        state.pages.text(lang, key)
    });
    let departures: Vec<Value> = v
        .departures
        .iter()
        .map(|d| {
            context! {
                id => d.id, notice_date => d.notice_date.to_string(),
                last_working_day => d.last_working_day.to_string(),
                reason => d.reason, status => d.status,
            }
        })
        .collect();
    let agreement = v.agreement.as_ref().filter(|_| overseer).map(|a| {
        context! {
            months => a.months,
            monthly_compensation => money(a.monthly_compensation),
            currency => a.currency,
            scope => a.scope,
            region => a.region,
            warning => a.warning,
            updated_at => instant(a.updated_at),
        }
    });
    let employee = context! {
        id => e.id,
        employee_no => e.employee_no,
        name => e.name,
        work_email => e.work_email,
        private_email => e.private_email,
        language => e.language,
        department => e.department,
        title => e.title,
        hire_date => day(e.hire_date),
        status => e.status,
        tier => e.clearance_tier,
        created_at => instant(e.created_at),
        updated_at => instant(e.updated_at),
    };
    let mut tiers = options("people.tier", &TIERS);
    tiers.retain(|t| t[0] != e.clearance_tier.as_str());
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "people_person.html",
        context! {
            employee,
            manager => person_link(&v.manager, e.manager_id.as_ref()),
            reports => v.reports,
            changes,
            post_exits,
            open_change,
            carriers,
            pledges,
            text_options,
            agreement,
            obligations,
            timeline => picture,
            departures,
            tiers,
            languages => options("people.language", &["zh-CN", "en"]),
            methods => options("people.pledge_method", &["e_signed", "paper", "refused"]),
            can_edit => has(&[Role::Admin, Role::Hr]),
            can_propose => has(&[Role::Hr, Role::Manager]) && employed && !open_change && !own_record,
            can_pledge => has(&[Role::Admin, Role::Hr]),
            can_see_terms => overseer,
            can_set_terms => has(&[Role::Hr]) && employed,
            can_rehire => has(&[Role::Admin, Role::Hr])
                && matches!(e.status, EmployeeStatus::Departed | EmployeeStatus::Retired),
            can_depart => has(&[Role::Hr]) && e.status == EmployeeStatus::Active,
            can_add_carrier => overseer && employed,
        },
    )
}

// ---------------------------------------------------------------------------------------
// A pledge to print

/// The words of the printed pledge, in the language of the person who signed it.
const PRINT_KEYS: [&str; 12] = [
    "heading",
    "name",
    "employee_no",
    "department",
    "kind",
    "version",
    "signed_on",
    "method",
    "signature",
    "date",
    "company",
    "refused",
];

async fn print_pledge(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (id, pledge_id) = path.into_inner();
    let who = user.clone();
    let (employee, pledge, text) = state
        .db(move |conn| {
            let scope = Scope::of(conn, &who)?;
            let employee = employees::get(conn, &scope, &id)?;
            let pledge = pledges::of_employee(conn, &id)?
                .into_iter()
                .find(|p| p.id == pledge_id)
                .ok_or(Error::NotFound)?;
            let text = pledges::texts(conn, None)?
                .into_iter()
                .find(|t| t.id == pledge.pledge_text_id)
                .ok_or(Error::NotFound)?;
            Ok((employee, pledge, text))
        })
        .await?;
    let doc_lang: Language = employee.language;
    let words: HashMap<&str, String> = PRINT_KEYS
        .iter()
        .map(|k| (*k, state.pages.text(doc_lang, &format!("people.print.{k}"))))
        .collect();
    let (title, body) = match doc_lang {
        Language::ZhCn => (&text.title_zh, &text.body_zh),
        Language::En => (&text.title_en, &text.body_en),
    };
    let paragraphs: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "people_pledge_print.html",
        context! {
            doc_lang => doc_lang.as_str(),
            words,
            title,
            paragraphs,
            kind => state.pages.text(doc_lang, &format!("people.pledge_kind.{}", pledge.kind)),
            method_text => state.pages.text(doc_lang, &format!("people.pledge_method.{}", pledge.method)),
            version => text.version,
            signed_on => crate::domain::reminders::written_date(pledge.signed_on, doc_lang),
            pledge => context! {
                method => pledge.method, typed_name => pledge.typed_name,
                scan_ref => pledge.scan_ref, refusal_reason => pledge.refusal_reason,
            },
            employee => context! {
                id => employee.id, name => employee.name, employee_no => employee.employee_no,
                department => employee.department,
            },
        },
    )
}

// ---------------------------------------------------------------------------------------
// The import of an HR export

async fn import_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
) -> Result<HttpResponse, Error> {
    import_result(&state, &req, &user.0, StatusCode::OK, None)
}

fn import_result(
    state: &AppState,
    req: &HttpRequest,
    user: &crate::db::users::User,
    status: StatusCode,
    report: Option<Value>,
) -> Result<HttpResponse, Error> {
    render_page(
        state,
        req,
        Some(user),
        status,
        "people_import.html",
        context! { report },
    )
}

/// The upload: the file and the dry-run box. The CSRF token (the form's first field) is
/// checked before the file is read.
async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    mut multipart: Multipart,
) -> Result<(Option<Vec<u8>>, bool), Error> {
    let mut csrf_checked = false;
    let mut file = None;
    let mut dry_run = false;
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        if !csrf_checked && name != "csrf" {
            return Err(Error::FormExpired);
        }
        let limit = if name == "file" { IMPORT_LIMIT } else { 4096 };
        let bytes = match field.bytes(limit).await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => {
                return Err(Error::BadRequest(format!(
                    "the form could not be read: {e}"
                )));
            }
            Err(_) => return Err(Error::TooLarge),
        };
        match name.as_str() {
            "csrf" => {
                if !session::csrf_valid(state, req, &String::from_utf8_lossy(&bytes)) {
                    return Err(Error::FormExpired);
                }
                csrf_checked = true;
            }
            "file" if !bytes.is_empty() => file = Some(bytes.to_vec()),
            "dry_run" => dry_run = bytes.as_ref() == b"true",
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(Error::FormExpired);
    }
    Ok((file, dry_run))
}

async fn import_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<PeopleEditors>,
    multipart: Multipart,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (file, dry_run) = read_upload(&state, &req, multipart).await?;
    let refused = |message: String| {
        // The form comes back with the message under the file field, the box as it was.
        let mut flash = Flash::default();
        flash.fields.insert("file".into(), message);
        if dry_run {
            flash.values.insert("dry_run".into(), "true".into());
        }
        req.extensions_mut().insert(flash);
        import_result(&state, &req, &user, StatusCode::UNPROCESSABLE_ENTITY, None)
    };
    let Some(bytes) = file else {
        return refused("choose a file".into());
    };
    let report = match import_file(&state, Actor::User(user.id.clone()), &bytes, dry_run).await {
        Ok(report) => report,
        Err(Error::Validation(errors)) => {
            let message = errors.0.into_values().next().unwrap_or_default();
            return refused(message);
        }
        Err(e) => return Err(e),
    };
    if dry_run {
        req.extensions_mut().insert(Flash {
            values: [("dry_run".to_string(), "true".to_string())].into(),
            ..Flash::default()
        });
    }
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let report = context! {
        dry_run => report.dry_run,
        asked_dry_run => dry_run,
        created => report.created,
        updated => report.updated,
        unchanged => report.unchanged,
        errors => report.errors,
    };
    import_result(&state, &req, &user, status, Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::ClearanceTier;

    #[test]
    fn money_is_written_with_two_decimals() {
        assert_eq!(money(800_000), "8000.00");
        assert_eq!(money(123_405), "1234.05");
        assert_eq!(money(5), "0.05");
    }

    #[test]
    fn a_sort_is_written_back_as_it_was_read() {
        let s: SortBy<crate::db::employees::EmployeeSort> = "-hire_date".parse().unwrap();
        assert_eq!(sort_text(Some(s)), "-hire_date");
        assert_eq!(sort_text::<ClearanceTier>(None), "");
    }
}
