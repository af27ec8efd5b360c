//! `/admin/policy`: the policy in force as a form of flat settings (admin) or read-only
//! (security), its recent versions, and the form's save, which becomes the API's nested
//! document.

use crate::domain::roles::Admins;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::forms::{failure_page, holding, refuse};
use super::super::render_page;
use super::super::view::instant;
use super::{Fields, done_redirect, field, typed};
use crate::db::users::User;
use crate::db::{audit, policy};
use crate::domain::FieldErrors;
use crate::domain::noncompete_terms::MinimumWage;
use crate::domain::obligations::ObligationKind;
use crate::domain::people::ClearanceTier;
use crate::domain::policy::{Policy, TierRestriction};
use crate::domain::problem::{Arg, Problem};
use crate::domain::reminders::{Cadence, parse_schedule};
use crate::domain::users::{Language, Role};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, CsrfForm, MaybeUser, Overseers};

/// The tiers with a declassification period, as the form lists their restriction texts.
pub(super) const TIERS: [ClearanceTier; 3] = [
    ClearanceTier::Core,
    ClearanceTier::Important,
    ClearanceTier::General,
];

/// A setting of the form: its field name (also the name the API's messages use), how it is
/// typed, and its value.
pub(super) fn setting(name: &str, kind: &str, value: String) -> Value {
    context! { name, kind, value }
}

/// The policy as the form's sections of settings.
fn policy_sections(p: &Policy) -> Vec<Value> {
    let n = |v: u32| v.to_string();
    let r = &p.reminders;
    let mut reminders: Vec<Value> = ObligationKind::ALL
        .iter()
        .map(|kind| {
            let cron = r
                .cadence
                .iter()
                .find(|c| c.kind == *kind)
                .map(|c| c.cron.clone())
                .unwrap_or_default();
            setting(&format!("reminders.cadence.{kind}"), "cron", cron)
        })
        .collect();
    reminders.extend([
        setting("reminders.daily", "cron", r.daily.clone()),
        setting(
            "reminders.notice_days_before_end",
            "number",
            n(r.notice_days_before_end),
        ),
        setting(
            "reminders.nudge_after_days",
            "number",
            n(r.nudge_after_days),
        ),
        setting("reminders.digest", "cron", r.digest.clone()),
        setting(
            "reminders.escalate_unacknowledged_after_days",
            "number",
            n(r.escalate_unacknowledged_after_days),
        ),
        setting("reminders.link_valid_days", "number", n(r.link_valid_days)),
    ]);
    let mut restrictions = Vec::new();
    for tier in TIERS {
        let text = p.restrictions.iter().find(|t| t.tier == tier);
        for lang in ["zh", "en"] {
            let value = text
                .map(|t| {
                    if lang == "zh" {
                        t.zh.clone()
                    } else {
                        t.en.clone()
                    }
                })
                .unwrap_or_default();
            // Each text is in its own language whatever the page's (the page marks it so).
            let name = format!("restrictions.{tier}.{lang}");
            let lang = if lang == "zh" { "zh-CN" } else { "en" };
            restrictions.push(context! { name, kind => "textarea", value, lang });
        }
    }
    // Each title in its own language whatever the page's, as the restriction texts.
    let checklist: Vec<Value> = p
        .checklist
        .iter()
        .enumerate()
        .flat_map(|(n, line)| {
            [
                ("title", &line.title, "zh-CN"),
                ("title_en", &line.title_en, "en"),
            ]
            .map(|(field, value, lang)| {
                context! {
                    name => format!("checklist.{n}.{field}"), kind => "title", value, lang,
                    label => format!("admin.policy.field.checklist.{field}"), line => n + 1,
                }
            })
        })
        .collect();
    vec![
        context! { key => "identity", settings => super::identity::settings(&p.identity) },
        context! { key => "periods", settings => vec![
            setting("core_months", "number", n(p.core_months)),
            setting("important_months", "number", n(p.important_months)),
            setting("general_months", "number", n(p.general_months)),
            setting("confidentiality_months", "number", n(p.confidentiality_months)),
        ]},
        context! { key => "non_compete", settings => vec![
            setting("non_compete_cap_months", "number", n(p.non_compete_cap_months)),
            setting("non_compete_grace_months", "number", n(p.non_compete_grace_months)),
            setting("non_compete_due_after_days", "number", n(p.non_compete_due_after_days)),
            setting("non_compete_floor_percent", "number", n(p.non_compete_floor_percent)),
            setting("minimum_wages", "lines", wage_lines(&p.minimum_wages)),
        ]},
        context! { key => "reminders", settings => reminders },
        context! { key => "extension_ceilings", settings => TIERS.map(|tier| {
            let months = p.extension_ceilings.months(tier).unwrap_or_default();
            setting(&format!("extension_ceilings.{tier}_months"), "number", n(months))
        }).to_vec()},
        context! { key => "restrictions", settings => restrictions },
        context! { key => "rule_references", settings => rule_references(p) },
        context! { key => "checklist", settings => checklist },
        context! { key => "interview_topics", settings => interview_topics(p) },
    ]
    .into_iter()
    .chain(super::period_settings::sections(p))
    .collect()
}

/// The minimum wages as the form's box holds them: one a line, `region, yuan, YYYY-MM-DD`.
fn wage_lines(wages: &[MinimumWage]) -> String {
    wages
        .iter()
        .map(|w| {
            format!(
                "{}, {}, {}",
                w.region,
                crate::http::web::view::amount_input(w.monthly_minor_units),
                w.effective_from
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The box's lines read back; the first line at fault is named.
fn parse_wage_lines(text: &str) -> Result<Vec<MinimumWage>, Problem> {
    let mut wages = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let bad = || crate::problem!("minimum_wage_line", line = n + 1);
        let parts: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
        let [region, amount, from] = parts[..] else {
            return Err(bad());
        };
        let amount = parse_yuan(amount).map_err(|_| bad())?;
        let from = crate::domain::people::parse_date(from).map_err(|_| bad())?;
        if region.is_empty() {
            return Err(bad());
        }
        wages.push(MinimumWage {
            region: region.to_string(),
            monthly_minor_units: amount,
            effective_from: from,
        });
    }
    Ok(wages)
}

/// The company rules each duty rests on, a text per language, each in its own language
/// whatever the page's.
fn rule_references(p: &Policy) -> Vec<Value> {
    let refs = &p.rule_references;
    [
        ("declassification", &refs.declassification),
        ("confidentiality", &refs.confidentiality),
    ]
    .into_iter()
    .flat_map(|(kind, text)| {
        [("zh", &text.zh, "zh-CN"), ("en", &text.en, "en")].map(|(field, value, lang)| {
            let name = format!("rule_references.{kind}.{field}");
            context! { name, kind => "reference", value, lang }
        })
    })
    .collect()
}

/// The exit interview's topics, a box per language, one topic a line.
fn interview_topics(p: &Policy) -> Vec<Value> {
    [("zh", "zh-CN"), ("en", "en")]
        .into_iter()
        .map(|(field, lang)| {
            let lines: Vec<&str> = p
                .interview_topics
                .iter()
                .map(|t| {
                    if field == "zh" {
                        t.zh.as_str()
                    } else {
                        t.en.as_str()
                    }
                })
                .collect();
            let name = format!("interview_topics.{field}");
            context! { name, kind => "topics", value => lines.join("\n"), lang }
        })
        .collect()
}

/// An amount in yuan with at most two decimals, as fen; empty is 0 (not set).
fn parse_yuan(text: &str) -> Result<i64, Problem> {
    let text = text.trim().replace([',', '，'], "");
    if text.is_empty() {
        return Ok(0);
    }
    let bad = || crate::problem!("not_an_amount_in_yuan");
    if text.starts_with('-') {
        return Err(crate::problem!("cannot_be_negative"));
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || fraction.len() > 2 || (!fraction.is_empty() && !digits(fraction)) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)
}

/// The policy the form describes, starting from the one in force (the checklist's lines keep
/// their kinds and order; the form changes their titles). Every field at fault is named, each
/// cadence on its own field.
fn policy_from_form(current: &Policy, fields: &Fields) -> Result<Policy, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut whole = |name: &str, into: &mut u32| match field(fields, name).trim().parse::<u32>() {
        Ok(v) => *into = v,
        Err(_) => errors.add(name, crate::problem!("not_a_whole_number")),
    };
    let mut p = current.clone();
    whole("core_months", &mut p.core_months);
    whole("important_months", &mut p.important_months);
    whole("general_months", &mut p.general_months);
    whole("confidentiality_months", &mut p.confidentiality_months);
    whole("non_compete_cap_months", &mut p.non_compete_cap_months);
    whole("non_compete_grace_months", &mut p.non_compete_grace_months);
    whole(
        "non_compete_due_after_days",
        &mut p.non_compete_due_after_days,
    );
    whole(
        "non_compete_floor_percent",
        &mut p.non_compete_floor_percent,
    );
    let r = &mut p.reminders;
    whole(
        "reminders.notice_days_before_end",
        &mut r.notice_days_before_end,
    );
    whole("reminders.nudge_after_days", &mut r.nudge_after_days);
    whole(
        "reminders.escalate_unacknowledged_after_days",
        &mut r.escalate_unacknowledged_after_days,
    );
    whole("reminders.link_valid_days", &mut r.link_valid_days);
    // The ceilings and (below) the rule references: a form without them keeps those in force.
    let c = &mut p.extension_ceilings;
    for (tier, into) in [
        ("core", &mut c.core_months),
        ("important", &mut c.important_months),
        ("general", &mut c.general_months),
    ] {
        let name = format!("extension_ceilings.{tier}_months");
        if fields.contains_key(&name) {
            whole(&name, into);
        }
    }
    let r = &mut p.reminders;
    r.daily = field(fields, "reminders.daily").trim().to_string();
    r.digest = field(fields, "reminders.digest").trim().to_string();
    r.cadence.clear();
    for kind in ObligationKind::ALL {
        let name = format!("reminders.cadence.{kind}");
        let cron = field(fields, &name).trim().to_string();
        // Empty: no periodic reminder for this kind.
        if cron.is_empty() {
            continue;
        }
        // Said without what was typed (the API's own message quotes it; the form shows it).
        if parse_schedule(&cron).is_err() {
            errors.add(&name, crate::problem!("not_a_cron"));
        }
        r.cadence.push(Cadence { kind: *kind, cron });
    }
    for (name, cron) in [
        ("reminders.daily", &r.daily),
        ("reminders.digest", &r.digest),
    ] {
        if parse_schedule(cron).is_err() {
            errors.add(name, crate::problem!("not_a_cron"));
        }
    }
    match parse_wage_lines(&field(fields, "minimum_wages")) {
        Ok(wages) => p.minimum_wages = wages,
        Err(message) => errors.add("minimum_wages", message),
    }
    p.restrictions = TIERS
        .iter()
        .map(|tier| TierRestriction {
            tier: *tier,
            zh: field(fields, &format!("restrictions.{tier}.zh"))
                .trim()
                .to_string(),
            en: field(fields, &format!("restrictions.{tier}.en"))
                .trim()
                .to_string(),
        })
        .filter(|t| !t.zh.is_empty() || !t.en.is_empty())
        .collect();
    super::identity::read(&mut p.identity, fields);
    let refs = &mut p.rule_references;
    for (kind, text) in [
        ("declassification", &mut refs.declassification),
        ("confidentiality", &mut refs.confidentiality),
    ] {
        for (lang, value) in [("zh", &mut text.zh), ("en", &mut text.en)] {
            let name = format!("rule_references.{kind}.{lang}");
            if fields.contains_key(&name) {
                *value = field(fields, &name).trim().to_string();
            }
        }
    }
    if fields.contains_key("interview_topics.zh") || fields.contains_key("interview_topics.en") {
        match crate::domain::interview::topics_from_lines(
            &field(fields, "interview_topics.zh"),
            &field(fields, "interview_topics.en"),
        ) {
            Ok(topics) => p.interview_topics = topics,
            Err(message) => errors.add("interview_topics", message),
        }
    }
    super::period_settings::read(&mut p, fields, &mut errors);
    for (n, line) in p.checklist.iter_mut().enumerate() {
        for (suffix, title) in [("title", &mut line.title), ("title_en", &mut line.title_en)] {
            let name = format!("checklist.{n}.{suffix}");
            if fields.contains_key(&name) {
                *title = field(fields, &name).trim().to_string();
            }
        }
    }
    if let Err(more) = p.check() {
        for (name, message) in more.0 {
            // Each cadence was checked on its own field above.
            if name != "reminders.cadence" {
                errors.add(&name, message);
            }
        }
    }
    errors.finish().map(|()| p)
}

/// What the reader calls a field of the policy the form does not show: its label, the
/// checklist line it is part of, or the section it belongs to; the API's name for it when
/// none of these.
fn field_label(name: &str) -> Arg {
    let has = |key: &str| crate::catalog::text(Language::En, key).is_some();
    let label = format!("admin.policy.field.{name}");
    if has(&label) {
        return Arg::key(label);
    }
    let mut parts = name.split('.');
    let section = parts.next().unwrap_or(name);
    if section == "checklist"
        && let Some(n) = parts.next().and_then(|n| n.parse::<i64>().ok())
    {
        return crate::problem!("checklist_line", n = n + 1).into();
    }
    let label = format!("admin.policy.section.{section}");
    if has(&label) {
        Arg::key(label)
    } else {
        Arg::Text(name.to_string())
    }
}

pub(super) async fn policy_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
) -> Result<HttpResponse, Error> {
    policy_view(&state, &req, &user.0, StatusCode::OK).await
}

async fn policy_view(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let (version, policy, changes, names) = state
        .db(|conn| {
            let (version, policy) = policy::current(conn)?;
            let filter = audit::AuditFilter {
                subject_type: Some("policy".into()),
                ..Default::default()
            };
            let changes = audit::list(conn, &filter, crate::db::listing::Window::top(20))?.rows;
            let ids: Vec<String> = changes.iter().filter_map(|e| e.actor_id.clone()).collect();
            let names = crate::db::names::users(conn, ids)?;
            Ok((version, policy, changes, names))
        })
        .await?;
    let history: Vec<Value> = changes
        .iter()
        .map(|e| {
            let by = e
                .actor_id
                .as_ref()
                .and_then(|id| names.get(id).map(|u| u.name.clone()));
            context! { version => e.subject_id, at => instant(e.at), by }
        })
        .collect();
    render_page(
        state,
        req,
        Some(user),
        status,
        "admin_policy.html",
        context! {
            version,
            sections => policy_sections(&policy),
            history,
            can_edit => user.may::<Admins>(),
        },
    )
}

pub(super) async fn save_policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
    form: CsrfForm<Fields>,
) -> Result<HttpResponse, Error> {
    let signed_in = user.0.clone();
    let user = match holding(user, &[Role::Admin]) {
        Ok(user) => user,
        Err(e) => return failure_page(&state, &req, signed_in.as_ref(), e),
    };
    let fields = form.0;
    let (_, current) = state.db(policy::current).await?;
    let checked = match policy_from_form(&current, &fields) {
        Ok(policy) => crate::http::api::policy::put_in_force(&state, &user.id, policy)
            .await
            .map(|_| ()),
        Err(errors) => Err(Error::Validation(errors)),
    };
    match checked {
        Ok(()) => Ok(done_redirect(&state, "/admin/policy", "policy_saved").await),
        Err(Error::Validation(errors)) => {
            let known =
                |name: &str| fields.contains_key(name) || name.starts_with("reminders.cadence.");
            let (mut shown, other): (BTreeMap<_, _>, BTreeMap<_, _>) =
                errors.0.into_iter().partition(|(k, _)| known(k));
            // The fields the form does not show are said above it, each by its label.
            let problem = other.into_iter().rev().fold(None, |more, (field, why)| {
                let field = field_label(&field);
                Some(match more {
                    None => crate::problem!("field_at_fault", field = field, why = why),
                    Some(more) => crate::problem!(
                        "field_at_fault_and_more",
                        field = field,
                        why = why,
                        more = more
                    ),
                })
            });
            if shown.is_empty() && problem.is_none() {
                shown.insert("core_months".into(), crate::problem!("not_valid"));
            }
            refuse(&req, shown, problem, typed(&fields));
            policy_view(&state, &req, &user, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure_page(&state, &req, Some(&user), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_yuan_become_fen() {
        assert_eq!(parse_yuan(""), Ok(0));
        assert_eq!(parse_yuan("2690"), Ok(269_000));
        assert_eq!(parse_yuan("2,690.5"), Ok(269_050));
        assert_eq!(parse_yuan("2690.05"), Ok(269_005));
        assert!(parse_yuan("-1").is_err());
        assert!(parse_yuan("12.345").is_err());
        assert!(parse_yuan("abc").is_err());
    }

    #[test]
    fn minimum_wages_are_one_a_line_with_region_amount_and_day() {
        let wages =
            parse_wage_lines("上海市, 2740, 2025-07-01\n\n*， 2000.50， 2000-01-01").unwrap();
        assert_eq!(wages.len(), 2);
        assert_eq!(wages[1].monthly_minor_units, 200_050);
        assert_eq!(
            wage_lines(&wages),
            "上海市, 2740.00, 2025-07-01\n*, 2000.50, 2000-01-01"
        );
        for bad in [
            "上海市, 2740",
            ", 2740, 2025-07-01",
            "上海市, -1, 2025-07-01",
            "上海市, 2740, 2025-02-30",
        ] {
            assert_eq!(
                parse_wage_lines(bad),
                Err(crate::problem!("minimum_wage_line", line = 1usize)),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_form_of_the_default_policy_gives_the_default_policy() {
        let p = Policy::default();
        let mut fields = Fields::new();
        for section in policy_sections(&p) {
            for s in section.get_attr("settings").unwrap().try_iter().unwrap() {
                let name = s.get_attr("name").unwrap().to_string();
                let value = s.get_attr("value").unwrap().to_string();
                fields.insert(name, value);
            }
        }
        assert_eq!(policy_from_form(&p, &fields), Ok(p.clone()));
        fields.insert("reminders.cadence.non_compete".into(), "every day".into());
        fields.insert("core_months".into(), "three".into());
        let errors = policy_from_form(&p, &fields).unwrap_err();
        assert!(errors.0.contains_key("reminders.cadence.non_compete"));
        assert!(errors.0.contains_key("core_months"));
    }
}
