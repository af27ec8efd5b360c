//! `/admin` and `/admin/users/{id}`: the list of users (with its CSV), the "add a user" form,
//! and a user's page with their roles, API tokens and history, and its edit form.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::forms::{failure_page, holding, refuse};
use super::super::lists::{self, Cell, Columns, Found, ListPage};
use super::super::view::{self, instant, local};
use super::super::{redirect, render_page};
use super::{Fields, done_redirect, field, typed};
use crate::db::audit;
use crate::db::users::{self, Account, User, UserFilter};
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::users::{AccountPatch, NewAccount, UserQuery};
use crate::http::extract::{Admins, Authorized, CsrfForm, MaybeUser, QueryParams, Window};

/// `/admin/users` (where a refused "add a user" form is shown) lists at `/admin`.
pub(super) async fn to_users_page(req: HttpRequest) -> HttpResponse {
    match req.query_string() {
        "" => redirect("/admin"),
        q => redirect(&format!("/admin?{q}")),
    }
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

pub(super) async fn users_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<Admins>,
    query: QueryParams<UserQuery>,
) -> Result<HttpResponse, Error> {
    let user = user.0;
    let (filter, window) = query.0.resolve()?;
    users_list(&state, &req, &user, filter, window, StatusCode::OK).await
}

/// The columns of the user list; the CSV gives times in the company's zone.
fn columns(tz: chrono_tz::Tz) -> Columns<Account> {
    Columns::<Account>::new()
        .col("name", "admin.users.name", |a, _| {
            Cell::link(format!("/admin/users/{}", a.id), &a.name)
        })
        .sortable()
        .col("email", "admin.users.email", |a, _| Cell::text(&a.email))
        .sortable()
        .col("roles", "admin.users.roles", |a, t| {
            let roles: Vec<String> = a.roles.iter().map(|r| t.t(&format!("role.{r}"))).collect();
            Cell::text(roles.join(", "))
        })
        .col("language", "admin.users.language", |a, t| {
            Cell::label(t, format!("admin.language.{}", a.language.as_str()))
        })
        .col("status", "admin.users.status", |a, t| {
            Cell::badge(
                t,
                "admin.status",
                if a.active { "active" } else { "inactive" },
            )
        })
        .col("employee_no", "admin.users.employee_no", |a, _| {
            Cell::text(a.employee_no.clone().unwrap_or_default())
        })
        .csv_only()
        .col("created_at", "admin.users.created_at", |a, _| {
            Cell::instant(Some(a.created_at))
        })
        .sortable()
        .page_only()
        .col("created_at", "admin.users.created_at", move |a, _| {
            Cell::text(local(tz, a.created_at))
        })
        .csv_only()
}

async fn users_list(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    filter: UserFilter,
    window: Window,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let shown = filter.clone();
    let read = lists::window_for(req, window);
    let found = state
        .db(move |conn| Ok(users::list(conn, &filter, read)?))
        .await?;
    let page = ListPage {
        columns: columns(state.config.timezone),
        csv: "users",
        template: "admin_users.html",
        anchor: |_| None,
    };
    let sort = shown.sort.map(|s| s.to_string()).unwrap_or_default();
    let found = Found {
        rows: found,
        window,
        sort: &sort,
    };
    let extra = context! {
        q => shown.q.unwrap_or_default(),
        role => shown.role.map(|r| r.as_str()).unwrap_or_default(),
        status => match shown.active { Some(true) => "active", Some(false) => "inactive", None => "" },
        role_options => view::options("role", Role::ALL),
        status_options => view::options("admin.status", &["active", "inactive"]),
        all_roles => role_names(),
    };
    page.answer_with(state, req, user, status, found, extra)
}

/// The "add a user" form of /admin.
pub(super) async fn add_user(
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

pub(super) async fn user_page(
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
    let (account, tokens, history, names, second_factor_on) = state
        .db(move |conn| {
            let account = users::account(conn, &id)?.ok_or(Error::NotFound)?;
            let tokens = users::tokens_of(conn, &id, crate::db::listing::Window::top(200))?.rows;
            let history = audit::of_subject(conn, "user", &id)?;
            let second_factor_on = crate::db::second_factor::is_enrolled(conn, &id)?;
            let actors: Vec<String> = history.iter().filter_map(|e| e.actor_id.clone()).collect();
            let names = crate::db::names::users(conn, actors)?;
            Ok((account, tokens, history, names, second_factor_on))
        })
        .await?;
    let history: Vec<Value> = history
        .iter()
        .rev()
        .map(|e| {
            let actor = e
                .actor_id
                .as_ref()
                .and_then(|id| names.get(id).map(|u| u.name.clone()))
                .unwrap_or_else(|| e.actor_type.clone());
            context! { at => instant(e.at), action => e.action, actor, details => e.details }
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
            second_factor_on,
            all_roles => role_names(),
        },
    )
}

/// The edit form of a user's page: name, roles, language.
pub(super) async fn edit_user(
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
        Err(Error::Refused(problem)) => {
            refuse(&req, BTreeMap::new(), Some(problem), typed(&fields));
            StatusCode::CONFLICT
        }
        Err(e) => return failure_page(&state, &req, Some(&user), e),
    };
    user_detail(&state, &req, &user, id, refused).await
}
