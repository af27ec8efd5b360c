//! The register as a list: its filter, sort orders and pages, and the departments to filter by.

use diesel::dsl::sql;
use diesel::prelude::*;

use super::scope::scoped;
use super::{Boxed, Employee, Scope, matching};
use crate::db::DbConnection;
use crate::db::schema::employees;
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::domain::problem::Problem;
use crate::error::Result;

/// A list's order: a whitelisted column `K`, ascending, or descending when written `-column`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortBy<K> {
    pub key: K,
    pub descending: bool,
}

impl<K: std::str::FromStr<Err = Problem>> std::str::FromStr for SortBy<K> {
    type Err = Problem;
    fn from_str(text: &str) -> Result<SortBy<K>, Problem> {
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

/// The departments of the employees the scope may see, in order (for a list's filter).
pub fn departments(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<String>> {
    scoped(scope)
        .select(employees::department)
        .distinct()
        .order(employees::department)
        .load(conn)
}
