//! `/employees/{id}`: the person with everything about them — facts, tier and its history,
//! carriers, pledges, non-compete terms, obligations and their timeline, departures.

use crate::domain::roles::{HrOnly, Overseers, PeopleEditors, TierProposers};
use std::collections::{BTreeSet, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use minijinja::{Value, context};

use super::super::view::options;
use super::super::{page_language, render_page, timeline};
use super::{day, instant, person_link};
use crate::db::carriers::{self, Carrier};
use crate::db::clearance::{self, TierHistory};
use crate::db::departures::Departure;
use crate::db::employees::{self, Employee, Scope};
use crate::db::extensions;
use crate::db::names::EmployeeName;
use crate::db::noncompete::{self, Agreement};
use crate::db::obligations::{self, Obligation, ObligationFilter};
use crate::db::pledges::{self, Pledge, PledgeText};
use crate::domain::noncompete_terms::BoundAs;
use crate::domain::obligations::lasting_duty_from;
use crate::domain::people::ClearanceTier;
use crate::domain::people::EmployeeStatus;
use crate::domain::pledges::SigningMethod;
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{AnyRole, Authorized};
use crate::http::web::view::{amount_input, money};

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
    users: HashMap<String, crate::db::names::UserName>,
    /// The travel documents security holds of theirs (for the overseers only).
    travel_documents: Vec<crate::db::travel::lists::DocumentRow>,
}

fn load_person(
    conn: &mut crate::db::DbConnection,
    user: &crate::db::users::User,
    id: &str,
) -> Result<PersonView, Error> {
    let scope = Scope::of(conn, user)?;
    let employee = employees::get(conn, &scope, id)?;
    let manager = crate::db::names::employees(conn, employee.manager_id.clone())?;
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
    let mut obligations =
        obligations::list(conn, &scope, &filter, crate::db::listing::Window::top(1000))?.rows;
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
    let users = crate::db::names::users(conn, user_ids)?;
    let travel_documents = if user.may::<Overseers>() {
        let filter = crate::db::travel::documents::DocumentFilter {
            employee_id: Some(id.to_string()),
            ..Default::default()
        };
        let window = crate::db::listing::Window::top(100);
        crate::db::travel::lists::documents_page(conn, &filter, None, window)?.rows
    } else {
        Vec::new()
    };
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
        travel_documents,
    })
}

/// A pledge text's title in a language.
fn text_title(text: &PledgeText, lang: Language) -> &str {
    match lang {
        Language::ZhCn => &text.title_zh,
        Language::En => &text.title_en,
    }
}

pub(super) async fn person(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    person_page(&state, &req, user.0, id.into_inner(), StatusCode::OK).await
}

/// The person's page, answered with `status` (422 when a form on it was refused).
pub(super) async fn person_page(
    state: &AppState,
    req: &HttpRequest,
    user: crate::db::users::User,
    id: String,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let who = user.clone();
    let wanted = id.clone();
    let v = state
        .db(move |conn| load_person(conn, &who, &wanted))
        .await?;
    let whereabouts = super::whereabouts::card(state, &user, &id).await?;
    let lang = page_language(req, Some(&user));
    let today = crate::clock::company_date(state.now(), state.config.timezone);
    let e = &v.employee;
    let employed = matches!(e.status, EmployeeStatus::Active | EmployeeStatus::Departing);
    let open_change = v.history.changes.iter().any(|c| c.status.is_open());
    let own_record = user.employee_no.as_deref() == Some(e.employee_no.as_str());
    let overseer = user.may::<Overseers>();
    let who = |id: &Option<String>| {
        id.as_ref()
            .and_then(|i| v.users.get(i))
            .map(|u| u.name.clone())
    };

    let changes: Vec<Value> = v
        .history
        .changes
        .iter()
        .map(|c| {
            context! {
                from_tier => c.from_tier,
                to_tier => c.to_tier,
                status => c.status,
                proposed_by => v.users.get(&c.proposed_by).map(|u| &u.name),
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
                has_scan => p.scan_id.is_some(),
                refusal_reason => p.refusal_reason,
                recorded_by => v.users.get(&p.recorded_by).map(|u| &u.name),
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
    // Once a declassification period has ended, the duty to keep the state secrets known goes
    // on for life (art. 46): shown as a lasting duty, derived from the ended period.
    let lasting_from =
        lasting_duty_from(v.obligations.iter().map(|o| (o.kind, o.status, o.ends_on)))
            .map(|d| d.to_string());
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
            monthly_compensation => a.monthly_compensation.map(money),
            monthly_compensation_input => a.monthly_compensation.map(amount_input),
            contract_region => a.contract_region,
            average_monthly_wage => a.average_monthly_wage.map(money),
            average_monthly_wage_input => a.average_monthly_wage.map(amount_input),
            currency => a.currency,
            scope => a.scope,
            region => a.region,
            bound_as => a.bound_as,
            liquidated_damages => a.liquidated_damages.map(money),
            liquidated_damages_input => a.liquidated_damages.map(amount_input),
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
    let mut tiers = options("people.tier", ClearanceTier::ALL);
    tiers.retain(|t| t[0] != e.clearance_tier.as_str());
    render_page(
        state,
        req,
        Some(&user),
        status,
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
            lasting_from,
            departures,
            whereabouts,
            tiers,
            languages => options("people.language", &["zh-CN", "en"]),
            methods => options("people.pledge_method", SigningMethod::ALL),
            bound_as_options => options("people.bound_as", BoundAs::ALL),
            can_edit => user.may::<PeopleEditors>(),
            can_propose => user.may::<TierProposers>() && employed && !open_change && !own_record,
            can_pledge => user.may::<PeopleEditors>(),
            can_pledge_on_paper => user.may::<HrOnly>(),
            reads_papers => user.may::<crate::http::extract::PaperReaders>(),
            can_see_terms => overseer,
            can_set_terms => user.may::<HrOnly>() && employed,
            can_rehire => user.may::<PeopleEditors>()
                && matches!(e.status, EmployeeStatus::Departed | EmployeeStatus::Retired),
            can_depart => user.may::<HrOnly>() && e.status == EmployeeStatus::Active,
            can_add_carrier => overseer && employed,
            travel => overseer.then(|| crate::http::web::period::documents::person_card(&v.travel_documents)),
            can_keep_documents => user.may::<crate::domain::roles::SecurityOnly>(),
        },
    )
}
