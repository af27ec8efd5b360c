//! The entry-exit filing list (出入境备案): who must be on file today, read in a fixed number of
//! statements whatever the size, the filings recorded, and what changed since the last one.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::min;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::schema::{
    clearance_changes, employees, entry_exit_filing_entries, entry_exit_filings, obligations,
};
use super::users::User;
use super::{DbConnection, WriteTx, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::clearance::ChangeStatus;
use crate::domain::filing::{
    self, Changed, FilingBasis, FilingChange, OnFile, PeriodHeld, Serving,
};
use crate::domain::obligations::{ObligationKind, ObligationStatus};
use crate::domain::people::ClearanceTier;
use crate::error::Result;

/// A person on the filing list, with what the list shows of them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingEntry {
    pub employee_id: String,
    pub employee_no: String,
    pub name: String,
    pub department: String,
    pub title: String,
    /// serving (holds a classified post) or period (in a 脱密期).
    pub basis: FilingBasis,
    pub tier: ClearanceTier,
    /// The day they came under the duty to be on file.
    #[schema(value_type = String, format = Date)]
    pub since: NaiveDate,
    /// The day to take them off (their period's end, extensions included); none while serving.
    #[schema(value_type = Option<String>, format = Date)]
    pub remove_on: Option<NaiveDate>,
    /// The first filing that held them; none: not filed yet.
    #[schema(value_type = Option<String>, format = Date)]
    pub first_filed_on: Option<NaiveDate>,
}

/// A filing sent to the entry-exit administration.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = entry_exit_filings)]
pub struct Filing {
    pub id: String,
    #[schema(value_type = String, format = Date)]
    pub filed_on: NaiveDate,
    pub reference: String,
    pub recorded_by: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: NaiveDateTime,
}

/// A line of the changes since the last filing, with the person's name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingChangeLine {
    pub employee_id: String,
    pub employee_no: String,
    pub name: String,
    pub department: String,
    /// addition, removal or new_removal_date.
    pub change: FilingChange,
    #[schema(value_type = Option<String>, format = Date)]
    pub filed_remove_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub remove_on: Option<NaiveDate>,
}

/// What the next filing must send.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FilingChanges {
    /// The last filing recorded; none before the first.
    pub last_filing: Option<Filing>,
    pub changes: Vec<FilingChangeLine>,
}

type Person = (String, String, String, String, String);

/// Who must be on file on `today`, by employee number.
pub fn on_file(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<Vec<FilingEntry>> {
    let (listed, people) = listed(conn, today)?;
    let first: HashMap<String, Option<NaiveDate>> = entry_exit_filing_entries::table
        .inner_join(entry_exit_filings::table)
        .group_by(entry_exit_filing_entries::employee_id)
        .select((
            entry_exit_filing_entries::employee_id,
            min(entry_exit_filings::filed_on),
        ))
        .load::<(String, Option<NaiveDate>)>(conn)?
        .into_iter()
        .collect();
    let mut out: Vec<FilingEntry> = listed
        .into_iter()
        .filter_map(|f| {
            let (_, employee_no, name, department, title) = people.get(&f.employee_id)?.clone();
            let first_filed_on = first.get(&f.employee_id).copied().flatten();
            Some(FilingEntry {
                employee_id: f.employee_id,
                employee_no,
                name,
                department,
                title,
                basis: f.basis,
                tier: f.tier,
                since: f.since,
                remove_on: f.remove_on,
                first_filed_on,
            })
        })
        .collect();
    out.sort_by(|a, b| a.employee_no.cmp(&b.employee_no));
    Ok(out)
}

/// The rule's list, and the people on it (id, number, name, department, post): three
/// statements.
fn listed(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> QueryResult<(Vec<OnFile>, HashMap<String, Person>)> {
    let serving: Vec<(Person, ClearanceTier, Option<NaiveDate>, NaiveDateTime)> = employees::table
        .filter(employees::clearance_tier.eq_any(ClearanceTier::classified()))
        .select((
            (
                employees::id,
                employees::employee_no,
                employees::name,
                employees::department,
                employees::title,
            ),
            employees::clearance_tier,
            employees::hire_date,
            employees::created_at,
        ))
        .load(conn)?;
    // Since when each holds their tier: the last approved change to it.
    let changed: Vec<(String, String, Option<NaiveDate>)> = clearance_changes::table
        .inner_join(employees::table)
        .filter(employees::clearance_tier.eq_any(ClearanceTier::classified()))
        .filter(clearance_changes::status.eq(ChangeStatus::Approved))
        .filter(clearance_changes::to_tier.eq(employees::clearance_tier))
        .select((
            clearance_changes::employee_id,
            clearance_changes::to_tier,
            clearance_changes::effective_on,
        ))
        .load(conn)?;
    let mut since_change: HashMap<String, NaiveDate> = HashMap::new();
    for (id, _, on) in changed {
        if let Some(on) = on {
            let e = since_change.entry(id).or_insert(on);
            *e = (*e).max(on);
        }
    }
    // (the person, the period's status, the tier it was for, its first and last day)
    type Period = (
        Person,
        ObligationStatus,
        Option<ClearanceTier>,
        NaiveDate,
        Option<NaiveDate>,
    );
    let periods: Vec<Period> = obligations::table
        .inner_join(employees::table)
        .filter(obligations::kind.eq(ObligationKind::Declassification))
        .filter(obligations::status.eq_any(ObligationStatus::OWED))
        .filter(obligations::ends_on.ge(today))
        .select((
            (
                employees::id,
                employees::employee_no,
                employees::name,
                employees::department,
                employees::title,
            ),
            obligations::status,
            obligations::tier,
            obligations::starts_on,
            obligations::ends_on,
        ))
        .load(conn)?;
    let mut people: HashMap<String, Person> = HashMap::new();
    let serving: Vec<Serving> = serving
        .into_iter()
        .map(|(p, tier, hired, created)| {
            let since = since_change
                .get(&p.0)
                .copied()
                .or(hired)
                .unwrap_or(created.date());
            let s = Serving {
                employee_id: p.0.clone(),
                tier,
                since,
            };
            people.insert(p.0.clone(), p);
            s
        })
        .collect();
    let periods: Vec<PeriodHeld> = periods
        .into_iter()
        .map(|(p, status, tier, starts_on, ends_on)| {
            let held = PeriodHeld {
                employee_id: p.0.clone(),
                kind: ObligationKind::Declassification,
                status,
                tier,
                starts_on,
                ends_on,
            };
            people.insert(p.0.clone(), p);
            held
        })
        .collect();
    Ok((filing::on_file(serving, periods, today), people))
}

/// The last filing recorded, if any.
pub fn last(conn: &mut DbConnection) -> QueryResult<Option<Filing>> {
    entry_exit_filings::table
        .order((
            entry_exit_filings::recorded_at.desc(),
            entry_exit_filings::id.desc(),
        ))
        .select(Filing::as_select())
        .first(conn)
        .optional()
}

/// Every filing recorded, the last first.
pub fn filings(conn: &mut DbConnection) -> QueryResult<Vec<Filing>> {
    entry_exit_filings::table
        .order((
            entry_exit_filings::recorded_at.desc(),
            entry_exit_filings::id.desc(),
        ))
        .select(Filing::as_select())
        .load(conn)
}

/// What the next filing must send: the list now against the last filing.
pub fn changes(conn: &mut DbConnection, today: NaiveDate) -> QueryResult<FilingChanges> {
    let (now, mut people) = listed(conn, today)?;
    let last_filing = last(conn)?;
    let filed: BTreeMap<String, Option<NaiveDate>> = match &last_filing {
        None => BTreeMap::new(),
        Some(f) => entry_exit_filing_entries::table
            .filter(entry_exit_filing_entries::filing_id.eq(&f.id))
            .select((
                entry_exit_filing_entries::employee_id,
                entry_exit_filing_entries::remove_on,
            ))
            .load::<(String, Option<NaiveDate>)>(conn)?
            .into_iter()
            .collect(),
    };
    let changed: Vec<Changed> = filing::changes_since(&filed, &now);
    // The people taken off are no longer on the list: their names in one more statement.
    let gone: Vec<&String> = changed
        .iter()
        .filter(|c| c.change == FilingChange::Removal)
        .map(|c| &c.employee_id)
        .collect();
    if !gone.is_empty() {
        let found: Vec<Person> = employees::table
            .filter(employees::id.eq_any(gone))
            .select((
                employees::id,
                employees::employee_no,
                employees::name,
                employees::department,
                employees::title,
            ))
            .load(conn)?;
        people.extend(found.into_iter().map(|p| (p.0.clone(), p)));
    }
    let mut changes: Vec<FilingChangeLine> = changed
        .into_iter()
        .filter_map(|c| {
            let (_, employee_no, name, department, _) = people.get(&c.employee_id)?.clone();
            Some(FilingChangeLine {
                employee_id: c.employee_id,
                employee_no,
                name,
                department,
                change: c.change,
                filed_remove_on: c.filed_remove_on,
                remove_on: c.remove_on,
            })
        })
        .collect();
    changes.sort_by(|a, b| {
        (a.change.as_str(), &a.employee_no).cmp(&(b.change.as_str(), &b.employee_no))
    });
    Ok(FilingChanges {
        last_filing,
        changes,
    })
}

/// Records that the list as it stands was filed on `filed_on` under `reference`: the list is
/// kept with it, so the next filing's changes are counted from it. Audited with what changed.
pub fn record(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: NaiveDate,
    user: &User,
    filed_on: NaiveDate,
    reference: &str,
) -> Result<Filing> {
    // Two filings recorded at once would each count changes from the same last one.
    super::lock_sequence(tx, "entry_exit_filing")?;
    let sent = changes(tx.conn(), today)?;
    let (listed, _) = listed(tx.conn(), today)?;
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(entry_exit_filings::table)
        .values((
            entry_exit_filings::id.eq(&id),
            entry_exit_filings::filed_on.eq(filed_on),
            entry_exit_filings::reference.eq(reference),
            entry_exit_filings::recorded_by.eq(&user.id),
            entry_exit_filings::recorded_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let rows: Vec<_> = listed
        .iter()
        .map(|f| {
            (
                entry_exit_filing_entries::filing_id.eq(&id),
                entry_exit_filing_entries::employee_id.eq(&f.employee_id),
                entry_exit_filing_entries::remove_on.eq(f.remove_on),
            )
        })
        .collect();
    // In chunks: SQLite caps the values of one statement.
    for chunk in rows.chunks(500) {
        super::per_backend!(tx.conn(), c => diesel::insert_into(entry_exit_filing_entries::table)
            .values(chunk)
            .execute(c))?;
    }
    let count = |kind: FilingChange| sent.changes.iter().filter(|c| c.change == kind).count();
    audit::record(
        tx,
        now,
        NewEvent {
            actor: &Actor::User(user.id.clone()),
            action: "filing.recorded",
            subject_type: "entry_exit_filing",
            subject_id: &id,
            details: json!({
                "filed_on": filed_on,
                "reference": reference,
                "on_file": listed.len(),
                "additions": count(FilingChange::Addition),
                "removals": count(FilingChange::Removal),
                "new_removal_dates": count(FilingChange::NewRemovalDate),
            }),
        },
    )?;
    Ok(entry_exit_filings::table
        .find(&id)
        .select(Filing::as_select())
        .first(tx.conn())?)
}
