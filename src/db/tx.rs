//! The write transaction, as a type. Only [`write_tx`] makes a [`WriteTx`], and every function
//! that writes takes one (or opens its own), so "call this inside a write
//! transaction" is checked by the compiler instead of said in a comment.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

use super::DbConnection;

/// How long a writer waits for SQLite's write lock before the write fails as busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Held by the thread whose SQLite write transaction is open. SQLite admits one writer at a
/// time and makes the others poll with growing sleeps (1, 2, 5, 10… ms); waiting here instead
/// hands the turn over as soon as the writer commits (senders and requests of one process).
/// Re-entrant, so a nested write fails in SQLite as before instead of waiting on itself; and
/// waited for no longer than SQLite's own busy timeout.
static SQLITE_WRITER: parking_lot::ReentrantMutex<()> = parking_lot::const_reentrant_mutex(());

/// An open write transaction on a connection. It reads like the connection (it derefs to
/// it, so every reading function takes it as it is); diesel's statements take
/// [`WriteTx::conn`].
pub struct WriteTx<'c> {
    conn: &'c mut DbConnection,
}

impl WriteTx<'_> {
    /// The connection, for a statement inside the transaction.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }
}

impl Deref for WriteTx<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// Runs `f` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that
/// reads before it writes takes the write lock up front instead of failing to upgrade later.
pub fn write_tx<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut WriteTx) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let _turn = match conn {
        DbConnection::Sqlite(c) => {
            let turn = SQLITE_WRITER.try_lock_for(BUSY_TIMEOUT).ok_or_else(|| {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::Unknown,
                    Box::new("database is locked".to_string()),
                )
            })?;
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            Some(turn)
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    type Tm = <DbConnection as Connection>::TransactionManager;
    match f(&mut WriteTx { conn }) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            Tm::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Tables whose rows are read, checked and changed in one transaction.
#[derive(Debug, Clone, Copy)]
pub enum Locked {
    Breach,
    Carrier,
    ClearanceChange,
    Departure,
    Employee,
    Extension,
    Obligation,
    Trip,
    TravelDocument,
}

/// Holds a named sequence (as the handover registers' numbers) until the transaction ends, so
/// two writers never take the same next number. PostgreSQL: a transaction-level advisory lock
/// on the name's hash; SQLite: the write transaction already holds the database's write lock.
pub fn lock_sequence(tx: &mut WriteTx, name: &str) -> QueryResult<()> {
    if let DbConnection::Pg(c) = tx.conn() {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(name)
            .execute(c)?;
    }
    Ok(())
}

/// Locks a row until the transaction ends, before it is read, checked and changed, so two
/// concurrent requests cannot both pass the check. On PostgreSQL it is `SELECT … FOR UPDATE`
/// (the second writer waits, then reads the new state); on SQLite the write transaction
/// ([`write_tx`]) already holds the database's write lock.
pub fn lock_row(tx: &mut WriteTx, row: Locked, id: &str) -> QueryResult<()> {
    let table = match row {
        Locked::Breach => "breach_cases",
        Locked::Carrier => "carriers",
        Locked::ClearanceChange => "clearance_changes",
        Locked::Departure => "departures",
        Locked::Employee => "employees",
        Locked::Extension => "obligation_extensions",
        Locked::Obligation => "obligations",
        Locked::Trip => "trips",
        Locked::TravelDocument => "travel_documents",
    };
    if let DbConnection::Pg(c) = tx.conn() {
        diesel::sql_query(format!("SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE"))
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(c)?;
    }
    Ok(())
}
