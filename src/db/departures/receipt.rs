//! The successor's receipt: everything of one departure handed over to the same successor,
//! as one email and one page list it.

use diesel::prelude::*;

use super::{DepartureLine, find};
use crate::db::DbConnection;
use crate::db::employees::{self, Employee};
use crate::db::schema::departure_lines;
use crate::domain::departures::LineStatus;
use crate::error::{Error, Result};

/// What one successor received from one departing person.
pub struct Handover {
    pub departure_id: String,
    pub leaver: String,
    pub successor: Employee,
    /// Each line handed over to the successor, with its carrier's classification (密级).
    pub lines: Vec<(DepartureLine, Option<String>)>,
}

/// The handover a line belongs to: every line of its departure handed over to the same
/// successor (signed for or not). None when the line or its successor is unknown.
pub fn handover_of_line(conn: &mut DbConnection, line_id: &str) -> Result<Option<Handover>> {
    let Some(line) = departure_lines::table
        .find(line_id)
        .select(DepartureLine::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let Some(successor_id) = line.handed_to_id.clone() else {
        return Ok(None);
    };
    handover(conn, &line.departure_id, &successor_id)
}

/// Every line of the departure handed over to this successor.
pub fn handover(
    conn: &mut DbConnection,
    departure_id: &str,
    successor_id: &str,
) -> Result<Option<Handover>> {
    let departure = find(conn, departure_id)?;
    let leaver = employees::find(conn, &departure.employee_id)?.ok_or(Error::NotFound)?;
    let Some(successor) = employees::find(conn, successor_id)? else {
        return Ok(None);
    };
    let lines: Vec<DepartureLine> = departure_lines::table
        .filter(departure_lines::departure_id.eq(departure_id))
        .filter(departure_lines::handed_to_id.eq(successor_id))
        .filter(departure_lines::status.eq(LineStatus::HandedOver))
        .order(departure_lines::position.asc())
        .select(DepartureLine::as_select())
        .load(conn)?;
    let carriers: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.carrier_id.as_deref())
        .collect();
    let classes = super::classifications_of(conn, &carriers)?;
    let lines = lines
        .into_iter()
        .map(|l| {
            let class = l.carrier_id.as_ref().and_then(|c| classes.get(c).cloned());
            (l, class)
        })
        .collect();
    Ok(Some(Handover {
        departure_id: departure.id,
        leaver: leaver.name,
        successor,
        lines,
    }))
}

/// The successor says a line is not as described (with a note): the line is open again for
/// the manager to confirm anew (it keeps whom it was handed to), the note on it, and the
/// history names the successor.
pub fn dispute(
    tx: &mut crate::db::WriteTx,
    now: chrono::DateTime<chrono::Utc>,
    departure_id: &str,
    line_id: &str,
    note: &str,
) -> Result<()> {
    use crate::domain::audit::{Actor, NewEvent};
    crate::db::lock_row(tx, crate::db::Locked::Departure, departure_id)?;
    let departure = find(tx, departure_id)?;
    let line: DepartureLine = departure_lines::table
        .filter(departure_lines::departure_id.eq(departure_id))
        .filter(departure_lines::id.eq(line_id))
        .select(DepartureLine::as_select())
        .first(tx.conn())
        .optional()?
        .ok_or(Error::NotFound)?;
    let successor_id = line.handed_to_id.clone().unwrap_or_default();
    crate::domain::departures::receive(&crate::domain::departures::Receipt {
        by_link: true,
        by_the_successor: false,
        departure: departure.status,
        line: line.status,
        received: line.received_at.is_some(),
        successor_known: employees::find(tx, &successor_id)?.is_some(),
    })?;
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::field(
            "note",
            crate::problem!("handover_dispute_note"),
        ));
    }
    diesel::update(departure_lines::table.find(line_id))
        .set((
            departure_lines::status.eq(LineStatus::Open),
            departure_lines::counted.eq(None::<i32>),
            departure_lines::note.eq(note),
            departure_lines::confirmed_by.eq(None::<String>),
            departure_lines::confirmed_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(tx.conn())?;
    let event = crate::db::audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::Employee(successor_id.clone()),
            action: "departure.handover_disputed",
            subject_type: "departure",
            subject_id: departure_id,
            details: serde_json::json!({
                "line_id": line_id, "title": line.title.zh, "title_en": line.title.en,
                "successor_id": successor_id, "note": note,
            }),
        },
    )?;
    crate::db::reminders::plan_dispute_notices(tx, now, event)?;
    Ok(())
}
