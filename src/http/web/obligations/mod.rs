//! The obligations pages (admin, HR, security): the list with the API list's filters, sorting,
//! pages and CSV; one obligation with what it means, when it ends, its history and the forms
//! of its actions (extension, payments, waiver, rescission), each posting to the API route.
//! Here: the routes, what the obligation page and the waive and rescind pages gather, and the
//! formats other pages use too.

mod detail;
mod end;
mod list;

use crate::domain::roles::CaseReaders;
use std::collections::HashMap;

use actix_web::HttpRequest;
use chrono::NaiveDate;
use minijinja::{Value, context};

use crate::db::employees::{Employee, Scope};
use crate::db::extensions::{self, Extension};
use crate::db::noncompete::{self, Agreement, Ledger, PaymentRecord};
use crate::db::obligations::{self, LinkedCase, Obligation, ObligationDetail};
use crate::db::reminders::{self, Reminder, ReminderFilter};
use crate::db::users::User;
use crate::db::{DbConnection, policy};
use crate::domain::obligations::ObligationKind;
use crate::domain::people::ClearanceTier;
use crate::domain::policy::Policy;
use crate::domain::roles::{HrOnly, Overseers};
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::routes::PageRoutes;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/obligations", Overseers, list::list);
    r.get("/obligations/{id}", Overseers, detail::detail);
    r.get("/obligations/{id}/waive", HrOnly, end::waive_page);
    r.get("/obligations/{id}/rescind", HrOnly, end::rescind_page);
}

pub use super::view::{instant, money};

/// The page's query parameters by name (the last of each), to show the filters as typed.
pub fn query_values(req: &HttpRequest) -> HashMap<String, String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// Everything the obligation's page shows, gathered in one go.
struct Gathered {
    detail: ObligationDetail,
    employee: Employee,
    policy: Policy,
    extensions: Vec<Extension>,
    agreement: Option<Agreement>,
    ledger: Option<Ledger>,
    payments: Vec<PaymentRecord>,
    cases: Vec<LinkedCase>,
    reminders: Vec<Reminder>,
    /// Staff users named in the history, by id.
    users: HashMap<String, String>,
}

fn gather(
    conn: &mut DbConnection,
    user: &User,
    id: &str,
    today: NaiveDate,
) -> crate::error::Result<Gathered> {
    let scope = Scope::of(conn, user)?;
    let detail = obligations::get(conn, &scope, id)?;
    let o = &detail.obligation;
    let employee = crate::db::employees::find(conn, &o.employee_id)?.ok_or(Error::NotFound)?;
    let (_, policy) = policy::current(conn)?;
    let extensions = extensions::of_obligation(conn, id)?;
    let non_compete = o.kind == ObligationKind::NonCompete;
    let (agreement, ledger, payments) = if non_compete {
        (
            noncompete::agreement_of(conn, &o.employee_id)?,
            Some(noncompete::ledger_of(
                conn,
                id,
                today,
                policy.non_compete_grace_months as usize,
            )?),
            noncompete::payments_of(conn, id)?,
        )
    } else {
        (None, None, Vec::new())
    };
    let cases = if user.may::<CaseReaders>() {
        obligations::linked_cases(conn, id)?
    } else {
        Vec::new()
    };
    let filter = ReminderFilter {
        employee_id: Some(o.employee_id.clone()),
        due_since: Some(o.created_at),
        hide_breach_notices: true,
        ..ReminderFilter::default()
    };
    let found = reminders::list(conn, &filter, crate::db::listing::Window::top(50))?.rows;
    let reminders: Vec<Reminder> = found
        .into_iter()
        .filter(|r| r.kind.to_former_employee())
        .collect();
    let user_ids: Vec<&str> = detail
        .history
        .iter()
        .map(|h| h.actor.as_str())
        .chain(extensions.iter().map(|e| e.requested_by.as_str()))
        .chain(extensions.iter().filter_map(|e| e.decided_by.as_deref()))
        .chain(payments.iter().map(|p| p.recorded_by.as_str()))
        .collect();
    let users: HashMap<String, String> =
        crate::db::names::users(conn, user_ids.into_iter().map(str::to_string))?
            .into_iter()
            .map(|(id, u)| (id, u.name))
            .collect();
    Ok(Gathered {
        detail,
        employee,
        policy,
        extensions,
        agreement,
        ledger,
        payments,
        cases,
        reminders,
        users,
    })
}

/// What an obligation means, in the words of the page's language: the catalog's text of its
/// kind, and for a declassification period its tier, the tier's length under the policy and
/// what the person must not do.
pub fn meaning(o: &Obligation, policy: &Policy, lang: Language) -> Value {
    meaning_under(o, policy, lang, o.tier)
}

/// What an obligation means, with the restrictions of `restricting` (to a former employee:
/// those of the highest tier among their periods still running).
pub fn meaning_under(
    o: &Obligation,
    policy: &Policy,
    lang: Language,
    restricting: Option<ClearanceTier>,
) -> Value {
    let tier: Option<ClearanceTier> = o.tier;
    let restrictions = restricting.and_then(|t| policy.restrictions_of(t, lang));
    let policy_months = match o.kind {
        ObligationKind::Declassification => tier.and_then(|t| policy.declassification_months(t)),
        ObligationKind::Confidentiality => Some(policy.confidentiality_months),
        ObligationKind::NonCompete => Some(policy.non_compete_cap_months),
        ObligationKind::TradeSecret => None,
    };
    context! {
        kind => o.kind,
        tier => o.tier,
        restrictions,
        rule => policy.rule_references.of(o.kind, lang),
        policy_months,
        grace_months => policy.non_compete_grace_months,
    }
}
