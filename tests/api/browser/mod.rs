//! Journeys in a real browser: headless Chromium driven through ChromeDriver (WebDriver), on a
//! test app on SQLite.
//!
//! One chromedriver serves the whole test process (started on first use, on a free port of
//! 127.0.0.1, and stopped when the process exits); each test opens its own browser with a
//! fresh profile and the language it asks for, so the page language is chosen the way a real
//! visitor's browser chooses it (the `Accept-Language` header).
//!
//! Without `/usr/bin/chromedriver` (Debian's `chromium` and `chromium-driver`) the tests are
//! skipped with a note, or fail when `CI` is set. `TUOMI_TEST_CHROMEDRIVER` and
//! `TUOMI_TEST_CHROMIUM` point at other binaries.
//!
//! Every page a journey visits is saved as a PNG (the whole page, not just the window) under
//! `<target dir>/screenshots/<test>/<NN>-<name>.png`, numbered in the order taken; a test's
//! folder is emptied when it starts. A journey of several people opens a browser for each,
//! named `<journey>/<N>-<who>`: a folder of their own inside the journey's, which the first
//! (`1-<who>`) empties. The target dir is the one holding the running test
//! binary (so `CARGO_TARGET_DIR` is respected); `TUOMI_SCREENSHOTS_DIR` puts them elsewhere.
//! ChromeDriver's log is `chromedriver.log` in the same folder.
//!
//! `harness.rs` holds the chromedriver and the window sizes, `session.rs` one browser's
//! WebDriver session; each journey is a file of its own (`report.rs`, `departure.rs`,
//! `acknowledge.rs`, `second_factor.rs`, `travel.rs`, `whereabouts.rs`), in Chinese and in English.

mod acknowledge;
mod departure;
mod harness;
mod register;
mod report;
mod second_factor;
mod session;
mod travel;
mod travel_link;
mod whereabouts;

pub use harness::{DESKTOP, PHONE};
pub use session::Browser;

use crate::helpers::{PASSWORD, TestApp};

/// The text a visitor reads in their language.
fn tr<'a>(lang: &str, zh: &'a str, en: &'a str) -> &'a str {
    if lang == "zh-CN" { zh } else { en }
}

/// Creates a user who signs in with the test password, named `name`, speaking `lang`, and
/// linked to the employee `employee_no` when given (as a manager is to their record).
fn user(
    app: &TestApp,
    email: &str,
    roles: &[&str],
    name: &str,
    lang: &str,
    employee_no: Option<&str>,
) {
    use diesel::prelude::*;
    use tuomi::db::schema::users;
    app.add_user(email, roles);
    diesel::update(users::table.filter(users::email.eq(email)))
        .set((
            users::name.eq(name),
            users::language.eq(lang),
            users::employee_no.eq(employee_no),
        ))
        .execute(&mut app.db())
        .expect("name the user");
}

/// Signs in on /login as `email` and lands on the start page.
async fn sign_in(browser: &mut Browser, lang: &str, email: &str) {
    browser.goto("/login").await;
    browser.screenshot("sign-in").await;
    assert_eq!(browser.heading().await, tr(lang, "登录", "Sign in"));
    browser.fill(tr(lang, "电子邮箱", "Email"), email).await;
    browser.fill(tr(lang, "密码", "Password"), PASSWORD).await;
    browser.click(tr(lang, "登录", "Sign in")).await;
    assert_eq!(browser.path().await, "/", "signed in, on the start page");
    browser.screenshot("start-page").await;
    assert_eq!(browser.heading().await, tr(lang, "首页", "Home"));
}
