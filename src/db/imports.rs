//! The progress rows of imports that write: one a file, counting its rows written batch by
//! batch, so the import page shows how far a large file has got.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{imports, users};
use super::{DbConnection, WriteTx, stored_instant};
use crate::domain::import::ImportState;

/// An import as the import page shows it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ImportProgress {
    pub id: String,
    pub state: ImportState,
    pub total: i32,
    pub done: i32,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    pub started_at: chrono::NaiveDateTime,
    /// Who uploaded the file; none for the command line.
    pub started_by: Option<String>,
}

/// Opens the progress row of an import about to write `total` rows.
pub fn start(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    started_by: Option<&str>,
    total: usize,
) -> QueryResult<()> {
    let at = stored_instant(now);
    diesel::insert_into(imports::table)
        .values((
            imports::id.eq(id),
            imports::started_by.eq(started_by),
            imports::state.eq(ImportState::Running),
            imports::total.eq(total as i32),
            imports::done.eq(0),
            imports::started_at.eq(at),
            imports::updated_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Counts the rows written so far, in the transaction of the batch that wrote them.
pub fn advance(tx: &mut WriteTx, now: DateTime<Utc>, id: &str, done: usize) -> QueryResult<()> {
    diesel::update(imports::table.find(id))
        .set((
            imports::done.eq(done as i32),
            imports::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    Ok(())
}

pub fn finish(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    state: ImportState,
) -> QueryResult<()> {
    let at = stored_instant(now);
    diesel::update(imports::table.find(id))
        .set((
            imports::state.eq(state),
            imports::updated_at.eq(at),
            imports::finished_at.eq(at),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// The latest imports, newest first, with the name of who started each.
pub fn recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<ImportProgress>> {
    imports::table
        .left_join(users::table)
        .order((imports::started_at.desc(), imports::id.desc()))
        .limit(limit)
        .select((
            imports::id,
            imports::state,
            imports::total,
            imports::done,
            imports::started_at,
            users::name.nullable(),
        ))
        .load(conn)
}
