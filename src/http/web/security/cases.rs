//! Breach cases: the list (security and admin; HR sees only the outcomes of substantiated
//! cases, never a reporter), the staff report form, a case with its course, evidence and
//! remedial tasks, and the evidence upload.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use minijinja::context;

use super::super::forms::Flash;
use super::super::lists::{self, Cell, Columns, Texts};
use super::super::render_page;
use super::{Found, ListPage, employee_cell, label_cell, whole};
use crate::db::audit;
use crate::db::breaches::{self, Case, Outcome};
use crate::db::employees::{self, EmployeeFilter, Scope};
use crate::db::letters::{self, LostLine};
use crate::db::names::{self, EmployeeName, UserName};
use crate::db::obligations::{self, ObligationFilter};
use crate::domain::breaches::EVIDENCE_MAX_BYTES;
use crate::domain::breaches::{CaseSource, CaseStatus};
use crate::domain::problem::Problem;
use crate::domain::users::Language;
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::breaches::{CaseQuery, Report, add_case_evidence, staff_report};
use crate::http::extract::{
    AnyRole, Authorized, CaseReaders, OutcomeReaders, QueryParams, RoleSet, SecurityOnly,
};
use crate::http::web::forms::redirect_with;
use crate::http::web::multipart::read_multipart;
use crate::http::web::page_language;
use chrono_tz::Tz;

/// A case as a list row shows it: the case and the employee it is about.
struct CaseRow {
    case: Case,
    employee: Option<EmployeeName>,
    /// The line a loss case is about.
    loss: Option<LostLine>,
}

/// What a loss case is about, said from its line in the reader's language (the case stores
/// only what was typed).
fn loss_text(loss: &LostLine, lang: Language) -> Problem {
    let key = if loss.not_handed_over {
        "sec.case.loss.not_handed_over"
    } else {
        "sec.case.loss.missing"
    };
    Problem::new(key)
        .arg("person", loss.employee_name.as_str())
        .arg("item", loss.title.in_lang(lang))
}

/// What happened, as the list's cell starts it.
fn summary(row: &CaseRow, texts: &Texts) -> String {
    let what = match &row.loss {
        Some(loss) => format!(
            "{} {}",
            texts.say(&loss_text(loss, texts.lang())),
            row.case.what
        ),
        None => row.case.what.clone(),
    };
    excerpt(what.trim(), 80)
}

/// The first `n` characters of a text, with an ellipsis when there was more.
fn excerpt(text: &str, n: usize) -> String {
    let mut out: String = text.chars().take(n).collect();
    if text.chars().count() > n {
        out.push('…');
    }
    out
}

/// The columns of the case list; the CSV adds the employee, the consequence and decision.
fn case_columns(tz: Tz) -> Columns<CaseRow> {
    Columns::<CaseRow>::new()
        .col("code", "sec.case.code", |r, _| {
            Cell::link(format!("/breaches/{}", r.case.id), &r.case.code)
        })
        .sortable()
        .col("created", "sec.case.reported_at", move |r, _| {
            Cell::local(tz, Some(r.case.created_at))
        })
        .sortable()
        .col("source", "sec.case.source", |r, t| {
            Cell::label(t, format!("sec.source.{}", r.case.source))
        })
        // The page names the employee the case is about where it has one, the CSV keeps
        // the name as reported and the employee apart.
        .col("person", "sec.case.person", |r, _| {
            match &r.employee {
                Some(e) => Cell::text(format!("{} ({})", e.name, e.employee_no)),
                None => Cell::text(&r.case.person),
            }
            .in_csv(&r.case.person)
        })
        .col("employee", "sec.case.employee", |r, _| {
            employee_cell(r.employee.as_ref())
        })
        .csv_only()
        .col("what", "sec.case.what", |r, t| Cell::text(summary(r, t)))
        .page_only()
        .col("status", "sec.case.status", |r, t| {
            Cell::badge(t, "sec.case_status", r.case.status)
        })
        .col("severity", "sec.case.severity", |r, t| {
            label_cell(t, "sec.severity", r.case.severity)
        })
        .col("discovered", "sec.case.discovered_on", |r, _| {
            Cell::date(r.case.discovered_on)
        })
        .sortable()
        .col("due", "sec.case.authority_report_due", |r, _| {
            Cell::date(r.case.authority_report_due)
        })
        .sortable()
        .col("suggested", "sec.case.suggested", |r, t| {
            label_cell(t, "sec.consequence", r.case.suggested.as_deref())
        })
        .csv_only()
        .col("decision", "sec.case.decision", |r, _| {
            Cell::text(r.case.decision.clone().unwrap_or_default())
        })
        .csv_only()
}

/// `/breaches`: the cases (security and admin), or the outcomes (HR).
pub async fn list_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<OutcomeReaders>,
    query: QueryParams<CaseQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    if !user.has_any_role(CaseReaders::ROLES) {
        return outcomes_page(&state, &req, &user).await;
    }
    let q = query.0;
    let shown = context! {
        q => q.q.clone(), status => q.status.clone(), severity => q.severity.clone(),
        source => q.source.clone(), sort => q.sort.clone(),
    };
    let sort = q.sort.clone().unwrap_or_else(|| "-created".into());
    let (filter, window) = q.parse()?;
    let read = lists::window_for(&req, window);
    let found = state
        .db(move |conn| {
            let found = breaches::list(conn, &filter, read)?;
            let people = names::employees(
                conn,
                found.rows.iter().filter_map(|c| c.employee_id.clone()),
            )?;
            let lines: Vec<String> = found
                .rows
                .iter()
                .filter(|c| c.source == CaseSource::Loss)
                .filter_map(|c| c.departure_line_id.clone())
                .collect();
            let mut lost = letters::lost_lines(conn, &lines)?;
            Ok(found.map(|case| CaseRow {
                employee: case
                    .employee_id
                    .as_ref()
                    .and_then(|e| people.get(e).cloned()),
                loss: case.departure_line_id.as_ref().and_then(|l| lost.remove(l)),
                case,
            }))
        })
        .await?;
    let page = ListPage {
        columns: case_columns(state.config.timezone),
        csv: "cases",
        template: "security_breaches.html",
        anchor: |_| None,
    };
    let (rows, sort) = (found, sort.as_str());
    let found = Found { rows, window, sort };
    page.answer(&state, &req, &user, found, context! { shown })
}

/// An outcome as HR's list shows it: the outcome and the employee it is about.
struct OutcomeRow {
    outcome: Outcome,
    employee: Option<EmployeeName>,
}

/// The columns of HR's outcome list, the same on the page and in the CSV.
fn outcome_columns() -> Columns<OutcomeRow> {
    Columns::<OutcomeRow>::new()
        .col("code", "sec.case.code", |r, _| Cell::text(&r.outcome.code))
        .col("employee", "sec.case.employee", |r, _| {
            employee_cell(r.employee.as_ref())
        })
        .col("status", "sec.case.status", |r, t| {
            Cell::badge(t, "sec.case_status", r.outcome.status)
        })
        .col("suggested", "sec.case.suggested", |r, t| {
            label_cell(t, "sec.consequence", r.outcome.suggested.as_deref())
        })
        .col("decision", "sec.case.decision", |r, _| {
            Cell::text(r.outcome.decision.clone().unwrap_or_default())
        })
}

/// What HR sees under `/breaches`: the outcomes of substantiated cases about employees.
async fn outcomes_page(
    state: &AppState,
    req: &HttpRequest,
    user: &crate::db::users::User,
) -> Result<HttpResponse, Error> {
    let rows = state
        .db(|conn| {
            let outcomes = breaches::outcomes(conn)?;
            let people =
                names::employees(conn, outcomes.iter().filter_map(|o| o.employee_id.clone()))?;
            Ok(outcomes
                .into_iter()
                .map(|outcome| OutcomeRow {
                    employee: outcome
                        .employee_id
                        .as_ref()
                        .and_then(|e| people.get(e).cloned()),
                    outcome,
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let page = ListPage {
        columns: outcome_columns(),
        csv: "outcomes",
        template: "security_outcomes.html",
        anchor: |_| None,
    };
    page.answer(state, req, user, whole(rows), context! {})
}

/// `/breaches/new`: a member of staff reports a suspected leak, named or anonymously.
pub async fn report_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
) -> Result<HttpResponse, Error> {
    render_page(
        &state,
        &req,
        Some(&user.0),
        StatusCode::OK,
        "security_report.html",
        context! {},
    )
}

/// The staff report form: the case is opened (with its evidence file, if any) and the code
/// and secret are shown once; a refused form comes back with what was typed.
pub async fn report_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let form = read_multipart(multipart, "evidence", EVIDENCE_MAX_BYTES).await?;
    let field = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    let refused = |errors: crate::domain::FieldErrors| {
        req.extensions_mut().insert(Flash {
            fields: errors.0,
            values: form.fields.clone(),
            ..Flash::default()
        });
        render_page(
            &state,
            &req,
            Some(&user),
            StatusCode::UNPROCESSABLE_ENTITY,
            "security_report.html",
            context! {},
        )
    };
    if let Some((_, bytes)) = &form.file
        && let Err(message) = crate::domain::breaches::evidence_type(bytes)
    {
        return refused(crate::domain::FieldErrors::single("evidence", message));
    }
    let report = Report {
        employee_id: None,
        person: field("person"),
        what: field("what"),
        discovered_on: Some(field("discovered_on")),
        carriers: field("carriers"),
        contact: field("contact"),
        anonymous: field("anonymous") == "true",
    };
    let receipt = match staff_report(&state, user.clone(), report, form.file.clone()).await {
        Ok(receipt) => receipt,
        Err(Error::Validation(errors)) => return refused(errors),
        Err(e) => return Err(e),
    };
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::CREATED,
        "report_receipt.html",
        context! { code => receipt.code, secret => receipt.secret },
    )
}

#[derive(serde::Deserialize)]
pub struct CaseView {
    /// An employee to look for, to link the case to.
    find: Option<String>,
}

/// `/breaches/{id}`: the case, its reporter (security and admin only), its course and record,
/// evidence and tasks; for security, the forms that take it along its flow.
pub async fn case_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<CaseReaders>,
    id: web::Path<String>,
    query: QueryParams<CaseView>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let is_security = user.roles.contains(&Role::Security);
    let id = id.into_inner();
    let find = query
        .0
        .find
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    let searched = find.clone();
    let data = state
        .db(move |conn| {
            let detail = breaches::get(conn, &id)?;
            let history = audit::of_subject(conn, "breach", &id)?;
            let users = names::users(
                conn,
                detail
                    .case
                    .reporter_user_id
                    .iter()
                    .cloned()
                    .chain(detail.steps.iter().filter_map(|s| s.actor_id.clone()))
                    .chain(detail.tasks.iter().map(|t| t.owner_id.clone()))
                    .chain(history.iter().filter_map(|e| e.actor_id.clone())),
            )?;
            let employee = match &detail.case.employee_id {
                Some(e) => names::employees(conn, [e.clone()])?.remove(e),
                None => None,
            };
            let owed = match &detail.case.employee_id {
                Some(e) if is_security => {
                    let filter = ObligationFilter {
                        employee_id: Some(e.clone()),
                        ..ObligationFilter::default()
                    };
                    obligations::list(
                        conn,
                        &Scope::All,
                        &filter,
                        crate::db::listing::Window::top(200),
                    )?
                    .rows
                }
                _ => Vec::new(),
            };
            let found = match &searched {
                Some(q) if is_security => {
                    let filter = EmployeeFilter {
                        q: Some(q.clone()),
                        ..EmployeeFilter::default()
                    };
                    employees::list(
                        conn,
                        &Scope::All,
                        &filter,
                        crate::db::listing::Window::top(20),
                    )?
                    .rows
                }
                _ => Vec::new(),
            };
            let owners = if is_security {
                names::active_users(conn)?
            } else {
                Vec::new()
            };
            let penalty = breaches::case_penalty(conn, &id)?;
            let loss = match (&detail.case.source, &detail.case.departure_line_id) {
                (CaseSource::Loss, Some(line)) => {
                    letters::lost_lines(conn, std::slice::from_ref(line))?.remove(line)
                }
                _ => None,
            };
            Ok((
                detail, history, users, employee, owed, found, owners, penalty, loss,
            ))
        })
        .await?;
    let (detail, history, users, employee, owed, found, owners, penalty, loss) = data;
    let loss = loss.map(|l| loss_text(&l, page_language(&req, Some(&user))));
    let penalty = penalty.about_non_compete.then(|| {
        let p = penalty.penalty.as_ref();
        let yuan = |minor: Option<i64>| minor.map(crate::http::web::view::money);
        let input = |minor: Option<i64>| minor.map(crate::http::web::view::amount_input);
        context! {
            agreed => yuan(penalty.agreed_liquidated_damages),
            recorded => p.is_some(),
            claimed => p.is_some_and(|p| p.claimed),
            claimed_amount => yuan(p.and_then(|p| p.claimed_amount)),
            claimed_amount_input => input(p.and_then(|p| p.claimed_amount)),
            claimed_on => p.and_then(|p| p.claimed_on).map(|d| d.to_string()),
            paid_amount => yuan(p.and_then(|p| p.paid_amount)),
            paid_amount_input => input(p.and_then(|p| p.paid_amount)),
            paid_on => p.and_then(|p| p.paid_on).map(|d| d.to_string()),
        }
    });
    let name_of = |id: &Option<String>| -> Option<UserName> {
        id.as_ref().and_then(|i| users.get(i).cloned())
    };
    let case = &detail.case;
    let status: CaseStatus = case.status;
    let next_options: Vec<[String; 2]> = status
        .next()
        .iter()
        .map(|s| [s.as_str().to_string(), format!("sec.case_status.{s}")])
        .collect();
    let steps: Vec<_> = detail
        .steps
        .iter()
        .map(|s| context! { step => s, actor => name_of(&s.actor_id) })
        .collect();
    let tasks: Vec<_> = detail
        .tasks
        .iter()
        .map(|t| context! { task => t, owner => users.get(&t.owner_id) })
        .collect();
    let history: Vec<_> = history
        .into_iter()
        .map(|e| {
            let actor = name_of(&e.actor_id);
            context! {
                at => e.at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                action => e.action, actor_type => e.actor_type, actor,
            }
        })
        .collect();
    let owed: Vec<_> = owed
        .into_iter()
        .map(|o| {
            context! {
                id => o.id, kind => o.kind, starts_on => o.starts_on.to_string(),
                ends_on => o.ends_on.map(|d| d.to_string()), status => o.status,
            }
        })
        .collect();
    let found: Vec<_> = found
        .into_iter()
        .map(|e| context! { id => e.id, employee_no => e.employee_no, name => e.name, department => e.department })
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "security_case.html",
        context! {
            case => case,
            loss,
            reporter => name_of(&case.reporter_user_id),
            employee,
            steps,
            additions => &detail.additions,
            evidence => &detail.evidence,
            tasks,
            history,
            owed,
            found,
            find,
            owners,
            next_options,
            penalty,
            substantiated => detail.steps.iter().any(|s| s.to_status == CaseStatus::Substantiated),
            closed => status == CaseStatus::Closed,
            is_security,
        },
    )
}

/// The evidence upload of the case page (multipart): the same code as the API's upload.
pub async fn upload(
    state: web::Data<AppState>,
    _user: Authorized<SecurityOnly>,
    id: web::Path<String>,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let form = read_multipart(multipart, "file", EVIDENCE_MAX_BYTES).await?;
    let (name, bytes) = form.file.unwrap_or_default();
    let added = add_case_evidence(&state, id.clone(), name, bytes).await;
    // The case exists once the file was looked at (an unknown case is a 404 page).
    let to = format!("/breaches/{id}#evidence");
    match added {
        Ok(_) => Ok(redirect_with(
            &state,
            &to,
            &Flash {
                done: Some("sec_evidence_added".into()),
                ..Flash::default()
            },
        )
        .await),
        Err(Error::Validation(errors)) => Ok(redirect_with(
            &state,
            &to,
            &Flash {
                fields: errors.0,
                ..Flash::default()
            },
        )
        .await),
        Err(e) => Err(e),
    }
}
