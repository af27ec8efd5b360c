//! The people register: employees, their managers, and who may see whom.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde::Serialize;
use serde_json::json;

use super::audit;
use super::schema::employees;
use super::users::User;
use super::{DbConnection, MultiBackend, is_unique_violation, per_backend, stored_instant};
use crate::domain::audit::{Actor, NewEvent};
use crate::domain::people::{
    ClearanceTier, EMAIL_SEPARATORS, EmployeeFields, EmployeeStatus, search_terms,
};
use crate::domain::users::{Language, Role};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: String,
    pub employee_no: String,
    pub name: String,
    pub work_email: Option<String>,
    pub private_email: Option<String>,
    pub language: Language,
    pub department: String,
    pub title: String,
    pub manager_id: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub hire_date: Option<NaiveDate>,
    /// active, departing, departed or retired.
    pub status: EmployeeStatus,
    /// none, general, important or core.
    pub clearance_tier: ClearanceTier,
    #[serde(skip)]
    pub search_text: String,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl Employee {
    pub fn tier(&self) -> ClearanceTier {
        self.clearance_tier
    }

    pub fn fields(&self) -> EmployeeFields {
        EmployeeFields {
            employee_no: self.employee_no.clone(),
            name: self.name.clone(),
            work_email: self.work_email.clone(),
            private_email: self.private_email.clone(),
            language: self.language,
            department: self.department.clone(),
            title: self.title.clone(),
            hire_date: self.hire_date,
        }
    }
}

/// Whom a user may see in the register (least privilege, 003 二.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Admin, HR and security see everyone.
    All,
    /// A manager sees the reports (direct and indirect) of their own employee record; a
    /// manager not linked to an employee sees nobody.
    Team(Option<String>),
}

impl Scope {
    pub fn of(conn: &mut DbConnection, user: &User) -> QueryResult<Scope> {
        if user.has_any_role(&[Role::Admin, Role::Hr, Role::Security]) {
            return Ok(Scope::All);
        }
        let own = match &user.employee_no {
            Some(no) => employees::table
                .filter(employees::employee_no.eq(no))
                .select(employees::id)
                .first::<String>(conn)
                .optional()?,
            None => None,
        };
        Ok(Scope::Team(own))
    }
}

type Boxed = employees::BoxedQuery<'static, MultiBackend>;

/// A condition on an employee-id column of any table (`<column> IN (…)`): a team or a search.
pub type PersonCondition<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>;

/// The condition that the employee id in `column` is one of `manager_id`'s reports, direct or
/// indirect. UNION (not UNION ALL) stops at a cycle, should one ever be stored.
fn in_team<QS: 'static>(column: &str, manager_id: &str) -> PersonCondition<QS> {
    Box::new(
        sql::<Bool>(&format!(
            "{column} IN (WITH RECURSIVE team(id) AS (\
         SELECT e.id FROM employees e WHERE e.manager_id = "
        ))
        .bind::<Text, _>(manager_id.to_string())
        .sql(
            " UNION SELECT e.id FROM employees e JOIN team t ON e.manager_id = t.id) \
         SELECT id FROM team)",
        ),
    )
}

impl Scope {
    /// None when the scope sees everyone; else the condition on an employee-id `column`
    /// (a manager with no employee record of their own has an empty team).
    pub fn condition<QS: 'static>(&self, column: &str) -> Option<PersonCondition<QS>> {
        match self {
            Scope::All => None,
            Scope::Team(manager_id) => Some(in_team(column, manager_id.as_deref().unwrap_or(""))),
        }
    }
}

fn scoped(scope: &Scope) -> Boxed {
    let query = employees::table.into_boxed();
    match scope.condition("employees.id") {
        None => query,
        Some(condition) => query.filter(condition),
    }
}

/// A list's order: a whitelisted column `K`, ascending, or descending when written `-column`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortBy<K> {
    pub key: K,
    pub descending: bool,
}

impl<K: std::str::FromStr<Err = String>> std::str::FromStr for SortBy<K> {
    type Err = String;
    fn from_str(text: &str) -> Result<SortBy<K>, String> {
        let text = text.trim();
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        Ok(SortBy {
            key: name.parse()?,
            descending,
        })
    }
}

crate::string_enum! {
    /// The columns the register can be sorted by.
    pub enum EmployeeSort ("a sort column") {
        EmployeeNo = "employee_no",
        Name = "name",
        Department = "department",
        Title = "title",
        /// By secrecy: none, general, important, core.
        Tier = "tier",
        /// In the order of a career: active, departing, departed, retired.
        Status = "status",
        HireDate = "hire_date",
    }
}

#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    /// Name, number or email, any part, any case.
    pub q: Option<String>,
    pub department: Option<String>,
    pub tier: Option<ClearanceTier>,
    pub status: Option<EmployeeStatus>,
    pub manager_id: Option<String>,
    /// None: by department, then name.
    pub sort: Option<SortBy<EmployeeSort>>,
}

/// Orders the register; ties (and the default) by department, name and number.
fn ordered(q: Boxed, sort: Option<SortBy<EmployeeSort>>) -> Boxed {
    use diesel::sql_types::Integer;
    let Some(sort) = sort else {
        return q.order((
            employees::department,
            employees::name,
            employees::employee_no,
        ));
    };
    macro_rules! by {
        ($q:expr, $column:expr) => {
            if sort.descending {
                $q.order($column.desc())
            } else {
                $q.order($column.asc())
            }
        };
    }
    let q = match sort.key {
        EmployeeSort::EmployeeNo => by!(q, employees::employee_no),
        EmployeeSort::Name => by!(q, employees::name),
        EmployeeSort::Department => by!(q, employees::department),
        EmployeeSort::Title => by!(q, employees::title),
        EmployeeSort::Tier => by!(
            q,
            sql::<Integer>(
                "CASE employees.clearance_tier WHEN 'general' THEN 1 WHEN 'important' THEN 2 \
                 WHEN 'core' THEN 3 ELSE 0 END"
            )
        ),
        EmployeeSort::Status => by!(
            q,
            sql::<Integer>(
                "CASE employees.status WHEN 'departing' THEN 1 WHEN 'departed' THEN 2 \
                 WHEN 'retired' THEN 3 ELSE 0 END"
            )
        ),
        // People without a hire date come last either way, on both databases.
        EmployeeSort::HireDate => {
            let q = q.order(employees::hire_date.is_null().asc());
            if sort.descending {
                q.then_order_by(employees::hire_date.desc())
            } else {
                q.then_order_by(employees::hire_date.asc())
            }
        }
    };
    q.then_order_by((employees::name, employees::employee_no))
}

/// Words of a search beyond these are not looked at.
pub const MAX_SEARCH_WORDS: usize = 16;

/// The condition that the employee id in `column` is one of the people found by `text`: for
/// each word typed, a person with a search term starting with it (see
/// [`crate::domain::people::search_terms`]), any case. The one search of people, on any table.
pub fn matching<QS: 'static>(column: &str, text: &str) -> PersonCondition<QS> {
    let lowered = text.to_lowercase();
    let words: Vec<&str> = lowered
        .split_whitespace()
        .map(|w| w.trim_start_matches(EMAIL_SEPARATORS))
        .filter(|w| !w.is_empty())
        // Enough for any name; bounds the statement whatever is typed.
        .take(MAX_SEARCH_WORDS)
        .collect();
    // Typed only separators ("@", "."): no term starts with nothing, so nobody is found.
    let none_typed = if words.is_empty() { "1 = 0" } else { "1 = 1" };
    let mut condition: PersonCondition<QS> = Box::new(sql::<Bool>(none_typed));
    for word in words {
        // Every term starting with `word` sorts from `word` up to `word` + the last character.
        let term_in_range = sql::<Bool>(&format!(
            "{column} IN (SELECT t.employee_id FROM person_terms t WHERE t.term >= "
        ))
        .bind::<Text, _>(word.to_string())
        .sql(" AND t.term < ")
        .bind::<Text, _>(format!("{word}{}", char::MAX))
        .sql(")");
        condition = Box::new(condition.and(term_in_range));
    }
    condition
}

/// Writes the search terms of these people (id, search text); terms already there stay.
pub fn index_terms(conn: &mut DbConnection, people: &[(&str, &str)]) -> QueryResult<()> {
    use super::schema::person_terms;
    let rows: Vec<_> = people
        .iter()
        .flat_map(|&(id, text)| {
            search_terms(text).into_iter().map(move |term| {
                (
                    person_terms::term.eq(term),
                    person_terms::employee_id.eq(id),
                )
            })
        })
        .collect();
    // Two values a row; within both backends' limit of bound values a statement.
    for chunk in rows.chunks(10_000) {
        per_backend!(conn, c => diesel::insert_into(person_terms::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Replaces one person's search terms after their name, number or emails changed.
fn reindex_terms(conn: &mut DbConnection, id: &str, search_text: &str) -> QueryResult<()> {
    use super::schema::person_terms;
    diesel::delete(person_terms::table.filter(person_terms::employee_id.eq(id))).execute(conn)?;
    index_terms(conn, &[(id, search_text)])
}

/// Writes the search terms of the people who have none: on each start, for the people
/// registered before the terms existed, or by an older instance during an upgrade. Runs with
/// the migrations.
pub fn index_terms_if_missing(conn: &mut DbConnection) -> QueryResult<usize> {
    use super::schema::person_terms;
    let people: Vec<(String, String)> = employees::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            person_terms::table
                .filter(person_terms::employee_id.eq(employees::id))
                .select(person_terms::term),
        )))
        .select((employees::id, employees::search_text))
        .load(conn)?;
    if people.is_empty() {
        return Ok(0);
    }
    let pairs: Vec<(&str, &str)> = people
        .iter()
        .map(|(id, text)| (id.as_str(), text.as_str()))
        .collect();
    super::write_tx(conn, |conn| index_terms(conn, &pairs))?;
    Ok(people.len())
}

/// One page of the employees the scope may see, ordered by department and name unless the
/// filter asks for another order.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    filter: &EmployeeFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Employee>, i64)> {
    let query = || {
        let mut q = scoped(scope);
        if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            q = q.filter(matching("employees.id", text));
        }
        if let Some(d) = &filter.department {
            q = q.filter(employees::department.eq(d.clone()));
        }
        if let Some(t) = filter.tier {
            q = q.filter(employees::clearance_tier.eq(t.as_str()));
        }
        if let Some(s) = filter.status {
            q = q.filter(employees::status.eq(s.as_str()));
        }
        if let Some(m) = &filter.manager_id {
            q = q.filter(employees::manager_id.eq(m.clone()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let items = ordered(query(), filter.sort)
        .offset(offset)
        .limit(limit)
        .select(Employee::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Employee>> {
    employees::table
        .find(id)
        .select(Employee::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_no(conn: &mut DbConnection, employee_no: &str) -> QueryResult<Option<Employee>> {
    employees::table
        .filter(employees::employee_no.eq(employee_no))
        .select(Employee::as_select())
        .first(conn)
        .optional()
}

/// The employee, if the scope may see them: 404 when there is none, 403 when out of scope.
pub fn get(conn: &mut DbConnection, scope: &Scope, id: &str) -> Result<Employee> {
    let employee = find(conn, id)?.ok_or(Error::NotFound)?;
    if visible(conn, scope, id)? {
        Ok(employee)
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the scope may see this employee.
pub fn visible(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<bool> {
    if *scope == Scope::All {
        return Ok(true);
    }
    let n: i64 = scoped(scope)
        .filter(employees::id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(n == 1)
}

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
            return Err(Error::field(
                "manager_id",
                "would make the employee report to one of their own reports",
            ));
        }
        let next = employees::table
            .find(&id)
            .select(employees::manager_id)
            .first::<Option<String>>(conn)
            .optional()?;
        match next {
            None if steps == 0 => {
                return Err(Error::field("manager_id", "no employee has this id"));
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
        Error::field("employee_no", "another employee has this number")
    } else {
        e.into()
    }
}

/// Adds an employee (active, no tier). Call inside a write transaction.
pub fn create(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    fields: &EmployeeFields,
    manager_id: Option<&str>,
) -> Result<Employee> {
    if let Some(m) = manager_id {
        check_manager(conn, None, m)?;
    }
    let id = uuid::Uuid::now_v7().to_string();
    insert_row(conn, now, &id, fields, manager_id)?;
    audit::record(conn, now, created_event(actor, &id, fields, manager_id))?;
    find(conn, &id)?.ok_or(Error::NotFound)
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
/// nothing did. Call inside a write transaction.
pub fn update(
    conn: &mut DbConnection,
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
        check_manager(conn, Some(&current.id), m)?;
    }
    update_row(conn, now, &current.id, fields, manager_id)?;
    audit::record(conn, now, updated_event(actor, current, fields, manager_id))?;
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
    conn: &mut DbConnection,
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
        .execute(conn)
        .map_err(unique_no)?;
    index_terms(conn, &[(id, &fields.search_text())])?;
    Ok(())
}

/// Replaces an employee's own fields and manager without checks or audit.
pub fn update_row(
    conn: &mut DbConnection,
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
        .execute(conn)
        .map_err(unique_no)?;
    reindex_terms(conn, id, &search_text)?;
    Ok(())
}

/// Every employee, for planning an import against the register.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Employee>> {
    employees::table.select(Employee::as_select()).load(conn)
}

/// Takes a departed or retired person back: active again, their post-departure obligations
/// superseded. Call inside a write transaction.
pub fn rehire(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    actor: &Actor,
    id: &str,
) -> Result<Employee> {
    super::lock_row(conn, super::Locked::Employee, id)?;
    let employee = find(conn, id)?.ok_or(Error::NotFound)?;
    if !matches!(
        employee.status,
        EmployeeStatus::Departed | EmployeeStatus::Retired
    ) {
        return Err(Error::Conflict(format!(
            "the employee is {}; only someone who has left can be rehired",
            employee.status
        )));
    }
    diesel::update(employees::table.find(id))
        .set((
            employees::status.eq(EmployeeStatus::Active),
            employees::updated_at.eq(stored_instant(now)),
        ))
        .execute(conn)?;
    let superseded = super::obligations::supersede_after_rehire(conn, now, actor, id)?;
    audit::record(
        conn,
        now,
        NewEvent {
            actor,
            action: "employee.rehired",
            subject_type: "employee",
            subject_id: id,
            details: json!({ "obligations_superseded": superseded }),
        },
    )?;
    find(conn, id)?.ok_or(Error::NotFound)
}

/// The id of the employee numbered `no`; a number nobody has is an error on `field`.
pub fn id_by_no(conn: &mut DbConnection, no: &str, field: &str) -> Result<String> {
    employees::table
        .filter(employees::employee_no.eq(no.trim()))
        .select(employees::id)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(|| Error::field(field, "no employee has this number"))
}

/// An employee named by id, or by employee number (what people type in a form, checked on
/// `no_field`); when both are given they must name the same person. Empty texts count as absent.
pub fn by_id_or_no(
    conn: &mut DbConnection,
    id: Option<String>,
    no: Option<String>,
    no_field: &str,
) -> Result<Option<String>> {
    let id = id.filter(|i| !i.trim().is_empty());
    let Some(no) = no.filter(|n| !n.trim().is_empty()) else {
        return Ok(id);
    };
    let found = id_by_no(conn, &no, no_field)?;
    match id {
        Some(id) if id != found => Err(Error::field(
            no_field,
            "names another employee than the id given",
        )),
        _ => Ok(Some(found)),
    }
}

/// The departments of the employees the scope may see, in order (for a list's filter).
pub fn departments(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<String>> {
    scoped(scope)
        .select(employees::department)
        .distinct()
        .order(employees::department)
        .load(conn)
}

/// A person's departures, newest first (the person page links to each).
pub fn departures_of(
    conn: &mut DbConnection,
    employee_id: &str,
) -> QueryResult<Vec<super::departures::Departure>> {
    use super::schema::departures;
    departures::table
        .filter(departures::employee_id.eq(employee_id))
        .order(departures::notice_date.desc())
        .select(super::departures::Departure::as_select())
        .load(conn)
}

/// How many people report directly to this employee.
pub fn direct_reports(conn: &mut DbConnection, employee_id: &str) -> QueryResult<i64> {
    employees::table
        .filter(employees::manager_id.eq(employee_id))
        .count()
        .get_result(conn)
}
