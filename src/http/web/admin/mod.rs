//! The administrator's pages — users (list, add, edit, deactivate, their API tokens), the
//! policy, the pledge texts — and the administrator's section of the start page. Every staff
//! user's own settings are in `super::settings`.
//!
//! Most actions are forms posted to the JSON API through the form layer. Two forms have a
//! handler here, each calling the same function as its API route: a user's roles (one tick
//! box per role, which the form layer cannot turn into the API's list) and the policy (flat
//! fields that become the API's nested document).

mod identity;
mod period_settings;
mod pledge_texts;
mod policy;
mod users;

use std::collections::{BTreeMap, HashMap};

use actix_web::HttpResponse;
use minijinja::{Value, context};

use super::forms::Flash;
use crate::db::audit;
use crate::db::jobs;
use crate::db::users::User;
use crate::domain::roles::{Admins, Overseers};
use crate::domain::users::Role;
use crate::http::AppState;
use crate::http::routes::{Open, PageRoutes};

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/admin", Admins, users::users_page);
    r.get("/admin/users", Open, users::to_users_page);
    r.post("/admin/users", Admins, users::add_user);
    r.get("/admin/users/{id}", Admins, users::user_page);
    r.post("/admin/users/{id}", Admins, users::edit_user);
    r.get("/admin/policy", Overseers, policy::policy_page);
    r.post("/admin/policy", Admins, policy::save_policy);
    r.get(
        "/admin/pledge-texts",
        Overseers,
        pledge_texts::pledge_texts_page,
    );
}

/// The administrator's section of the start page.
pub fn dashboard(
    conn: &mut crate::db::DbConnection,
    _user: &User,
    _today: chrono::NaiveDate,
) -> crate::error::Result<Option<super::dashboard::Section>> {
    let (by_role, inactive) = crate::db::users::role_counts(conn)?;
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
    // Not an outage (readiness stays green), but emails go out unsigned until it is set.
    let identity_missing = crate::db::policy::identity(conn)?.identity.missing();
    Ok(Some(super::dashboard::Section {
        template: "admin_dashboard.html",
        data: context! {
            roles,
            inactive,
            failed_jobs,
            audit_events,
            identity_missing,
            version => env!("CARGO_PKG_VERSION"),
        },
    }))
}

// ---------------------------------------------------------------------------------------------
// What the administrator's pages share.

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

/// After a form of these pages succeeded: on to `to`, which says `done.<done>` once.
async fn done_redirect(state: &AppState, to: &str, done: &str) -> HttpResponse {
    let flash = Flash {
        done: Some(done.to_string()),
        ..Flash::default()
    };
    super::forms::redirect_with(state, to, &flash).await
}
