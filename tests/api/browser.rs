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
//! folder is emptied when it starts. The target dir is the one holding the running test
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

use crate::breaches::case_id_of;
use crate::helpers::{Backend, TestApp};
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
        let _ = std::fs::remove_dir_all(&shots);
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

    /// The form field whose `<label>` reads `field`, or else whose name is `field`.
    async fn field(&self, field: &str) -> Element {
        let literal = xpath_literal(field);
        let by_label = format!("//label[normalize-space(.)={literal}]");
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
                let labels = self.all_texts("label").await;
                panic!("no field labelled or named {field:?}; the labels are {labels:?}")
            }
        }
    }

    async fn all_texts(&self, css: &str) -> Vec<String> {
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

    /// Chooses the option reading `option` (or with that value) in the list labelled (or
    /// named) `field`.
    #[allow(dead_code)] // no page has a list to choose from yet
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
            let mut offered = self.all_texts("button").await;
            offered.extend(self.all_texts("a").await);
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

/// Someone without an account reports a suspected leak at /report, keeps the code and secret
/// shown once, follows the report at /report/status and adds to it; security decides the case
/// (through the API: it has no page yet) and the reporter sees the decision.
async fn an_anonymous_reporter_follows_the_report_to_its_decision(lang: &str) {
    let app = TestApp::spawn(Backend::Sqlite)
        .await
        .expect("a SQLite test app always starts");
    let test = format!("anonymous_report_{lang}");
    let Some(mut browser) = Browser::open(&app, &test, lang, DESKTOP).await else {
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

    // Security takes the case to a decision.
    let sec = app.signed_in("sec@example.com", &["security"]).await;
    let id = case_id_of(&app, &sec, &code).await;
    for step in [
        json!({"status": "triaged", "reason": "credible enough to look at", "severity": "low"}),
        json!({"status": "investigating", "reason": "asked the group's members"}),
        json!({"status": "unfounded", "reason": "the photos were of public brochures"}),
    ] {
        let r = sec
            .patch(app.url(&format!("/api/v1/breaches/{id}")))
            .json(&step)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{step}: {}", r.text().await.unwrap());
    }

    // The reporter comes back later and sees the decision.
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
