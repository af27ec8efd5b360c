//! The policy form's settings for managing the period: travel abroad (the tiers whose trips a
//! unit leader approves after security, the days to report back) and the tiers during whose
//! period a foreign employer is forbidden. A set of tiers is a box a tier, with a hidden mark
//! that the set was on the form: a form without the mark keeps the set in force (an unticked
//! box sends nothing).

use minijinja::{Value, context};

use super::policy::{TIERS, setting};
use super::{Fields, field};
use crate::domain::FieldErrors;
use crate::domain::people::ClearanceTier;
use crate::domain::policy::Policy;

/// The two sections, as the form draws them.
pub(super) fn sections(p: &Policy) -> [Value; 2] {
    let mut travel = tier_boxes("travel.second_approval", |t| {
        p.travel.needs_second_approval(t)
    });
    let days = p.travel.report_back_days.to_string();
    travel.push(setting("travel.report_back_days", "number", days));
    let whereabouts = tier_boxes("whereabouts.foreign_forbidden", |t| {
        p.whereabouts.foreign_forbidden(t)
    });
    [
        context! { key => "travel", settings => travel },
        context! { key => "whereabouts", settings => whereabouts },
    ]
}

fn tier_boxes(set: &str, on: impl Fn(ClearanceTier) -> bool) -> Vec<Value> {
    std::iter::once(setting(set, "shown", "1".into()))
        .chain(TIERS.map(|t| {
            let value = if on(t) { "true" } else { "" };
            setting(&format!("{set}.{t}"), "check", value.into())
        }))
        .collect()
}

/// The tiers ticked in a set, when the set was on the form.
fn ticked(fields: &Fields, set: &str) -> Option<Vec<ClearanceTier>> {
    fields.contains_key(set).then(|| {
        TIERS
            .into_iter()
            .filter(|t| field(fields, &format!("{set}.{t}")) == "true")
            .collect()
    })
}

/// What the form says of these settings, into `p`.
pub(super) fn read(p: &mut Policy, fields: &Fields, errors: &mut FieldErrors) {
    if let Some(tiers) = ticked(fields, "travel.second_approval") {
        p.travel.second_approval_tiers = tiers;
    }
    if let Some(tiers) = ticked(fields, "whereabouts.foreign_forbidden") {
        p.whereabouts.foreign_forbidden_tiers = tiers;
    }
    let days = "travel.report_back_days";
    if fields.contains_key(days) {
        match field(fields, days).trim().parse::<u32>() {
            Ok(v) => p.travel.report_back_days = v,
            Err(_) => errors.add(days, crate::problem!("not_a_whole_number")),
        }
    }
}
