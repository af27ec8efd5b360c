//! The travel pages' listings: trips and travel documents a window at a time, in the order
//! asked for (the JSON API lists the same rows whole, through `list` of each module).

use chrono::NaiveDate;
use diesel::prelude::*;

use super::Trip;
use super::documents::TravelDocument;
use crate::db::employees::Scope;
use crate::db::listing::{self, Page, Sort, Window};
use crate::db::schema::{travel_document_moves, travel_documents, trips};
use crate::db::{DbConnection, MultiBackend};
use crate::domain::travel::{self, TripStatus};
use crate::domain::travel_documents::{self as rules, DocumentStatus};

crate::string_enum! {
    /// The columns the list of trips can be sorted by.
    pub enum TripSort ("a sort column") {
        StartsOn = "starts_on",
        Status = "status",
        /// When it was asked for (the default, newest first).
        RequestedAt = "requested_at",
    }
}

crate::string_enum! {
    /// The columns the register of travel documents can be sorted by.
    pub enum DocumentSort ("a sort column") {
        Kind = "kind",
        ExpiresOn = "expires_on",
        Status = "status",
    }
}

/// The last end of a trip whose return (or document) is late on `today` after `days`: the
/// query narrows to these, the rule decides each row.
fn latest_end_due(today: NaiveDate, days: u32) -> NaiveDate {
    today
        .checked_sub_days(chrono::Days::new(u64::from(days) + 1))
        .unwrap_or(NaiveDate::MIN)
}

type Trips = trips::BoxedQuery<'static, MultiBackend>;

fn trips_ordered(q: Trips, sort: Option<Sort<TripSort>>) -> Trips {
    let sort = sort.unwrap_or(Sort::desc(TripSort::RequestedAt));
    let q = match sort.key {
        TripSort::StartsOn => listing::order_by!(q, sort.descending, trips::starts_on),
        TripSort::Status => listing::order_by!(q, sort.descending, trips::status),
        TripSort::RequestedAt => listing::order_by!(q, sort.descending, trips::requested_at),
    };
    q.then_order_by(trips::requested_at.desc())
        .then_order_by(trips::id)
}

/// One window of the trips the scope may see (a manager: their reports'), filtered as
/// `filter` says and in the order asked for.
pub fn trips_page(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &super::TripFilter,
    sort: Option<Sort<TripSort>>,
    window: Window,
) -> QueryResult<Page<Trip>> {
    let query = || {
        let mut q = trips::table.into_boxed();
        if let Some(condition) = scope.condition("trips.employee_id") {
            q = q.filter(condition);
        }
        if let Some(s) = filter.status {
            q = q.filter(trips::status.eq(s));
        }
        if let Some(e) = &filter.employee_id {
            q = q.filter(trips::employee_id.eq(e.clone()));
        }
        if let Some((today, days)) = filter.overdue_on {
            q = q
                .filter(trips::status.eq(TripStatus::Approved))
                .filter(trips::returned_on.is_null())
                .filter(trips::ends_on.le(latest_end_due(today, days)));
        }
        q
    };
    let mut found = listing::page(conn, window, query, |conn, q| {
        trips_ordered(q, sort).select(Trip::as_select()).load(conn)
    })?;
    if let Some((today, days)) = filter.overdue_on {
        found
            .rows
            .retain(|t| travel::is_overdue(t.status, t.ends_on, t.returned_on, today, days));
    }
    Ok(found)
}

/// A document with where it is: the trip it is out for and the day it went out.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub document: TravelDocument,
    /// The trip it is out for: its destination and last day.
    pub trip: Option<(String, NaiveDate)>,
    /// The day it was handed out (when out).
    pub out_since: Option<NaiveDate>,
}

type Documents = travel_documents::BoxedQuery<'static, MultiBackend>;

fn documents_ordered(q: Documents, sort: Option<Sort<DocumentSort>>) -> Documents {
    let Some(sort) = sort else {
        return q.order((travel_documents::employee_id, travel_documents::id));
    };
    let q = match sort.key {
        DocumentSort::Kind => listing::order_by!(q, sort.descending, travel_documents::kind),
        DocumentSort::ExpiresOn => {
            listing::order_by!(q, sort.descending, travel_documents::expires_on)
        }
        DocumentSort::Status => listing::order_by!(q, sort.descending, travel_documents::status),
    };
    q.then_order_by(travel_documents::employee_id)
        .then_order_by(travel_documents::id)
}

/// One window of the travel documents: a person's (`employee_id`), or every one; the late
/// ones only when `filter.late_on` is given.
pub fn documents_page(
    conn: &mut DbConnection,
    filter: &super::documents::DocumentFilter,
    sort: Option<Sort<DocumentSort>>,
    window: Window,
) -> QueryResult<Page<DocumentRow>> {
    let query = || {
        let mut q = travel_documents::table.into_boxed();
        if let Some(e) = &filter.employee_id {
            q = q.filter(travel_documents::employee_id.eq(e.clone()));
        }
        if let Some(s) = filter.status {
            q = q.filter(travel_documents::status.eq(s));
        }
        if let Some((today, days)) = filter.late_on {
            // A document goes out only for an approved trip: the status narrows by index.
            let ended = trips::table
                .filter(trips::status.eq(crate::domain::travel::TripStatus::Approved))
                .filter(trips::ends_on.le(latest_end_due(today, days)))
                .select(trips::id.nullable());
            q = q
                .filter(travel_documents::status.eq(DocumentStatus::Out))
                .filter(travel_documents::trip_id.eq_any(ended));
        }
        q
    };
    let found = listing::page(conn, window, query, |conn, q| {
        documents_ordered(q, sort)
            .select(TravelDocument::as_select())
            .load(conn)
    })?;
    let rows = with_whereabouts(conn, found.rows)?;
    let mut found = Page {
        rows,
        total: found.total,
    };
    if let Some((today, days)) = filter.late_on {
        found.rows.retain(|r| {
            r.trip.as_ref().is_some_and(|(_, end)| {
                rules::is_out_too_long(r.document.status, *end, today, days)
            })
        });
    }
    Ok(found)
}

/// The documents handed out for one trip, with where they are.
pub fn documents_of_trip(conn: &mut DbConnection, trip_id: &str) -> QueryResult<Vec<DocumentRow>> {
    let ids: Vec<String> = travel_document_moves::table
        .filter(travel_document_moves::trip_id.eq(trip_id))
        .select(travel_document_moves::document_id)
        .distinct()
        .load(conn)?;
    let docs: Vec<TravelDocument> = travel_documents::table
        .filter(travel_documents::id.eq_any(&ids))
        .order(travel_documents::id)
        .select(TravelDocument::as_select())
        .load(conn)?;
    with_whereabouts(conn, docs)
}

/// Each document with the trip it is out for and the day it went out.
fn with_whereabouts(
    conn: &mut DbConnection,
    docs: Vec<TravelDocument>,
) -> QueryResult<Vec<DocumentRow>> {
    use std::collections::HashMap;
    let trip_ids: Vec<String> = docs.iter().filter_map(|d| d.trip_id.clone()).collect();
    let trips: HashMap<String, (String, NaiveDate)> = trips::table
        .filter(trips::id.eq_any(&trip_ids))
        .select((trips::id, trips::countries, trips::ends_on))
        .load::<(String, String, NaiveDate)>(conn)?
        .into_iter()
        .map(|(id, countries, end)| (id, (countries, end)))
        .collect();
    let out_ids: Vec<String> = docs
        .iter()
        .filter(|d| d.status == DocumentStatus::Out)
        .map(|d| d.id.clone())
        .collect();
    let mut since: HashMap<(String, String), NaiveDate> = HashMap::new();
    let moves: Vec<(String, Option<String>, NaiveDate)> = if out_ids.is_empty() {
        Vec::new()
    } else {
        travel_document_moves::table
            .filter(travel_document_moves::document_id.eq_any(&out_ids))
            .filter(travel_document_moves::action.eq(super::documents::DocumentMove::HandedOut))
            .order(travel_document_moves::recorded_at)
            .select((
                travel_document_moves::document_id,
                travel_document_moves::trip_id,
                travel_document_moves::moved_on,
            ))
            .load(conn)?
    };
    for (doc, trip, on) in moves {
        if let Some(trip) = trip {
            since.insert((doc, trip), on);
        }
    }
    Ok(docs
        .into_iter()
        .map(|document| {
            let trip = document
                .trip_id
                .as_ref()
                .and_then(|t| trips.get(t))
                .cloned();
            let out_since = document
                .trip_id
                .as_ref()
                .and_then(|t| since.get(&(document.id.clone(), t.clone())))
                .copied();
            DocumentRow {
                document,
                trip,
                out_since,
            }
        })
        .collect())
}
