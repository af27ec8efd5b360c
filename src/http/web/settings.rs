//! `/settings`: every staff user's own account, API tokens and calendar feed, with the forms
//! that make a new token or feed (shown once, so the answer is a page, not a redirect).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use minijinja::context;
use serde::Deserialize;

use super::forms::{failure_page, holding, refuse};
use super::{redirect, render_page};
use crate::db::users::{self, User};
use crate::domain::users::Role;
use crate::error::Error;
use crate::http::AppState;
use crate::http::api::my_sessions::live_sessions;
use crate::http::api::session::{CreatedToken, new_token};
use crate::http::extract::{AnyRole, Authorized, CsrfForm, MaybeUser};
use crate::http::routes::{Open, PageRoutes};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/settings", AnyRole, settings_page);
    r.get("/settings/tokens", Open, || async { redirect("/settings") });
    r.post("/settings/tokens", AnyRole, create_token);
    r.get("/settings/calendar", Open, || async {
        redirect("/settings")
    });
    r.post("/settings/calendar", AnyRole, create_feed);
}

/// What the page shows once, after the form that made it.
enum Shown {
    Nothing,
    Token(CreatedToken),
    /// A new calendar feed's private address.
    Feed(String),
}

async fn settings_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
) -> Result<HttpResponse, Error> {
    settings_view(&state, &req, &user.0, Shown::Nothing, StatusCode::OK).await
}

/// A new calendar feed, its address shown once on the page this answers with.
async fn create_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: Authorized<AnyRole>,
    _form: CsrfForm<BTreeMap<String, String>>,
) -> Result<HttpResponse, Error> {
    let (now, me) = (state.now(), user.0.clone());
    let token = state
        .write(move |tx| crate::db::calendar::create(tx, now, &me))
        .await?;
    let url = crate::http::api::calendar::feed_url(&state, &token);
    settings_view(&state, &req, &user.0, Shown::Feed(url), StatusCode::CREATED).await
}

async fn settings_view(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let sessions = live_sessions(state, req, &user.id).await?;
    let second_factor_on = crate::http::second_factor::enrolled(state, &user.id).await?;
    let id = user.id.clone();
    let (tokens, feed) = state
        .db(move |conn| {
            let tokens = users::tokens_of(conn, &id, crate::db::listing::Window::top(200))?.rows;
            Ok((tokens, crate::db::calendar::feed_of(conn, &id)?))
        })
        .await?;
    let rfc3339 = |at: chrono::NaiveDateTime| at.and_utc().to_rfc3339();
    let (created, feed_url) = match shown {
        Shown::Nothing => (None, None),
        Shown::Token(c) => (Some(context! { id => c.id, token => c.token }), None),
        Shown::Feed(url) => (None, Some(url)),
    };
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
            sessions,
            token_days_max => state.config.api_token_days,
            second_factor_on,
            created,
            feed_url,
            feed => context! {
                active => feed.is_some(),
                created_at => feed.map(|(at, _)| rfc3339(at)),
                last_used_at => feed.and_then(|(_, at)| at).map(rfc3339),
            },
        },
    )
}

#[derive(Deserialize)]
struct TokenForm {
    /// The token's name (not `name`, which the page's other form uses for the person's).
    #[serde(default)]
    token_name: String,
    /// Days the token lasts; empty is the longest allowed.
    #[serde(default)]
    expires_in_days: String,
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
    let TokenForm {
        token_name: name,
        expires_in_days: typed_days,
    } = form.0;
    let days = match typed_days.trim() {
        "" => None,
        typed => match typed.parse::<i64>() {
            Ok(days) => Some(days),
            Err(_) => {
                refuse(
                    &req,
                    BTreeMap::from([(
                        "expires_in_days".into(),
                        crate::problem!("not_a_whole_number"),
                    )]),
                    None,
                    BTreeMap::from([
                        ("token_name".into(), name),
                        ("expires_in_days".into(), typed_days),
                    ]),
                );
                return settings_view(
                    &state,
                    &req,
                    &user,
                    Shown::Nothing,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    match new_token(&state, user.clone(), &name, days).await {
        Ok(created) => {
            settings_view(
                &state,
                &req,
                &user,
                Shown::Token(created),
                StatusCode::CREATED,
            )
            .await
        }
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
                BTreeMap::from([
                    ("token_name".into(), name),
                    ("expires_in_days".into(), typed_days),
                ]),
            );
            settings_view(
                &state,
                &req,
                &user,
                Shown::Nothing,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failure_page(&state, &req, Some(&user), e),
    }
}
