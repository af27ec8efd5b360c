//! A security officer, whose role must use two-step sign-in (the shipped policy), signs in
//! for the first time and is led to set it up: the QR code and the key, a code from the app,
//! the recovery codes shown once. Signed out and in again, the password is followed by the
//! code; a wrong code is refused in the reader's language, and a recovery code works once.

use chrono::Duration;
use tuomi::domain::second_factor::{code_at, secret_of_text};

use super::{Browser, DESKTOP, tr, user};
use crate::helpers::{Backend, PASSWORD, TestApp, fresh_database};

/// The code the officer's authenticator app shows now (the app's clock).
fn code_now(app: &TestApp, secret: &[u8]) -> String {
    code_at(
        secret,
        tuomi::clock::Clock::now(&*app.clock).timestamp() as u64,
    )
}

/// The password step on /login.
async fn password(browser: &mut Browser, lang: &str) {
    browser.goto("/login").await;
    browser
        .fill(tr(lang, "电子邮箱", "Email"), "security@example.com")
        .await;
    browser.fill(tr(lang, "密码", "Password"), PASSWORD).await;
    browser.click(tr(lang, "登录", "Sign in")).await;
}

/// Signs out from the menu of any page.
async fn sign_out(browser: &Browser, lang: &str) {
    browser.click(tr(lang, "退出登录", "Sign out")).await;
    assert_eq!(browser.path().await, "/login", "signed out");
}

async fn a_security_officer_sets_up_two_step_sign_in_and_signs_in_with_codes(lang: &str) {
    let (dir, url, pg) = fresh_database(Backend::Sqlite).expect("SQLite always starts");
    let app = TestApp::spawn_with(dir, url, pg, |config| {
        config.second_factor_roles = vec![
            tuomi::domain::users::Role::Admin,
            tuomi::domain::users::Role::Security,
        ];
    })
    .await;
    let test = format!("second_factor_{lang}");
    let Some(mut browser) = Browser::open(&app, &test, lang, DESKTOP).await else {
        return;
    };
    let name = tr(lang, "周敏", "Mina Zhou");
    user(
        &app,
        "security@example.com",
        &["security"],
        name,
        lang,
        None,
    );

    // First sign-in: the role must use two-step sign-in, so the officer is led to set it up.
    password(&mut browser, lang).await;
    assert_eq!(browser.path().await, "/settings/second-factor");
    browser.screenshot("required").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "两步登录", "Two-step sign-in")
    );
    assert!(
        browser.text().await.contains(tr(
            lang,
            "您的角色须使用两步登录：请先完成设置。",
            "Your role must use two-step sign-in: set it up to continue."
        )),
        "why: {}",
        browser.text().await
    );
    browser.goto("/").await;
    assert_eq!(
        browser.path().await,
        "/settings/second-factor",
        "nothing else before it is set up"
    );

    browser
        .click(tr(lang, "设置两步登录", "Set up two-step sign-in"))
        .await;
    browser.screenshot("scan").await;
    assert!(
        browser.texts("figure.qr svg").await.len() == 1,
        "the QR code is drawn on the page"
    );
    let secret = secret_of_text(&browser.text_of("#totp-secret").await).expect("the key as text");
    browser
        .fill(
            tr(lang, "应用中的验证码", "Code from the app"),
            &code_now(&app, &secret),
        )
        .await;
    browser.click(tr(lang, "开启", "Turn on")).await;
    browser.screenshot("recovery-codes").await;
    let codes = browser.texts(".recovery-codes li").await;
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once: {codes:?}");
    browser.click(tr(lang, "继续", "Continue")).await;
    assert!(
        browser
            .text()
            .await
            .contains(tr(lang, "剩余恢复码：10 个", "Recovery codes left: 10")),
        "{}",
        browser.text().await
    );
    browser.goto("/").await;
    assert_eq!(
        browser.path().await,
        "/",
        "the start page, once it is set up"
    );
    assert_eq!(browser.heading().await, tr(lang, "首页", "Home"));
    sign_out(&browser, lang).await;

    // Next time: the password, then the code (a new one: the app shows the next after 30 s).
    password(&mut browser, lang).await;
    assert_eq!(browser.path().await, "/login/code");
    browser.screenshot("code").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "两步登录", "Two-step sign-in")
    );
    app.clock.advance(Duration::seconds(30));
    let right = code_now(&app, &secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    browser.fill(tr(lang, "验证码", "Code"), wrong).await;
    browser.click(tr(lang, "继续", "Continue")).await;
    browser.screenshot("wrong-code").await;
    assert_eq!(
        browser.text_of("[role=alert]").await,
        tr(
            lang,
            "验证码错误或已使用过。",
            "The code is wrong, or was used already."
        )
    );
    browser.fill(tr(lang, "验证码", "Code"), &right).await;
    browser.click(tr(lang, "继续", "Continue")).await;
    assert_eq!(browser.path().await, "/", "signed in after the code");
    assert!(
        browser.text().await.contains(name),
        "the officer's name in the menu"
    );
    sign_out(&browser, lang).await;

    // Without the phone: a recovery code signs in once.
    password(&mut browser, lang).await;
    browser.fill(tr(lang, "验证码", "Code"), &codes[0]).await;
    browser.click(tr(lang, "继续", "Continue")).await;
    assert_eq!(browser.path().await, "/", "signed in with a recovery code");
    browser.goto("/settings/second-factor").await;
    browser.screenshot("one-code-spent").await;
    assert!(
        browser
            .text()
            .await
            .contains(tr(lang, "剩余恢复码：9 个", "Recovery codes left: 9")),
        "{}",
        browser.text().await
    );
    sign_out(&browser, lang).await;
    password(&mut browser, lang).await;
    browser.fill(tr(lang, "验证码", "Code"), &codes[0]).await;
    browser.click(tr(lang, "继续", "Continue")).await;
    assert_eq!(
        browser.path().await,
        "/login/code",
        "a recovery code works once"
    );
}

#[actix_web::test]
async fn a_security_officer_sets_up_two_step_sign_in_and_signs_in_with_codes_in_chinese() {
    a_security_officer_sets_up_two_step_sign_in_and_signs_in_with_codes("zh-CN").await;
}

#[actix_web::test]
async fn a_security_officer_sets_up_two_step_sign_in_and_signs_in_with_codes_in_english() {
    a_security_officer_sets_up_two_step_sign_in_and_signs_in_with_codes("en").await;
}
