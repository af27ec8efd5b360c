//! What a browser form left for the next page: kept in the database (not a cookie) so that a
//! long text typed into a form that failed validation comes back whole, whichever instance
//! serves the next page.

use crate::db::WriteTx;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::schema::flashes;
use super::stored_instant;

/// How long a flash waits for its page.
const KEEP_MINUTES: i64 = 60;

/// Keeps `data` for the next page; returns its id. Removes flashes nobody came back for.
pub fn put(tx: &mut WriteTx, now: DateTime<Utc>, data: &str) -> QueryResult<String> {
    let id = crate::auth::random_token("flash");
    diesel::delete(
        flashes::table
            .filter(flashes::created_at.lt(stored_instant(now - Duration::minutes(KEEP_MINUTES)))),
    )
    .execute(tx.conn())?;
    diesel::insert_into(flashes::table)
        .values((
            flashes::id.eq(&id),
            flashes::created_at.eq(stored_instant(now)),
            flashes::data.eq(data),
        ))
        .execute(tx.conn())?;
    Ok(id)
}

/// The flash with this id, removed as it is read (a page shows it once).
pub fn take(tx: &mut WriteTx, id: &str) -> QueryResult<Option<String>> {
    let data = flashes::table
        .find(id)
        .select(flashes::data)
        .first::<String>(tx.conn())
        .optional()?;
    if data.is_some() {
        diesel::delete(flashes::table.find(id)).execute(tx.conn())?;
    }
    Ok(data)
}
