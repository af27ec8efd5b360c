//! Route registration that also lists: every module registers its routes through
//! [`PageRoutes`] or [`ApiRoutes`], which add each route to the service and, the same call,
//! to the route table with the role set it admits. The table ([`route_table`]) is made by
//! running the very functions that register, so a route cannot be registered without being
//! listed; the role matrix test reads it.

use actix_web::dev::HttpServiceFactory;
use actix_web::{FromRequest, Handler, Responder, Route, web};
use utoipa::openapi::path::HttpMethod;
use utoipa_actix_web::OpenApiFactory;
use utoipa_actix_web::service_config::ServiceConfig as ApiConfig;

use crate::domain::roles::RoleSet;
use crate::domain::users::Role;

/// The prefix of the JSON API.
pub const API_PREFIX: &str = "/api/v1";

/// Who a route lets past its role check: a [`RoleSet`] (the `Authorized<R>` the handler
/// takes, or the set a page's own form handler checks), [`SignedIn`] or [`Open`]. Given as a
/// value at registration (`r.get("/admin", Admins, page)`). The compiler does not tie it to
/// the handler's extractor (the API handlers are hidden behind their routing attribute); the
/// role matrix test does, checking it against the route's row and every answer.
pub trait Gate {
    /// The name the route table lists.
    const NAME: &'static str;
    /// The roles admitted; `None` when the route asks no role (anyone reaches the handler).
    const ROLES: Option<&'static [Role]>;
}

impl<R: RoleSet> Gate for R {
    const NAME: &'static str = R::NAME;
    const ROLES: Option<&'static [Role]> = Some(R::ROLES);
}

/// No role check before the handler: public pages, sign-in, links sent by email (the
/// handler checks the link), and pages that forward strangers to the sign-in page.
#[derive(Debug)]
pub struct Open;

impl Gate for Open {
    const NAME: &'static str = "Open";
    const ROLES: Option<&'static [Role]> = None;
}

/// Any signed-in user, whatever their roles (`CurrentUser`).
#[derive(Debug)]
pub struct SignedIn;

impl Gate for SignedIn {
    const NAME: &'static str = "SignedIn";
    const ROLES: Option<&'static [Role]> = Some(Role::ALL);
}

/// One route of the service: method, path as registered (with its prefix), and its gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: &'static str,
    pub path: String,
    /// The gate's name: a role set of `domain::roles`, `SignedIn` or `Open`.
    pub role_set: &'static str,
    pub roles: Option<&'static [Role]>,
    /// An operation of the OpenAPI document (the other routes are pages and the document).
    pub documented: bool,
}

impl RouteEntry {
    fn new<G: Gate>(method: &'static str, path: String) -> RouteEntry {
        RouteEntry {
            method,
            path,
            role_set: G::NAME,
            roles: G::ROLES,
            documented: false,
        }
    }
}

/// Registers page routes (when given the app's configuration) and lists them.
pub struct PageRoutes<'c> {
    cfg: Option<&'c mut web::ServiceConfig>,
    listed: Vec<RouteEntry>,
}

impl<'c> PageRoutes<'c> {
    pub fn registering(cfg: &'c mut web::ServiceConfig) -> Self {
        PageRoutes {
            cfg: Some(cfg),
            listed: Vec::new(),
        }
    }

    fn listing() -> Self {
        PageRoutes {
            cfg: None,
            listed: Vec::new(),
        }
    }

    pub fn get<G: Gate, F, Args>(&mut self, path: &'static str, gate: G, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add("GET", web::get(), path, gate, handler)
    }

    pub fn post<G: Gate, F, Args>(&mut self, path: &'static str, gate: G, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add("POST", web::post(), path, gate, handler)
    }

    fn add<G: Gate, F, Args>(
        &mut self,
        method: &'static str,
        route: Route,
        path: &'static str,
        _gate: G,
        handler: F,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, route.to(handler));
        }
        self.listed
            .push(RouteEntry::new::<G>(method, path.to_string()));
        self
    }
}

/// Registers API routes (annotated handlers, so the OpenAPI document describes them) under a
/// prefix, when given the app's configuration, and lists them.
pub struct ApiRoutes<'c, 's> {
    cfg: Option<&'c mut ApiConfig<'s>>,
    prefix: &'static str,
    listed: Vec<RouteEntry>,
}

impl<'c, 's> ApiRoutes<'c, 's> {
    pub fn registering(cfg: &'c mut ApiConfig<'s>, prefix: &'static str) -> Self {
        ApiRoutes {
            cfg: Some(cfg),
            prefix,
            listed: Vec::new(),
        }
    }

    fn listing(prefix: &'static str) -> Self {
        ApiRoutes {
            cfg: None,
            prefix,
            listed: Vec::new(),
        }
    }

    /// An operation of the OpenAPI document: its method and path are the ones its
    /// `#[utoipa::path]` and routing attribute give.
    pub fn service<G: Gate, F>(&mut self, _gate: G, operation: F) -> &mut Self
    where
        F: HttpServiceFactory + OpenApiFactory + utoipa::Path + 'static,
    {
        for method in F::methods() {
            let path = format!("{}{}", self.prefix, F::path());
            self.listed.push(RouteEntry {
                documented: true,
                ..RouteEntry::new::<G>(method_name(&method), path)
            });
        }
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.service(operation);
        }
        self
    }

    /// A GET route outside the OpenAPI document (the document itself).
    pub fn get<G: Gate, F, Args>(&mut self, path: &'static str, _gate: G, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, web::get().to(handler));
        }
        let path = format!("{}{path}", self.prefix);
        self.listed.push(RouteEntry::new::<G>("GET", path));
        self
    }
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

/// Every route the service registers, in the order it registers them: the operational
/// endpoints, the JSON API and the pages. Built by running the registering functions
/// without an app, so it cannot differ from what [`super::app`] serves.
pub fn route_table() -> Vec<RouteEntry> {
    let mut ops = ApiRoutes::listing("");
    super::api::ops::routes(&mut ops);
    let mut api = ApiRoutes::listing(API_PREFIX);
    super::api::routes(&mut api);
    let mut pages = PageRoutes::listing();
    super::web::routes(&mut pages);
    let mut table = ops.listed;
    table.extend(api.listed);
    table.extend(pages.listed);
    table
}
