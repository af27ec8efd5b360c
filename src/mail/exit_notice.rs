//! What the exit notice says, in the person's language: the email and the printed copy are
//! drawn from the same values.

use minijinja::{Value, context};

use crate::db::exit_notice::ExitNoticeFacts;
use crate::domain::money::money;
use crate::domain::obligations::{ObligationKind, restricting_tier};
use crate::domain::reminders::written_date;
use crate::domain::users::Language;

/// The notice's values: the person, the day the departure took effect, every duty with its
/// start, end and the company rule it rests on, the restrictions of their tier and the
/// non-compete's terms.
pub fn values(f: &ExitNoticeFacts, lang: Language) -> Value {
    let day = |d: chrono::NaiveDate| written_date(d, lang);
    let obligations: Vec<Value> = f
        .obligations
        .iter()
        .map(|o| {
            context! {
                kind => o.kind,
                starts_on => day(o.starts_on),
                ends_on => o.ends_on.map(day),
                rule => f.policy.rule_references.of(o.kind, lang),
            }
        })
        .collect();
    let restrictions = restricting_tier(f.obligations.iter().map(|o| (o.kind, o.tier)))
        .and_then(|tier| f.policy.restrictions_of(tier, lang));
    let last_working_day = f.departure.last_working_day;
    let non_compete = f
        .obligations
        .iter()
        .find(|o| o.kind == ObligationKind::NonCompete)
        .zip(f.agreement.as_ref())
        .map(|(o, a)| {
            let monthly = a
                .compensation(&f.policy, last_working_day)
                .owed_monthly
                .map(|m| format!("{} {}", money(m), a.currency));
            context! {
                scope => a.scope, region => a.region, monthly,
                starts_on => day(o.starts_on), ends_on => o.ends_on.map(day),
            }
        });
    context! {
        name => f.employee.name,
        employee_no => f.employee.employee_no,
        last_working_day => day(last_working_day),
        obligations,
        restrictions,
        non_compete,
    }
}
