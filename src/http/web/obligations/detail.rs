//! `/obligations/{id}`: one obligation with what it means, when it ends (and the extensions),
//! its history, for a non-compete the agreement, the monthly ledger and the payments, the
//! reminders sent and the linked breach cases, and the forms of its actions.

use crate::domain::roles::ExtensionParties;
use crate::domain::roles::{CaseReaders, HrOnly};
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use minijinja::{Value, context};

use super::super::{page_language, render_page};
use super::{gather, instant, meaning, money};
use crate::clock::company_date;
use crate::db::obligations::LinkedCase;
use crate::domain::clearance::ChangeStatus;
use crate::domain::noncompete::MonthStatus;
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::{Authorized, Overseers};

/// Whole months from the first to the last day of a period (for "a period of 24 months"):
/// 29 February 2028 to 28 February 2030 is 24.
fn months_between(starts_on: NaiveDate, ends_on: NaiveDate) -> i64 {
    use chrono::Datelike;
    let next = ends_on.succ_opt().unwrap_or(ends_on);
    let mut months = i64::from(next.year() - starts_on.year()) * 12 + i64::from(next.month())
        - i64::from(starts_on.month());
    // Not a whole month yet: the day after the end comes before the start's day of the month.
    if next.day() < starts_on.day() {
        months -= 1;
    }
    months.max(0)
}

/// One step of the history, with what the page shows of its details.
fn history_entry(
    h: &crate::db::obligations::HistoryEntry,
    users: &HashMap<String, String>,
    cases: &[LinkedCase],
    currency: &str,
) -> Value {
    let d = &h.details;
    let text = |key: &str| d.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let amount = |key: &str| {
        d.get(key)
            .and_then(|v| v.as_i64())
            .map(|m| format!("{} {currency}", money(m)))
    };
    let case_code = text("case");
    let case_id = case_code
        .as_ref()
        .and_then(|c| cases.iter().find(|k| &k.code == c))
        .map(|k| k.id.clone());
    context! {
        at => h.at,
        actor => users.get(&h.actor).cloned(),
        system => h.actor == "system",
        action => h.action.replace('.', "_"),
        new_end => text("new_end").or_else(|| text("to")),
        from => text("from"),
        reason => text("reason"),
        month => text("month").or_else(|| d.get("month").and_then(|v| v.as_u64()).map(|m| m.to_string())),
        amount => amount("amount"),
        paid_on => text("paid_on"),
        extra => amount("extra_compensation_owed"),
        extra_months => d.get("extra_months").and_then(|v| v.as_i64()),
        on => text("on"),
        case_code,
        case_id,
        cause => text("cause"),
    }
}

fn name_or_id(users: &HashMap<String, String>, id: &str) -> String {
    users.get(id).cloned().unwrap_or_else(|| id.to_string())
}

/// GET /obligations/{id}
pub(super) async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let today = company_date(state.now(), state.config.timezone);
    let lang = page_language(&req, Some(&user));
    let (who, id) = (user.clone(), id.into_inner());
    let g = state.db(move |conn| gather(conn, &who, &id, today)).await?;
    let o = &g.detail.obligation;
    let currency = g
        .agreement
        .as_ref()
        .map(|a| a.currency.clone())
        .unwrap_or_default();
    let history: Vec<Value> = g
        .detail
        .history
        .iter()
        .map(|h| history_entry(h, &g.users, &g.cases, &currency))
        .collect();
    let extensions: Vec<Value> = g
        .extensions
        .iter()
        .map(|e| {
            context! {
                new_end => e.new_end.to_string(),
                reason => e.reason,
                status => e.status,
                requested_by => name_or_id(&g.users, &e.requested_by),
                requested_at => instant(e.requested_at),
                decided_by => e.decided_by.as_deref().map(|d| name_or_id(&g.users, d)),
                decided_at => e.decided_at.map(instant),
                decision_reason => e.decision_reason,
            }
        })
        .collect();
    let ledger = g.ledger.as_ref().map(|l| {
        let cur = &l.currency;
        let shown = |minor: i64| format!("{} {cur}", money(minor));
        let months: Vec<Value> = l
            .months
            .iter()
            .map(|m| {
                context! {
                    month => m.month,
                    kind => m.kind,
                    starts_on => m.starts_on.map(|d| d.to_string()),
                    ends_on => m.ends_on.map(|d| d.to_string()),
                    due_on => m.due_on.to_string(),
                    owed => shown(m.owed),
                    paid => shown(m.paid),
                    balance => shown(m.balance),
                    status => m.status,
                }
            })
            .collect();
        let count = |status: MonthStatus| l.months.iter().filter(|m| m.status == status).count();
        // The month a payment form suggests: the first late month, else the first due one.
        let next = l
            .months
            .iter()
            .find(|m| m.status == MonthStatus::Late)
            .or_else(|| l.months.iter().find(|m| m.status == MonthStatus::Due));
        let payments: Vec<Value> = g
            .payments
            .iter()
            .map(|p| {
                context! {
                    id => p.id,
                    month => p.month,
                    amount => shown(p.amount),
                    paid_on => p.paid_on.to_string(),
                    recorded_by => name_or_id(&g.users, &p.recorded_by),
                    reversed_at => p.reversed_at.map(instant),
                    reversed_by => p.reversed_by.as_deref().map(|u| name_or_id(&g.users, u)),
                    reversal_reason => p.reversal_reason,
                }
            })
            .collect();
        context! {
            months,
            payments,
            late_months => l.late_months,
            paid_months => count(MonthStatus::Paid),
            due_months => count(MonthStatus::Due),
            owed => shown(l.owed),
            paid => shown(l.paid),
            balance => shown(l.balance),
            open_balance => l.balance > 0,
            ended_on => l.ended_on.map(|d| d.to_string()),
            alert => l.alert,
            next_month => next.map(|m| m.month),
            next_amount => next.map(|m| format!("{}.{:02}", m.balance / 100, m.balance % 100)),
        }
    });
    let left_on = g.detail.obligation.starts_on.pred_opt();
    let agreement = g.agreement.as_ref().map(|a| {
        let c = a.compensation(&g.policy, left_on.unwrap_or(g.detail.obligation.starts_on));
        let owed = c.owed_monthly.unwrap_or(0);
        context! {
            months => a.months,
            monthly => format!("{} {}", money(owed), a.currency),
            monthly_plain => crate::http::web::view::amount_input(owed),
            agreed => a.monthly_compensation.is_some(),
            floor => format!("{} {}", money(c.floor), a.currency),
            minimum_wage => (c.minimum_wage > 0).then(|| format!("{} {}", money(c.minimum_wage), a.currency)),
            contract_region => a.contract_region,
            scope => a.scope,
            region => a.region,
            warning => a.warning,
        }
    });
    let reminder_rows: Vec<Value> = g
        .reminders
        .iter()
        .map(|r| {
            context! {
                id => r.id,
                kind => r.kind,
                due_at => instant(r.due_at),
                sent_at => r.sent_at.map(instant),
                status => r.status,
                acknowledged_at => r.acknowledged_at.map(instant),
            }
        })
        .collect();
    let cases: Vec<Value> = g
        .cases
        .iter()
        .map(|c| context! { id => c.id, code => c.code, status => c.status })
        .collect();
    let active = o.status == ObligationStatus::Active;
    let kind = Some(o.kind);
    let is_hr = user.may::<HrOnly>();
    // A breached period still runs, and a breach is the usual reason to extend it.
    let owed = ObligationStatus::OWED.contains(&o.status);
    let can_extend =
        owed && kind == Some(ObligationKind::Declassification) && user.may::<ExtensionParties>();
    // The debt survives the non-compete: arrears are paid after its end too.
    let can_pay = kind == Some(ObligationKind::NonCompete)
        && is_hr
        && (active || g.ledger.as_ref().is_some_and(|l| l.balance > 0));
    let can_waive = active && kind == Some(ObligationKind::NonCompete) && is_hr;
    let can_rescind = can_waive && g.ledger.as_ref().is_some_and(|l| l.alert == "may_rescind");
    let days_left = o.ends_on.map(|end| (end - today).num_days());
    let length_months = o.ends_on.map(|end| months_between(o.starts_on, end));
    let pending_extension = g
        .extensions
        .iter()
        .any(|e| e.status == ChangeStatus::Proposed);
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "obligations_detail.html",
        context! {
            o => context! {
                id => o.id,
                kind => o.kind,
                tier => o.tier,
                status => o.status,
                starts_on => o.starts_on.to_string(),
                ends_on => o.ends_on.map(|d| d.to_string()),
                created_at => instant(o.created_at),
                departure_id => o.departure_id,
            },
            person => context! {
                id => g.employee.id,
                name => g.employee.name,
                employee_no => g.employee.employee_no,
                department => g.employee.department,
                status => g.employee.status,
                language => g.employee.language,
            },
            meaning => meaning(o, &g.policy, lang),
            days_left,
            length_months,
            history,
            extensions,
            pending_extension,
            ledger,
            agreement,
            reminders => reminder_rows,
            cases,
            sees_cases => user.may::<CaseReaders>(),
            can_extend,
            can_pay,
            can_waive,
            can_rescind,
            is_hr,
            today => today.to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_period_counts_whole_months_even_from_the_end_of_a_month() {
        assert_eq!(months_between(d(2028, 2, 29), d(2030, 2, 28)), 24);
        assert_eq!(months_between(d(2028, 2, 1), d(2028, 7, 31)), 6);
        assert_eq!(months_between(d(2026, 4, 1), d(2028, 3, 31)), 24);
        assert_eq!(months_between(d(2028, 1, 31), d(2028, 2, 29)), 1);
        assert_eq!(months_between(d(2028, 3, 1), d(2028, 3, 10)), 0);
    }
}
