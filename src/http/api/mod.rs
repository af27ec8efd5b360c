//! The JSON API, one module a resource. Every handler is annotated for the OpenAPI document,
//! which is gathered from the very routes registered here.

pub mod audit;
pub mod breaches;
pub mod carriers;
pub mod clearance;
pub mod departures;
pub mod employees;
pub mod extensions;
pub mod noncompete;
pub mod obligations;
pub mod ops;
pub mod pledges;
pub mod policy;
pub mod reminders;
pub mod session;
pub mod users;

use actix_web::web;
use utoipa_actix_web::service_config::ServiceConfig;

use super::AppState;
use super::extract::{ListPage, Page, Window};
use crate::db::DbConnection;
use crate::db::employees::Scope;
use crate::db::users::User;
use crate::error::Error;

/// One page of a list that the caller's scope limits (a manager sees their reports' rows):
/// the steps every such list route takes, around the list's own query.
pub async fn scoped_page<T: Send + 'static>(
    state: &AppState,
    user: User,
    window: Window,
    list: impl FnOnce(&mut DbConnection, &Scope, Window) -> diesel::QueryResult<Page<T>>
    + Send
    + 'static,
) -> Result<web::Json<ListPage<T>>, Error> {
    let found = state
        .db(move |conn| {
            let scope = Scope::of(conn, &user)?;
            Ok(list(conn, &scope, window)?)
        })
        .await?;
    Ok(web::Json(window.page(found)))
}

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.route(
        "/openapi.json",
        actix_web::web::get().to(crate::http::openapi_document),
    )
    .service(session::sign_in)
    .service(session::sign_out)
    .service(session::me)
    .service(session::change_me)
    .service(session::create_token)
    .service(session::list_tokens)
    .service(session::revoke_token)
    .service(users::list)
    .service(users::create)
    .service(users::get)
    .service(users::update)
    .service(audit::list)
    .service(employees::import_csv)
    .service(employees::create)
    .service(employees::list)
    .service(employees::get)
    .service(employees::update)
    .service(employees::rehire)
    .service(clearance::propose)
    .service(clearance::review)
    .service(clearance::approve)
    .service(clearance::list)
    .service(clearance::history)
    .service(carriers::register)
    .service(carriers::list)
    .service(carriers::get)
    .service(carriers::assign)
    .service(carriers::transfer)
    .service(carriers::return_to_pool)
    .service(carriers::destroy)
    .service(pledges::add_text)
    .service(pledges::texts)
    .service(pledges::record)
    .service(pledges::of_employee)
    .service(pledges::missing)
    .service(departures::start)
    .service(departures::list)
    .service(departures::get)
    .service(departures::add_line)
    .service(departures::confirm)
    .service(departures::receive)
    .service(departures::complete)
    .service(obligations::list)
    .service(obligations::get)
    .service(noncompete::put_terms)
    .service(noncompete::pay)
    .service(noncompete::ledger)
    .service(noncompete::waive)
    .service(noncompete::rescind)
    .service(extensions::request)
    .service(extensions::approve)
    .service(extensions::list)
    .service(policy::get)
    .service(policy::replace)
    .service(reminders::list)
    .service(reminders::forecast)
    .service(reminders::get)
    .service(reminders::resend)
    .service(reminders::message)
    .service(reminders::jobs_list)
    .service(breaches::report)
    .service(breaches::report_publicly)
    .service(breaches::status)
    .service(breaches::add_information)
    .service(breaches::add_evidence_publicly)
    .service(breaches::list)
    .service(breaches::outcomes)
    .service(breaches::get)
    .service(breaches::change)
    .service(breaches::add_evidence)
    .service(breaches::evidence_file)
    .service(breaches::add_task)
    .service(breaches::my_tasks)
    .service(breaches::finish_task);
}
