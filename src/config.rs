//! One typed configuration: defaults < `tuomi.toml` < `TUOMI_*` environment, validated at load.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use crate::db::DatabaseUrl;
use crate::domain::delivery::{Leases, Retrying};

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub base_url: Url,
    pub smtp_url: Option<Url>,
    pub mail_from: String,
    pub timezone: Tz,
    /// None: a key is generated once and kept in the data dir.
    pub secret_key: Option<String>,
    pub log_format: LogFormat,
    /// Reverse proxies whose `X-Forwarded-For` names the client (throttling is per client).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Whether `serve` runs the scheduled work itself (`TUOMI_JOBS=off` leaves it to
    /// `tuomi jobs run-once`).
    pub jobs: bool,
    /// A folder whose `mail/<language>/<name>` files replace the built-in email templates.
    pub templates_dir: Option<PathBuf>,
    /// DKIM signing of outgoing mail: the selector and the private key file (RSA PEM, or an
    /// Ed25519 key in base64), both or neither.
    pub dkim: Option<(String, PathBuf)>,
    /// How a message refused for now is tried again.
    pub retrying: Retrying,
    /// How long a claimed job is its worker's, and how often the worker renews that.
    pub leases: Leases,
    /// The bearer token `/metrics` asks for on the main address; None: not served there.
    pub metrics_token: Option<String>,
    /// A separate address serving only `/metrics` (to keep on a private network), if any.
    pub metrics_listen: Option<SocketAddr>,
    /// How long a client may take to send a request's headers and body: a slow sender is
    /// answered 408 and let go instead of holding memory and a worker.
    pub request_timeout: std::time::Duration,
    /// How long a session lasts unused, and at most.
    pub sessions: crate::domain::sessions::SessionLimits,
    /// The longest an API token lasts, in days (its creator may ask for less).
    pub api_token_days: i64,
    /// Roles whose users must sign in with a second factor (enrolled before anything else).
    pub second_factor_roles: Vec<crate::domain::users::Role>,
    /// Keeps the text of every SQL statement the pool runs, for the tests that read their
    /// query plans. Never set from the environment: None in production.
    pub statement_log: Option<crate::db::StatementLog>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The settings as written, before validation. Field names are the `tuomi.toml` keys;
/// the environment variable is `TUOMI_` + the upper-cased key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database_url: Option<String>,
    database_pool_size: Option<String>,
    listen: Option<String>,
    data_dir: Option<String>,
    base_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    timezone: Option<String>,
    secret_key: Option<String>,
    log_format: Option<String>,
    trusted_proxies: Option<String>,
    jobs: Option<String>,
    templates_dir: Option<String>,
    dkim_selector: Option<String>,
    dkim_key_file: Option<String>,
    mail_retry_cap_minutes: Option<String>,
    mail_retry_horizon_days: Option<String>,
    job_lease_seconds: Option<String>,
    job_heartbeat_seconds: Option<String>,
    metrics_token: Option<String>,
    metrics_listen: Option<String>,
    request_timeout_seconds: Option<String>,
    session_idle_minutes: Option<String>,
    session_lifetime_hours: Option<String>,
    api_token_days: Option<String>,
    second_factor_roles: Option<String>,
}

/// Every setting: (key, default shown in the README and errors).
pub const SETTINGS: &[(&str, &str)] = &[
    ("database_url", "sqlite://<data_dir>/tuomi.db"),
    ("database_pool_size", "10"),
    ("listen", "127.0.0.1:8080"),
    ("data_dir", "./data"),
    ("base_url", "http://<listen>"),
    ("smtp_url", "unset: mail is written to <data_dir>/outbox"),
    ("mail_from", "tuomi <tuomi@localhost>"),
    ("timezone", "Asia/Shanghai"),
    ("secret_key", "generated once into <data_dir>/secret.key"),
    ("log_format", "text"),
    ("trusted_proxies", "none: the peer address is the client"),
    ("jobs", "on"),
    ("templates_dir", "unset: the built-in templates"),
    ("dkim_selector", "unset: mail is not DKIM-signed"),
    ("dkim_key_file", "unset"),
    ("mail_retry_cap_minutes", "60"),
    ("mail_retry_horizon_days", "14"),
    ("job_lease_seconds", "30"),
    ("job_heartbeat_seconds", "10"),
    ("metrics_token", "unset: /metrics is not served on listen"),
    ("metrics_listen", "unset: no separate metrics address"),
    ("request_timeout_seconds", "30"),
    ("session_idle_minutes", "120"),
    ("session_lifetime_hours", "12"),
    ("api_token_days", "90"),
    ("second_factor_roles", "admin,security"),
];

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl Config {
    /// Loads from the process environment and `TUOMI_CONFIG` (default `./tuomi.toml`, if present).
    pub fn from_env() -> Result<Config, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let file = env.get("TUOMI_CONFIG").map(PathBuf::from);
        let explicit = file.is_some();
        let file = file.unwrap_or_else(|| PathBuf::from("tuomi.toml"));
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => None,
            Err(e) => {
                return Err(ConfigError {
                    problems: vec![format!("TUOMI_CONFIG: cannot read {}: {e}", file.display())],
                });
            }
        };
        Config::load(&env, text.as_deref().map(|t| (file.as_path(), t)))
    }

    /// Builds the configuration from an environment map and an optional file (path, text).
    pub fn load(
        env: &BTreeMap<String, String>,
        file: Option<(&Path, &str)>,
    ) -> Result<Config, ConfigError> {
        let mut raw = match file {
            Some((path, text)) => toml::from_str::<RawConfig>(text).map_err(|e| ConfigError {
                problems: vec![format!("{}: {}", path.display(), e.message())],
            })?,
            None => RawConfig::default(),
        };
        let overrides: [(&str, &mut Option<String>); 23] = [
            ("TUOMI_DATABASE_URL", &mut raw.database_url),
            ("TUOMI_DATABASE_POOL_SIZE", &mut raw.database_pool_size),
            ("TUOMI_LISTEN", &mut raw.listen),
            ("TUOMI_DATA_DIR", &mut raw.data_dir),
            ("TUOMI_BASE_URL", &mut raw.base_url),
            ("TUOMI_SMTP_URL", &mut raw.smtp_url),
            ("TUOMI_MAIL_FROM", &mut raw.mail_from),
            ("TUOMI_TIMEZONE", &mut raw.timezone),
            ("TUOMI_SECRET_KEY", &mut raw.secret_key),
            ("TUOMI_LOG_FORMAT", &mut raw.log_format),
            ("TUOMI_TRUSTED_PROXIES", &mut raw.trusted_proxies),
            ("TUOMI_JOBS", &mut raw.jobs),
            ("TUOMI_TEMPLATES_DIR", &mut raw.templates_dir),
            ("TUOMI_DKIM_SELECTOR", &mut raw.dkim_selector),
            ("TUOMI_DKIM_KEY_FILE", &mut raw.dkim_key_file),
            (
                "TUOMI_MAIL_RETRY_CAP_MINUTES",
                &mut raw.mail_retry_cap_minutes,
            ),
            (
                "TUOMI_MAIL_RETRY_HORIZON_DAYS",
                &mut raw.mail_retry_horizon_days,
            ),
            ("TUOMI_JOB_LEASE_SECONDS", &mut raw.job_lease_seconds),
            (
                "TUOMI_JOB_HEARTBEAT_SECONDS",
                &mut raw.job_heartbeat_seconds,
            ),
            ("TUOMI_SESSION_IDLE_MINUTES", &mut raw.session_idle_minutes),
            (
                "TUOMI_SESSION_LIFETIME_HOURS",
                &mut raw.session_lifetime_hours,
            ),
            ("TUOMI_API_TOKEN_DAYS", &mut raw.api_token_days),
            ("TUOMI_SECOND_FACTOR_ROLES", &mut raw.second_factor_roles),
        ];
        for (var, slot) in overrides {
            if let Some(value) = env.get(var).filter(|v| !v.trim().is_empty()) {
                *slot = Some(value.trim().to_string());
            }
        }
        // Exposure and limits.
        for (var, slot) in [
            ("TUOMI_METRICS_TOKEN", &mut raw.metrics_token),
            ("TUOMI_METRICS_LISTEN", &mut raw.metrics_listen),
            (
                "TUOMI_REQUEST_TIMEOUT_SECONDS",
                &mut raw.request_timeout_seconds,
            ),
        ] {
            if let Some(value) = env.get(var).filter(|v| !v.trim().is_empty()) {
                *slot = Some(value.trim().to_string());
            }
        }
        raw.validate()
    }
}

impl RawConfig {
    fn validate(self) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| {
            problems.push(format!("TUOMI_{} ({key}): {message}", key.to_uppercase()))
        };

        let data_dir = PathBuf::from(self.data_dir.as_deref().unwrap_or("./data"));
        let listen = match self.listen.as_deref().unwrap_or("127.0.0.1:8080").parse() {
            Ok(addr) => addr,
            Err(_) => {
                problem(
                    "listen",
                    format!(
                        "{:?} is not an address and port like 127.0.0.1:8080",
                        self.listen.unwrap_or_default()
                    ),
                );
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }
        };
        let database_url = {
            let text = self
                .database_url
                .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tuomi.db").display()));
            match DatabaseUrl::parse(&text) {
                Ok(url) => Some(url),
                Err(e) => {
                    problem("database_url", e);
                    None
                }
            }
        };
        let database_pool_size = match self.database_pool_size.as_deref().unwrap_or("10").parse() {
            Ok(n) if (1..=200).contains(&n) => n,
            _ => {
                problem(
                    "database_pool_size",
                    "must be a whole number from 1 to 200".into(),
                );
                10
            }
        };
        let base_url = {
            let text = self.base_url.unwrap_or_else(|| format!("http://{listen}"));
            match Url::parse(&text) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                    Some(url)
                }
                _ => {
                    problem(
                        "base_url",
                        format!(
                            "{text:?} is not an http(s) address like https://tuomi.example.com"
                        ),
                    );
                    None
                }
            }
        };
        let smtp_url = match self.smtp_url {
            None => None,
            Some(text) => match Url::parse(&text) {
                Ok(url) if matches!(url.scheme(), "smtp" | "smtps") && url.host().is_some() => {
                    Some(url)
                }
                _ => {
                    problem(
                        "smtp_url",
                        "must look like smtp://user:pass@host:587?tls=required (STARTTLS), \
                         smtps://user:pass@host:465 (TLS) or smtp://host:25 (no TLS)"
                            .into(),
                    );
                    None
                }
            },
        };
        let mail_from = self
            .mail_from
            .unwrap_or_else(|| "tuomi <tuomi@localhost>".into());
        if !mail_from.contains('@') {
            problem("mail_from", format!("{mail_from:?} has no email address"));
        }
        let timezone = match self
            .timezone
            .as_deref()
            .unwrap_or("Asia/Shanghai")
            .parse::<Tz>()
        {
            Ok(tz) => tz,
            Err(_) => {
                problem(
                    "timezone",
                    "is not an IANA time zone name like Asia/Shanghai".into(),
                );
                chrono_tz::Asia::Shanghai
            }
        };
        if let Some(key) = &self.secret_key
            && key.len() < 32
        {
            problem(
                "secret_key",
                format!("is {} characters long; use at least 32", key.len()),
            );
        }
        let log_format = match self.log_format.as_deref().unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                problem("log_format", format!("{other:?} is neither text nor json"));
                LogFormat::Text
            }
        };

        let mut trusted_proxies = Vec::new();
        for part in self
            .trusted_proxies
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.parse() {
                Ok(ip) => trusted_proxies.push(ip),
                Err(_) => problem(
                    "trusted_proxies",
                    format!("{part:?} is not an IP address (list them separated by commas)"),
                ),
            }
        }

        let jobs = match self.jobs.as_deref().unwrap_or("on") {
            "on" => true,
            "off" => false,
            other => {
                problem("jobs", format!("{other:?} is neither on nor off"));
                true
            }
        };

        let templates_dir = self.templates_dir.map(PathBuf::from);
        if let Some(dir) = &templates_dir
            && !dir.is_dir()
        {
            problem(
                "templates_dir",
                format!("{} is not a folder", dir.display()),
            );
        }
        let dkim = match (self.dkim_selector, self.dkim_key_file) {
            (None, None) => None,
            (Some(selector), Some(file)) => Some((selector, PathBuf::from(file))),
            _ => {
                problem(
                    "dkim_selector",
                    "DKIM needs both TUOMI_DKIM_SELECTOR and TUOMI_DKIM_KEY_FILE".into(),
                );
                None
            }
        };

        let mut whole = |key: &str, text: Option<&str>, default: i64, range: (i64, i64)| match text
            .map(str::parse::<i64>)
            .unwrap_or(Ok(default))
        {
            Ok(n) if (range.0..=range.1).contains(&n) => n,
            _ => {
                problem(
                    key,
                    format!("must be a whole number from {} to {}", range.0, range.1),
                );
                default
            }
        };
        let retrying = Retrying {
            cap: chrono::Duration::minutes(whole(
                "mail_retry_cap_minutes",
                self.mail_retry_cap_minutes.as_deref(),
                60,
                (1, 24 * 60),
            )),
            horizon: chrono::Duration::days(whole(
                "mail_retry_horizon_days",
                self.mail_retry_horizon_days.as_deref(),
                14,
                (1, 365),
            )),
        };
        let lease = whole(
            "job_lease_seconds",
            self.job_lease_seconds.as_deref(),
            30,
            (10, 3600),
        );
        // Renewed at least twice within a lease, so one late renewal loses nothing.
        let heartbeat = whole(
            "job_heartbeat_seconds",
            self.job_heartbeat_seconds.as_deref(),
            10,
            (1, (lease / 2).max(1)),
        );
        let leases = Leases {
            lease: chrono::Duration::seconds(lease),
            heartbeat: chrono::Duration::seconds(heartbeat),
        };
        let request_timeout = std::time::Duration::from_secs(whole(
            "request_timeout_seconds",
            self.request_timeout_seconds.as_deref(),
            30,
            (1, 3600),
        ) as u64);

        let lifetime = whole(
            "session_lifetime_hours",
            self.session_lifetime_hours.as_deref(),
            12,
            (1, 24 * 30),
        );
        // A session idle longer than it may last at all would never time out for idleness.
        let idle = whole(
            "session_idle_minutes",
            self.session_idle_minutes.as_deref(),
            120,
            (5, lifetime * 60),
        );
        let sessions = crate::domain::sessions::SessionLimits {
            idle: chrono::Duration::minutes(idle),
            lifetime: chrono::Duration::hours(lifetime),
        };
        let api_token_days = whole(
            "api_token_days",
            self.api_token_days.as_deref(),
            90,
            (1, 3650),
        );

        // "none" (an empty value counts as unset): nobody must.
        let mut second_factor_roles = Vec::new();
        for part in self
            .second_factor_roles
            .as_deref()
            .unwrap_or("admin,security")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "none")
        {
            match part.parse() {
                Ok(role) => second_factor_roles.push(role),
                Err(_) => problem(
                    "second_factor_roles",
                    format!("{part:?} is not a role (admin, hr, security, manager or none)"),
                ),
            }
        }

        if let Some(token) = &self.metrics_token
            && token.len() < 16
        {
            problem(
                "metrics_token",
                format!("is {} characters long; use at least 16", token.len()),
            );
        }
        let metrics_listen = match self.metrics_listen.as_deref().map(str::parse) {
            None => None,
            Some(Ok(addr)) => Some(addr),
            Some(Err(_)) => {
                problem(
                    "metrics_listen",
                    "is not an address and port like 127.0.0.1:9090".into(),
                );
                None
            }
        };
        match (database_url, base_url) {
            (Some(database_url), Some(base_url)) if problems.is_empty() => Ok(Config {
                database_url,
                database_pool_size,
                listen,
                data_dir,
                base_url,
                smtp_url,
                mail_from,
                timezone,
                secret_key: self.secret_key,
                log_format,
                trusted_proxies,
                jobs,
                templates_dir,
                dkim,
                retrying,
                leases,
                metrics_token: self.metrics_token,
                metrics_listen,
                request_timeout,
                sessions,
                api_token_days,
                second_factor_roles,
                statement_log: None,
            }),
            _ => Err(ConfigError { problems }),
        }
    }
}

impl Config {
    /// A configuration for tests and tools: defaults with the given database and data dir.
    pub fn for_data_dir(data_dir: &Path, database_url: &str) -> Result<Config, ConfigError> {
        let env = BTreeMap::from([
            (
                "TUOMI_DATA_DIR".to_string(),
                data_dir.to_string_lossy().into_owned(),
            ),
            ("TUOMI_DATABASE_URL".to_string(), database_url.to_string()),
        ]);
        Config::load(&env, None)
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

#[cfg(test)]
mod tests;
