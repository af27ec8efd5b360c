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

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestApp, post};
use crate::people::{add_employee, person};
use crate::reminders::{former, reminders, shanghai};

/// A desktop browser window's inner size (CSS pixels).
pub const DESKTOP: Viewport = Viewport {
    width: 1280,
    height: 900,
};
/// A phone's screen (CSS pixels), as on most current phones.
pub const PHONE: Viewport = Viewport {
    width: 390,
    height: 844,
};

#[derive(Debug, Clone, Copy)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
}

/// How long a page may take to appear after a click or a navigation.
const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

fn chromedriver_path() -> PathBuf {
    std::env::var_os("TUOMI_TEST_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromedriver".into())
}

fn chromium_path() -> String {
    std::env::var("TUOMI_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Where screenshots go: `TUOMI_SCREENSHOTS_DIR`, or `screenshots/` in the target dir that
/// holds this test binary (the first ancestor with cargo's `CACHEDIR.TAG`), or, failing that,
/// in `$CARGO_TARGET_DIR` as it was at build time or `target/` beside Cargo.toml.
pub fn screenshots_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("TUOMI_SCREENSHOTS_DIR") {
        return dir.into();
    }
    let from_binary = std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors()
            .skip(1)
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
            .map(Path::to_path_buf)
    });
    let target = from_binary.unwrap_or_else(|| match option_env!("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(dir).is_absolute() => dir.into(),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
    });
    target.join("screenshots")
}

/// The process's chromedriver: its URL, and what keeps it alive.
struct Driver {
    url: String,
    /// The chromedriver runs under a small shell that kills it when this pipe closes, which
    /// happens when the test process exits, however it exits.
    _watchdog: Mutex<(Child, ChildStdin)>,
}

static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();

/// The shared chromedriver, started on first use; None (said once, loudly) when it is not
/// installed and `CI` is not set.
fn driver() -> Option<&'static Driver> {
    DRIVER.get_or_init(start_driver).as_ref()
}

fn start_driver() -> Option<Driver> {
    let chromedriver = chromedriver_path();
    if !chromedriver.is_file() {
        if under_ci() {
            panic!(
                "the browser tests need {} under CI: install chromium and chromium-driver \
                 (apt-get install chromium chromium-driver)",
                chromedriver.display()
            );
        }
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the browser tests ({} is missing). Install chromium and \
             chromium-driver (apt-get install chromium chromium-driver) to run them. ***\n",
            chromedriver.display()
        );
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port for chromedriver")
        .port();
    let root = screenshots_root();
    std::fs::create_dir_all(&root).expect("create the screenshots folder");
    let log = root.join("chromedriver.log");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" --port="$1" --log-path="$2" --log-level=WARNING & pid=$!; read _ignored; kill "$pid""#)
        .arg(&chromedriver)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let stdin = child.stdin.take().expect("the watchdog's pipe");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            panic!(
                "chromedriver did not listen on 127.0.0.1:{port} within 20 s; see {}",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Some(Driver {
        url: format!("http://127.0.0.1:{port}"),
        _watchdog: Mutex::new((child, stdin)),
    })
}

/// The capabilities of a new browser: headless Chromium with a profile of its own, in
/// `lang` (the interface language and the `Accept-Language` header both).
fn capabilities(lang: &str, profile: &Path) -> serde_json::Map<String, Value> {
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": {"pageLoad": PAGE_TIMEOUT.as_millis() as u64, "script": 10_000},
        "goog:chromeOptions": {
            "binary": chromium_path(),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                format!("--lang={lang}"),
            ],
            "prefs": {"intl.accept_languages": lang},
        },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

/// A string as an XPath literal, whatever quotes it holds.
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// One browser window, for one test.
pub struct Browser {
    client: Client,
    base: String,
    driver_url: String,
    session: String,
    shots: PathBuf,
    shot_no: u32,
    /// The browser's profile; removed after the browser has quit.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens a browser for the test `test` (which names its screenshots folder) in `lang`
    /// (`zh-CN`, `en`), with the page area sized to `viewport`. None when the browser tests
    /// are skipped on this machine.
    pub async fn open(
        app: &TestApp,
        test: &str,
        lang: &str,
        viewport: Viewport,
    ) -> Option<Browser> {
        let driver = driver()?;
        let profile = tempfile::Builder::new()
            .prefix("tuomi-chromium-")
            .tempdir()
            .expect("a browser profile folder");
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(lang, profile.path()))
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start {}: {e}; see {}",
                    chromium_path(),
                    screenshots_root().join("chromedriver.log").display()
                )
            });
        let session = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session id");
        let shots = screenshots_root().join(test);
        // A journey's first browser empties the journey's folder, the others only their own.
        let journey = match test.split_once('/') {
            Some((journey, who)) if who.starts_with("1-") => screenshots_root().join(journey),
            _ => shots.clone(),
        };
        let _ = std::fs::remove_dir_all(&journey);
        std::fs::create_dir_all(&shots).expect("create the test's screenshots folder");
        let browser = Browser {
            client,
            base: app.address.clone(),
            driver_url: driver.url.clone(),
            session,
            shots,
            shot_no: 0,
            _profile: profile,
        };
        browser.size_to(viewport).await;
        Some(browser)
    }

    /// Sizes the window so that the page gets exactly `viewport` (the window is larger than
    /// its page by the browser's own frame, which differs between versions and modes).
    async fn size_to(&self, viewport: Viewport) {
        let Viewport { width, height } = viewport;
        self.client
            .set_window_size(width, height)
            .await
            .expect("size the window");
        let (inner_w, inner_h) = self.inner_size().await;
        let (w, h) = (
            2 * width - inner_w.min(width),
            2 * height - inner_h.min(height),
        );
        if (w, h) != (width, height) {
            self.client
                .set_window_size(w, h)
                .await
                .expect("size the window");
        }
        let (inner_w, _) = self.inner_size().await;
        assert_eq!(
            inner_w, width,
            "the page should be {width} px wide in the browser"
        );
    }

    async fn inner_size(&self) -> (u32, u32) {
        let size = self
            .js("return [window.innerWidth, window.innerHeight];", vec![])
            .await;
        let px = |v: &Value| v.as_u64().expect("a size in pixels") as u32;
        (px(&size[0]), px(&size[1]))
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("the page's script failed: {e}\n{script}"))
    }

    /// Opens a path of the app (`/report`) or a full URL.
    pub async fn goto(&self, path: &str) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        };
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The current address.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("the current URL")
    }

    /// The current address's path (`/report/status`).
    pub async fn path(&self) -> String {
        self.url().await.path().to_string()
    }

    /// The visible text of the whole page.
    pub async fn text(&self) -> String {
        self.text_of("body").await
    }

    /// The visible text of the first element matching a CSS selector (`h1`, `#code`).
    pub async fn text_of(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element
                .text()
                .await
                .expect("an element's text")
                .trim()
                .to_string(),
            Err(e) => panic!("no element {css} on {}: {e}", self.url().await),
        }
    }

    /// The page's main heading.
    pub async fn heading(&self) -> String {
        self.text_of("h1").await
    }

    /// The form field whose `<label>` reads `field` (the mark of a required field after the
    /// label's text aside), or else whose name is `field`.
    async fn field(&self, field: &str) -> Element {
        let literal = xpath_literal(field);
        let by_label = format!(
            "//label[normalize-space(.)={literal} or normalize-space(text()[1])={literal}]"
        );
        if let Ok(label) = self.client.find(Locator::XPath(&by_label)).await {
            if let Ok(Some(id)) = label.attr("for").await
                && let Ok(input) = self.client.find(Locator::Id(&id)).await
            {
                return input;
            }
            if let Ok(input) = label
                .find(Locator::XPath(".//input | .//textarea | .//select"))
                .await
            {
                return input;
            }
        }
        let by_name = format!(
            "//*[(self::input and not(@type='hidden')) or self::textarea or self::select][@name={literal}]"
        );
        match self.client.find(Locator::XPath(&by_name)).await {
            Ok(input) => input,
            Err(_) => {
                let labels = self.texts("label").await;
                panic!("no field labelled or named {field:?}; the labels are {labels:?}")
            }
        }
    }

    /// The visible texts of every element matching a CSS selector, in page order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
        {
            if let Ok(text) = element.text().await {
                texts.push(text.trim().to_string());
            }
        }
        texts
    }

    /// Types `value` into the field labelled (or named) `field`, replacing what was there.
    /// Date and time fields are set directly: typing into them depends on the browser's
    /// locale (day or month first).
    pub async fn fill(&self, field: &str, value: &str) {
        let input = self.field(field).await;
        let kind = input.attr("type").await.ok().flatten().unwrap_or_default();
        if matches!(
            kind.as_str(),
            "date" | "time" | "datetime-local" | "month" | "week" | "color" | "range"
        ) {
            let element = serde_json::to_value(&input).expect("an element reference");
            self.js(
                "arguments[0].value = arguments[1];
                 arguments[0].dispatchEvent(new Event('input', {bubbles: true}));
                 arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                vec![element, json!(value)],
            )
            .await;
        } else {
            input.clear().await.expect("clear the field");
            input.send_keys(value).await.expect("type into the field");
        }
        let now = input.prop("value").await.ok().flatten().unwrap_or_default();
        assert_eq!(now, value, "the field {field:?} should hold what was typed");
    }

    /// Chooses a file for the file field labelled (or named) `field`.
    pub async fn attach(&self, field: &str, file: &Path) {
        let input = self.field(field).await;
        input
            .send_keys(&file.display().to_string())
            .await
            .expect("choose the file");
    }

    /// Ticks the check box labelled (or named) `field`, unless it is ticked already.
    pub async fn tick(&self, field: &str) {
        let input = self.field(field).await;
        if !input
            .is_selected()
            .await
            .expect("whether the box is ticked")
        {
            input.click().await.expect("tick the box");
        }
        assert!(
            input
                .is_selected()
                .await
                .expect("whether the box is ticked"),
            "the box {field:?} should be ticked"
        );
    }

    /// Chooses the option reading `option` (or with that value) in the list labelled (or
    /// named) `field`.
    pub async fn select(&self, field: &str, option: &str) {
        let list = self.field(field).await;
        if list.select_by_label(option).await.is_err() {
            list.select_by_value(option)
                .await
                .unwrap_or_else(|e| panic!("no option {option:?} in {field:?}: {e}"));
        }
    }

    /// Clicks the button or link that reads `text` and waits for the page it leads to.
    pub async fn click(&self, text: &str) {
        let literal = xpath_literal(text);
        let xpath = format!(
            "//button[normalize-space(.)={literal}] | //a[normalize-space(.)={literal}] \
             | //input[(@type='submit' or @type='button') and @value={literal}]"
        );
        let mut target = None;
        for element in self
            .client
            .find_all(Locator::XPath(&xpath))
            .await
            .unwrap_or_default()
        {
            if element.is_displayed().await.unwrap_or(false) {
                target = Some(element);
                break;
            }
        }
        let Some(target) = target else {
            let mut offered = self.texts("button").await;
            offered.extend(self.texts("a").await);
            panic!("no button or link reads {text:?}; the page offers {offered:?}");
        };
        // Mark this page, so the next one is known when it is there.
        self.js("window.__tuomiLeaving = true;", vec![]).await;
        target
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {text:?}: {e}"));
        let started = Instant::now();
        loop {
            let arrived = self
                .client
                .execute(
                    "return window.__tuomiLeaving !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(arrived, Ok(Value::Bool(true))) {
                break;
            }
            assert!(
                started.elapsed() < PAGE_TIMEOUT,
                "clicking {text:?} led to no new page within {PAGE_TIMEOUT:?}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Whether the page fits the window's width (a phone user would otherwise scroll sideways).
    pub async fn fits_width(&self) -> bool {
        let widths = self
            .js(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await;
        widths[0].as_u64() <= widths[1].as_u64()
    }

    /// Saves the whole page as `<NN>-<name>.png` in this test's screenshots folder; returns
    /// the file.
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        self.shot_no += 1;
        let file = self.shots.join(format!("{:02}-{name}.png", self.shot_no));
        let png = match self.full_page_png().await {
            Some(png) => png,
            None => self.client.screenshot().await.expect("a screenshot"),
        };
        std::fs::write(&file, png).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        file
    }

    /// The whole page, beyond the window, through Chromium's own screenshot command.
    async fn full_page_png(&self) -> Option<Vec<u8>> {
        let size = self
            .js(
                "const d = document.documentElement;
                 return [Math.max(d.scrollWidth, window.innerWidth),
                         Math.max(d.scrollHeight, window.innerHeight)];",
                vec![],
            )
            .await;
        let response = reqwest::Client::new()
            .post(format!(
                "{}/session/{}/goog/cdp/execute",
                self.driver_url, self.session
            ))
            .json(&json!({
                "cmd": "Page.captureScreenshot",
                "params": {
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
                },
            }))
            .send()
            .await
            .ok()?;
        let answer: Value = response.json().await.ok()?;
        let data = answer["value"]["data"].as_str()?;
        base64::engine::general_purpose::STANDARD.decode(data).ok()
    }
}

impl Drop for Browser {
    /// Ends the session, which makes chromedriver quit the browser, even when the test
    /// panicked and its runtime is gone (so no async call is possible any more).
    fn drop(&mut self) {
        let Some(authority) = self.driver_url.strip_prefix("http://") else {
            return;
        };
        let Ok(mut stream) = TcpStream::connect(authority) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.session
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            // The answer comes once the browser has quit; chromedriver keeps the connection
            // open after it, so read just the answer.
            read_http_response(&mut stream);
        }
    }
}

/// Reads one HTTP response with a Content-Length (or until the peer closes or times out).
fn read_http_response(stream: &mut TcpStream) {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok());
            if let Some(length) = length
                && received.len() >= end + 4 + length
            {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

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

/// Someone without an account reports a suspected leak at /report, keeps the code and secret
/// shown once, follows the report at /report/status and adds to it; a security officer signs
/// in, opens the case from the list and takes it step by step to a decision on its page; the
/// reporter comes back and sees the decision.
async fn an_anonymous_reporter_follows_the_report_to_its_decision(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("anonymous_report_{lang}");
    let Some(mut browser) = Browser::open(&app, &format!("{test}/1-reporter"), lang, DESKTOP).await
    else {
        return;
    };

    browser.goto("/report").await;
    browser.screenshot("report-form").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "报告泄密隐患", "Report a suspected leak")
    );
    let what = tr(
        lang,
        "有人把设计图纸拍照发到了外部群里",
        "Someone posted photos of the design drawings to an outside chat group",
    );
    browser
        .fill(tr(lang, "发生了什么", "What happened"), what)
        .await;
    browser
        .fill(
            tr(lang, "涉及的人员（可选）", "Who it concerns (optional)"),
            tr(lang, "研发部某同事", "Someone in R&D"),
        )
        .await;
    browser
        .fill(
            tr(
                lang,
                "发现日期（可选）",
                "When it was discovered (optional)",
            ),
            "2028-02-27",
        )
        .await;
    let evidence = app.dir.path().join("note.txt");
    std::fs::write(&evidence, "聊天记录截图说明 / what the chat showed").unwrap();
    browser.attach("evidence", &evidence).await;
    browser.screenshot("report-filled").await;
    browser.click(tr(lang, "提交报告", "Send the report")).await;

    browser.screenshot("receipt").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "报告已收到", "Your report was received")
    );
    let code = browser.text_of("#code").await;
    let secret = browser.text_of("#secret").await;
    assert!(code.starts_with("BR-"), "a case code is shown: {code}");
    assert!(secret.len() >= 8, "a secret is shown: {secret}");

    // Following the report with its code and secret.
    let follow = tr(lang, "查询报告进展", "Follow your report");
    browser.click(follow).await;
    assert_eq!(browser.path().await, "/report/status");
    browser.screenshot("follow-form").await;
    let (code_label, secret_label) = (
        tr(lang, "案件编号", "Case code"),
        tr(lang, "密钥", "Secret"),
    );
    let show = tr(lang, "查看我的报告", "Show my report");
    browser.fill(code_label, &code).await;
    browser.fill(secret_label, &secret).await;
    browser.click(show).await;
    browser.screenshot("status-reported").await;
    assert_eq!(browser.heading().await, follow);
    assert_eq!(
        browser.text_of("#status").await,
        tr(lang, "已收到，尚未处理", "Received, not yet looked at")
    );
    assert!(browser.text().await.contains(&code));

    // Adding information.
    browser
        .fill(
            tr(lang, "补充情况", "Add information"),
            tr(
                lang,
                "群名是“项目交流群”",
                "The group is called “Project chat”",
            ),
        )
        .await;
    browser
        .click(tr(lang, "补充到报告", "Add to the report"))
        .await;
    browser.screenshot("status-added").await;
    let page = browser.text().await;
    let added = tr(lang, "您补充的情况\n1", "Information you added\n1");
    assert!(page.contains(added), "the addition is counted: {page}");

    // Security takes the case to a decision, in its own browser.
    let officer = tr(lang, "赵敏", "Sam Reed");
    user(&app, "sec@example.com", &["security"], officer, lang, None);
    let Some(mut sec) = Browser::open(&app, &format!("{test}/2-security"), lang, DESKTOP).await
    else {
        return;
    };
    sign_in(&mut sec, lang, "sec@example.com").await;
    sec.click(tr(lang, "案件", "Cases")).await;
    sec.screenshot("cases").await;
    assert_eq!(sec.heading().await, tr(lang, "泄密案件", "Breach cases"));
    assert!(sec.text().await.contains(what), "the report is listed");
    sec.click(&code).await;
    sec.screenshot("case").await;
    let case_path = sec.path().await;
    assert!(case_path.starts_with("/breaches/"), "{case_path}");
    assert_eq!(
        sec.heading().await,
        format!(
            "{} {code} {}",
            tr(lang, "案件编号", "Case code"),
            tr(lang, "已报告", "Reported")
        )
    );
    let page = sec.text().await;
    assert!(
        page.contains(what)
            && page.contains(tr(
                lang,
                "群名是“项目交流群”",
                "The group is called “Project chat”"
            )),
        "the report and what the reporter added: {page}"
    );
    let steps = [
        (
            tr(lang, "已初评", "Triaged"),
            tr(lang, "线索具体，值得调查", "Credible enough to look at"),
            Some(tr(lang, "低", "Low")),
        ),
        (
            tr(lang, "调查中", "Investigating"),
            tr(lang, "已询问群成员", "Asked the group's members"),
            None,
        ),
        (
            tr(lang, "不属实", "Unfounded"),
            tr(
                lang,
                "照片拍的是公开宣传册",
                "The photos were of public brochures",
            ),
            None,
        ),
    ];
    for (n, (status, reason, severity)) in steps.into_iter().enumerate() {
        sec.select(tr(lang, "下一步", "Next step"), status).await;
        sec.fill(
            tr(lang, "理由（随该步骤保存）", "Why (kept with the step)"),
            reason,
        )
        .await;
        if let Some(severity) = severity {
            sec.select(
                tr(
                    lang,
                    "严重程度（初评时必填）",
                    "Severity (needed to triage)",
                ),
                severity,
            )
            .await;
        }
        sec.tick(tr(
            lang,
            "我明白此操作无法撤销。",
            "I understand this cannot be undone.",
        ))
        .await;
        sec.screenshot(&format!("step-{}-filled", n + 1)).await;
        sec.click(tr(lang, "推进", "Take the step")).await;
        sec.screenshot(&format!("step-{}-taken", n + 1)).await;
        assert_eq!(sec.path().await, case_path, "back on the case");
        assert_eq!(
            sec.text_of("[role=status]").await,
            tr(
                lang,
                "案件已推进到下一步。",
                "The case moved to its next step."
            )
        );
        assert_eq!(sec.text_of("h1 .badge").await, status);
        assert!(
            sec.text().await.contains(reason),
            "the step's reason is kept"
        );
    }
    let facts = sec.texts("dl.facts dd").await;
    assert!(
        facts.iter().any(|f| f == tr(lang, "低", "Low")),
        "the severity chosen at triage: {facts:?}"
    );

    // The reporter comes back later, in a new browser, and sees the decision.
    let Some(mut browser) =
        Browser::open(&app, &format!("{test}/3-reporter-returns"), lang, DESKTOP).await
    else {
        return;
    };
    browser.goto("/report/status").await;
    browser.fill(code_label, &code).await;
    browser.fill(secret_label, &secret).await;
    browser.screenshot("follow-again").await;
    browser.click(show).await;
    browser.screenshot("status-decided").await;
    assert_eq!(
        browser.text_of("#status").await,
        tr(
            lang,
            "调查结束：报告不属实",
            "Investigated: the report was not confirmed"
        )
    );
}

/// The people of the departure journey, named in the journey's language.
struct Cast {
    manager: &'static str,
    leaver: &'static str,
    successor: &'static str,
    hr: &'static str,
    /// What HR types to find the leaver.
    leaver_search: &'static str,
}

fn cast(lang: &str) -> Cast {
    if lang == "zh-CN" {
        Cast {
            manager: "刘洋",
            leaver: "张伟",
            successor: "王芳",
            hr: "李静",
            leaver_search: "张",
        }
    } else {
        Cast {
            manager: "Maria Lopez",
            leaver: "Daniel Carter",
            successor: "Olivia Brown",
            hr: "Helen Hart",
            leaver_search: "carter",
        }
    }
}

/// Confirms the first line of those listed with confirmation forms on the page (the start
/// page's "to confirm" section or the departure's), as the line needs: the drawings counted
/// back, the laptop and the secret files handed over to the successor, the other lines done.
async fn confirm_first_line(browser: &Browser, lang: &str, title: &str) {
    let outcome = tr(lang, "结果", "Outcome");
    if title.contains("DOC-7") {
        browser
            .select(
                outcome,
                tr(lang, "已清退（在下方填写份数）", "Returned (count below)"),
            )
            .await;
        browser
            .fill(
                tr(
                    lang,
                    "清点份数（清退时填写）",
                    "Copies counted (when returned)",
                ),
                "3",
            )
            .await;
        browser
            .fill(
                tr(lang, "备注（可选）", "Note (optional)"),
                tr(lang, "清点无误", "All three counted"),
            )
            .await;
    } else if title.contains("LT-7") || title.contains("涉密文件资料移交接替人") {
        browser
            .select(
                outcome,
                tr(lang, "已移交接替人", "Handed over to the successor"),
            )
            .await;
    }
    let with_outcome =
        title.contains("DOC-7") || title.contains("LT-7") || title.contains("涉密文件");
    browser
        .click(if with_outcome {
            tr(lang, "确认", "Confirm")
        } else {
            tr(lang, "确认已完成", "Confirm as done")
        })
        .await;
}

/// A departure from start to the obligations that follow, each step by the person who takes
/// it, in their own browser: HR starts it at a desk (finding the person and the successor,
/// dates and reason), the manager confirms the checklist line by line on a phone, the
/// successor signs for the handovers from the emailed links, and HR completes the departure
/// and looks at the obligations now running.
async fn a_departure_runs_through_the_pages_from_start_to_obligations(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("departure_{lang}");
    let cast = cast(lang);

    // The company: the leaver reports to the manager, holds drawings and a laptop from the
    // register and an important clearance; the successor has no account.
    let setup = app.token_client("setup@example.com", &["hr"]).await;
    let in_lang = |mut p: Value| {
        p["language"] = json!(lang);
        p["department"] = json!(tr(lang, "研发部", "R&D"));
        p["title"] = json!(tr(lang, "工程师", "Engineer"));
        p
    };
    let boss = add_employee(&app, &setup, in_lang(person("M001", cast.manager, None))).await;
    let leaver = add_employee(
        &app,
        &setup,
        in_lang(person("D001", cast.leaver, Some(&boss))),
    )
    .await;
    add_employee(&app, &setup, in_lang(person("S001", cast.successor, None))).await;
    {
        use diesel::prelude::*;
        use tuomi::db::schema::employees;
        diesel::update(employees::table.find(&leaver))
            .set(employees::clearance_tier.eq("important"))
            .execute(&mut app.db())
            .unwrap();
    }
    for (tag, kind, description, copies) in [
        (
            "DOC-7",
            "document",
            tr(lang, "产品设计图纸", "Product design drawings"),
            3,
        ),
        ("LT-7", "laptop", tr(lang, "笔记本电脑", "Laptop"), 1),
    ] {
        let (s, c) = post(
            &app,
            &setup,
            "/api/v1/carriers",
            json!({
                "tag": tag, "kind": kind, "description": description, "classification": "secret",
                "custodian_id": leaver, "copies": copies
            }),
        )
        .await;
        assert_eq!(s, 201, "{c}");
    }
    user(&app, "hr@example.com", &["hr"], cast.hr, lang, None);
    user(
        &app,
        "boss@example.com",
        &["manager"],
        cast.manager,
        lang,
        Some("M001"),
    );

    // 1. HR starts the departure at a desk.
    let Some(mut hr) = Browser::open(&app, &format!("{test}/1-hr-starts"), lang, DESKTOP).await
    else {
        return;
    };
    sign_in(&mut hr, lang, "hr@example.com").await;
    hr.click(tr(lang, "离职", "Departures")).await;
    hr.screenshot("departures").await;
    assert_eq!(hr.heading().await, tr(lang, "离职", "Departures"));
    let start = tr(lang, "发起离职", "Start a departure");
    hr.click(start).await;
    hr.screenshot("start-form").await;
    assert_eq!(hr.path().await, "/departures/new");
    assert_eq!(hr.heading().await, start);
    hr.fill(
        tr(lang, "查找员工", "Find the employee"),
        cast.leaver_search,
    )
    .await;
    hr.click(tr(lang, "搜索", "Search")).await;
    hr.screenshot("leaver-found").await;
    assert!(hr.text().await.contains(cast.leaver));
    let choose = tr(lang, "选择", "Choose");
    hr.click(choose).await;
    hr.screenshot("leaver-chosen").await;
    hr.fill(tr(lang, "查找接替人", "Find the successor"), "S001")
        .await;
    hr.click(tr(lang, "搜索", "Search")).await;
    hr.screenshot("successor-found").await;
    hr.click(choose).await;
    hr.screenshot("successor-chosen").await;
    let page = hr.text().await;
    assert!(
        page.contains(cast.leaver) && page.contains(cast.successor),
        "{page}"
    );
    hr.fill(tr(lang, "提出日期", "Notice date"), "2028-01-31")
        .await;
    hr.fill(tr(lang, "最后工作日", "Last working day"), "2028-02-29")
        .await;
    hr.select(
        tr(lang, "离职原因", "Reason"),
        tr(lang, "辞职", "Resignation"),
    )
    .await;
    hr.screenshot("start-form-filled").await;
    hr.click(tr(lang, "发起离职", "Start the departure")).await;
    hr.screenshot("departure-started").await;
    let departure = hr.path().await;
    assert!(
        departure.starts_with("/departures/") && departure != "/departures/new",
        "on the new departure's page: {departure}"
    );
    assert_eq!(
        hr.text_of("[role=status]").await,
        tr(
            lang,
            "离职已发起，清单见下方。",
            "The departure has started; its checklist is below."
        )
    );
    assert_eq!(
        hr.heading().await,
        format!("{}{} D001", tr(lang, "离职：", "Departure: "), cast.leaver)
    );
    let checklist = hr.texts("#lines + .table-wrap tbody tr").await;
    assert_eq!(
        checklist.len(),
        6,
        "two carriers and four standard lines: {checklist:?}"
    );
    for item in [
        "DOC-7",
        "LT-7",
        "涉密文件资料移交接替人",
        "账号与权限已注销",
        "签署离职保密承诺书",
        "离职保密谈话",
    ] {
        assert!(
            checklist.iter().any(|l| l.contains(item)),
            "{item} in {checklist:?}"
        );
    }
    let page = hr.text().await;
    assert!(
        page.contains(cast.successor)
            && page.contains(tr(lang, "辞职", "Resignation"))
            && page.contains(tr(lang, "2028年2月29日", "29 February 2028"))
            && page.contains(tr(lang, "办理中", "In progress")),
        "{page}"
    );
    drop(hr);

    // 2. The manager confirms the lines on a phone, from the start page, the last one on
    // the departure's page.
    let Some(mut boss) =
        Browser::open(&app, &format!("{test}/2-manager-confirms"), lang, PHONE).await
    else {
        return;
    };
    sign_in(&mut boss, lang, "boss@example.com").await;
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    assert!(
        boss.text()
            .await
            .contains(tr(lang, "待确认的清单项", "Checklist lines to confirm"))
    );
    let listed = "[aria-labelledby=home-manager] article h3";
    let mut confirmed = 0;
    loop {
        let titles = boss.texts(listed).await;
        if titles.len() <= 1 {
            assert_eq!(titles.len(), 1, "the last line is still listed");
            break;
        }
        assert!(titles[0].starts_with(cast.leaver), "{titles:?}");
        confirm_first_line(&boss, lang, &titles[0]).await;
        confirmed += 1;
        boss.screenshot(&format!("line-{confirmed}-confirmed"))
            .await;
        assert_eq!(boss.path().await, "/");
        assert_eq!(
            boss.text_of("[role=status]").await,
            tr(lang, "该项已确认。", "The line is confirmed.")
        );
        assert_eq!(
            boss.texts(listed).await.len(),
            titles.len() - 1,
            "one line fewer to confirm"
        );
        assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    }
    assert_eq!(confirmed, 5);
    boss.click(tr(lang, "查看离职记录", "Open the departure"))
        .await;
    boss.screenshot("departure").await;
    assert_eq!(boss.path().await, departure);
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    let title = boss
        .text_of("[aria-labelledby=to-confirm] article h3")
        .await;
    confirm_first_line(&boss, lang, &title).await;
    boss.screenshot("last-line-confirmed").await;
    assert_eq!(boss.path().await, departure);
    assert_eq!(
        boss.text_of("[role=status]").await,
        tr(lang, "该项已确认。", "The line is confirmed.")
    );
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    let checklist = boss.texts("#lines + .table-wrap tbody tr").await;
    let waiting = tr(
        lang,
        "等待接替人签收",
        "waiting for the successor's signature",
    );
    assert_eq!(
        checklist.iter().filter(|l| l.contains(waiting)).count(),
        2,
        "the laptop and the secret files wait for the successor: {checklist:?}"
    );
    assert!(
        checklist
            .iter()
            .any(|l| l.contains("DOC-7") && l.contains(tr(lang, "已清退", "Returned"))),
        "{checklist:?}"
    );
    boss.goto("/").await;
    boss.screenshot("nothing-left").await;
    assert!(
        boss.text()
            .await
            .contains(tr(lang, "没有待确认的事项。", "Nothing to confirm.")),
        "{}",
        boss.text().await
    );
    assert!(boss.fits_width().await, "no sideways scrolling on a phone");
    drop(boss);

    // 3. The successor signs for each handover from the link in the email, on a phone.
    app.run_jobs().await;
    let mails = app.smtp.to("s001@corp.example");
    assert_eq!(mails.len(), 2, "one email per handover");
    let Some(mut successor) =
        Browser::open(&app, &format!("{test}/3-successor-signs"), lang, PHONE).await
    else {
        return;
    };
    for (n, mail) in mails.iter().enumerate() {
        assert_eq!(
            mail.subject(),
            match lang {
                "zh-CN" => format!("请签收{}移交的物品", cast.leaver),
                _ => format!("Please sign for a handover from {}", cast.leaver),
            }
        );
        let text = mail.text();
        let at = text.find("/receipt/").expect("a signing link");
        let link = text[at..].split_whitespace().next().unwrap();
        successor.goto(link).await;
        successor.screenshot(&format!("handover-{}", n + 1)).await;
        assert_eq!(
            successor.heading().await,
            tr(lang, "签收移交", "Sign for a handover")
        );
        assert!(successor.text().await.contains(cast.leaver));
        assert!(
            successor.fits_width().await,
            "no sideways scrolling on a phone"
        );
        successor
            .click(tr(lang, "确认签收", "I have received it"))
            .await;
        successor
            .screenshot(&format!("handover-{}-signed", n + 1))
            .await;
        assert_eq!(
            successor.text_of("[role=status]").await,
            tr(
                lang,
                "已签收于2028年2月28日",
                "Signed for on 28 February 2028"
            )
        );
        assert!(
            successor.fits_width().await,
            "no sideways scrolling on a phone"
        );
    }
    drop(successor);

    // 4. HR completes the departure and sees the obligations that follow.
    let Some(mut hr) = Browser::open(&app, &format!("{test}/4-hr-completes"), lang, DESKTOP).await
    else {
        return;
    };
    sign_in(&mut hr, lang, "hr@example.com").await;
    hr.click(cast.leaver).await;
    hr.screenshot("departure").await;
    assert_eq!(hr.path().await, departure);
    let checklist = hr.texts("#lines + .table-wrap tbody tr").await;
    assert_eq!(
        checklist
            .iter()
            .filter(|l| l.contains(tr(lang, "已签收", "signed for")))
            .count(),
        2,
        "both handovers signed for: {checklist:?}"
    );
    let page = hr.text().await;
    assert!(page.contains("0 / 6"), "no line open: {page}");
    hr.tick(tr(
        lang,
        "此人还负有商业秘密保密义务（至信息公开为止）",
        "The person also owes the trade-secret duty (until the information is public)",
    ))
    .await;
    hr.tick(tr(
        lang,
        "我明白此操作无法撤销。",
        "I understand this cannot be undone.",
    ))
    .await;
    hr.screenshot("complete-ticked").await;
    hr.click(tr(lang, "办结离职", "Complete the departure"))
        .await;
    hr.screenshot("completed").await;
    assert_eq!(hr.path().await, departure);
    assert_eq!(
        hr.text_of("[role=status]").await,
        tr(
            lang,
            "离职已办结，离职后的各项义务开始计算。",
            "The departure is completed; the obligations after leaving now run."
        )
    );
    assert_eq!(
        hr.text_of(".facts .badge").await,
        tr(lang, "已办结", "Completed")
    );
    hr.click(tr(
        lang,
        "查看离职后的义务",
        "See the obligations after leaving",
    ))
    .await;
    hr.screenshot("obligations").await;
    assert_eq!(hr.path().await, "/obligations");
    assert_eq!(
        hr.heading().await,
        tr(lang, "离职后义务", "Obligations after leaving")
    );
    let rows = hr.texts("table tbody tr").await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    // Left on 29 February 2028 holding `important`: two years end on 28 February 2030.
    for (kind, ends) in [
        (
            tr(lang, "脱密期", "Declassification period"),
            tr(lang, "2030年2月28日", "28 February 2030"),
        ),
        (
            tr(lang, "离职后保密义务", "Confidentiality after leaving"),
            tr(lang, "2030年2月28日", "28 February 2030"),
        ),
        (tr(lang, "商业秘密保密义务", "Trade secrets"), ""),
    ] {
        assert!(
            rows.iter().any(|r| r.contains(cast.leaver)
                && r.contains(kind)
                && r.contains(tr(lang, "2028年3月1日", "1 March 2028"))
                && r.contains(ends)),
            "{kind} until {ends}: {rows:?}"
        );
    }
}

/// A former employee opens the link in their reminder on a phone, reads their obligations in
/// their language and acknowledges them; the reminder shows as acknowledged.
async fn a_former_employee_acknowledges_from_the_reminder_link_on_a_phone(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("acknowledge_on_phone_{lang}");
    let Some(mut browser) = Browser::open(&app, &test, lang, PHONE).await else {
        return;
    };
    let hr = app.token_client("hr@example.com", &["hr"]).await;
    app.run_jobs().await;
    let name = tr(lang, "李娜", "Lena Smith");
    let id = former(
        &app,
        &hr,
        "A001",
        name,
        lang,
        Some("former@home.example"),
        "important",
    )
    .await;
    app.clock.set(shanghai(2028, 4, 1, 9, 1));
    app.run_jobs().await;
    let mails = app.smtp.to("former@home.example");
    assert_eq!(mails.len(), 1, "one reminder went out");
    let link = mails[0].ack_path();

    browser.goto(&link).await;
    browser.screenshot("obligations").await;
    assert_eq!(
        browser.heading().await,
        tr(lang, "您离职后的义务", "Your obligations after leaving")
    );
    let page = browser.text().await;
    assert!(page.contains(name), "{page}");
    assert!(
        page.contains(tr(lang, "脱密期", "Declassification period"))
            && page.contains(tr(lang, "2030年2月28日", "28 February 2030")),
        "the obligation and its last day: {page}"
    );
    assert!(
        browser.fits_width().await,
        "no sideways scrolling on a phone"
    );

    browser
        .click(tr(
            lang,
            "我已知悉上述义务",
            "I acknowledge these obligations",
        ))
        .await;
    browser.screenshot("acknowledged").await;
    assert_eq!(
        browser.text_of("[role=status]").await,
        tr(lang, "已确认于2028年4月1日", "Acknowledged on 1 April 2028")
    );
    assert!(
        !browser.text().await.contains(tr(
            lang,
            "我已知悉上述义务",
            "I acknowledge these obligations"
        )),
        "nothing left to press"
    );
    assert!(
        browser.fits_width().await,
        "no sideways scrolling on a phone"
    );

    let rows = reminders(&app, &hr, &format!("employee_id={id}")).await;
    assert_eq!(rows[0]["status"], "acknowledged");
}

#[actix_web::test]
async fn an_anonymous_reporter_follows_the_report_to_its_decision_in_chinese() {
    an_anonymous_reporter_follows_the_report_to_its_decision("zh-CN").await;
}

#[actix_web::test]
async fn an_anonymous_reporter_follows_the_report_to_its_decision_in_english() {
    an_anonymous_reporter_follows_the_report_to_its_decision("en").await;
}

#[actix_web::test]
async fn a_former_employee_acknowledges_from_the_reminder_link_on_a_phone_in_chinese() {
    a_former_employee_acknowledges_from_the_reminder_link_on_a_phone("zh-CN").await;
}

#[actix_web::test]
async fn a_former_employee_acknowledges_from_the_reminder_link_on_a_phone_in_english() {
    a_former_employee_acknowledges_from_the_reminder_link_on_a_phone("en").await;
}

#[actix_web::test]
async fn a_departure_runs_through_the_pages_from_start_to_obligations_in_chinese() {
    a_departure_runs_through_the_pages_from_start_to_obligations("zh-CN").await;
}

#[actix_web::test]
async fn a_departure_runs_through_the_pages_from_start_to_obligations_in_english() {
    a_departure_runs_through_the_pages_from_start_to_obligations("en").await;
}
