//! The books of every running non-compete at once: what each owes and what was paid, read in
//! a few statements whatever their number (the start page, the digest, the calendar).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::ledger::{OwedRow, owed_from, term};
use crate::db::DbConnection;
use crate::db::obligations::Obligation;
use crate::db::schema::{
    non_compete_agreements, non_compete_ledgers, non_compete_payments, obligations,
};
use crate::domain::noncompete::{Book, Paid, ledger};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::error::Result;

/// The running non-competes' books on `today`, for the overview, the digest and the calendar:
/// each with its obligation.
pub fn running_books(conn: &mut DbConnection, today: NaiveDate) -> Result<Vec<(Obligation, Book)>> {
    use std::collections::HashMap;
    let running: Vec<Obligation> = obligations::table
        .filter(obligations::status.eq(ObligationStatus::Active))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .order(obligations::starts_on.asc())
        .select(Obligation::as_select())
        .load(conn)?;
    // What each owes and what was paid, read for all of them at once (a few statements for
    // any number of running non-competes), in chunks that stay under SQLite's bound values.
    let mut kept: HashMap<String, OwedRow> = HashMap::new();
    let mut paid: HashMap<String, Vec<Paid>> = HashMap::new();
    for chunk in running.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|o| o.id.as_str()).collect();
        let rows: Vec<(String, OwedRow)> = non_compete_ledgers::table
            .filter(non_compete_ledgers::obligation_id.eq_any(&ids))
            .select((non_compete_ledgers::obligation_id, OwedRow::as_select()))
            .load(conn)?;
        kept.extend(rows);
        let payments: Vec<(String, i32, i64)> = non_compete_payments::table
            .filter(non_compete_payments::obligation_id.eq_any(&ids))
            .filter(non_compete_payments::reversed_at.is_null())
            .select((
                non_compete_payments::obligation_id,
                non_compete_payments::term_month,
                non_compete_payments::amount,
            ))
            .load(conn)?;
        for (id, line, amount) in payments {
            paid.entry(id).or_default().push(Paid {
                line: u32::try_from(line).unwrap_or(0),
                amount,
            });
        }
    }
    // For those made before their ledger was kept: the agreements and the policy.
    let without: Vec<&str> = running
        .iter()
        .filter(|o| !kept.contains_key(&o.id))
        .map(|o| o.employee_id.as_str())
        .collect();
    let mut agreements: HashMap<String, super::Agreement> = HashMap::new();
    for chunk in without.chunks(500) {
        let found: Vec<super::Agreement> = non_compete_agreements::table
            .filter(non_compete_agreements::employee_id.eq_any(chunk))
            .select(super::Agreement::as_select())
            .load(conn)?;
        agreements.extend(found.into_iter().map(|a| (a.employee_id.clone(), a)));
    }
    let policy = if without.is_empty() {
        None
    } else {
        Some(crate::db::policy::current(conn)?.1)
    };
    let mut books = Vec::with_capacity(running.len());
    for o in running {
        let row = kept.remove(&o.id);
        let agreement = agreements.get(&o.employee_id).cloned();
        let (owed, _) = owed_from(&o, row, agreement, policy.as_ref());
        let paid = paid.remove(&o.id).unwrap_or_default();
        let book = ledger(term(&o), &owed, &paid, today);
        books.push((o, book));
    }
    Ok(books)
}
