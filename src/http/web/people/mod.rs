//! The people register's pages: the list (search, filters, sorting, CSV), a new person, the
//! person with everything about them (facts, tier and its history, carriers, pledges,
//! non-compete terms, obligations and their timeline, departures), the import of an HR export,
//! and a signed pledge ready to print. Actions are forms posted to the JSON API.

mod import;
mod list;
mod paper;
mod person;
mod print;
mod whereabouts;

use std::collections::HashMap;

use chrono::NaiveDate;
use minijinja::{Value, context};

use crate::db::listing::Sort;
use crate::db::names::EmployeeName;
use crate::domain::roles::{AnyRole, HrOnly, PaperReaders, PeopleEditors};
use crate::http::routes::PageRoutes;

/// These pages' routes, each with the role set it admits (listed in the route table).
pub fn routes(r: &mut PageRoutes) {
    r.get("/employees", AnyRole, list::list);
    r.get("/employees/new", PeopleEditors, list::new_person);
    r.get("/employees/import", PeopleEditors, import::import_page);
    r.get(
        "/employees/import/template",
        PeopleEditors,
        import::template,
    );
    r.post("/employees/import", PeopleEditors, import::import_upload);
    r.get("/employees/{id}", AnyRole, person::person);
    r.get(
        "/employees/{id}/pledges/{pledge_id}/print",
        AnyRole,
        print::print_pledge,
    );
    r.get(
        "/employees/{id}/pledge-texts/{text_id}/print",
        AnyRole,
        print::print_blank,
    );
    r.post("/employees/{id}/pledges/paper", HrOnly, paper::record);
    r.get(
        "/employees/{id}/pledges/{pledge_id}/scan",
        PaperReaders,
        paper::scan,
    );
}

/// The `sort` parameter as written in links ("" for the list's own order).
pub(super) fn sort_text<K: std::fmt::Display>(sort: Option<Sort<K>>) -> String {
    sort.map(|s| s.to_string()).unwrap_or_default()
}

pub(super) use super::view::instant;

/// An employee as a page links to them: id, number and name.
pub(super) fn person_link(
    names: &HashMap<String, EmployeeName>,
    id: Option<&String>,
) -> Option<Value> {
    let id = id?;
    let n = names.get(id)?;
    Some(context! { id => id, employee_no => n.employee_no, name => n.name })
}

fn day(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::people::ClearanceTier;

    #[test]
    fn a_sort_is_written_back_as_it_was_read() {
        let s: Sort<crate::db::employees::EmployeeSort> = "-hire_date".parse().unwrap();
        assert_eq!(sort_text(Some(s)), "-hire_date");
        assert_eq!(sort_text::<ClearanceTier>(None), "");
    }
}
