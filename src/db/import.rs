//! Importing employees: planned against the register first (every problem of every row found,
//! nothing written), then written in batches, managers before their reports. A file with any
//! problem writes nothing. Idempotent by employee number.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::audit;
use super::employees::{self, Employee};
use super::imports;
use super::{DbConnection, write_tx};
use crate::domain::audit::Actor;
use crate::domain::import::{
    COLUMNS, Headings, ImportRow, ImportState, LineError, ParsedFile, RowOutcomeKind, batch_is_full,
};
use crate::domain::problem::Problem;
use crate::error::Result;
use crate::problem;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// True when nothing was written (a dry run, or a file with errors).
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<ReportedLine>,
    /// The file's columns the import does not read, as headed (the export's tier and status,
    /// say): left as they are.
    pub ignored_columns: Vec<String>,
    /// Every good row, in file order: created, updated (each change as from → to,
    /// `manager_no` as employee numbers) or unchanged — what a dry run shows before anything
    /// is written.
    pub rows: Vec<RowOutcome>,
    /// The import's progress row, when it wrote anything (written in batches of at most
    /// [`crate::domain::import::BATCH_ROWS`] rows or a quarter second).
    pub import_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowOutcome {
    pub line: u64,
    pub employee_no: String,
    pub outcome: RowOutcomeKind,
    /// For an update: `{field: {from, to}}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

/// The headings a column may have: its own name, or what the people list's CSV export writes
/// for it in either language — so an export, edited in Excel, imports back.
pub fn headings() -> Headings {
    use crate::domain::users::Language;
    let labels = COLUMNS.iter().flat_map(|column| {
        [Language::ZhCn, Language::En]
            .into_iter()
            .filter_map(move |lang| {
                crate::catalog::text(lang, &format!("people.col.{column}")).map(|l| (*column, l))
            })
    });
    Headings::new(labels)
}

/// Reads an uploaded file (CSV or Excel) into rows; a file that cannot be read at all is an
/// error on `body`.
pub fn read(bytes: &[u8]) -> std::result::Result<ParsedFile, Problem> {
    Ok(crate::domain::import::parse(
        &crate::domain::import::read(bytes)?,
        &headings(),
    ))
}

/// A problem with one line of the file (line 1 is the header), said in English with its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportedLine {
    pub line: u64,
    /// The column's own name (`work_email`), or `header` / `row`.
    pub field: String,
    /// The column as the file heads it (`工作邮箱`, `Work email`, `work_email`); empty for the
    /// header or a whole row.
    pub column: String,
    pub message: String,
    pub problem: Problem,
}

impl ReportedLine {
    fn new(e: LineError, file: &ParsedFile) -> ReportedLine {
        ReportedLine {
            line: e.line,
            column: file.heading(&e.field),
            message: crate::catalog::english(&e.problem),
            field: e.field,
            problem: e.problem,
        }
    }
}

enum Plan<'a> {
    Create {
        id: String,
        row: &'a ImportRow,
    },
    Update {
        current: &'a Employee,
        row: &'a ImportRow,
    },
    Unchanged(&'a ImportRow),
}

/// Plans the file against the register and, unless `dry_run` or anything is wrong, writes it
/// in batches, one transaction each, counting the rows written in the import's progress row;
/// `progress` hears (written, total) after each batch. The whole file is checked before the
/// first batch: a file with any problem writes nothing.
pub fn run(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    file: &ParsedFile,
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport> {
    let rows = &file.rows;
    let mut errors = file.errors.clone();
    let existing = employees::all(conn)?;
    let by_no: HashMap<&str, &Employee> = existing
        .iter()
        .map(|e| (e.employee_no.as_str(), e))
        .collect();
    let by_id: HashMap<&str, &Employee> = existing.iter().map(|e| (e.id.as_str(), e)).collect();

    // Ids of everyone after the import: the register's, and new ones for new numbers.
    let mut id_of: HashMap<&str, String> =
        by_no.iter().map(|(no, e)| (*no, e.id.clone())).collect();
    for row in rows {
        id_of
            .entry(row.fields.employee_no.as_str())
            .or_insert_with(|| uuid::Uuid::now_v7().to_string());
    }
    // Each person's manager after the import, by number: the file's word, else the register's.
    let mut manager_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|e| {
            let manager = e
                .manager_id
                .as_deref()
                .and_then(|m| by_id.get(m))
                .map(|m| m.employee_no.as_str());
            (e.employee_no.as_str(), manager)
        })
        .collect();
    for row in rows {
        manager_of.insert(row.fields.employee_no.as_str(), row.manager_no.as_deref());
    }

    // A bad row's unknown manager is one more of its problems, found now with the rest.
    for (line, m) in &file.bad_rows_managers {
        if !by_no.contains_key(m.as_str()) && !file.numbers.contains(m) {
            errors.push(LineError::new(
                *line,
                "manager_no",
                problem!("manager_not_found", number = m.as_str()),
            ));
        }
    }
    let mut plans = Vec::with_capacity(rows.len());
    for row in rows {
        let no = row.fields.employee_no.as_str();
        let manager_id = match row.manager_no.as_deref() {
            None => None,
            Some(m) => match id_of.get(m) {
                Some(id) => Some(id.as_str()),
                // The manager's own row is bad and already reported.
                None if file.numbers.contains(m) => continue,
                None => {
                    errors.push(LineError::new(
                        row.line,
                        "manager_no",
                        problem!("manager_not_found", number = m),
                    ));
                    continue;
                }
            },
        };
        if makes_cycle(no, &manager_of) {
            errors.push(LineError::new(
                row.line,
                "manager_no",
                problem!("import_reporting_cycle"),
            ));
            continue;
        }
        plans.push(match by_no.get(no) {
            None => Plan::Create {
                id: id_of[no].clone(),
                row,
            },
            Some(current) if employees::differs(current, &row.fields, manager_id) => {
                Plan::Update { current, row }
            }
            Some(_) => Plan::Unchanged(row),
        });
    }
    errors.sort_by(|a, b| (a.line, &a.field).cmp(&(b.line, &b.field)));

    let mut report = ImportReport {
        dry_run: dry_run || !errors.is_empty(),
        errors: errors
            .into_iter()
            .map(|e| ReportedLine::new(e, file))
            .collect(),
        ignored_columns: file.ignored.clone(),
        ..Default::default()
    };
    let number_of = |id: Option<&str>| id.and_then(|i| by_id.get(i)).map(|e| e.employee_no.clone());
    for plan in &plans {
        match plan {
            Plan::Create { row, .. } => {
                report.created += 1;
                report.rows.push(RowOutcome {
                    line: row.line,
                    employee_no: row.fields.employee_no.clone(),
                    outcome: RowOutcomeKind::Created,
                    changes: serde_json::json!({}),
                });
            }
            Plan::Update { current, row } => {
                report.updated += 1;
                let manager = row.manager_no.as_deref().map(|m| id_of[m].as_str());
                let mut changes = employees::changes(current, &row.fields, manager);
                if let Some(map) = changes.as_object_mut()
                    && map.remove("manager_id").is_some()
                {
                    map.insert(
                        "manager_no".into(),
                        serde_json::json!({
                            "from": number_of(current.manager_id.as_deref()),
                            "to": row.manager_no,
                        }),
                    );
                }
                report.rows.push(RowOutcome {
                    line: row.line,
                    employee_no: row.fields.employee_no.clone(),
                    outcome: RowOutcomeKind::Updated,
                    changes,
                });
            }
            Plan::Unchanged(row) => {
                report.unchanged += 1;
                report.rows.push(RowOutcome {
                    line: row.line,
                    employee_no: row.fields.employee_no.clone(),
                    outcome: RowOutcomeKind::Unchanged,
                    changes: serde_json::json!({}),
                });
            }
        }
    }
    if report.dry_run {
        return Ok(report);
    }

    let manager_id_of = |row: &ImportRow| row.manager_no.as_deref().map(|m| id_of[m].as_str());
    let writes = managers_first(&plans);
    if writes.is_empty() {
        return Ok(report);
    }
    let (id, total) = (uuid::Uuid::now_v7().to_string(), writes.len());
    let started_by = match actor {
        Actor::User(user) => Some(user.as_str()),
        _ => None,
    };
    write_tx(conn, |tx| imports::start(tx, now, &id, started_by, total))?;
    report.import_id = Some(id.clone());
    let mut done = 0;
    while done < total {
        let written = write_tx(conn, |tx| {
            // Timed from the lock taken, so a wait for it never makes an empty batch.
            let started = std::time::Instant::now();
            let mut events = Vec::new();
            for plan in &writes[done..] {
                if batch_is_full(events.len(), started.elapsed()) {
                    break;
                }
                match plan {
                    Plan::Create { id, row } => {
                        let manager = manager_id_of(row);
                        employees::insert_row(tx, now, id, &row.fields, manager)?;
                        events.push(employees::created_event(actor, id, &row.fields, manager));
                    }
                    Plan::Update { current, row } => {
                        let manager = manager_id_of(row);
                        employees::update_row(tx, now, &current.id, &row.fields, manager)?;
                        events.push(employees::updated_event(
                            actor,
                            current,
                            &row.fields,
                            manager,
                        ));
                    }
                    Plan::Unchanged(_) => {}
                }
            }
            let count = events.len();
            audit::record_all(tx, now, events)?;
            imports::advance(tx, now, &id, done + count)?;
            Ok::<_, crate::error::Error>(count)
        });
        match written {
            Ok(count) => done += count,
            Err(e) => {
                // The batches before stay written; importing the file again writes the rest.
                write_tx(conn, |tx| {
                    imports::finish(tx, now, &id, ImportState::Failed)
                })?;
                return Err(e);
            }
        }
        progress(done, total);
    }
    write_tx(conn, |tx| imports::finish(tx, now, &id, ImportState::Done))?;
    Ok(report)
}

/// The plans ordered so that a new manager is written before their new reports (the
/// register's foreign key wants the manager to exist). The file has no cycle by now.
fn managers_first<'p, 'a>(plans: &'p [Plan<'a>]) -> Vec<&'p Plan<'a>> {
    let new_ids: std::collections::HashSet<&str> = plans
        .iter()
        .filter_map(|p| match p {
            Plan::Create { row, .. } => Some(row.fields.employee_no.as_str()),
            _ => None,
        })
        .collect();
    let mut written: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut ordered = Vec::with_capacity(plans.len());
    let mut waiting: Vec<&Plan> = plans.iter().collect();
    while !waiting.is_empty() {
        let before = waiting.len();
        waiting.retain(|plan| {
            let row = match plan {
                Plan::Create { row, .. } | Plan::Update { row, .. } => row,
                Plan::Unchanged(_) => return false,
            };
            let ready = row
                .manager_no
                .as_deref()
                .is_none_or(|m| !new_ids.contains(m) || written.contains(m));
            if ready {
                written.insert(row.fields.employee_no.as_str());
                ordered.push(*plan);
            }
            !ready
        });
        if waiting.len() == before {
            // Unreachable after the cycle check; write the rest rather than loop forever.
            ordered.append(&mut waiting);
        }
    }
    ordered
}

/// True when following managers up from `start` comes back to it.
fn makes_cycle(start: &str, manager_of: &HashMap<&str, Option<&str>>) -> bool {
    let mut current = manager_of.get(start).copied().flatten();
    let mut steps = 0;
    while let Some(no) = current {
        if no == start {
            return true;
        }
        steps += 1;
        if steps > manager_of.len() {
            return true;
        }
        current = manager_of.get(no).copied().flatten();
    }
    false
}
