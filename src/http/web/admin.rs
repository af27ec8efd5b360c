//! The administrator's pages — users (list, add, edit, deactivate, their API tokens), the
//! policy, the pledge texts — every staff user's own settings and API tokens, and the
//! administrator's section of the start page.
//!
//! Most actions are forms posted to the JSON API through the form layer. Three forms have a
//! handler here, each calling the same function as its API route: a user's roles (one tick
//! box per role, which the form layer cannot turn into the API's list), the policy (flat
//! fields that become the API's nested document), and a new API token (shown once, so the
//! answer is a page, not a redirect).

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use minijinja::{Value, context};
use serde::Deserialize;

use super::forms::Flash;
use super::{lists, page_language, redirect, render_page};
use crate::db::audit;
use crate::db::users::{self, Account, User, UserFilter};
use crate::db::{jobs, pledges, policy};
use crate::domain::FieldErrors;
use crate::domain::obligations::ObligationKind;
use crate::domain::people::ClearanceTier;
use crate::domain::policy::{PeriodAnchor, Policy, TierRestriction};
use crate::domain::reminders::{Cadence, parse_schedule};
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::pledges::TextQuery;
use crate::http::api::session::{CreatedToken, new_token};
use crate::http::api::users::{AccountPatch, NewAccount, UserQuery};
use crate::http::extract::{
    Admins, AnyRole, Authorized, CsrfForm, MaybeUser, Overseers, QueryParams,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(users_page))
        .route("/admin/users", web::get().to(to_users_page))
        .route("/admin/users", web::post().to(add_user))
        .route("/admin/users/{id}", web::get().to(user_page))
        .route("/admin/users/{id}", web::post().to(edit_user))
        .route("/admin/policy", web::get().to(policy_page))
        .route("/admin/policy", web::post().to(save_policy))
        .route("/admin/pledge-texts", web::get().to(pledge_texts_page))
        .route("/settings", web::get().to(settings_page))
        .route(
            "/settings/tokens",
            web::get().to(|| async { redirect("/settings") }),
        )
        .route("/settings/tokens", web::post().to(create_token));
}

/// `/admin/users` (where a refused "add a user" form is shown) lists at `/admin`.
async fn to_users_page(req: HttpRequest) -> HttpResponse {
    match req.query_string() {
        "" => redirect("/admin"),
        q => redirect(&format!("/admin?{q}")),
    }
}

/// The administrator's section of the start page.
pub fn dashboard(
    conn: &mut crate::db::DbConnection,
    _user: &User,
    _today: chrono::NaiveDate,
) -> crate::error::Result<Option<super::dashboard::Section>> {
    let (by_role, inactive) = users::role_counts(conn)?;
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|role| {
            let n = by_role
                .iter()
                .find(|(r, _)| r == role.as_str())
                .map_or(0, |(_, n)| *n);
            context! { role => role.as_str(), count => n }
        })
        .collect();
    let failed_jobs = jobs::counts(conn)?
        .into_iter()
        .find(|(state, _)| state == jobs::JobState::Failed.as_str())
        .map_or(0, |(_, n)| n);
    let audit_events = audit::event_count(conn)?;
    Ok(Some(super::dashboard::Section {
        template: "admin_dashboard.html",
        data: context! {
            roles,
            inactive,
            failed_jobs,
            audit_events,
            version => env!("CARGO_PKG_VERSION"),
        },
    }))
}

// ---------------------------------------------------------------------------------------------
// What the pages' own forms share.

/// A form's fields as typed, by name (a repeated name keeps its last value).
type Fields = HashMap<String, String>;

fn field(fields: &Fields, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// What was typed, to show again: not the token, the steering fields, nor a password.
fn typed(fields: &Fields) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter(|(k, _)| !k.starts_with('_') && *k != "csrf" && *k != "password")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The page drawn next shows the form refused, as the form layer shows one: the field
/// messages, why (when no field is at fault) and what was typed.
fn refuse(
    req: &HttpRequest,
    fields: BTreeMap<String, String>,
    problem: Option<String>,
    values: BTreeMap<String, String>,
) {
    req.extensions_mut().insert(Flash {
        done: None,
        problem,
        fields,
        values,
    });
}

/// After a form of these pages succeeded: on to `to`, which says `done.<done>` once.
async fn done_redirect(state: &AppState, to: &str, done: &str) -> HttpResponse {
    let flash = Flash {
        done: Some(done.to_string()),
        ..Flash::default()
    };
    super::forms::redirect_with(state, to, &flash).await
}

/// The signed-in user if they hold one of `roles`; otherwise the error the page shows.
fn holding(user: MaybeUser, roles: &[Role]) -> Result<User, Error> {
    let user = user.0.ok_or(Error::Unauthorized)?;
    if user.has_any_role(roles) {
        Ok(user)
    } else {
        Err(Error::Forbidden)
    }
}

/// A refusal of a page's own form as a page (the form layer does this for API routes).
fn failure_page(
    state: &AppState,
    req: &HttpRequest,
    user: Option<&User>,
    error: Error,
) -> Result<HttpResponse, Error> {
    let (status, key) = match &error {
        Error::Unauthorized => return Ok(redirect("/login")),
        Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        Error::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
        _ => return Err(error),
    };
    let detail = match &error {
        Error::Conflict(m) => Some(m.clone()),
        _ => None,
    };
    render_page(
        state,
        req,
        user,
        status,
        "message.html",
        context! { message_key => key, detail },
    )
}

/// The roles ticked in a form: one box a role, named `role_<role>`.
fn ticked_roles(fields: &Fields) -> Vec<String> {
    Role::ALL
        .iter()
        .filter(|r| fields.get(&format!("role_{r}")).map(String::as_str) == Some("true"))
        .map(|r| r.as_str().to_string())
        .collect()
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

fn instant(at: &chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn local(state: &AppState, at: &chrono::NaiveDateTime) -> String {
    at.and_utc()
        .with_timezone(&state.config.timezone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// /admin: the users.

async fn users_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Admins>,
    query: QueryParams<UserQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (filter, window) = query.0.resolve()?;
    if lists::wants_csv(&req) {
        return users_csv(&state, &req, &user, filter).await;
    }
    users_list(&state, &req, &user, filter, window, StatusCode::OK).await
}

async fn users_list(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    filter: UserFilter,
    window: crate::http::extract::Window,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let shown = filter.clone();
    let (items, total) = state
        .db(move |conn| Ok(users::list(conn, &filter, window.offset, window.limit)?))
        .await?;
    render_page(
        state,
        req,
        Some(user),
        status,
        "admin_users.html",
        context! {
            users => items,
            total,
            page => window.page,
            per_page => window.per_page,
            q => shown.q.unwrap_or_default(),
            role => shown.role.map(|r| r.as_str()).unwrap_or_default(),
            status => match shown.active { Some(true) => "active", Some(false) => "inactive", None => "" },
            sort => shown.sort.unwrap_or_default(),
            query => lists::query_without(req, &["page"]),
            sort_query => lists::query_without(req, &["page", "sort"]),
            all_roles => role_names(),
        },
    )
}

async fn users_csv(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    filter: UserFilter,
) -> Result<HttpResponse, Error> {
    let (items, _) = state
        .db(move |conn| Ok(users::list(conn, &filter, 0, i64::MAX)?))
        .await?;
    let lang = page_language(req, Some(user));
    let text = |key: &str| state.pages.text(lang, key);
    let header: Vec<String> = [
        "admin.users.name",
        "admin.users.email",
        "admin.users.roles",
        "admin.users.language",
        "admin.users.status",
        "admin.users.employee_no",
        "admin.users.created_at",
    ]
    .iter()
    .map(|k| text(k))
    .collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|a: &Account| {
            vec![
                a.name.clone(),
                a.email.clone(),
                a.roles
                    .iter()
                    .map(|r| text(&format!("role.{r}")))
                    .collect::<Vec<_>>()
                    .join(", "),
                text(&format!("admin.language.{}", a.language.as_str())),
                text(if a.active {
                    "admin.status.active"
                } else {
                    "admin.status.inactive"
                }),
                a.employee_no.clone().unwrap_or_default(),
                local(state, &a.created_at),
            ]
        })
        .collect();
    Ok(lists::csv_file("users", &header, &rows))
}

/// The "add a user" form of /admin.
async fn add_user(
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
    let new = NewAccount {
        email: field(&fields, "email"),
        name: field(&fields, "name"),
        roles: ticked_roles(&fields),
        language: Some(field(&fields, "language")),
        employee_no: Some(field(&fields, "employee_no")),
        password: field(&fields, "password"),
    };
    match crate::http::api::users::add(&state, &user, new).await {
        Ok(account) => Ok(done_redirect(
            &state,
            &format!("/admin/users/{}", account.id),
            "user_added",
        )
        .await),
        Err(Error::Validation(errors)) => {
            refuse(&req, errors.0, None, typed(&fields));
            let (filter, window) = UserQuery::default().resolve()?;
            users_list(
                &state,
                &req,
                &user,
                filter,
                window,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure_page(&state, &req, Some(&user), e),
    }
}

async fn user_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Admins>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    user_detail(&state, &req, &user.0, id.into_inner(), StatusCode::OK).await
}

async fn user_detail(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    id: String,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let (account, tokens, history, names) = state
        .db(move |conn| {
            let account = users::account(conn, &id)?.ok_or(Error::NotFound)?;
            let (tokens, _) = users::tokens_of(conn, &id, 0, 200)?;
            let history = audit::of_subject(conn, "user", &id)?;
            let actors: Vec<String> = history.iter().filter_map(|e| e.actor_id.clone()).collect();
            let names = users::names(conn, &actors)?;
            Ok((account, tokens, history, names))
        })
        .await?;
    let history: Vec<Value> = history
        .iter()
        .rev()
        .map(|e| {
            let actor = e
                .actor_id
                .as_ref()
                .and_then(|id| names.get(id).cloned())
                .unwrap_or_else(|| e.actor_type.clone());
            context! { at => instant(&e.at), action => e.action, actor, details => e.details }
        })
        .collect();
    let is_self = account.id == user.id;
    render_page(
        state,
        req,
        Some(user),
        status,
        "admin_user.html",
        context! {
            account,
            tokens,
            history,
            is_self,
            all_roles => role_names(),
        },
    )
}

/// The edit form of a user's page: name, roles, language.
async fn edit_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
    id: web::Path<String>,
    form: CsrfForm<Fields>,
) -> Result<HttpResponse, Error> {
    let signed_in = user.0.clone();
    let user = match holding(user, &[Role::Admin]) {
        Ok(user) => user,
        Err(e) => return failure_page(&state, &req, signed_in.as_ref(), e),
    };
    let id = id.into_inner();
    let fields = form.0;
    let patch = AccountPatch {
        name: Some(field(&fields, "name")),
        roles: Some(ticked_roles(&fields)),
        language: Some(field(&fields, "language")),
        active: None,
    };
    let refused = match crate::http::api::users::change(&state, &user, id.clone(), patch).await {
        Ok(_) => {
            return Ok(done_redirect(&state, &format!("/admin/users/{id}"), "user_saved").await);
        }
        Err(Error::Validation(errors)) => {
            refuse(&req, errors.0, None, typed(&fields));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(Error::Conflict(message)) => {
            refuse(&req, BTreeMap::new(), Some(message), typed(&fields));
            StatusCode::CONFLICT
        }
        Err(e) => return failure_page(&state, &req, Some(&user), e),
    };
    user_detail(&state, &req, &user, id, refused).await
}

// ---------------------------------------------------------------------------------------------
// /admin/policy

/// The tiers with a declassification period, as the form lists their restriction texts.
const TIERS: [ClearanceTier; 3] = [
    ClearanceTier::Core,
    ClearanceTier::Important,
    ClearanceTier::General,
];

/// A setting of the form: its field name (also the name the API's messages use), how it is
/// typed, and its value.
fn setting(name: &str, kind: &str, value: String) -> Value {
    context! { name, kind, value }
}

fn yuan(fen: i64) -> String {
    if fen == 0 {
        String::new()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// The policy as the form's sections of settings.
fn policy_sections(p: &Policy) -> Vec<Value> {
    let n = |v: u32| v.to_string();
    let anchor = match p.anchor {
        PeriodAnchor::LastWorkingDay => "last_working_day",
        PeriodAnchor::NoticeDate => "notice_date",
    };
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
            restrictions.push(setting(
                &format!("restrictions.{tier}.{lang}"),
                "textarea",
                value,
            ));
        }
    }
    vec![
        context! { key => "periods", settings => vec![
            setting("core_months", "number", n(p.core_months)),
            setting("important_months", "number", n(p.important_months)),
            setting("general_months", "number", n(p.general_months)),
            setting("anchor", "anchor", anchor.to_string()),
            setting("confidentiality_months", "number", n(p.confidentiality_months)),
        ]},
        context! { key => "non_compete", settings => vec![
            setting("non_compete_cap_months", "number", n(p.non_compete_cap_months)),
            setting("non_compete_grace_months", "number", n(p.non_compete_grace_months)),
            setting("non_compete_floor_percent", "number", n(p.non_compete_floor_percent)),
            setting("minimum_monthly_wage", "money", yuan(p.minimum_monthly_wage)),
        ]},
        context! { key => "reminders", settings => reminders },
        context! { key => "restrictions", settings => restrictions },
    ]
}

/// A schedule that does not read, said in words the catalogs translate (the API's own message
/// quotes what was typed, which the form shows anyway).
const CRON_MESSAGE: &str = "is not a cron expression with seconds (sec min hour day month \
                            weekday year), e.g. \"0 0 9 * * Mon *\"";

/// An amount in yuan with at most two decimals, as fen; empty is 0 (not set).
fn parse_yuan(text: &str) -> Result<i64, String> {
    let text = text.trim().replace([',', '，'], "");
    if text.is_empty() {
        return Ok(0);
    }
    let bad = || "is not an amount in yuan, like 2690 or 2690.50".to_string();
    if text.starts_with('-') {
        return Err("cannot be negative".into());
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

/// The policy the form describes, starting from the one in force (the checklist template,
/// which the form does not show as fields, stays as it is). Every field at fault is named,
/// each cadence on its own field.
fn policy_from_form(current: &Policy, fields: &Fields) -> Result<Policy, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut whole = |name: &str, into: &mut u32| match field(fields, name).trim().parse::<u32>() {
        Ok(v) => *into = v,
        Err(_) => errors.add(name, "must be a whole number"),
    };
    let mut p = current.clone();
    whole("core_months", &mut p.core_months);
    whole("important_months", &mut p.important_months);
    whole("general_months", &mut p.general_months);
    whole("confidentiality_months", &mut p.confidentiality_months);
    whole("non_compete_cap_months", &mut p.non_compete_cap_months);
    whole("non_compete_grace_months", &mut p.non_compete_grace_months);
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
        if parse_schedule(&cron).is_err() {
            errors.add(&name, CRON_MESSAGE);
        }
        r.cadence.push(Cadence { kind: *kind, cron });
    }
    for (name, cron) in [
        ("reminders.daily", &r.daily),
        ("reminders.digest", &r.digest),
    ] {
        if parse_schedule(cron).is_err() {
            errors.add(name, CRON_MESSAGE);
        }
    }
    p.anchor = match field(fields, "anchor").as_str() {
        "notice_date" => PeriodAnchor::NoticeDate,
        "last_working_day" => PeriodAnchor::LastWorkingDay,
        _ => {
            errors.add("anchor", "choose the day the period counts from");
            p.anchor
        }
    };
    match parse_yuan(&field(fields, "minimum_monthly_wage")) {
        Ok(fen) => p.minimum_monthly_wage = fen,
        Err(message) => errors.add("minimum_monthly_wage", message),
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

async fn policy_page(
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
            let (changes, _) = audit::list(conn, &filter, 0, 20)?;
            let ids: Vec<String> = changes.iter().filter_map(|e| e.actor_id.clone()).collect();
            let names = users::names(conn, &ids)?;
            Ok((version, policy, changes, names))
        })
        .await?;
    let history: Vec<Value> = changes
        .iter()
        .map(|e| {
            let by = e.actor_id.as_ref().and_then(|id| names.get(id).cloned());
            context! { version => e.subject_id, at => instant(&e.at), by }
        })
        .collect();
    let checklist: Vec<String> = policy.checklist.iter().map(|l| l.title.clone()).collect();
    render_page(
        state,
        req,
        Some(user),
        status,
        "admin_policy.html",
        context! {
            version,
            sections => policy_sections(&policy),
            checklist,
            history,
            can_edit => user.has_any_role(&[Role::Admin]),
        },
    )
}

async fn save_policy(
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
            let problem = (!other.is_empty()).then(|| {
                other
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            if shown.is_empty() && problem.is_none() {
                shown.insert("core_months".into(), "is not valid".into());
            }
            refuse(&req, shown, problem, typed(&fields));
            policy_view(&state, &req, &user, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure_page(&state, &req, Some(&user), e),
    }
}

// ---------------------------------------------------------------------------------------------
// /admin/pledge-texts

/// A text's lines, each a paragraph of the page (blank lines dropped).
fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

async fn pledge_texts_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Overseers>,
    query: QueryParams<TextQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let kind = query.0.kind()?;
    let (texts, names) = state
        .db(move |conn| {
            let texts = pledges::texts(conn, kind)?;
            let ids: Vec<String> = texts.iter().map(|t| t.created_by.clone()).collect();
            let names = users::names(conn, &ids)?;
            Ok((texts, names))
        })
        .await?;
    let by = |id: &str| names.get(id).cloned().unwrap_or_default();
    if lists::wants_csv(&req) {
        let lang = page_language(&req, Some(&user));
        let text = |key: &str| state.pages.text(lang, key);
        let header: Vec<String> = [
            "admin.pledges.kind",
            "admin.pledges.version",
            "admin.pledges.title_zh",
            "admin.pledges.title_en",
            "admin.pledges.created_at",
            "admin.pledges.created_by",
        ]
        .iter()
        .map(|k| text(k))
        .collect();
        let rows: Vec<Vec<String>> = texts
            .iter()
            .map(|t| {
                vec![
                    text(&format!("admin.pledge_kind.{}", t.kind)),
                    t.version.to_string(),
                    t.title_zh.clone(),
                    t.title_en.clone(),
                    local(&state, &t.created_at),
                    by(&t.created_by),
                ]
            })
            .collect();
        return Ok(lists::csv_file("pledge-texts", &header, &rows));
    }
    let items: Vec<Value> = texts
        .iter()
        .map(|t| {
            context! {
                kind => t.kind, version => t.version, title_zh => t.title_zh,
                body_zh => paragraphs(&t.body_zh), title_en => t.title_en,
                body_en => paragraphs(&t.body_en),
                created_at => instant(&t.created_at), created_by => by(&t.created_by),
            }
        })
        .collect();
    render_page(
        &state,
        &req,
        Some(&user),
        StatusCode::OK,
        "admin_pledge_texts.html",
        context! {
            texts => items,
            kind => kind.map(|k| k.as_str()).unwrap_or_default(),
            kinds => crate::domain::pledges::PledgeKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            query => lists::query_without(&req, &["format"]),
            can_add => user.has_any_role(&[Role::Admin]),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// /settings: one's own account and API tokens.

async fn settings_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
) -> Result<HttpResponse, Error> {
    settings_view(&state, &req, &user.0, None, StatusCode::OK).await
}

async fn settings_view(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    created: Option<CreatedToken>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let id = user.id.clone();
    let (tokens, _) = state
        .db(move |conn| Ok(users::tokens_of(conn, &id, 0, 200)?))
        .await?;
    render_page(
        state,
        req,
        Some(user),
        status,
        "admin_settings.html",
        context! {
            me => context! {
                name => user.name, email => user.email, language => user.language.as_str(),
                roles => user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                employee_no => user.employee_no,
            },
            tokens,
            created => created.map(|c| context! { id => c.id, token => c.token }),
        },
    )
}

#[derive(Deserialize)]
struct TokenForm {
    /// The token's name (not `name`, which the page's other form uses for the person's).
    #[serde(default)]
    token_name: String,
}

/// A new API token, shown once on the page this answers with.
async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: MaybeUser,
    form: CsrfForm<TokenForm>,
) -> Result<HttpResponse, Error> {
    let signed_in = user.0.clone();
    let user = match holding(user, Role::ALL) {
        Ok(user) => user,
        Err(e) => return failure_page(&state, &req, signed_in.as_ref(), e),
    };
    let name = form.0.token_name;
    match new_token(&state, user.clone(), &name).await {
        Ok(created) => settings_view(&state, &req, &user, Some(created), StatusCode::CREATED).await,
        Err(Error::Validation(errors)) => {
            let fields = errors
                .0
                .into_iter()
                .map(|(k, v)| (if k == "name" { "token_name".into() } else { k }, v))
                .collect();
            refuse(
                &req,
                fields,
                None,
                BTreeMap::from([("token_name".into(), name)]),
            );
            settings_view(&state, &req, &user, None, StatusCode::UNPROCESSABLE_ENTITY).await
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
        assert_eq!(yuan(269_005), "2690.05");
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
