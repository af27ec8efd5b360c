//! Pages of this area (to be written).

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}

/// The security officer's section of the start page.
pub fn dashboard(
    _conn: &mut crate::db::DbConnection,
    _user: &crate::db::users::User,
    _today: chrono::NaiveDate,
) -> crate::error::Result<Option<super::dashboard::Section>> {
    Ok(None)
}
