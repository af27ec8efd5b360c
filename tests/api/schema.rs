//! The two backends' migrations: the same schema at the end, and every down.sql undoes its up.sql.

use std::collections::BTreeSet;

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_migrations::MigrationHarness;
use tuomi::db::{self, DbConnection};

use crate::helpers::{drop_postgres_database, fresh_postgres_database};

/// Tables, columns (with nullability) and explicit indexes (with their columns and uniqueness).
#[derive(Debug, PartialEq, Eq, Default)]
struct Schema {
    columns: BTreeSet<(String, String, bool)>,
    indexes: BTreeSet<(String, String, String, bool)>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    columns: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
}

fn schema_of(conn: &mut DbConnection) -> Schema {
    let mut schema = Schema::default();
    match conn {
        DbConnection::Sqlite(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            for Name { name: table } in tables {
                let cols: Vec<Column> = diesel::sql_query(format!(
                    "SELECT '{table}' AS table_name, name AS column_name, \
                     (\"notnull\" = 0 AND pk = 0) AS nullable FROM pragma_table_info('{table}')"
                ))
                .load(c)
                .unwrap();
                schema.columns.extend(
                    cols.into_iter()
                        .map(|c| (c.table_name, c.column_name, c.nullable)),
                );
                let idx: Vec<Index> = diesel::sql_query(format!(
                    "SELECT il.name AS index_name, '{table}' AS table_name, \
                     (SELECT group_concat(ii.name, ',') FROM pragma_index_info(il.name) ii) AS columns, \
                     il.\"unique\" = 1 AS is_unique \
                     FROM pragma_index_list('{table}') il WHERE il.origin = 'c'"
                ))
                .load(c)
                .unwrap();
                schema.indexes.extend(
                    idx.into_iter()
                        .map(|i| (i.index_name, i.table_name, i.columns, i.is_unique)),
                );
            }
        }
        DbConnection::Pg(c) => {
            let cols: Vec<Column> = diesel::sql_query(
                "SELECT table_name::text, column_name::text, (is_nullable = 'YES') AS nullable \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name != '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            schema.columns.extend(
                cols.into_iter()
                    .map(|c| (c.table_name, c.column_name, c.nullable)),
            );
            let idx: Vec<Index> = diesel::sql_query(
                "SELECT i.relname::text AS index_name, t.relname::text AS table_name, \
                 (SELECT string_agg(a.attname, ',' ORDER BY k.ord) \
                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns, \
                 x.indisunique AS is_unique \
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                 JOIN pg_class t ON t.oid = x.indrelid \
                 WHERE t.relnamespace = 'public'::regnamespace AND NOT x.indisprimary \
                 AND t.relname != '__diesel_schema_migrations'",
            )
            .load(c)
            .unwrap();
            schema.indexes.extend(
                idx.into_iter()
                    .map(|i| (i.index_name, i.table_name, i.columns, i.is_unique)),
            );
        }
    }
    schema
}

fn sqlite_db(dir: &tempfile::TempDir) -> DbConnection {
    db::connect(&db::DatabaseUrl::Sqlite(dir.path().join("schema.db"))).unwrap()
}

#[test]
fn both_backends_end_with_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = sqlite_db(&dir);
    db::migrate(&mut sqlite).unwrap();
    let Some((name, url)) = fresh_postgres_database() else {
        return;
    };
    let mut pg = db::connect(&db::DatabaseUrl::Postgres(url)).unwrap();
    db::migrate(&mut pg).unwrap();
    let (s, p) = (schema_of(&mut sqlite), schema_of(&mut pg));
    drop(pg);
    drop_postgres_database(&name);
    assert!(!s.columns.is_empty() && !s.indexes.is_empty());
    let only_sqlite: Vec<_> = s.columns.difference(&p.columns).collect();
    let only_pg: Vec<_> = p.columns.difference(&s.columns).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "columns only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_pg:?}"
    );
    assert_eq!(s.indexes, p.indexes);
}

/// Steps through the migrations one at a time: up, down (the schema must be as before), up.
fn every_down_undoes_its_up(conn: &mut DbConnection) {
    let count = match conn {
        DbConnection::Sqlite(_) => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&db::SQLITE_MIGRATIONS)
                .unwrap()
                .len()
        }
        DbConnection::Pg(_) => {
            MigrationSource::<diesel::pg::Pg>::migrations(&db::POSTGRES_MIGRATIONS)
                .unwrap()
                .len()
        }
    };
    assert!(count > 0);
    for _ in 0..count {
        let before = schema_of(conn);
        let step = |conn: &mut DbConnection, up: bool| {
            match conn {
                DbConnection::Sqlite(c) => {
                    if up {
                        c.run_next_migration(db::SQLITE_MIGRATIONS).map(|_| ())
                    } else {
                        c.revert_last_migration(db::SQLITE_MIGRATIONS).map(|_| ())
                    }
                }
                DbConnection::Pg(c) => {
                    if up {
                        c.run_next_migration(db::POSTGRES_MIGRATIONS).map(|_| ())
                    } else {
                        c.revert_last_migration(db::POSTGRES_MIGRATIONS).map(|_| ())
                    }
                }
            }
            .unwrap()
        };
        step(conn, true);
        let after_up = schema_of(conn);
        assert_ne!(before, after_up, "a migration that changes nothing");
        step(conn, false);
        assert_eq!(before, schema_of(conn), "down.sql did not undo up.sql");
        step(conn, true);
    }
    assert!(db::is_migrated(conn).unwrap());
}

#[test]
fn every_down_sql_undoes_its_up_sql_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_down_undoes_its_up(&mut sqlite_db(&dir));
}

#[test]
fn every_down_sql_undoes_its_up_sql_on_postgres() {
    let Some((name, url)) = fresh_postgres_database() else {
        return;
    };
    every_down_undoes_its_up(&mut db::connect(&db::DatabaseUrl::Postgres(url)).unwrap());
    drop_postgres_database(&name);
}
