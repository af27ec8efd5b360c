//! The obligations pages (admin, HR, security): the list with the API list's filters, sorting,
//! pages and CSV; one obligation with what it means, when it ends, its history and the forms
//! of its actions (extension, payments, waiver, rescission), each posting to the API route.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use minijinja::{Value, context};

use super::{lists, page_language, render_page};
use crate::clock::company_date;
use crate::db::employees::{Employee, Scope};
use crate::db::extensions::{self, Extension};
use crate::db::noncompete::{self, Agreement, Ledger, PaymentRecord};
use crate::db::obligations::{self, LinkedCase, Obligation, ObligationDetail};
use crate::db::reminders::{self, Reminder, ReminderFilter};
use crate::db::users::User;
use crate::db::{DbConnection, policy};
use crate::domain::clearance::ChangeStatus;
use crate::domain::noncompete::MonthStatus;
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::people::ClearanceTier;
use crate::domain::policy::Policy;
use crate::domain::users::{Language, Role};
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::obligations::ObligationQuery;
use crate::http::extract::{Authorized, HrOnly, Overseers, QueryParams};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/obligations", web::get().to(list))
        .route("/obligations/{id}", web::get().to(detail))
        .route("/obligations/{id}/waive", web::get().to(waive_page))
        .route("/obligations/{id}/rescind", web::get().to(rescind_page));
}

/// An amount in minor units written with two decimals and grouped thousands: 8,000.00.
pub fn money(minor: i64) -> String {
    let units = minor.unsigned_abs() / 100;
    let cents = minor.unsigned_abs() % 100;
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents:02}")
}

/// An instant kept in UTC, as the `|datetime` filter reads it.
pub fn instant(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The page's query parameters by name (the last of each), to show the filters as typed.
pub fn query_values(req: &HttpRequest) -> HashMap<String, String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

fn options(values: &[&str], prefix: &str) -> Vec<[String; 2]> {
    values
        .iter()
        .map(|v| [v.to_string(), format!("{prefix}{v}")])
        .collect()
}

fn kind_options() -> Vec<[String; 2]> {
    let kinds: Vec<&str> = ObligationKind::ALL.iter().map(|k| k.as_str()).collect();
    options(&kinds, "obligation.")
}

fn status_options() -> Vec<[String; 2]> {
    let statuses: Vec<&str> = ObligationStatus::ALL.iter().map(|s| s.as_str()).collect();
    options(&statuses, "obligations.status.")
}

/// One row of the list, with the person's name.
fn row(o: &Obligation, names: &HashMap<String, (String, String)>) -> Value {
    let (name, no) = names.get(&o.employee_id).cloned().unwrap_or_default();
    context! {
        id => o.id,
        employee_id => o.employee_id,
        name,
        employee_no => no,
        kind => o.kind,
        tier => o.tier,
        starts_on => o.starts_on.to_string(),
        ends_on => o.ends_on.map(|d| d.to_string()),
        status => o.status,
    }
}

/// GET /obligations: the list, as the API lists it, or its CSV (`?format=csv`).
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let today = company_date(state.now(), state.config.timezone);
    let lang = page_language(&req, Some(&user));
    let raw = QueryParams::<ObligationQuery>::extract(&req).await;
    let typed = query_values(&req);
    let shown: HashMap<&str, Option<String>> =
        ["q", "kind", "status", "ending_within_days", "sort"]
            .into_iter()
            .map(|k| (k, typed.get(k).cloned().filter(|v| !v.is_empty())))
            .collect();
    let resolved = match raw {
        Ok(q) => q.0.resolve(today),
        Err(e) => Err(e),
    };
    let (filter, window, errors) = match resolved {
        Ok((filter, window)) => (Some(filter), Some(window), Default::default()),
        Err(Error::Validation(errors)) => (None, None, errors.0),
        Err(e) => return Err(e),
    };
    let csv = lists::wants_csv(&req);
    let sort = filter
        .as_ref()
        .and_then(|f| f.sort)
        .map(|s| format!("{}{}", if s.descending { "-" } else { "" }, s.key))
        // The list's own order when none is chosen: soonest end first.
        .unwrap_or_else(|| "ends_on".into());
    let employee_filter = filter.as_ref().and_then(|f| f.employee_id.clone());
    let (items, total, filtered_name) = match filter {
        Some(filter) => {
            let (offset, limit) = match (csv, window) {
                (false, Some(w)) => (w.offset, w.limit),
                _ => (0, i64::MAX),
            };
            let who = user.clone();
            state
                .db(move |conn| {
                    let scope = Scope::of(conn, &who)?;
                    let (items, total) = obligations::list(conn, &scope, &filter, offset, limit)?;
                    let mut ids: Vec<&str> = items.iter().map(|o| o.employee_id.as_str()).collect();
                    if let Some(e) = &filter.employee_id {
                        ids.push(e);
                    }
                    let names = obligations::employee_names(conn, &ids)?;
                    let filtered_name = filter
                        .employee_id
                        .as_ref()
                        .and_then(|e| names.get(e))
                        .map(|(n, _)| n.clone());
                    let rows: Vec<Value> = items.iter().map(|o| row(o, &names)).collect();
                    Ok((rows, total, filtered_name))
                })
                .await?
        }
        None => (Vec::new(), 0, None),
    };
    if csv {
        return Ok(csv_of(&state, lang, &items));
    }
    let window = window.unwrap_or(crate::http::extract::Window {
        page: 1,
        per_page: 50,
        offset: 0,
        limit: 50,
    });
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "obligations_list.html",
        context! {
            rows => items,
            total,
            page => window.page,
            per_page => window.per_page,
            query => lists::query_without(&req, &["page", "format"]),
            sort_query => lists::query_without(&req, &["page", "sort", "format"]),
            all_people_query => lists::query_without(&req, &["page", "employee_id", "format"]),
            csv_query => lists::query_without(&req, &["page", "format"]),
            sort,
            shown,
            errors,
            employee_filter,
            filtered_name,
            kinds => kind_options(),
            statuses => status_options(),
        },
    )
}

fn csv_of(state: &AppState, lang: Language, rows: &[Value]) -> HttpResponse {
    let text = |key: &str| state.pages.text(lang, key);
    let header: Vec<String> = [
        "obligations.col.employee_no",
        "obligations.col.person",
        "obligations.col.kind",
        "obligations.col.tier",
        "obligations.col.starts_on",
        "obligations.col.ends_on",
        "obligations.col.status",
        "obligations.col.id",
    ]
    .iter()
    .map(|k| text(k))
    .collect();
    let field = |r: &Value, name: &str| -> String {
        r.get_attr(name)
            .ok()
            .filter(|v| !v.is_none() && !v.is_undefined())
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default()
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let tier = field(r, "tier");
            let ends = field(r, "ends_on");
            vec![
                field(r, "employee_no"),
                field(r, "name"),
                text(&format!("obligation.{}", field(r, "kind"))),
                if tier.is_empty() {
                    String::new()
                } else {
                    text(&format!("obligations.tier.{tier}"))
                },
                field(r, "starts_on"),
                if ends.is_empty() {
                    text("obligations.until_public")
                } else {
                    ends
                },
                text(&format!("obligations.status.{}", field(r, "status"))),
                field(r, "id"),
            ]
        })
        .collect();
    lists::csv_file("obligations", &header, &rows)
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
    let cases = if user.has_any_role(&[Role::Admin, Role::Security]) {
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
    let (found, _) = reminders::list(conn, &filter, 0, 50)?;
    let reminders: Vec<Reminder> = found
        .into_iter()
        .filter(|r| r.kind.to_former_employee())
        .collect();
    let mut user_ids: Vec<&str> = detail
        .history
        .iter()
        .map(|h| h.actor.as_str())
        .chain(extensions.iter().map(|e| e.requested_by.as_str()))
        .chain(extensions.iter().filter_map(|e| e.decided_by.as_deref()))
        .chain(payments.iter().map(|p| p.recorded_by.as_str()))
        .collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let (_, users) = reminders::recipient_names(conn, &[], &user_ids)?;
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
    let tier: Option<ClearanceTier> = o.tier;
    let restrictions = tier.and_then(|t| {
        policy
            .restrictions
            .iter()
            .find(|r| r.tier == t)
            .map(|r| match lang {
                Language::ZhCn => r.zh.clone(),
                Language::En => r.en.clone(),
            })
    });
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
        policy_months,
        grace_months => policy.non_compete_grace_months,
    }
}

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
        month => text("month"),
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
pub async fn detail(
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
    let paid: HashMap<&str, &PaymentRecord> =
        g.payments.iter().map(|p| (p.month.as_str(), p)).collect();
    let ledger = g.ledger.as_ref().map(|l| {
        let months: Vec<Value> = l
            .months
            .iter()
            .map(|m| {
                let p = paid.get(m.month.as_str());
                context! {
                    month => m.month,
                    status => m.status,
                    amount => p.map(|p| format!("{} {currency}", money(p.amount))),
                    paid_on => p.map(|p| p.paid_on.to_string()),
                    recorded_by => p.map(|p| name_or_id(&g.users, &p.recorded_by)),
                }
            })
            .collect();
        let paid_count = l
            .months
            .iter()
            .filter(|m| m.status == MonthStatus::Paid)
            .count();
        let due_count = l
            .months
            .iter()
            .filter(|m| m.status == MonthStatus::Due)
            .count();
        // The month a payment form suggests: the first unpaid month that is due or late.
        let next_month = l
            .months
            .iter()
            .find(|m| m.status == MonthStatus::Late)
            .or_else(|| l.months.iter().find(|m| m.status == MonthStatus::Due))
            .map(|m| m.month.clone());
        context! {
            months,
            late_months => l.late_months,
            paid_months => paid_count,
            due_months => due_count,
            alert => l.alert,
            next_month,
        }
    });
    let agreement = g.agreement.as_ref().map(|a| {
        context! {
            months => a.months,
            monthly => format!("{} {}", money(a.monthly_compensation), a.currency),
            monthly_plain => format!("{}.{:02}", a.monthly_compensation / 100, a.monthly_compensation % 100),
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
    let is_hr = user.has_any_role(&[Role::Hr]);
    let can_extend = active
        && kind == Some(ObligationKind::Declassification)
        && user.has_any_role(&[Role::Hr, Role::Security]);
    let can_pay = active && kind == Some(ObligationKind::NonCompete) && is_hr;
    let can_waive = can_pay;
    let can_rescind = can_pay && g.ledger.as_ref().is_some_and(|l| l.alert == "may_rescind");
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
            sees_cases => user.has_any_role(&[Role::Admin, Role::Security]),
            can_extend,
            can_pay,
            can_waive,
            can_rescind,
            is_hr,
            today_month => today.format("%Y-%m").to_string(),
        },
    )
}

/// The page of an irreversible end: the consequences, the reason and the tick.
async fn end_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: User,
    id: String,
    rescind: bool,
) -> Result<HttpResponse, Error> {
    let today = company_date(state.now(), state.config.timezone);
    let who = user.clone();
    let g = state.db(move |conn| gather(conn, &who, &id, today)).await?;
    let o = &g.detail.obligation;
    if o.kind != ObligationKind::NonCompete {
        return Err(Error::Conflict(
            "this obligation is not a non-compete".into(),
        ));
    }
    let extra = g.agreement.as_ref().map(|a| {
        format!(
            "{} {}",
            money(a.monthly_compensation * crate::domain::noncompete::WAIVER_EXTRA_MONTHS),
            a.currency
        )
    });
    let ledger = g.ledger.as_ref();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "obligations_end.html",
        context! {
            rescind,
            o => context! {
                id => o.id,
                kind => o.kind,
                status => o.status,
                starts_on => o.starts_on.to_string(),
                ends_on => o.ends_on.map(|d| d.to_string()),
            },
            person => context! { id => g.employee.id, name => g.employee.name },
            active => o.status == ObligationStatus::Active,
            extra,
            extra_months => crate::domain::noncompete::WAIVER_EXTRA_MONTHS,
            late_months => ledger.map(|l| l.late_months),
            may_rescind => ledger.is_some_and(|l| l.alert == "may_rescind"),
            grace_months => g.policy.non_compete_grace_months,
        },
    )
}

/// GET /obligations/{id}/waive (HR)
pub async fn waive_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    end_page(state, req, user.0, id.into_inner(), false).await
}

/// GET /obligations/{id}/rescind (HR)
pub async fn rescind_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<HrOnly>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    end_page(state, req, user.0, id.into_inner(), true).await
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

    #[test]
    fn money_is_written_with_grouped_thousands_and_two_decimals() {
        assert_eq!(money(2_100_000), "21,000.00");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(-12_345_678), "-123,456.78");
    }
}
