//! User administration (admin): who may sign in, with which roles, in which language.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;

use crate::auth::hash_password;
use crate::db::users::{self, Account, AccountChange, USER_SORTS, User, UserFilter};
use crate::domain::FieldErrors;
use crate::domain::passwords::{Owner, check_password};
use crate::domain::problem::Arg;
use crate::domain::users::{NewUser, Role, check_name, parse_roles};
use crate::error::Error;
use crate::http::AppState;
use crate::http::error::{ChangeErrors, ErrorBody, InputErrors, ReadErrors};
use crate::http::extract::list_query;
use crate::http::extract::{Admins, Authorized, JsonBody, ListPage, QueryParams, Window};
use crate::http::routes::ApiRoutes;

/// This resource's routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut ApiRoutes) {
    r.service(Admins, list);
    r.service(Admins, create);
    r.service(Admins, get);
    r.service(Admins, update);
}

list_query! {
    #[derive(Debug, Default)]
    pub struct UserQuery {
        /// Part of the name or the email.
        pub q: Option<String>,
        /// admin, hr, security or manager.
        pub role: Option<String>,
        /// active or inactive.
        pub status: Option<String>,
        /// name, email or created_at; `-` before it reverses the order.
        pub sort: Option<String>,
    }
}

impl UserQuery {
    /// The filter and the page asked for, checked.
    pub fn resolve(self) -> Result<(UserFilter, Window), Error> {
        let window = self.window();
        let mut errors = match &window {
            Err(Error::Validation(e)) => e.clone(),
            _ => FieldErrors::new(),
        };
        let role: Option<Role> = errors.optional("role", self.role);
        let active = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("active") => Some(true),
            Some("inactive") => Some(false),
            Some(other) => {
                errors.add(
                    "status",
                    crate::problem!("not_a_user_status", value = format!("{other:?}")),
                );
                None
            }
        };
        let sort = self.sort.filter(|s| !s.trim().is_empty());
        if let Some(s) = &sort
            && !USER_SORTS.contains(&s.trim_start_matches('-'))
        {
            errors.add(
                "sort",
                crate::problem!(
                    "not_one_of",
                    value = format!("{s:?}"),
                    what = Arg::key("what.user_sort"),
                    choices = USER_SORTS.join(", ")
                ),
            );
        }
        errors.finish()?;
        let filter = UserFilter {
            q: self.q,
            role,
            active,
            sort: sort.and_then(|s| s.parse().ok()),
        };
        Ok((filter, window?))
    }
}

/// Users, by name unless sorted otherwise.
#[utoipa::path(
    tag = "users",
    params(UserQuery),
    responses(
        (status = 200, body = ListPage<Account>),
        InputErrors
    )
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    _user: Authorized<Admins>,
    query: QueryParams<UserQuery>,
) -> Result<web::Json<ListPage<Account>>, Error> {
    let (filter, window) = query.0.resolve()?;
    let found = state
        .db(move |conn| Ok(users::list(conn, &filter, window)?))
        .await?;
    Ok(web::Json(window.page(found)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    /// At least one of admin, hr, security, manager.
    pub roles: Vec<String>,
    /// zh-CN (default) or en.
    pub language: Option<String>,
    /// Links the account to this employee (the person's manager role then covers their
    /// reports).
    pub employee_no: Option<String>,
    /// At least 12 characters, hard to guess, not the person's address or name; give it to the person, who signs in with it.
    pub password: String,
}

/// Creates an account: checks every field at once, then records it.
pub async fn add(state: &AppState, actor: &User, new: NewAccount) -> Result<Account, Error> {
    let roles: Vec<&str> = new.roles.iter().map(String::as_str).collect();
    let parsed = NewUser::parse(
        &new.email,
        &new.name,
        &roles,
        new.language.as_deref().filter(|l| !l.trim().is_empty()),
        new.employee_no.as_deref(),
    );
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    if let Err(message) = check_password(
        &new.password,
        Owner {
            email: &new.email,
            name: &new.name,
        },
    ) {
        errors.add("password", message);
    }
    errors.clone().finish()?;
    let parsed = parsed?;
    let password = new.password;
    let hash = web::block(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))??;
    let (actor, now) = (
        crate::domain::audit::Actor::User(actor.id.clone()),
        state.now(),
    );
    state
        .write(move |conn| {
            let user = users::create(conn, now, &actor, &parsed, Some(&hash))?;
            users::account(conn, &user.id)?.ok_or(Error::NotFound)
        })
        .await
}

/// Adds a user who signs in with the password given.
#[utoipa::path(
    tag = "users",
    request_body = NewAccount,
    responses(
        (status = 201, body = Account),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "a field is wrong, or the email is taken")
    )
)]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    user: Authorized<Admins>,
    body: JsonBody<NewAccount>,
) -> Result<HttpResponse, Error> {
    let account = add(&state, &user.0, body.0).await?;
    Ok(HttpResponse::Created().json(account))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AccountPatch {
    pub name: Option<String>,
    /// The whole new set of roles (at least one).
    pub roles: Option<Vec<String>>,
    /// zh-CN or en.
    pub language: Option<String>,
    /// false deactivates the account (it can no longer sign in, its tokens stop working);
    /// true reactivates it.
    pub active: Option<bool>,
}

impl AccountPatch {
    pub fn parse(self) -> Result<AccountChange, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.and_then(|n| errors.check("name", check_name(&n)));
        let roles = self.roles.and_then(|r| {
            let r: Vec<&str> = r.iter().map(String::as_str).collect();
            errors.check("roles", parse_roles(&r))
        });
        let language = errors.optional("language", self.language);
        errors.finish()?;
        Ok(AccountChange {
            name,
            roles,
            language,
            active: self.active,
        })
    }
}

/// Changes an account and records it.
pub async fn change(
    state: &AppState,
    actor: &User,
    id: String,
    patch: AccountPatch,
) -> Result<Account, Error> {
    let change = patch.parse()?;
    let (actor, now) = (actor.id.clone(), state.now());
    state
        .write(move |conn| users::change(conn, now, &actor, &id, &change))
        .await
}

/// One user.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Account),
        ReadErrors
    )
)]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    _user: Authorized<Admins>,
    id: web::Path<String>,
) -> Result<web::Json<Account>, Error> {
    let id = id.into_inner();
    let account = state
        .db(move |conn| Ok(users::account(conn, &id)?))
        .await?
        .ok_or(Error::NotFound)?;
    Ok(web::Json(account))
}

/// Changes a user's name, roles or language, or deactivates / reactivates them. An
/// administrator cannot remove their own admin role nor deactivate themselves (409).
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path)),
    request_body = AccountPatch,
    responses(
        (status = 200, body = Account),
        ChangeErrors,
        (status = 409, body = ErrorBody, description = "the change would lock the administrator out")
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    user: Authorized<Admins>,
    id: web::Path<String>,
    body: JsonBody<AccountPatch>,
) -> Result<web::Json<Account>, Error> {
    let account = change(&state, &user.0, id.into_inner(), body.0).await?;
    Ok(web::Json(account))
}
