//! `/admin` and `/admin/users/{id}`: the list of users (with its CSV), the "add a user" form,
//! and a user's page with their roles, API tokens and history, and its edit form.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::{Value, context};

use super::super::forms::{failure_page, holding, refuse};
use super::super::view::{instant, local};
use super::super::{lists, page_language, redirect, render_page};
use super::{Fields, done_redirect, field, typed};
use crate::db::audit;
use crate::db::users::{self, Account, User, UserFilter};
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::users::{AccountPatch, NewAccount, UserQuery};
use crate::http::extract::{Admins, Authorized, CsrfForm, MaybeUser, QueryParams};

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
                local(state.config.timezone, a.created_at),
            ]
        })
        .collect();
    Ok(lists::csv_file("users", &header, &rows))
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
    let (account, tokens, history, names) = state
        .db(move |conn| {
            let account = users::account(conn, &id)?.ok_or(Error::NotFound)?;
            let (tokens, _) = users::tokens_of(conn, &id, 0, 200)?;
            let history = audit::of_subject(conn, "user", &id)?;
            let actors: Vec<String> = history.iter().filter_map(|e| e.actor_id.clone()).collect();
            let names = crate::db::names::users(conn, actors)?;
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
        Err(Error::Conflict(message)) => {
            refuse(&req, BTreeMap::new(), Some(message.into()), typed(&fields));
            StatusCode::CONFLICT
        }
        Err(Error::Refused(problem)) => {
            refuse(&req, BTreeMap::new(), Some(problem), typed(&fields));
            StatusCode::CONFLICT
        }
        Err(e) => return failure_page(&state, &req, Some(&user), e),
    };
    user_detail(&state, &req, &user, id, refused).await
}
