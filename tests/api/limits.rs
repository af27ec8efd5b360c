//! Bounds on what a client may send: a multipart form of thousands of fields is refused
//! before it is read, and a body sent slower than the request timeout is answered and let go.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{Backend, PASSWORD, TestApp, csrf_of, fresh_database};

/// The cookies (`name=value; …`) of a user signed in through the API who opened `page`, and
/// that page.
async fn signed_in_cookies(
    app: &TestApp,
    email: &str,
    roles: &[&str],
    page: &str,
) -> (String, String) {
    app.add_user(email, roles);
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let r = client
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = client
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    use reqwest::cookie::CookieStore;
    let cookies = jar.cookies(&app.url(page).parse().unwrap()).unwrap();
    (cookies.to_str().unwrap().to_string(), html)
}

const BOUNDARY: &str = "----tuomi-boundary";

fn field(name: &str, value: &str) -> String {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

#[actix_web::test]
async fn a_multipart_form_of_four_thousand_fields_is_refused_before_it_is_read() {
    let (dir, url, _) = fresh_database(Backend::Sqlite).unwrap();
    let app = TestApp::spawn_with(dir, url, None, |_| ()).await;
    let end = app.end_of_test();
    let (cookie, page) =
        signed_in_cookies(&app, "staff@example.com", &["manager"], "/breaches/new").await;
    let csrf = csrf_of(&page);
    // 4,000 fields of 16 KiB: 64 MiB in all, far more than the service reads of a refused form.
    let boundary = BOUNDARY;
    let filler = "x".repeat(16 * 1024);
    let fields = 4_000;
    let total =
        field("csrf", &csrf).len() + fields * field("what", &filler).len() + boundary.len() + 6;
    let address = app.address.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let (sent, answer) = actix_web::web::block(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST /breaches/new HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n"
        )
        .unwrap();
        // What had been sent when the answer came, read beside the sending.
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut reader = stream.try_clone().unwrap();
        reader.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let seen = sent.clone();
        let answered = std::thread::spawn(move || {
            let mut answer = vec![0; 4096];
            let n = reader.read(&mut answer).unwrap_or(0);
            let at = seen.load(std::sync::atomic::Ordering::SeqCst);
            (at, String::from_utf8_lossy(&answer[..n]).into_owned())
        });
        let mut write = |bytes: &[u8]| -> bool {
            let ok = stream.write_all(bytes).is_ok();
            sent.fetch_add(bytes.len(), std::sync::atomic::Ordering::SeqCst);
            ok
        };
        if write(field("csrf", &csrf).as_bytes()) {
            for _ in 0..fields {
                if answered.is_finished() || !write(field("what", &filler).as_bytes()) {
                    break;
                }
            }
        }
        answered.join().unwrap()
    })
    .await
    .unwrap();
    let status = answer.split(' ').nth(1).unwrap_or("");
    assert!(status == "413" || status == "422", "refused: {answer:.200}");
    assert!(sent < total / 2, "answered after {sent} of {total} bytes");
    assert!(started.elapsed() < Duration::from_secs(15), "quickly");
    end.check_jobs();
}

#[actix_web::test]
async fn a_body_sent_slower_than_the_request_timeout_is_answered_and_let_go() {
    let (dir, url, _) = fresh_database(Backend::Sqlite).unwrap();
    let app = TestApp::spawn_with(dir, url, None, |config| {
        config.request_timeout = Duration::from_secs(1);
    })
    .await;
    let end = app.end_of_test();
    let address = app.address.trim_start_matches("http://").to_string();
    let (answered_after, answer) = actix_web::web::block(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST /api/v1/public/breaches HTTP/1.1\r\nHost: {address}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"what\": \""
        )
        .unwrap();
        // A byte every 100 ms, from another thread, while this one waits for the answer.
        let mut dribble = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..100 {
                std::thread::sleep(Duration::from_millis(100));
                if dribble.write_all(b"x").is_err() {
                    return;
                }
            }
        });
        let started = Instant::now();
        stream
            .set_read_timeout(Some(Duration::from_secs(8)))
            .unwrap();
        let mut answer = vec![0; 4096];
        let n = stream.read(&mut answer).unwrap_or(0);
        (
            started.elapsed(),
            String::from_utf8_lossy(&answer[..n]).into_owned(),
        )
    })
    .await
    .unwrap();
    assert!(
        answered_after < Duration::from_secs(4),
        "answered after {answered_after:?}: {answer:.200}"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "a refusal or a closed connection: {answer:.200}"
    );
    end.check_jobs();
}
