//! The start page: one section for each role the signed-in user holds, each section's data
//! gathered by its own function.

use chrono::NaiveDate;
use minijinja::Value;

use crate::db::DbConnection;
use crate::db::users::User;
use crate::domain::users::Role;
use crate::error::Result;

/// What a role's section of the start page needs: its data, and the template that shows it.
pub struct Section {
    pub template: &'static str,
    pub data: Value,
}

/// The sections for this user, in a fixed order.
pub fn sections(conn: &mut DbConnection, user: &User, today: NaiveDate) -> Result<Vec<Section>> {
    let mut out = Vec::new();
    for role in &user.roles {
        let section = match role {
            Role::Hr => super::departures::hr_dashboard(conn, user, today)?,
            Role::Manager => super::departures::manager_dashboard(conn, user, today)?,
            Role::Security => super::security::dashboard(conn, user, today)?,
            Role::Admin => super::admin::dashboard(conn, user, today)?,
        };
        out.extend(section);
    }
    Ok(out)
}
