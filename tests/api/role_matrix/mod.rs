//! The role matrix: every route of the service (the JSON API and the pages) asked by each of
//! six callers — admin, HR, security, a manager, a former employee holding their emailed link,
//! and someone anonymous — against the answer the table (`table.rs`) expects. The routes come
//! from the route table the service exports (`tuomi::http::route_table`, made by the functions
//! that register them). A test fails when a route is registered that the table does not list
//! (or the table lists one that is gone), so a new route cannot ship without someone deciding
//! who may use it; another when the role set a route registers with disagrees with its row.
//!
//! Where the answer depends on whose record it is (`Scoped`), the caller asks twice: about
//! something of their own (a manager: their report's), which must be let in, and about
//! someone else's, which must be refused (403, or 404 where the id is not even revealed).
//!
//! Each caller is a test of its own, on a world of its own (`world.rs`, `fixtures.rs`), so a
//! role answered wrongly does not hide what the others get; each test names every route whose
//! answer to its caller differs from the table. The scenarios the table cannot say are in
//! `scenarios.rs`.

mod ask;
mod cross_site;
mod fixtures;
mod registered;
mod scenarios;
mod table;
mod world;

use ask::{ask, judge};
use registered::{missing_rows, registered_routes, role_set_mismatches, undocumented};
use table::{CALLERS, Expect, ROUTES, Who};
use world::build_world;

use crate::helpers::TestApp;
use crate::on_both_databases;

/// Asks every route of the table as `who`, on a world of its own, and fails naming each
/// answer that differs from the table's column for `who`.
async fn every_route_answers_as_the_table_says(app: &TestApp, who: Who) {
    let started = std::time::Instant::now();
    let w = build_world(app).await;
    // The throttles of wrong guesses and public reports start afresh.
    app.clock.advance(chrono::Duration::hours(2));

    let column = CALLERS
        .iter()
        .position(|&c| c == who)
        .expect("every caller has a column");
    let c = w.caller(who);
    // Reads first, then actions, so an action cannot change what a later read finds.
    let mut rows: Vec<_> = ROUTES.iter().collect();
    rows.sort_by_key(|(m, _, _)| *m != "GET");
    let (mut checks, mut foreign_checks, mut failures) = (0, 0, Vec::new());
    // ROLE_MATRIX_ANSWERS=1 prints every answer, to see what the table is compared with.
    let print_all = std::env::var("ROLE_MATRIX_ANSWERS").is_ok_and(|v| v == "1");
    for (method, path, expected) in rows {
        let expect = expected[column];
        let passes: &[bool] = if expect == Expect::Scoped {
            &[true, false]
        } else {
            &[false]
        };
        for &foreign in passes {
            let answer = ask(app, &w, c, method, path, foreign).await;
            if foreign {
                foreign_checks += 1;
            } else {
                checks += 1;
            }
            if print_all {
                let whose = if foreign { " (someone else's)" } else { "" };
                println!("{method} {path} as {who:?}{whose}: {answer}");
            }
            if let Some(why) = judge(expect, &answer, method, path, foreign) {
                failures.push(format!("{method} {path} as {who:?}: {why}"));
            }
            // What a manager is let in to holds nothing of anyone outside their team.
            if who == Who::Manager && !foreign && (200..300).contains(&answer.status) {
                for outside in w.outside_team.iter().filter(|o| answer.body.contains(*o)) {
                    failures.push(format!(
                        "{method} {path} as Manager: the answer shows {outside:?}, \
                         who is outside their team"
                    ));
                }
            }
        }
    }
    // The emails the world and the actions queued (security's notices of the public
    // reports) go out before the test ends.
    app.run_jobs().await;
    println!(
        "role matrix as {who:?}: {} routes = {checks} checks (+{foreign_checks} about someone \
         else's record) in {:.1}s on {:?}",
        ROUTES.len(),
        started.elapsed().as_secs_f64(),
        app.backend()
    );
    assert!(
        failures.is_empty(),
        "{} of the role matrix's answers to {who:?} differ from the table (ROUTES in \
         tests/api/role_matrix/table.rs):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The role set each route registers with (`tuomi::http::route_table`) agrees with what its
/// row expects; the answers themselves are checked by the tests below.
#[test]
fn every_route_is_registered_with_the_role_set_its_row_expects() {
    let problems = role_set_mismatches(&tuomi::http::route_table());
    assert!(
        problems.is_empty(),
        "the role sets the routes register with and their rows in ROUTES \
         (tests/api/role_matrix/table.rs) disagree:\n{}",
        problems.join("\n")
    );
}

on_both_databases! {
    async fn every_registered_route_has_a_row_in_the_table(app: TestApp) {
        let table = tuomi::http::route_table();
        let (registered, mut problems) = registered_routes(&table);
        problems.extend(missing_rows(&registered));
        problems.extend(undocumented(&app, &table).await);
        assert!(
            problems.is_empty(),
            "the role matrix (ROUTES in tests/api/role_matrix/table.rs) and the registered \
             routes differ:\n{}",
            problems.join("\n")
        );
    }

    async fn every_route_answers_admin_as_the_table_says(app: TestApp) {
        every_route_answers_as_the_table_says(&app, Who::Admin).await;
    }

    async fn every_route_answers_hr_as_the_table_says(app: TestApp) {
        every_route_answers_as_the_table_says(&app, Who::Hr).await;
    }

    async fn every_route_answers_security_as_the_table_says(app: TestApp) {
        every_route_answers_as_the_table_says(&app, Who::Security).await;
    }

    async fn every_route_answers_a_manager_as_the_table_says(app: TestApp) {
        every_route_answers_as_the_table_says(&app, Who::Manager).await;
    }

    async fn every_route_answers_a_former_employee_by_link_as_the_table_says(app: TestApp) {
        every_route_answers_as_the_table_says(&app, Who::Former).await;
    }

    async fn every_route_answers_someone_anonymous_as_the_table_says(app: TestApp) {
        every_route_answers_as_the_table_says(&app, Who::Anonymous).await;
    }
}
