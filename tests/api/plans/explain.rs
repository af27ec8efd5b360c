//! The query plan of a logged statement, on either backend, and the full scans in it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use tuomi::db::DbConnection;

use super::Runs;

/// Tables that stay small whatever the size of the company: a scan of one costs the same at
/// 1,000 people as at 100,000.
const SMALL: &[(&str, &str)] = &[
    ("__diesel_schema_migrations", "one row per migration"),
    ("audit_head", "one row: the hash at the head of the chain"),
    (
        "policy_versions",
        "one row per change of the retention policy",
    ),
    (
        "pledge_texts",
        "one row per version of the pledge's wording",
    ),
    ("schedule_marks", "one row per scheduled job kind"),
    (
        "throttles",
        "failed sign-ins in the current window, pruned as they expire",
    ),
    (
        "users",
        "the accounts of the staff who sign in (HR, security, admins, managers given one): \
         tens to hundreds, listed whole on the admin page",
    ),
    ("user_roles", "a role or two per account"),
    (
        "competitors",
        "the competitors HR lists by hand: tens, listed whole on their page",
    ),
    (
        "jobs",
        "the work queue: what is queued and the last 30 days of done jobs (pruned daily); \
         listed for operators only",
    ),
];

/// Routes that read a growing table whole by design, and why.
const WHOLE_BY_DESIGN: &[(&str, &str)] = &[(
    "/api/v1/reminders/forecast",
    "the forecast counts the reminders every running duty will send in the months ahead: it \
     reads every running duty, on an overseer's request",
)];

/// PostgreSQL: the total of a list, `SELECT COUNT(*) FROM <table> [WHERE <indexed filter>]`.
/// When the filter keeps most rows, reading the table is cheaper than its index and the planner
/// says so; SQLite's plan of the same statement shows the index that serves it.
fn is_list_total(sql: &str) -> bool {
    let Some(rest) = sql.strip_prefix("SELECT COUNT(*) FROM \"") else {
        return false;
    };
    !rest.contains(" JOIN ") && !rest.contains("SELECT") && !rest.contains(" IN (")
}

/// PostgreSQL: a sequential scan of a table this small is the planner's right choice (a few
/// pages), whatever the table; the seeded tables that grow hold more.
const PG_ENOUGH_ROWS: f64 = 2000.0;

/// A statement's plan is read from a fresh look at the tables' statistics (and, on
/// PostgreSQL, with the visibility map an index-only scan needs, as after an autovacuum).
pub(super) fn analyze(conn: &mut DbConnection) {
    if let DbConnection::Pg(c) = conn {
        c.batch_execute("VACUUM ANALYZE").unwrap();
    }
}

#[derive(QueryableByName)]
struct SqlitePlanLine {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Sized {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// Statements that read nothing of the company: transactions, settings, connection checks,
/// and a filter on an empty list (`IN ()`, written `1=0`: the condition is false before any
/// row is read, whatever the plan says of the table).
fn reads_tables(sql: &str) -> bool {
    let head = sql.trim_start().to_ascii_uppercase();
    ["SELECT", "WITH", "UPDATE", "DELETE", "INSERT"]
        .iter()
        .any(|k| head.starts_with(k))
        && !head.starts_with("SELECT 1")
        && !head.contains("WHERE (1=0)")
}

/// Each statement a route ran whose plan reads a growing table from end to end, as the route,
/// the statement and the plan's line.
pub(super) fn full_scans(conn: &mut DbConnection, runs: &Runs) -> Vec<String> {
    // Each distinct statement once, with the first route that ran it and the values it was
    // run with (PostgreSQL plans for them, as it does for the service's first executions).
    let mut statements: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for (route, list) in runs {
        let path = route.split(' ').nth(2).unwrap_or("");
        if WHOLE_BY_DESIGN.iter().any(|(r, _)| *r == path) {
            continue;
        }
        for logged in list {
            let (sql, binds) = logged.rsplit_once(" -- binds: ").unwrap_or((logged, "[]"));
            if reads_tables(sql) {
                statements.entry(sql).or_insert((route.as_str(), binds));
            }
        }
    }
    eprintln!("plans: {} distinct statements", statements.len());
    let small: BTreeSet<&str> = SMALL.iter().map(|(t, _)| *t).collect();
    let mut problems = Vec::new();
    match conn {
        DbConnection::Sqlite(c) => {
            let tables: Vec<String> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .load::<Named>(c)
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect();
            for (sql, (route, _)) in statements {
                let lines = match diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                    .load::<SqlitePlanLine>(c)
                {
                    Ok(lines) => lines,
                    Err(e) => {
                        problems.push(format!("{route}: cannot explain ({e}):\n  {sql}"));
                        continue;
                    }
                };
                let names = aliases(sql, &tables);
                for line in lines {
                    // `SCAN x` reads all of x; `SCAN x USING INDEX i` walks an index (in order,
                    // for a limit) and `SEARCH` looks up.
                    let Some(rest) = line.detail.strip_prefix("SCAN ") else {
                        continue;
                    };
                    if rest.contains(" USING ") {
                        continue;
                    }
                    let name = rest.split(' ').next().unwrap_or("");
                    if let Some(table) = names.get(name)
                        && !small.contains(table.as_str())
                    {
                        problems.push(format!(
                            "{route}: {} (table {table}) in\n  {sql}",
                            line.detail
                        ));
                    }
                }
            }
        }
        DbConnection::Pg(c) => {
            let sizes: HashMap<String, i64> = diesel::sql_query(
                "SELECT relname::text AS name, reltuples::bigint AS rows FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = 'public' AND c.relkind = 'r'",
            )
            .load::<Sized>(c)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.rows))
            .collect();
            for (sql, (route, binds)) in statements {
                let values = literals(binds);
                let explained = c
                    .batch_execute(&format!("DEALLOCATE ALL; PREPARE guard AS {sql}"))
                    .and_then(|_| {
                        let execute = if values.is_empty() {
                            "EXECUTE guard".to_string()
                        } else {
                            format!("EXECUTE guard({})", values.join(", "))
                        };
                        diesel::sql_query(format!("EXPLAIN (FORMAT JSON) {execute}"))
                            .load::<PgPlan>(c)
                    });
                let plan = match explained {
                    Ok(plan) => plan,
                    Err(e) => {
                        problems.push(format!(
                            "{route}: cannot explain ({e}):\n  {sql}\n  with {binds}"
                        ));
                        continue;
                    }
                };
                let json: serde_json::Value =
                    serde_json::from_str(&plan.first().map(|p| p.plan.clone()).unwrap_or_default())
                        .unwrap_or(serde_json::Value::Null);
                let mut scans = Vec::new();
                seq_scans(&json, &mut scans);
                if is_list_total(sql) {
                    continue;
                }
                for table in scans {
                    let rows = sizes.get(&table).copied().unwrap_or(0);
                    if !small.contains(table.as_str()) && rows as f64 >= PG_ENOUGH_ROWS {
                        problems.push(format!(
                            "{route}: Seq Scan on {table} ({rows} rows) in\n  {sql}"
                        ));
                    }
                }
            }
            c.batch_execute("DEALLOCATE ALL").unwrap();
        }
    }
    problems
}

/// The bound values of a statement, as diesel prints them (`["active", 50, Some(2028-02-28),
/// Periodic]`), written as SQL literals: text and dates quoted, `None` as NULL, a list as an
/// array, an enum's variant as its stored snake_case text.
fn literals(binds: &str) -> Vec<String> {
    let binds = binds.trim();
    let inner = binds
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .unwrap_or(binds);
    split_top(inner).into_iter().map(|v| literal(&v)).collect()
}

/// `a, "b, c", [d, e]` into its three items.
fn split_top(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut depth, mut quoted, mut escaped) = (0, false, false);
    for ch in text.chars() {
        if quoted {
            current.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                quoted = false;
            }
            continue;
        }
        match ch {
            '"' => quoted = true,
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    if !current.trim().is_empty() {
        items.push(current.trim().to_string());
    }
    items
}

fn literal(value: &str) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
    if value == "None" {
        return "NULL".into();
    }
    if let Some(inner) = value
        .strip_prefix("Some(")
        .and_then(|v| v.strip_suffix(')'))
    {
        return literal(inner);
    }
    if let Some(text) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return quote(&text.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let items: Vec<String> = split_top(inner)
            .iter()
            .map(|v| {
                let l = literal(v);
                let bare = l.trim_matches('\'').replace('"', "\\\"");
                format!("\"{bare}\"")
            })
            .collect();
        return quote(&format!("{{{}}}", items.join(",")));
    }
    if value == "true" || value == "false" || value.parse::<f64>().is_ok() {
        return value.into();
    }
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        // A date, a time or an instant.
        return quote(&value.replace('T', " "));
    }
    // An enum's variant: `InProgress` is stored as `in_progress`.
    let mut snake = String::new();
    for (i, ch) in value.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.push(ch.to_ascii_lowercase());
        } else {
            snake.push(ch);
        }
    }
    quote(&snake)
}

/// The tables a PostgreSQL plan scans sequentially, by name.
fn seq_scans(node: &serde_json::Value, out: &mut Vec<String>) {
    match node {
        serde_json::Value::Array(items) => items.iter().for_each(|i| seq_scans(i, out)),
        serde_json::Value::Object(map) => {
            if map.get("Node Type").and_then(|t| t.as_str()) == Some("Seq Scan")
                && let Some(table) = map.get("Relation Name").and_then(|t| t.as_str())
            {
                out.push(table.to_string());
            }
            map.values().for_each(|v| seq_scans(v, out));
        }
        _ => {}
    }
}

/// SQLite names a table in its plan by its alias when it has one: each table of `sql` and
/// each alias it is given, to the table.
fn aliases(sql: &str, tables: &[String]) -> HashMap<String, String> {
    const NOT_ALIASES: &[&str] = &[
        "where",
        "on",
        "join",
        "inner",
        "left",
        "right",
        "cross",
        "natural",
        "order",
        "group",
        "limit",
        "offset",
        "set",
        "values",
        "union",
        "using",
        "having",
        "window",
        "as",
        "and",
        "or",
        "select",
        "from",
        "returning",
        "default",
    ];
    let words: Vec<String> = sql
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut names = HashMap::new();
    for (i, word) in words.iter().enumerate() {
        if !tables.contains(word) {
            continue;
        }
        names.insert(word.clone(), word.clone());
        let mut next = i + 1;
        if words
            .get(next)
            .is_some_and(|w| w.eq_ignore_ascii_case("as"))
        {
            next += 1;
        }
        if let Some(alias) = words.get(next)
            && !NOT_ALIASES.contains(&alias.to_ascii_lowercase().as_str())
            && !tables.contains(alias)
        {
            names.entry(alias.clone()).or_insert_with(|| word.clone());
        }
    }
    names
}
