//! One browser window for one test: its WebDriver session (ended on drop, even after a
//! panic), what a visitor does on a page (fill, tick, select, click and wait for the next
//! page), what the test reads back, whether the page fits a phone's width, and whole-page
//! screenshots.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use super::harness::{
    PAGE_TIMEOUT, Viewport, capabilities, chromium_path, driver, screenshots_root,
};
use crate::helpers::TestApp;

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

    /// Prints the page on A4 through WebDriver's print command (`POST /session/{id}/print`),
    /// saves the PDF beside the screenshots as `<NN>-<name>.pdf` and returns its path.
    pub async fn print_pdf(&mut self, name: &str) -> PathBuf {
        self.shot_no += 1;
        let file = self.shots.join(format!("{:02}-{name}.pdf", self.shot_no));
        let answer: Value = reqwest::Client::new()
            .post(format!(
                "{}/session/{}/print",
                self.driver_url, self.session
            ))
            .json(&json!({
                "page": {"width": 21.0, "height": 29.7},
                "orientation": "portrait",
                "background": false,
            }))
            .send()
            .await
            .expect("WebDriver's print command")
            .json()
            .await
            .expect("its answer");
        let data = answer["value"]
            .as_str()
            .unwrap_or_else(|| panic!("a PDF from the print command: {answer}"));
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("the PDF in base64");
        std::fs::write(&file, pdf).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
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
