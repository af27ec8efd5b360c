//! Keeping the register: adding and editing employees (with their audit events and the
//! manager check), the rows the import writes, and rehiring someone who left.

use crate::db::WriteTx;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;

use super::search::reindex_terms;
use super::{Employee, find, index_terms};
use crate::db::audit;
use crate::db::schema::employees;
use crate::db::{DbConnection, is_unique_violation, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::people::{
    ClearanceTier, EmployeeFields, EmployeeStatus, Owed, RehireRefusal, rehire as rehire_rule,
};
use crate::error::{Error, Result};
use crate::problem;

/// Checks that `manager_id` exists and that `employee_id` reporting to them makes no cycle.
pub fn check_manager(
    conn: &mut DbConnection,
    employee_id: Option<&str>,
    manager_id: &str,
) -> Result<()> {
    let mut current = Some(manager_id.to_string());
    let mut steps = 0;
    while let Some(id) = current {
        if Some(id.as_str()) == employee_id {
            return Err(Error::field("manager_id", problem!("reporting_cycle")));
        }
        let next = employees::table
            .find(&id)
            .select(employees::manager_id)
            .first::<Option<String>>(conn)
            .optional()?;
        match next {
            None if steps == 0 => {
                return Err(Error::field("manager_id", problem!("no_employee_with_id")));
            }
            None => break,
            Some(next) => current = next,
        }
        steps += 1;
        if steps > 10_000 {
            break;
        }
    }
    Ok(())
}

fn unique_no(e: diesel::result::Error) -> Error {
    if is_unique_violation(&e) {
        Error::field("employee_no", problem!("employee_no_taken"))
    } else {
        e.into()
    }
}

/// Adds an employee (active, no tier).
pub fn create(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> Result<Employee> {
    if let Some(m) = manager_id {
        check_manager(tx, None, m)?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    insert_row(tx, now, &id, fields, manager_id)?;
    audit::record(tx, now, created_event(actor, &id, fields, manager_id))?;
    find(tx, &id)?.ok_or(Error::NotFound)
}

/// The audit event of a new employee.
pub fn created_event<'a>(
    actor: &'a Actor,
    id: &'a str,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> NewEvent<'a> {
    NewEvent {
        actor,
        action: "employee.created",
        subject_type: "employee",
        subject_id: id,
        details: json!({
            "employee_no": fields.employee_no,
            "name": fields.name,
            "department": fields.department,
            "manager_id": manager_id,
        }),
    }
}

/// The audit event of an edited employee: what changed, field by field.
pub fn updated_event<'a>(
    actor: &'a Actor,
    current: &'a Employee,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> NewEvent<'a> {
    NewEvent {
        actor,
        action: "employee.updated",
        subject_type: "employee",
        subject_id: &current.id,
        details: changes(current, fields, manager_id),
    }
}

/// Replaces an employee's own fields and manager; records what changed. Returns false when
/// nothing did.
pub fn update(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    actor: &Actor,
    current: &Employee,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> Result<bool> {
    let manager_changed = current.manager_id.as_deref() != manager_id;
    if !differs(current, fields, manager_id) {
        return Ok(false);
    }
    if manager_changed && let Some(m) = manager_id {
        check_manager(tx, Some(&current.id), m)?;
    }
    update_row(tx, now, &current.id, fields, manager_id)?;
    audit::record(tx, now, updated_event(actor, current, fields, manager_id))?;
    Ok(true)
}

/// True when the fields or the manager differ from the record.
pub fn differs(current: &Employee, fields: &EmployeeFields, manager_id: Option<&str>) -> bool {
    current.fields() != *fields || current.manager_id.as_deref() != manager_id
}

/// What changed, field by field, for the audit trail.
pub fn changes(
    current: &Employee,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> serde_json::Value {
    let before = current.fields();
    let pairs = [
        (
            "employee_no",
            json!(before.employee_no),
            json!(fields.employee_no),
        ),
        ("name", json!(before.name), json!(fields.name)),
        (
            "work_email",
            json!(before.work_email),
            json!(fields.work_email),
        ),
        (
            "private_email",
            json!(before.private_email),
            json!(fields.private_email),
        ),
        ("language", json!(before.language), json!(fields.language)),
        (
            "department",
            json!(before.department),
            json!(fields.department),
        ),
        ("title", json!(before.title), json!(fields.title)),
        (
            "hire_date",
            json!(before.hire_date),
            json!(fields.hire_date),
        ),
        ("manager_id", json!(current.manager_id), json!(manager_id)),
    ];
    serde_json::Value::Object(
        pairs
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .map(|(name, old, new)| (name.to_string(), json!({"from": old, "to": new})))
            .collect(),
    )
}

/// Inserts an employee row (active, no tier) without checks or audit: for [`create`] and the
/// import, which check first.
pub fn insert_row(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> Result<()> {
    let at = stored_instant(now);
    diesel::insert_into(employees::table)
        .values((
            employees::id.eq(id),
            employees::employee_no.eq(&fields.employee_no),
            employees::name.eq(&fields.name),
            employees::work_email.eq(&fields.work_email),
            employees::private_email.eq(&fields.private_email),
            employees::language.eq(fields.language.as_str()),
            employees::department.eq(&fields.department),
            employees::title.eq(&fields.title),
            employees::manager_id.eq(manager_id),
            employees::hire_date.eq(fields.hire_date),
            employees::status.eq(EmployeeStatus::Active),
            employees::clearance_tier.eq(ClearanceTier::None),
            employees::search_text.eq(fields.search_text()),
            employees::created_at.eq(at),
            employees::updated_at.eq(at),
        ))
        .execute(tx.conn())
        .map_err(unique_no)?;
    index_terms(tx, &[(id, &fields.search_text())])?;
    Ok(())
}

/// Replaces an employee's own fields and manager without checks or audit.
pub fn update_row(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    id: &str,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> Result<()> {
    let search_text = fields.search_text();
    diesel::update(employees::table.find(id))
        .set((
            employees::employee_no.eq(&fields.employee_no),
            employees::name.eq(&fields.name),
            employees::work_email.eq(&fields.work_email),
            employees::private_email.eq(&fields.private_email),
            employees::language.eq(fields.language.as_str()),
            employees::department.eq(&fields.department),
            employees::title.eq(&fields.title),
            employees::manager_id.eq(manager_id),
            employees::hire_date.eq(fields.hire_date),
            employees::search_text.eq(&search_text),
            employees::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())
        .map_err(unique_no)?;
    reindex_terms(tx, id, &search_text)?;
    Ok(())
}

/// Every employee, for planning an import against the register.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Employee>> {
    employees::table.select(Employee::as_select()).load(conn)
}

impl From<RehireRefusal> for Error {
    fn from(refusal: RehireRefusal) -> Error {
        match refusal {
            RehireRefusal::NotLeft(status) => Error::refused(match status {
                EmployeeStatus::Departing => crate::problem!("rehire_departing"),
                _ => crate::problem!("rehire_active"),
            }),
        }
    }
}

/// Takes a departed or retired person back: active again, their post-departure obligations
/// superseded; a running non-compete ends with the rehire on `today` (the months after it are
/// not owed) and the earlier contract's agreement no longer applies.
pub fn rehire(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
    actor: &Actor,
    id: &str,
) -> Result<Employee> {
    crate::db::lock_row(tx, crate::db::Locked::Employee, id)?;
    let employee = find(tx, id)?.ok_or(Error::NotFound)?;
    let held = crate::db::obligations::held_by(tx, id)?;
    let owed: Vec<Owed<'_>> = held
        .iter()
        .map(|(id, kind, status, departure_id)| Owed {
            id,
            kind: *kind,
            status: *status,
            from_departure: departure_id.is_some(),
        })
        .collect();
    let rehired = rehire_rule(employee.status, &owed)?;
    diesel::update(employees::table.find(id))
        .set((
            employees::status.eq(rehired.status),
            employees::updated_at.eq(stored_instant(now)),
        ))
        .execute(tx.conn())?;
    let superseded =
        crate::db::obligations::supersede(tx, now, actor, id, &rehired.superseded, "rehired")?;
    let non_competes_ended =
        crate::db::noncompete::end_by_rehire(tx, now, actor, id, &rehired.superseded, today)?;
    audit::record(
        tx,
        now,
        NewEvent {
            actor,
            action: "employee.rehired",
            subject_type: "employee",
            subject_id: id,
            details: json!({
                "obligations_superseded": superseded, "non_competes_ended": non_competes_ended,
            }),
        },
    )?;
    find(tx, id)?.ok_or(Error::NotFound)
}
