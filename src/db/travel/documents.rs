//! The travel documents security holds (证照集中保管), and each move of one with its day and
//! who made it.

use crate::db::WriteTx;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::At;
use crate::db::DbConnection;
use crate::db::audit;
use crate::db::schema::{travel_document_moves, travel_documents, trips};
use crate::db::stored_instant;
use crate::db::users::User;
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::travel_documents::{
    self as rules, DocumentKind, DocumentRefusal, DocumentStatus, TripFacts,
};
use crate::error::{Error, Result};
use crate::problem;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = travel_documents)]
pub struct TravelDocument {
    pub id: String,
    pub employee_id: String,
    /// passport, hk_macao_permit or taiwan_permit.
    pub kind: DocumentKind,
    pub number: String,
    #[schema(value_type = String, format = Date)]
    pub expires_on: NaiveDate,
    /// held, out or returned_to_person.
    pub status: DocumentStatus,
    /// The trip it is out for.
    pub trip_id: Option<String>,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<DocumentRefusal> for Error {
    fn from(refusal: DocumentRefusal) -> Error {
        Error::refused(match refusal {
            DocumentRefusal::NotHeld(_) => problem!("document_not_held"),
            DocumentRefusal::NotOut => problem!("document_not_out"),
            DocumentRefusal::TripNotApproved => problem!("document_trip_not_approved"),
            DocumentRefusal::AnotherPersonsTrip => problem!("document_trip_of_another_person"),
            DocumentRefusal::KindAlreadyOut => problem!("document_kind_already_out"),
            DocumentRefusal::StillOwed => problem!("document_still_owed"),
        })
    }
}

crate::string_enum! {
    /// A move of a document, as its history lists it.
    pub enum DocumentMove ("a document move") {
        Registered = "registered",
        HandedOut = "handed_out",
        TakenBack = "taken_back",
        GivenBack = "given_back",
    }
}

/// One document, or NotFound.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<TravelDocument> {
    travel_documents::table
        .find(id)
        .select(TravelDocument::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

fn record_move(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    doc: &TravelDocument,
    action: DocumentMove,
    trip_id: Option<&str>,
    on: NaiveDate,
) -> Result<()> {
    diesel::insert_into(travel_document_moves::table)
        .values((
            travel_document_moves::id.eq(uuid::Uuid::now_v7().to_string()),
            travel_document_moves::document_id.eq(&doc.id),
            travel_document_moves::action.eq(action),
            travel_document_moves::trip_id.eq(trip_id),
            travel_document_moves::moved_on.eq(on),
            travel_document_moves::moved_by.eq(&user.id),
            travel_document_moves::recorded_at.eq(stored_instant(at.now)),
        ))
        .execute(tx.conn())?;
    audit::record(
        tx,
        at.now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: match action {
                DocumentMove::Registered => "travel_document.registered",
                DocumentMove::HandedOut => "travel_document.handed_out",
                DocumentMove::TakenBack => "travel_document.taken_back",
                DocumentMove::GivenBack => "travel_document.given_back",
            },
            subject_type: "travel_document",
            subject_id: &doc.id,
            details: json!({
                "employee_id": doc.employee_id, "kind": doc.kind, "number": doc.number,
                "trip_id": trip_id, "on": on,
            }),
        },
    )?;
    Ok(())
}

/// Security takes a document into its keeping.
pub fn register(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    employee_id: &str,
    kind: DocumentKind,
    number: &str,
    expires_on: NaiveDate,
) -> Result<TravelDocument> {
    if crate::db::employees::find(tx, employee_id)?.is_none() {
        return Err(Error::NotFound);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = stored_instant(at.now);
    diesel::insert_into(travel_documents::table)
        .values((
            travel_documents::id.eq(&id),
            travel_documents::employee_id.eq(employee_id),
            travel_documents::kind.eq(kind),
            travel_documents::number.eq(number),
            travel_documents::expires_on.eq(expires_on),
            travel_documents::status.eq(DocumentStatus::Held),
            travel_documents::created_at.eq(now),
            travel_documents::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    let doc = find(tx, &id)?;
    record_move(tx, at, user, &doc, DocumentMove::Registered, None, at.today)?;
    crate::db::departures::documents_lodged(tx, at.now, user, employee_id)?;
    Ok(doc)
}

fn set_status(
    tx: &mut WriteTx,
    at: At,
    id: &str,
    status: DocumentStatus,
    trip_id: Option<&str>,
) -> Result<()> {
    diesel::update(travel_documents::table.find(id))
        .set((
            travel_documents::status.eq(status),
            travel_documents::trip_id.eq(trip_id),
            travel_documents::updated_at.eq(stored_instant(at.now)),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Hands a held document to its holder for one approved trip of theirs.
pub fn hand_out(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    id: &str,
    trip_id: &str,
    on: NaiveDate,
) -> Result<TravelDocument> {
    crate::db::lock_row(tx, crate::db::Locked::TravelDocument, id)?;
    let doc = find(tx, id)?;
    let trip = super::find(tx, trip_id).map_err(|e| match e {
        Error::NotFound => Error::field("trip_id", problem!("no_trip_with_id")),
        e => e,
    })?;
    let kind_out: i64 = travel_documents::table
        .filter(travel_documents::trip_id.eq(trip_id))
        .filter(travel_documents::kind.eq(doc.kind))
        .filter(travel_documents::status.eq(DocumentStatus::Out))
        .count()
        .get_result(tx.conn())?;
    rules::may_hand_out(
        doc.status,
        &TripFacts {
            status: trip.status,
            same_person: trip.employee_id == doc.employee_id,
            returned: trip.returned_on.is_some(),
            kind_out: kind_out > 0,
        },
    )?;
    set_status(tx, at, id, DocumentStatus::Out, Some(trip_id))?;
    record_move(
        tx,
        at,
        user,
        &doc,
        DocumentMove::HandedOut,
        Some(trip_id),
        on,
    )?;
    find(tx, id)
}

/// Takes a document back after its trip.
pub fn take_back(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    id: &str,
    on: NaiveDate,
) -> Result<TravelDocument> {
    crate::db::lock_row(tx, crate::db::Locked::TravelDocument, id)?;
    let doc = find(tx, id)?;
    rules::may_take_back(doc.status)?;
    set_status(tx, at, id, DocumentStatus::Held, None)?;
    record_move(
        tx,
        at,
        user,
        &doc,
        DocumentMove::TakenBack,
        doc.trip_id.as_deref(),
        on,
    )?;
    find(tx, id)
}

/// Gives a document back to its holder for good, once nothing is owed any more.
pub fn give_back(
    tx: &mut WriteTx,
    at: At,
    user: &User,
    id: &str,
    on: NaiveDate,
) -> Result<TravelDocument> {
    crate::db::lock_row(tx, crate::db::Locked::TravelDocument, id)?;
    let doc = find(tx, id)?;
    let employee = crate::db::employees::find(tx, &doc.employee_id)?.ok_or(Error::NotFound)?;
    let t = super::traveller(tx, &employee)?;
    let still_owed = t.serving_tier != crate::domain::people::ClearanceTier::None
        || t.periods
            .iter()
            .any(|(_, end, _)| end.is_none_or(|e| e >= at.today));
    rules::may_give_back(doc.status, still_owed)?;
    set_status(tx, at, id, DocumentStatus::ReturnedToPerson, None)?;
    record_move(tx, at, user, &doc, DocumentMove::GivenBack, None, on)?;
    find(tx, id)
}

/// What a list of documents is filtered by.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub employee_id: Option<String>,
    pub status: Option<DocumentStatus>,
    /// Only documents out past their trip's end plus the policy's days, on `today`.
    pub late_on: Option<(NaiveDate, u32)>,
}

/// The documents security holds or held, by person.
pub fn list(conn: &mut DbConnection, filter: &DocumentFilter) -> QueryResult<Vec<TravelDocument>> {
    let mut q = travel_documents::table.into_boxed();
    if let Some(e) = &filter.employee_id {
        q = q.filter(travel_documents::employee_id.eq(e.clone()));
    }
    if let Some(s) = filter.status {
        q = q.filter(travel_documents::status.eq(s));
    }
    if filter.late_on.is_some() {
        // Only a document out can be late.
        q = q.filter(travel_documents::status.eq(DocumentStatus::Out));
    }
    let found: Vec<TravelDocument> = q
        .order((
            travel_documents::employee_id.asc(),
            travel_documents::id.asc(),
        ))
        .limit(1000)
        .select(TravelDocument::as_select())
        .load(conn)?;
    let Some((today, days)) = filter.late_on else {
        return Ok(found);
    };
    let ends = trip_ends(conn, &found)?;
    Ok(found
        .into_iter()
        .filter(|d| {
            d.trip_id
                .as_ref()
                .and_then(|t| ends.get(t))
                .is_some_and(|end| rules::is_out_too_long(d.status, *end, today, days))
        })
        .collect())
}

/// The last day of the trip each document is out for, by trip id.
pub fn trip_ends(
    conn: &mut DbConnection,
    documents: &[TravelDocument],
) -> QueryResult<std::collections::HashMap<String, NaiveDate>> {
    let out: Vec<&String> = documents
        .iter()
        .filter_map(|d| d.trip_id.as_ref())
        .collect();
    Ok(trips::table
        .filter(trips::id.eq_any(out))
        .select((trips::id, trips::ends_on))
        .load::<(String, NaiveDate)>(conn)?
        .into_iter()
        .collect())
}

/// How many travel documents of the person security holds or held.
pub fn count_of(conn: &mut DbConnection, employee_id: &str) -> QueryResult<usize> {
    let n: i64 = travel_documents::table
        .filter(travel_documents::employee_id.eq(employee_id))
        .count()
        .get_result(conn)?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
