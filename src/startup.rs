//! Builds the running service from a [`Config`]: data dir, secret key, pool, database
//! preparation, and the HTTP server on a bound listener (port 0 in tests).

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::cookie::Key;
use actix_web::dev::Server;
use actix_web::{HttpServer, web};
use anyhow::Context;
use sha2::{Digest, Sha512};

use crate::auth::LinkSigner;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db;
use crate::db::throttles::Throttle;
use crate::http::{self, AppState};
use crate::jobs::Runner;
use crate::mail::MailTemplates;

/// Sign-in failures allowed per account within the window, then the account waits.
pub const SIGNIN_FAILURES_PER_ACCOUNT: u32 = 5;
/// Per address it is higher: an office behind one NAT shares an address.
pub const SIGNIN_FAILURES_PER_ADDRESS: u32 = 30;
pub const SIGNIN_WINDOW_MINUTES: i64 = 15;
/// Fresh acknowledgement links one address may ask for in an hour.
pub const LINK_REQUESTS_PER_EMAIL: u32 = 3;
/// … and one client address, for any emails.
pub const LINK_REQUESTS_PER_ADDRESS: u32 = 20;
/// Password reset emails one address may be sent in an hour ("forgot password?").
pub const RESET_REQUESTS_PER_EMAIL: u32 = 3;
/// … and one client may ask for, for any addresses.
pub const RESET_REQUESTS_PER_ADDRESS: u32 = 20;
/// Reports without an account one client address may send in an hour.
pub const PUBLIC_REPORTS_PER_HOUR: u32 = 10;
/// Wrong case codes or secrets one client address may try within the sign-in window.
pub const CASE_GUESSES_PER_WINDOW: u32 = 5;
/// How long the first-admin setup link stays valid.
pub const SETUP_LINK_HOURS: i64 = 1;

pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
    /// The job worker of this process (running in a thread of its own unless jobs are off).
    pub runner: Arc<Runner>,
    /// The first-admin link printed at start, when no user exists yet.
    pub setup_link: Option<String>,
}

impl Application {
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Application> {
        crate::private::data_dir(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
        let secret = secret_key(&config, true)?;
        // Templates are checked now: a template with an unknown variable stops the start.
        let templates = Arc::new(MailTemplates::load(config.templates_dir.as_deref())?);
        let metrics = http::observe::Metrics::default();
        let pool = db::build_pool(
            config.database_url.clone(),
            config.database_pool_size,
            metrics.statements.clone(),
            config.statement_log.clone(),
        );
        let links = LinkSigner::new(&secret);
        let runner = Arc::new(Runner::new(
            config.clone(),
            clock.clone(),
            pool.clone(),
            links.clone(),
            templates,
        )?);
        let listener = TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            cookie_key: Key::derive_from(&Sha512::digest(secret.as_bytes())),
            links,
            pool,
            clock,
            ready: AtomicBool::new(false),
            signin_by_account: Throttle::new(
                "signin_account",
                SIGNIN_FAILURES_PER_ACCOUNT,
                chrono::Duration::minutes(SIGNIN_WINDOW_MINUTES),
            ),
            signin_by_address: Throttle::new(
                "signin_address",
                SIGNIN_FAILURES_PER_ADDRESS,
                chrono::Duration::minutes(SIGNIN_WINDOW_MINUTES),
            ),
            link_requests_by_email: Throttle::new(
                "link_email",
                LINK_REQUESTS_PER_EMAIL,
                chrono::Duration::hours(1),
            ),
            link_requests_by_address: Throttle::new(
                "link_address",
                LINK_REQUESTS_PER_ADDRESS,
                chrono::Duration::hours(1),
            ),
            resets_by_email: Throttle::new(
                "reset_email",
                RESET_REQUESTS_PER_EMAIL,
                chrono::Duration::hours(1),
            ),
            resets_by_address: Throttle::new(
                "reset_address",
                RESET_REQUESTS_PER_ADDRESS,
                chrono::Duration::hours(1),
            ),
            public_reports: Throttle::new(
                "public_report",
                PUBLIC_REPORTS_PER_HOUR,
                chrono::Duration::hours(1),
            ),
            case_guesses: Throttle::new(
                "case_guess",
                CASE_GUESSES_PER_WINDOW,
                chrono::Duration::minutes(SIGNIN_WINDOW_MINUTES),
            ),
            metrics,
            pages: http::web::Pages::new(config.timezone)?,
            config,
        });

        let setup_link = match prepare_database(&state).await {
            Ok(link) => link,
            Err(e) if looks_unreachable(&e) => {
                tracing::error!(
                    error = %format!("{e:#}"),
                    "the database is unreachable; answering 503 and retrying every 2 seconds"
                );
                let retry = state.clone();
                actix_web::rt::spawn(async move {
                    loop {
                        actix_web::rt::time::sleep(Duration::from_secs(2)).await;
                        if prepare_database(&retry).await.is_ok() {
                            tracing::info!("the database is reachable again");
                            break;
                        }
                    }
                });
                None
            }
            Err(e) => return Err(e),
        };

        if state.config.jobs {
            spawn_worker(runner.clone(), state.clone())?;
        }
        let app_state = state.clone();
        let server = HttpServer::new(move || http::app(app_state.clone()))
            .listen(listener)?
            // The headers within 5 seconds (actix's own default), the body by the setting.
            .client_request_timeout(state.config.request_timeout.min(Duration::from_secs(5)))
            .shutdown_timeout(20)
            .run();
        if let Some(address) = state.config.metrics_listen {
            spawn_metrics_server(state.clone(), address)?;
        }
        tracing::info!(
            address = %format!("127.0.0.1:{port}"),
            base_url = %state.config.base_url,
            database = %state.config.database_url.redacted(),
            "tuomi is listening"
        );
        Ok(Application {
            port,
            server,
            state,
            runner,
            setup_link,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM / SIGINT, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `/metrics` alone, without a token, on the `metrics_listen` address (one kept on a private
/// network for Prometheus), beside the service.
fn spawn_metrics_server(
    state: web::Data<AppState>,
    address: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(http::api::ops::metrics_text))
    })
    .bind(address)
    .with_context(|| format!("cannot listen for metrics on {address}"))?
    .workers(1)
    .client_request_timeout(Duration::from_secs(10))
    .run();
    actix_web::rt::spawn(server);
    tracing::info!(address = %address, "metrics are served here without a token");
    Ok(())
}

/// Migrates, then — if nobody can sign in yet — makes and logs the one-time setup link.
async fn prepare_database(state: &web::Data<AppState>) -> anyhow::Result<Option<String>> {
    let url = state.config.database_url.clone();
    let now = state.now();
    let base_url = state.config.base_url.clone();
    let link = web::block(move || -> anyhow::Result<Option<String>> {
        // A connection of its own, not from the pool: the pool hides the cause behind a timeout.
        let mut conn = db::connect(&url)?;
        let ran = db::migrate(&mut conn)?;
        if ran > 0 {
            tracing::info!(migrations = ran, "database migrated");
        }
        // The schedules of the policy in force must parse before anything is scheduled.
        let (version, policy) = db::policy::current(&mut conn)?;
        policy.check().map_err(|e| {
            anyhow::anyhow!("the policy in force (version {version}) is invalid: {e:?}")
        })?;
        if db::users::count(&mut conn)? > 0 {
            return Ok(None);
        }
        let token = db::write_tx(&mut conn, |tx| {
            db::users::create_setup_token(tx, now, chrono::Duration::hours(SETUP_LINK_HOURS))
        })?;
        Ok(Some(base_url.join(&format!("setup/{token}"))?.to_string()))
    })
    .await??;
    state.ready.store(true, Ordering::Release);
    if let Some(link) = &link {
        tracing::warn!(
            "no user exists yet: create the first administrator at {link} \
             (valid for {SETUP_LINK_HOURS} hour, once)"
        );
    }
    Ok(link)
}

/// Runs the job worker in a thread of its own (its database and SMTP calls block), working
/// only while the database is ready.
pub fn spawn_worker(runner: Arc<Runner>, state: web::Data<AppState>) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("tuomi-jobs".into())
        .spawn(move || runner.run_forever(|| state.ready.load(Ordering::Acquire)))?;
    Ok(())
}

/// A job runner for the command line (`tuomi worker`, `tuomi jobs run-once`): the same
/// secret, templates and database as `serve`, migrated first.
pub fn standalone_runner(config: &Config) -> anyhow::Result<Runner> {
    crate::private::data_dir(&config.data_dir)?;
    // No warning here: cron runs this, and `serve` already says it.
    let secret = secret_key(config, false)?;
    let templates = Arc::new(MailTemplates::load(config.templates_dir.as_deref())?);
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let pool = db::build_full_pool(config.database_url.clone(), crate::mail::SENDERS as u32 + 1)?;
    Runner::new(
        config.clone(),
        system_clock(),
        pool,
        LinkSigner::new(&secret),
        templates,
    )
}

/// A database that is down (as opposed to misconfigured) is waited for, not fatal.
fn looks_unreachable(e: &anyhow::Error) -> bool {
    let text = format!("{e:#}").to_lowercase();
    [
        "connection refused",
        "could not connect",
        "timed out",
        "timeout",
        "could not translate host",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// The configured secret key, or one generated once into the data dir (with a warning when
/// `warn`).
/// The signer of the service's links, from its secret key (for commands that make links).
pub fn link_signer(config: &Config) -> anyhow::Result<LinkSigner> {
    Ok(LinkSigner::new(&secret_key(config, false)?))
}

fn secret_key(config: &Config, warn: bool) -> anyhow::Result<String> {
    if let Some(key) = &config.secret_key {
        return Ok(key.clone());
    }
    let path = config.data_dir.join("secret.key");
    let key = match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= 32 => key.trim().to_string(),
        Ok(_) => anyhow::bail!("{} is shorter than 32 characters", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_new_key(&path)?,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if warn {
        tracing::warn!(
            "TUOMI_SECRET_KEY is not set: using the key kept in {}. Production must set \
             TUOMI_SECRET_KEY (the same on every instance) and keep it secret.",
            path.display()
        );
    }
    Ok(key)
}

fn write_new_key(path: &Path) -> anyhow::Result<String> {
    use rand::Rng;
    use std::io::Write;
    let bytes: [u8; 48] = rand::rng().random();
    let key = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(key.as_bytes())?;
    Ok(key)
}

/// The clock of a running service.
pub fn system_clock() -> SharedClock {
    Arc::new(crate::clock::SystemClock)
}
