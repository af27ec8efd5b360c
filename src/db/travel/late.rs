//! What travel abroad leaves undone past its time: approved trips not reported back, and
//! documents not back with security, both `travel.report_back_days` after the trip's end.
//! Security's start page and HR's weekly digest show them until they are put right.

use chrono::NaiveDate;

use super::documents::{self, DocumentFilter, TravelDocument};
use super::{Trip, TripFilter};
use crate::db::DbConnection;
use crate::db::employees::Scope;
use crate::db::names::{self, EmployeeName};
use crate::error::Result;

/// One late thing, with the person it is about.
#[derive(Debug, Clone)]
pub struct Late<T> {
    pub item: T,
    pub person: Option<EmployeeName>,
    /// The last day it was due back.
    pub due_back_by: NaiveDate,
}

#[derive(Debug, Clone, Default)]
pub struct LateTravel {
    pub trips: Vec<Late<Trip>>,
    pub documents: Vec<Late<TravelDocument>>,
}

/// Everything late on `today`, under the current policy's days.
pub fn on(conn: &mut DbConnection, today: NaiveDate) -> Result<LateTravel> {
    let (_, policy) = crate::db::policy::current(conn)?;
    let days = policy.travel.report_back_days;
    let trips = super::list(
        conn,
        &Scope::All,
        &TripFilter {
            overdue_on: Some((today, days)),
            ..TripFilter::default()
        },
    )?;
    let documents = documents::list(
        conn,
        &DocumentFilter {
            late_on: Some((today, days)),
            ..DocumentFilter::default()
        },
    )?;
    let ends = documents::trip_ends(conn, &documents)?;
    let people = names::employees(
        conn,
        trips
            .iter()
            .map(|t| t.employee_id.clone())
            .chain(documents.iter().map(|d| d.employee_id.clone())),
    )?;
    let due = |end: NaiveDate| crate::domain::travel::due_back_by(end, days);
    Ok(LateTravel {
        trips: trips
            .into_iter()
            .map(|t| Late {
                person: people.get(&t.employee_id).cloned(),
                due_back_by: due(t.ends_on),
                item: t,
            })
            .collect(),
        documents: documents
            .into_iter()
            .filter_map(|d| {
                let end = *d.trip_id.as_ref().and_then(|t| ends.get(t))?;
                Some(Late {
                    person: people.get(&d.employee_id).cloned(),
                    due_back_by: due(end),
                    item: d,
                })
            })
            .collect(),
    })
}
