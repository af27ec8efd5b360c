//! The HTTP face: the JSON API under `/api/v1` (described by the OpenAPI document it serves),
//! the HTML pages, and the operational endpoints.

pub mod api;
pub mod error;
pub mod extract;
pub mod limits;
pub mod observe;
pub mod redirect;
pub mod routes;
pub mod second_factor;
pub mod session;
pub mod web;

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::cookie::Key;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, Error as ActixError, HttpRequest, HttpResponse, web as aweb};
use chrono::{DateTime, Utc};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use routes::{API_PREFIX, ApiRoutes, PageRoutes};
pub use routes::{RouteEntry, route_table};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::throttles::Throttle;
use crate::db::{DbConnection, DbPool, WriteTx};
use crate::error::{Error, Result};

/// What every handler can reach.
pub struct AppState {
    pub config: Config,
    pub pool: DbPool,
    pub clock: SharedClock,
    pub cookie_key: Key,
    /// Signs and checks the links sent by email (acknowledgements).
    pub links: crate::auth::LinkSigner,
    /// Set once the database is reachable and migrated.
    pub ready: AtomicBool,
    /// Failed sign-ins by account (email as typed, lower-cased).
    pub signin_by_account: Throttle,
    /// Failed sign-ins by client address.
    pub signin_by_address: Throttle,
    /// Requests for a fresh acknowledgement link, by email asked for and by client address.
    pub link_requests_by_email: Throttle,
    pub link_requests_by_address: Throttle,
    /// Password reset emails asked for ("forgot password?"), by address and by client.
    pub resets_by_email: Throttle,
    pub resets_by_address: Throttle,
    /// Reports without an account, by client address.
    pub public_reports: Throttle,
    /// Wrong case codes or secrets, by client address.
    pub case_guesses: Throttle,
    pub metrics: observe::Metrics,
    pub pages: web::Pages,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs blocking database work off the async runtime, with a pooled connection.
    /// Answers 503 while the database is unreachable or not yet migrated.
    pub async fn db<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
    {
        if !self.ready.load(Ordering::Acquire) {
            return Err(Error::Unavailable("the database is not ready yet".into()));
        }
        let pool = self.pool.clone();
        aweb::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Runs a change in one write transaction ([`crate::db::write_tx`]), off the async
    /// runtime as [`AppState::db`]: what every handler that writes does. The closure's
    /// argument is whatever the write transaction hands it.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut WriteTx) -> Result<T> + Send + 'static,
    {
        self.db(move |conn| crate::db::write_tx(conn, f)).await
    }

    /// Seconds the key must still wait under the throttle, if it is locked.
    pub async fn throttle_wait(&self, throttle: Throttle, key: &str) -> Result<Option<u64>> {
        let (key, now) = (key.to_string(), self.now());
        self.db(move |conn| Ok(throttle.retry_after(conn, &key, now)?))
            .await
    }

    /// Counts a failure of the key under the throttle.
    pub async fn throttle_failed(&self, throttle: Throttle, key: &str) -> Result<()> {
        let (key, now) = (key.to_string(), self.now());
        self.write(move |tx| Ok(throttle.fail(tx, &key, now)?))
            .await
    }

    /// Counts an attempt of the key under the throttle unless it is locked (then 429 with
    /// the seconds to wait), checked and counted at once.
    pub async fn throttle_take(&self, throttle: Throttle, key: &str) -> Result<()> {
        let (key, now) = (key.to_string(), self.now());
        match self
            .write(move |tx| Ok(throttle.take(tx, &key, now)?))
            .await?
        {
            Some(seconds) => Err(crate::error::Error::Throttled(seconds)),
            None => Ok(()),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tuomi",
        description = "Confidentiality duties around a departure: people, clearance tiers, \
                       departures, obligations, reminders and breaches."
    ),
    components(schemas(error::ErrorBody)),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // `/metrics` on the main address: the `metrics_token` setting, not a user's token.
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(session::SESSION_COOKIE))),
        );
    }
}

/// The whole application, for `HttpServer::new` and for tests.
pub fn app(
    state: aweb::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = ActixError,
        InitError = (),
    >,
> {
    let https = state.config.secure_cookies();
    let (app, mut openapi) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(aweb::PayloadConfig::new(extract::JSON_LIMIT))
        .configure(|cfg| api::ops::routes(&mut ApiRoutes::registering(cfg, "")))
        .service(
            utoipa_actix_web::scope(API_PREFIX)
                .configure(|cfg| api::routes(&mut ApiRoutes::registering(cfg, API_PREFIX))),
        )
        .split_for_parts();
    document_gates(&mut openapi);
    document_body_errors(&mut openapi);
    let openapi = aweb::Data::new(openapi);
    let mut headers = DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"));
    if https {
        headers = headers.add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    }
    app.app_data(openapi)
        .configure(|cfg| web::routes(&mut PageRoutes::registering(cfg)))
        .default_service(aweb::to(not_found))
        .wrap(from_fn(web::forms::bridge))
        .wrap(from_fn(limits::body_deadline))
        .wrap(headers)
        .wrap(from_fn(observe::observe))
}

/// Adds to every operation what its route's gate answers before the handler runs: a route
/// that asks who is calling ([`routes::Gate`], all but `Open`) takes a session or a bearer
/// token, and answers 401 to a stranger. So no annotation repeats or forgets them.
fn document_gates(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    let no_scopes: [&str; 0] = [];
    for route in route_table() {
        if !route.documented || route.roles.is_none() {
            continue;
        }
        let Some(operation) = openapi
            .paths
            .paths
            .get_mut(&route.path)
            .and_then(|item| operation_mut(item, route.method))
        else {
            continue;
        };
        operation.security = Some(vec![
            SecurityRequirement::new("session", no_scopes),
            SecurityRequirement::new("bearer", no_scopes),
        ]);
        operation
            .responses
            .responses
            .entry("401".to_string())
            .or_insert(error::documented("").into());
    }
}

fn operation_mut<'i>(
    item: &'i mut utoipa::openapi::PathItem,
    method: &str,
) -> Option<&'i mut utoipa::openapi::path::Operation> {
    match method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "DELETE" => item.delete.as_mut(),
        _ => None,
    }
}

/// Adds to every operation that takes a JSON body what [`extract::JsonBody`] answers before the
/// handler runs: 400 (not JSON), 413 (over [`extract::JSON_LIMIT`]) and 415 (not sent as
/// `application/json`), so that no annotation can forget them.
fn document_body_errors(openapi: &mut utoipa::openapi::OpenApi) {
    let answers = [
        ("400", "the body is not JSON"),
        ("413", "the body is larger than 256 KiB"),
        ("415", "the body is not sent as application/json"),
    ];
    for item in openapi.paths.paths.values_mut() {
        let operations = [
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let takes_json = operation
                .request_body
                .as_ref()
                .is_some_and(|body| body.content.contains_key("application/json"));
            if !takes_json {
                continue;
            }
            for (status, description) in answers {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert(error::documented(description).into());
            }
        }
    }
}

/// The OpenAPI document, gathered from the routes themselves (registered in [`api::routes`]).
pub async fn openapi_document(doc: aweb::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    if req.path().starts_with("/api/") {
        Error::NotFound.error_response()
    } else {
        // Signed in, the page speaks the reader's language and keeps their menu.
        let user = extract::current_user(req.clone()).await.ok().flatten();
        web::not_found_page(&req, user.as_ref())
    }
}
