//! The reminders pages (admin, HR, security): the list by status — sent, scheduled (with the
//! forecast of what the schedules will send), failed (with "send again"), acknowledged — with
//! sorting, pages and CSV; one reminder with the message exactly as it was sent.

use crate::db::listing::{Page, Window};
use crate::db::names;
use crate::domain::roles::HrOnly;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono_tz::Tz;
use minijinja::{Value, context};
use serde::Deserialize;

use super::lists::{self, Cell, Columns, Texts};
use super::obligations::{instant, query_values};
use super::{page_language, render_page, view};
use crate::db::reminders::{self, Reminder};
use crate::db::users::User;
use crate::domain::FieldErrors;
use crate::domain::reminders::{ReminderKind, ReminderStatus};
use crate::domain::users::Language;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::reminders::{FORECAST_MAX_DAYS, ReminderQuery, visible};
use crate::http::extract::{Authorized, Overseers, Paging, QueryParams};
use crate::http::routes::PageRoutes;
use crate::jobs::forecast::{ForecastEntry, forecast};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/reminders", Overseers, list);
    r.get("/reminders/{id}", Overseers, detail);
}

/// How many days ahead the forecast looks unless asked otherwise.
const FORECAST_DAYS: u32 = 30;
/// How much of the forecast the "scheduled" tab shows (the forecast tab shows it all).
const FORECAST_PREVIEW: usize = 10;

/// The page's own parameters, beside the API list's.
#[derive(Debug, Default, Deserialize)]
struct View {
    /// "forecast" for the forecast tab.
    view: Option<String>,
    /// Days ahead for the forecast.
    days: Option<String>,
}

fn tab_links() -> Vec<Value> {
    let mut tabs = vec![context! { key => "all", href => "/reminders" }];
    for s in [
        ReminderStatus::Sent,
        ReminderStatus::Scheduled,
        ReminderStatus::Failed,
        ReminderStatus::Acknowledged,
    ] {
        tabs.push(context! { key => s.as_str(), href => format!("/reminders?status={s}") });
    }
    tabs.push(context! { key => "forecast", href => "/reminders?view=forecast" });
    tabs
}

/// The names alone of the people and the staff users reminders are for, by id.
#[allow(clippy::type_complexity)]
fn recipient_names<'a>(
    conn: &mut crate::db::DbConnection,
    people: impl IntoIterator<Item = &'a str>,
    staff: impl IntoIterator<Item = &'a str>,
) -> diesel::QueryResult<(HashMap<String, String>, HashMap<String, String>)> {
    let people = names::employees(conn, people.into_iter().map(str::to_string))?;
    let staff = names::users(conn, staff.into_iter().map(str::to_string))?;
    Ok((
        people.into_iter().map(|(id, n)| (id, n.name)).collect(),
        staff.into_iter().map(|(id, u)| (id, u.name)).collect(),
    ))
}

/// The name of the person or staff user a reminder is for.
fn recipient(
    r: &Reminder,
    people: &HashMap<String, String>,
    staff: &HashMap<String, String>,
) -> Option<String> {
    r.employee_id
        .as_ref()
        .and_then(|e| people.get(e))
        .or_else(|| r.user_id.as_ref().and_then(|u| staff.get(u)))
        .cloned()
}

/// One row of the list: the reminder and the name of the person or staff user it is for.
struct Row {
    reminder: Reminder,
    name: Option<String>,
}

fn columns(tz: Tz) -> Columns<Row> {
    let text = |value: &Option<String>| Cell::text(value.clone().unwrap_or_default());
    Columns::<Row>::new()
        .col("person", "reminders.col.person", |r, _| {
            let (to, name) = (r.reminder.to_address.as_ref(), r.name.as_ref());
            match &r.reminder.employee_id {
                Some(id) => Cell::link(format!("/employees/{id}"), name.unwrap_or(id)),
                None => Cell::text(name.map_or("—", |n| n.as_str())),
            }
            .below(to)
        })
        .page_only()
        .col("person", "reminders.col.person", move |r, _| text(&r.name))
        .csv_only()
        .col("kind", "reminders.col.kind", |r, t| {
            Cell::label(t, format!("reminders.kind.{}", r.reminder.kind))
        })
        .sortable()
        .col("due_at", "reminders.col.due_at", move |r, _| {
            let (due_at, sent_at) = (r.reminder.due_at, r.reminder.sent_at);
            let value = context! { due_at => instant(due_at), sent_at => sent_at.map(instant) };
            Cell::custom(view::local(tz, due_at), value)
        })
        .sortable()
        .col("status", "reminders.col.status", |r, t| {
            let r = &r.reminder;
            let value = context! {
                status => r.status,
                acknowledged_at => r.acknowledged_at.map(instant),
                last_error => r.last_error,
            };
            Cell::custom(t.t(&format!("reminders.status.{}", r.status)), value)
        })
        .sortable()
        .col("sent_at", "reminders.col.sent_at", move |r, _| {
            Cell::local(tz, r.reminder.sent_at)
        })
        .csv_only()
        .col("to", "reminders.col.to", move |r, _| {
            text(&r.reminder.to_address)
        })
        .csv_only()
        .col("message_id", "reminders.col.message_id", |r, _| {
            let id = &r.reminder.message_id;
            Cell::custom(id.clone().unwrap_or_default(), Value::from(id.clone()))
        })
        .col(
            "acknowledged_at",
            "reminders.col.acknowledged_at",
            move |r, _| Cell::local(tz, r.reminder.acknowledged_at),
        )
        .csv_only()
        .col("error", "reminders.col.error", move |r, _| {
            text(&r.reminder.last_error)
        })
        .csv_only()
        .col("id", "reminders.col.id", |r, _| Cell::text(&r.reminder.id))
        .csv_only()
        .col("open", "reminders.col.open", |r, _| {
            let r2 = &r.reminder;
            let value = context! {
                id => r2.id, name => r.name, status => r2.status, due_at => instant(r2.due_at),
            };
            Cell::custom("", value)
        })
        .page_only()
}

fn forecast_row(e: &ForecastEntry) -> Value {
    context! {
        at => e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        kind => e.kind.as_str(),
        employee_id => e.employee_id,
        recipient => e.recipient,
        to => e.to,
    }
}

fn forecast_days(view: &View, errors: &mut FieldErrors) -> u32 {
    match view
        .days
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => FORECAST_DAYS,
        Some(text) => match text.parse::<u32>() {
            Ok(d) if (1..=FORECAST_MAX_DAYS).contains(&d) => d,
            _ => {
                errors.add(
                    "days",
                    crate::problem!("between", min = 1, max = FORECAST_MAX_DAYS),
                );
                FORECAST_DAYS
            }
        },
    }
}

async fn load_forecast(state: &AppState, days: u32) -> Result<Vec<ForecastEntry>, Error> {
    let (now, tz) = (state.now(), state.config.timezone);
    state
        .db(move |conn| {
            let (_, policy) = crate::db::policy::current(conn)?;
            Ok(forecast(conn, &policy, tz, now, days)?)
        })
        .await
}

/// GET /reminders: a tab of the list, as the API lists it, or its CSV (`?format=csv`).
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let lang = page_language(&req, Some(&user));
    let view = QueryParams::<View>::extract(&req)
        .await
        .map(|v| v.0)
        .unwrap_or_default();
    let typed = query_values(&req);
    let shown: HashMap<&str, Option<String>> = ["status", "kind", "sort", "days", "employee_id"]
        .into_iter()
        .map(|k| (k, typed.get(k).cloned().filter(|v| !v.is_empty())))
        .collect();
    let mut errors = FieldErrors::new();
    let days = forecast_days(&view, &mut errors);
    let csv = lists::wants_csv(&req);
    if view.view.as_deref() == Some("forecast") {
        return forecast_tab(&state, &req, &user, lang, days, errors, csv, shown).await;
    }
    let query = QueryParams::<ReminderQuery>::extract(&req)
        .await
        .and_then(|q| q.0.resolve(&user));
    let (filter, window) = match query {
        Ok((filter, window)) => (Some(filter), Some(window)),
        Err(Error::Validation(e)) => {
            for (field, message) in e.0 {
                errors.add(&field, message);
            }
            (None, None)
        }
        Err(e) => return Err(e),
    };
    let scheduled_tab = filter
        .as_ref()
        .is_some_and(|f| f.status == Some(ReminderStatus::Scheduled));
    let sort = filter
        .as_ref()
        .and_then(|f| f.sort)
        .map(|s| s.to_string())
        // The list's own order when none is chosen: latest due first.
        .unwrap_or_else(|| "-due_at".into());
    let (found, person) = match filter {
        Some(filter) => {
            let read = lists::window_for(&req, window.unwrap_or(Window::first()));
            state
                .db(move |conn| {
                    let Page { rows: items, total } = reminders::list(conn, &filter, read)?;
                    let mut people: Vec<&str> = items
                        .iter()
                        .filter_map(|r| r.employee_id.as_deref())
                        .collect();
                    if let Some(e) = &filter.employee_id {
                        people.push(e);
                    }
                    let staff = items.iter().filter_map(|r| r.user_id.as_deref());
                    let (people, staff) = recipient_names(conn, people, staff)?;
                    let person = filter
                        .employee_id
                        .as_ref()
                        .and_then(|e| people.get(e))
                        .cloned();
                    let found = Page { rows: items, total }.map(|reminder| Row {
                        name: recipient(&reminder, &people, &staff),
                        reminder,
                    });
                    Ok((found, person))
                })
                .await?
        }
        None => (
            Page {
                rows: Vec::new(),
                total: 0,
            },
            None,
        ),
    };
    let texts = Texts::new(&state.pages, lang);
    let columns = columns(state.config.timezone);
    if csv {
        return Ok(columns.csv("reminders", &texts, &found.rows));
    }
    let (preview, preview_total) = if scheduled_tab {
        let entries = load_forecast(&state, days).await?;
        let total = entries.len();
        (
            entries
                .iter()
                .take(FORECAST_PREVIEW)
                .map(forecast_row)
                .collect::<Vec<_>>(),
            total,
        )
    } else {
        (Vec::new(), 0)
    };
    let window = window.unwrap_or(Window::first());
    let tab = shown["status"].clone().unwrap_or_else(|| "all".into());
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "reminders_list.html",
        context! {
            tab,
            tabs => tab_links(),
            list => columns.table(&req, &texts, &found, window, &sort, |_| None),
            query => lists::query_without(&req, &["page", "format"]),
            all_people_query => lists::query_without(&req, &["page", "employee_id", "format"]),
            sort,
            shown,
            errors => errors.0,
            person,
            kinds => view::options("reminders.kind", ReminderKind::ALL),
            can_resend => user.may::<HrOnly>(),
            preview,
            preview_total,
            days,
        },
    )
}

#[allow(clippy::too_many_arguments)]
async fn forecast_tab(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    lang: Language,
    days: u32,
    errors: FieldErrors,
    csv: bool,
    shown: HashMap<&str, Option<String>>,
) -> Result<HttpResponse, Error> {
    let paging = QueryParams::<Paging>::extract(req).await?.0;
    let window = paging.resolve()?;
    let entries = load_forecast(state, days).await?;
    let total = entries.len() as i64;
    if csv {
        let text = |key: &str| state.pages.text(lang, key);
        let header: Vec<String> = [
            "reminders.col.at",
            "reminders.col.kind",
            "reminders.col.person",
            "reminders.col.to",
        ]
        .iter()
        .map(|k| text(k))
        .collect();
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                vec![
                    e.at.with_timezone(&state.config.timezone)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    text(&format!("reminders.kind.{}", e.kind)),
                    e.recipient.clone(),
                    e.to.clone().unwrap_or_else(|| text("reminders.no_address")),
                ]
            })
            .collect();
        return Ok(lists::csv_file("reminders-forecast", &header, &rows));
    }
    let rows: Vec<Value> = entries
        .iter()
        .skip(window.offset as usize)
        .take(window.limit as usize)
        .map(forecast_row)
        .collect();
    let without_address = entries.iter().filter(|e| e.to.is_none()).count();
    render_page(
        state,
        req,
        Some(user),
        StatusCode::OK,
        "reminders_forecast.html",
        context! {
            tab => "forecast",
            tabs => tab_links(),
            rows,
            total,
            page => window.page,
            per_page => window.per_page,
            query => lists::query_without(req, &["page", "format"]),
            days,
            without_address,
            shown,
            errors => errors.0,
        },
    )
}

/// The kept message, read back: its main headers decoded, every header as sent, and the
/// text part. The HTML part is never put into the page.
fn message_view(bytes: &[u8], expected_sha: Option<&str>) -> Value {
    use sha2::{Digest, Sha256};
    let sha = hex::encode(Sha256::digest(bytes));
    let intact = expected_sha.map(|e| e == sha);
    let Some(parsed) = mail_parser::MessageParser::default().parse(bytes) else {
        return context! { readable => false, sha, intact, size => bytes.len() };
    };
    let addresses = |a: Option<&mail_parser::Address>| -> String {
        a.map(|a| {
            a.iter()
                .map(|x| match (x.name(), x.address()) {
                    (Some(n), Some(e)) => format!("{n} <{e}>"),
                    (None, Some(e)) => e.to_string(),
                    (Some(n), None) => n.to_string(),
                    (None, None) => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let headers: Vec<Value> = parsed
        .headers_raw()
        .map(|(name, value)| context! { name, value => value.trim() })
        .collect();
    // The language the message declares (every one the service writes does, on its HTML
    // part): the page marks the message's words as that language, not the reader's.
    let lang = parsed
        .body_html(0)
        .and_then(|html| {
            let at = html.find("<html lang=\"")? + "<html lang=\"".len();
            html[at..].split('"').next().map(str::to_string)
        })
        .unwrap_or_default();
    context! {
        readable => true,
        lang,
        from => addresses(parsed.from()),
        to => addresses(parsed.to()),
        subject => parsed.subject().map(str::to_string),
        date => parsed.date().map(|d| d.to_rfc3339()),
        message_id => parsed.message_id().map(str::to_string),
        text => parsed.body_text(0).map(|t| t.replace("\r\n", "\n")),
        has_html => parsed.html_body_count() > 0,
        headers,
        sha,
        intact,
        size => bytes.len(),
    }
}

/// GET /reminders/{id}
pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (who, id) = (user.clone(), id.into_inner());
    let (reminder, message, name, history, staff) = state
        .db(move |conn| {
            let Some(reminder) = reminders::get(conn, &id)?.filter(|r| visible(&who, r)) else {
                return Err(Error::NotFound);
            };
            let message = reminders::sent_message(conn, &id)?.map(|(_, bytes)| bytes);
            let history = crate::db::audit::of_subject(conn, "reminder", &id)?;
            let staff: Vec<&str> = history
                .iter()
                .filter_map(|e| e.actor_id.as_deref())
                .chain(reminder.user_id.as_deref())
                .collect();
            let people = reminder.employee_id.as_deref();
            let (people, staff) = recipient_names(conn, people, staff)?;
            let name = recipient(&reminder, &people, &staff);
            Ok((reminder, message, name, history, staff))
        })
        .await?;
    let message = message
        .as_deref()
        .map(|bytes| message_view(bytes, reminder.message_sha256.as_deref()));
    let acknowledged_here = history.iter().find(|e| e.action == "reminder.acknowledged");
    let client = acknowledged_here
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.details).ok())
        .and_then(|d| d.get("client").and_then(|c| c.as_str()).map(str::to_string));
    let events: Vec<Value> = history
        .iter()
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let text = |k: &str| details.get(k).and_then(|v| v.as_str()).map(str::to_string);
            context! {
                at => instant(e.at),
                action => e.action.replace('.', "_"),
                actor => e.actor_id.as_ref().and_then(|a| staff.get(a)).cloned(),
                system => e.actor_type == "system",
                to => text("to"),
                error => text("error").or_else(|| text("previous_error")),
                sha256 => text("sha256"),
                client => text("client"),
            }
        })
        .collect();
    let r = &reminder;
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "reminders_detail.html",
        context! {
            r => context! {
                id => r.id,
                employee_id => r.employee_id,
                name,
                kind => r.kind,
                period => occasion_time(&r.period),
                due_at => instant(r.due_at),
                sent_at => r.sent_at.map(instant),
                status => r.status,
                to_address => r.to_address,
                message_id => r.message_id,
                server_reply => r.server_reply,
                message_sha256 => r.message_sha256,
                last_error => r.last_error,
                acknowledged_at => r.acknowledged_at.map(instant),
            },
            acknowledged_here => acknowledged_here.is_some(),
            client,
            message,
            events,
            can_resend => r.status == ReminderStatus::Failed
                && user.may::<HrOnly>(),
        },
    )
}

/// The time a reminder's occasion names — a quarter's slot, a last day — as the page shows it
/// beside the kind; none for an occasion named by a record (a departure, a trip, a case),
/// whose id means nothing to a reader.
fn occasion_time(period: &str) -> Option<String> {
    let is_date = chrono::NaiveDate::parse_from_str(period, "%Y-%m-%d").is_ok();
    let is_slot = chrono::NaiveDateTime::parse_from_str(period, "%Y-%m-%dT%H:%M").is_ok();
    (is_date || is_slot).then(|| period.replace('T', " "))
}
