//! The company's waiver of a non-compete before it begins: recorded on the departure on or
//! before the last working day, applied when the completion takes effect — the non-compete is
//! created waived, owing nothing (SPC Interpretation (I) art. 39).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::agreement_of;
use super::ledger::{keep_owed, owed_of};
use crate::db::audit;
use crate::db::departures::Departure;
use crate::db::obligations::Obligation;
use crate::db::schema::{departures, obligations};
use crate::db::{WriteTx, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::noncompete::{self, BeforeTerm};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::error::{Error, Result};

/// Records the company's waiver of the person's non-compete on `today`, before the term of
/// the departure `departure_id` begins: nothing extra is owed. Refused once the term has
/// begun (the running non-compete is waived on its own page, owing three months).
pub fn waive_before_term(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor_id: &str,
    departure_id: &str,
    reason: &str,
) -> Result<serde_json::Value> {
    crate::db::lock_row(tx, crate::db::Locked::Departure, departure_id)?;
    let departure = crate::db::departures::find(tx, departure_id)?;
    let agreement = agreement_of(tx, &departure.employee_id)?;
    noncompete::waiver_before_term(
        BeforeTerm {
            departure: departure.status,
            in_effect: departure.in_effect,
            last_working_day: departure.last_working_day,
            has_agreement: agreement.is_some(),
            already_waived: departure.non_compete_waived_at.is_some(),
        },
        today,
    )
    .map_err(Error::refused)?;
    diesel::update(departures::table.find(departure_id))
        .set((
            departures::non_compete_waived_at.eq(stored_instant(now)),
            departures::non_compete_waived_by.eq(actor_id),
            departures::non_compete_waiver_reason.eq(reason),
        ))
        .execute(tx.conn())?;
    let details = json!({
        "reason": reason, "waived_on": today, "before_term": true,
        "extra_months": 0, "extra_compensation_owed": null,
    });
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(actor_id.to_string()),
            action: "departure.non_compete_waived",
            subject_type: "departure",
            subject_id: departure_id,
            details: details.clone(),
        },
    )?;
    Ok(details)
}

/// When the completion of a departure whose non-compete was waived beforehand takes effect:
/// the non-compete it created is waived as of the last working day, so no term month is owed,
/// and its history names who waived it and why.
pub fn apply_waiver_before_term(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    departure: &Departure,
) -> Result<()> {
    let (Some(by), Some(_)) = (
        departure.non_compete_waived_by.as_deref(),
        departure.non_compete_waived_at,
    ) else {
        return Ok(());
    };
    let created: Vec<Obligation> = obligations::table
        .filter(obligations::departure_id.eq(&departure.id))
        .filter(obligations::kind.eq(ObligationKind::NonCompete))
        .select(Obligation::as_select())
        .load(tx.conn())?;
    for o in created {
        diesel::update(obligations::table.find(&o.id))
            .set((
                obligations::status.eq(ObligationStatus::Waived),
                obligations::updated_at.eq(stored_instant(now)),
            ))
            .execute(tx.conn())?;
        let (mut owed, currency) = owed_of(tx, &o)?;
        owed.ended_on = Some(departure.last_working_day);
        owed.extra_months = 0;
        keep_owed(tx, &o, &owed, &currency)?;
        audit::record(
            tx,
            now,
            NewEvent {
                actor: &Actor::User(by.to_string()),
                action: "non_compete.waived",
                subject_type: "obligation",
                subject_id: &o.id,
                details: json!({
                    "reason": departure.non_compete_waiver_reason, "before_term": true,
                    "ended_on": departure.last_working_day, "extra_months": 0,
                    "extra_compensation_owed": null,
                }),
            },
        )?;
    }
    Ok(())
}
