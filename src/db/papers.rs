//! Papers signed by hand and their scans: the printed exit notice signed at the exit
//! interview, and (through `pledges`) a pledge signed on paper. A scan is stored like a case's
//! evidence — its bytes, type and SHA-256 — and read by HR and security only.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::schema::{departures, paper_scans};
use crate::db::{DbConnection, Locked, WriteTx, audit, lock_row, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::departures::DepartureStatus;
use crate::domain::papers::{may_date_signed_exit_notice, scan_type};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = paper_scans)]
pub struct Scan {
    pub id: String,
    pub employee_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_by: String,
    pub added_at: NaiveDateTime,
}

/// Keeps the scan of a paper `employee_id` signed, typed by its content (PDF, JPEG or PNG;
/// anything else is refused on `file`), with its SHA-256. The caller audits what it proves.
pub fn store_scan(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    employee_id: &str,
    by: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<Scan> {
    let id = crate::db::files::store_file(file_name, bytes, scan_type, |f| {
        diesel::insert_into(paper_scans::table)
            .values((
                paper_scans::id.eq(&f.id),
                paper_scans::employee_id.eq(employee_id),
                paper_scans::file_name.eq(&f.file_name),
                paper_scans::content_type.eq(f.content_type),
                paper_scans::size.eq(f.size),
                paper_scans::sha256.eq(&f.sha256),
                paper_scans::bytes.eq(f.bytes),
                paper_scans::added_by.eq(by),
                paper_scans::added_at.eq(stored_instant(now)),
            ))
            .execute(tx.conn())?;
        Ok(f.id.clone())
    })?;
    Ok(paper_scans::table
        .find(&id)
        .select(Scan::as_select())
        .first(tx.conn())?)
}

/// A scan's facts, without its bytes.
pub fn scan(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Scan>> {
    paper_scans::table
        .find(id)
        .select(Scan::as_select())
        .first(conn)
        .optional()
}

/// A scan with its bytes.
pub fn scan_file(conn: &mut DbConnection, id: &str) -> QueryResult<Option<(Scan, Vec<u8>)>> {
    paper_scans::table
        .find(id)
        .select((Scan::as_select(), paper_scans::bytes))
        .first(conn)
        .optional()
}

/// HR records that the person signed the printed exit notice on `signed_on`, with its scan:
/// dated from the notice to today (`today`, company date); a later record replaces the
/// earlier one, both kept in the history.
pub fn record_signed_exit_notice(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    by: &str,
    departure_id: &str,
    signed_on: NaiveDate,
    file: Option<(String, Vec<u8>)>,
) -> Result<Scan> {
    lock_row(tx, Locked::Departure, departure_id)?;
    let departure = crate::db::departures::find(tx, departure_id)?;
    may_date_signed_exit_notice(signed_on, departure.notice_date, today)
        .map_err(|m| Error::field("signed_on", m))?;
    let Some((name, bytes)) = file else {
        return Err(Error::field("file", crate::problem!("scan_required")));
    };
    let scan = store_scan(tx, now, &departure.employee_id, by, &name, &bytes)?;
    diesel::update(departures::table.find(departure_id))
        .set((
            departures::exit_notice_signed_on.eq(signed_on),
            departures::exit_notice_scan_id.eq(&scan.id),
            departures::exit_notice_recorded_by.eq(by),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(by.to_string()),
            action: "departure.exit_notice_signed",
            subject_type: "departure",
            subject_id: departure_id,
            details: json!({
                "signed_on": signed_on, "scan_id": scan.id, "sha256": scan.sha256,
                "size": scan.size, "completed": departure.status == DepartureStatus::Completed,
            }),
        },
    )?;
    Ok(scan)
}

/// HR records a pledge signed on paper with its scan: the text signed, the day (not after
/// `today`, company date) and the file; the pledge is recorded as signed on paper (its scan
/// reference the file's name) and keeps the scan. Audited with the scan's SHA-256.
#[allow(clippy::too_many_arguments)]
pub fn record_paper_pledge(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    by: &str,
    employee_id: &str,
    pledge_text_id: &str,
    signed_on: NaiveDate,
    file: Option<(String, Vec<u8>)>,
) -> Result<crate::db::pledges::Pledge> {
    use crate::db::schema::pledges;
    use crate::domain::pledges::{Signature, SigningMethod};
    lock_row(tx, Locked::Employee, employee_id)?;
    if signed_on > today {
        return Err(Error::field(
            "signed_on",
            crate::problem!("signed_in_the_future"),
        ));
    }
    let Some((name, bytes)) = file else {
        return Err(Error::field("file", crate::problem!("scan_required")));
    };
    let scan = store_scan(tx, now, employee_id, by, &name, &bytes)?;
    let signature = Signature {
        method: SigningMethod::Paper,
        signed_on,
        typed_name: None,
        scan_ref: Some(if scan.file_name.is_empty() {
            scan.sha256.clone()
        } else {
            scan.file_name.clone()
        }),
        refusal_reason: None,
    };
    let pledge = crate::db::pledges::record(tx, now, by, employee_id, pledge_text_id, &signature)?;
    diesel::update(pledges::table.find(&pledge.id))
        .set(pledges::scan_id.eq(&scan.id))
        .execute(tx.conn())?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(by.to_string()),
            action: "pledge.scan_kept",
            subject_type: "employee",
            subject_id: employee_id,
            details: json!({
                "pledge_id": pledge.id, "scan_id": scan.id, "sha256": scan.sha256,
                "size": scan.size,
            }),
        },
    )?;
    Ok(crate::db::pledges::Pledge {
        scan_id: Some(scan.id),
        ..pledge
    })
}
