//! Searching people: the condition that finds them by the words typed, and the search terms
//! it looks in (written, replaced, and filled in for people who have none).

use crate::db::WriteTx;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::PersonCondition;
use crate::db::schema::employees;
use crate::db::{DbConnection, per_backend};
use crate::domain::people::{EMAIL_SEPARATORS, search_terms};

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
pub fn index_terms(tx: &mut WriteTx, people: &[(&str, &str)]) -> QueryResult<()> {
    use crate::db::schema::person_terms;
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
        per_backend!(tx.conn(), c => diesel::insert_into(person_terms::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Replaces one person's search terms after their name, number or emails changed.
pub(super) fn reindex_terms(tx: &mut WriteTx, id: &str, search_text: &str) -> QueryResult<()> {
    use crate::db::schema::person_terms;
    diesel::delete(person_terms::table.filter(person_terms::employee_id.eq(id)))
        .execute(tx.conn())?;
    index_terms(tx, &[(id, search_text)])
}

/// Writes the search terms of the people who have none: on each start, for the people
/// registered before the terms existed, or by an older instance during an upgrade. Runs with
/// the migrations.
pub fn index_terms_if_missing(conn: &mut DbConnection) -> QueryResult<usize> {
    use crate::db::schema::person_terms;
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
    crate::db::write_tx(conn, |conn| index_terms(conn, &pairs))?;
    Ok(people.len())
}
