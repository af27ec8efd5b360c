//! Names for ids, loaded in one query for a whole page (never one query a row): who the
//! employees and users in a list are.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::DbConnection;
use super::schema::{employees, obligations, users};
use crate::domain::obligations::{ObligationKind, ObligationStatus};

/// An employee as a list names them.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeName {
    pub employee_no: String,
    pub name: String,
}

/// A user as a list names them.
#[derive(Debug, Clone, Serialize)]
pub struct UserName {
    pub id: String,
    pub name: String,
    pub email: String,
}

fn unique(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Ids a query asks for at once: a page's in one query, a CSV of the whole register's in
/// one a few thousand (within both backends' limits on bound parameters).
const CHUNK: usize = 5000;

/// The employees with these ids, by id.
pub fn employees(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = String>,
) -> QueryResult<HashMap<String, EmployeeName>> {
    let mut found = HashMap::new();
    for chunk in unique(ids).chunks(CHUNK) {
        let rows: Vec<(String, String, String)> = employees::table
            .filter(employees::id.eq_any(chunk))
            .select((employees::id, employees::employee_no, employees::name))
            .load(conn)?;
        found.extend(
            rows.into_iter()
                .map(|(id, employee_no, name)| (id, EmployeeName { employee_no, name })),
        );
    }
    Ok(found)
}

/// The users with these ids, by id.
pub fn users(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = String>,
) -> QueryResult<HashMap<String, UserName>> {
    let mut found = HashMap::new();
    for chunk in unique(ids).chunks(CHUNK) {
        let rows: Vec<(String, String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name, users::email))
            .load(conn)?;
        found.extend(
            rows.into_iter()
                .map(|(id, name, email)| (id.clone(), UserName { id, name, email })),
        );
    }
    Ok(found)
}

/// Every active user, by name: whom a task can be given to.
pub fn active_users(conn: &mut DbConnection) -> QueryResult<Vec<UserName>> {
    let rows: Vec<(String, String, String)> = users::table
        .filter(users::active.eq(true))
        .order((users::name.asc(), users::email.asc()))
        .select((users::id, users::name, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email)| UserName { id, name, email })
        .collect())
}

/// An obligation as a list of extensions shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ObligationSummary {
    pub employee_id: String,
    pub kind: ObligationKind,
    pub ends_on: Option<chrono::NaiveDate>,
    pub status: ObligationStatus,
}

/// The obligations with these ids, by id.
pub fn obligations(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = String>,
) -> QueryResult<HashMap<String, ObligationSummary>> {
    let ids = unique(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    type Row = (
        String,
        String,
        ObligationKind,
        Option<chrono::NaiveDate>,
        ObligationStatus,
    );
    let rows: Vec<Row> = obligations::table
        .filter(obligations::id.eq_any(&ids))
        .select((
            obligations::id,
            obligations::employee_id,
            obligations::kind,
            obligations::ends_on,
            obligations::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, employee_id, kind, ends_on, status)| {
            (
                id,
                ObligationSummary {
                    employee_id,
                    kind,
                    ends_on,
                    status,
                },
            )
        })
        .collect())
}
