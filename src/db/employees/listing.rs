//! The register as a list: its filter, sort orders and pages, and the departments to filter by.

use diesel::dsl::sql;
use diesel::prelude::*;

use super::scope::scoped;
use super::{Boxed, Employee, Scope, matching};
use crate::db::DbConnection;
use crate::db::listing::{self, Page, Sort, Window};
use crate::db::schema::employees;
use crate::domain::people::{ClearanceTier, EmployeeStatus};
use crate::error::Result;

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
    pub sort: Option<Sort<EmployeeSort>>,
}

/// Orders the register; ties (and the default) by department, name and number.
fn ordered(q: Boxed, sort: Option<Sort<EmployeeSort>>) -> Boxed {
    use diesel::sql_types::Integer;
    let Some(sort) = sort else {
        return q.order((
            employees::department,
            employees::name,
            employees::employee_no,
        ));
    };
    let q = match sort.key {
        EmployeeSort::EmployeeNo => listing::order_by!(q, sort.descending, employees::employee_no),
        EmployeeSort::Name => listing::order_by!(q, sort.descending, employees::name),
        EmployeeSort::Department => listing::order_by!(q, sort.descending, employees::department),
        EmployeeSort::Title => listing::order_by!(q, sort.descending, employees::title),
        EmployeeSort::Tier => listing::order_by!(
            q,
            sort.descending,
            sql::<Integer>(
                "CASE employees.clearance_tier WHEN 'general' THEN 1 WHEN 'important' THEN 2 \
                 WHEN 'core' THEN 3 ELSE 0 END"
            )
        ),
        EmployeeSort::Status => listing::order_by!(
            q,
            sort.descending,
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
    window: Window,
) -> QueryResult<Page<Employee>> {
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
    listing::page(conn, window, query, |conn, q| {
        ordered(q, filter.sort)
            .select(Employee::as_select())
            .load(conn)
    })
}

/// The departments of the employees the scope may see, in order (for a list's filter).
pub fn departments(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<String>> {
    scoped(scope)
        .select(employees::department)
        .distinct()
        .order(employees::department)
        .load(conn)
}
