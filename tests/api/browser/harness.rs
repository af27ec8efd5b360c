//! The harness shared by the journeys: the process's one chromedriver (started on first use,
//! stopped when the process exits), the capabilities of a new headless Chromium, the window
//! sizes (desktop, phone) and where screenshots go.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

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
pub(super) const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

fn chromedriver_path() -> PathBuf {
    std::env::var_os("TUOMI_TEST_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromedriver".into())
}

pub(super) fn chromium_path() -> String {
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
pub(super) struct Driver {
    pub(super) url: String,
    /// The chromedriver runs under a small shell that kills it when this pipe closes, which
    /// happens when the test process exits, however it exits.
    _watchdog: Mutex<(Child, ChildStdin)>,
}

static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();

/// The shared chromedriver, started on first use; None (said once, loudly) when it is not
/// installed and `CI` is not set.
pub(super) fn driver() -> Option<&'static Driver> {
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
pub(super) fn capabilities(lang: &str, profile: &Path) -> serde_json::Map<String, Value> {
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
