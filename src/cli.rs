//! The `tuomi` command line.

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, LogFormat};
use crate::db::audit;
use crate::db::{self, users, write_tx};
use crate::domain::audit::Actor;
use crate::domain::passwords::{Owner, check_password};
use crate::domain::users::NewUser;

#[derive(Parser)]
#[command(
    name = "tuomi",
    version,
    about = "Confidentiality duties around a departure"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data from files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Scheduled work.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Run the job worker alone (reminders and schedules), without the web service.
    Worker,
    /// Reminders.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    /// Write a consistent copy of the database to FILE, while the service runs (SQLite:
    /// a database file; PostgreSQL: a pg_dump archive).
    Backup { file: std::path::PathBuf },
    /// Put a backup in place of the configured database (stop the service first).
    Restore {
        file: std::path::PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Tools for development and measurement.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand)]
enum DevCommand {
    /// Fill an empty database with a realistic company (the same data for the same numbers):
    /// employees, 30% as many former employees over ten years with their departures and
    /// obligations, three carriers a person, a year of reminders.
    Seed {
        #[arg(long, default_value_t = 100_000)]
        employees: usize,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, hr, security or manager; repeat or separate with commas for several.
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<String>,
        /// Links the user to this employee number.
        #[arg(long)]
        employee_no: Option<String>,
        /// zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        language: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Print a link with which the user sets a new password (works once, for one hour).
    ResetLink {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Employees from an HR export (CSV in UTF-8 or GB18030); all or nothing.
    Employees {
        file: std::path::PathBuf,
        /// Report what would change and every bad row; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run what is due now and exit (for installs driven by cron): the schedules' slots since
    /// the last run, then every due job (plans, sends, retries).
    RunOnce,
}

#[derive(Subcommand)]
enum RemindersCommand {
    /// List what the schedules will send in the coming days, without sending anything.
    Forecast {
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every event of the hash chain.
    Verify,
}

pub fn main() -> ExitCode {
    // Before anything is written: a backup or an outbox message is never world-readable.
    crate::private::files_private();
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Migrate => migrate(&config),
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    roles,
                    employee_no,
                    language,
                    password_stdin: _,
                },
        } => add_user(
            &config,
            &email,
            &name,
            &roles,
            employee_no.as_deref(),
            &language,
        ),
        Command::User {
            command: UserCommand::ResetLink { email },
        } => reset_link(&config, &email),
        Command::Import {
            command: ImportCommand::Employees { file, dry_run },
        } => import_employees(&config, &file, dry_run),
        Command::Jobs {
            command: JobsCommand::RunOnce,
        } => run_jobs_once(&config),
        Command::Worker => run_worker(config),
        Command::Reminders {
            command: RemindersCommand::Forecast { days },
        } => forecast(&config, days),
        Command::Backup { file } => db::backup::backup(&config.database_url, &file).map(|()| {
            println!("backup written to {}", file.display());
            if config.secret_key.is_none() {
                println!(
                    "keep {} with it: the links in emails already sent need that key",
                    config.data_dir.join("secret.key").display()
                );
            }
            ExitCode::SUCCESS
        }),
        Command::Restore { file, force } => crate::private::data_dir(&config.data_dir)
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                db::backup::restore(&config.database_url, &file, force).map(|()| {
                    println!(
                        "{} restored into {}; check it with: tuomi audit verify",
                        file.display(),
                        config.database_url.redacted()
                    );
                    ExitCode::SUCCESS
                })
            }),
        Command::Audit {
            command: AuditCommand::Verify,
        } => verify_audit(&config),
        Command::Dev {
            command: DevCommand::Seed { employees },
        } => seed(&config, employees),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TUOMI_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only on a terminal, not in a log file.
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn serve(config: Config) -> anyhow::Result<ExitCode> {
    actix_web::rt::System::new().block_on(async move {
        let app =
            crate::startup::Application::build(config, crate::startup::system_clock()).await?;
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

fn seed(config: &Config, employees: usize) -> anyhow::Result<ExitCode> {
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let now = chrono::Utc::now();
    let today = crate::clock::company_date(now, config.timezone);
    let plan = db::seed::SeedPlan::for_employees(employees);
    let started = std::time::Instant::now();
    let rows = db::seed::seed(&mut conn, plan, now, today, |table, rows| {
        println!(
            "{table}: {rows} rows ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    })?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "seeded {rows} rows in {seconds:.1} s ({:.0} rows/s); add users with: tuomi user add",
        rows as f64 / seconds.max(0.001)
    );
    Ok(ExitCode::SUCCESS)
}

fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    crate::private::data_dir(&config.data_dir)?;
    let mut conn = db::connect(&config.database_url)?;
    let ran = db::migrate(&mut conn)?;
    println!("{ran} migrations applied; the database is up to date");
    Ok(ExitCode::SUCCESS)
}

fn add_user(
    config: &Config,
    email: &str,
    name: &str,
    roles: &[String],
    employee_no: Option<&str>,
    language: &str,
) -> anyhow::Result<ExitCode> {
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    let new = match NewUser::parse(email, name, &roles, Some(language), employee_no) {
        Ok(new) => new,
        Err(errors) => {
            for (field, message) in &errors.0 {
                // The option for the roles field is --role (repeated).
                let option = if field == "roles" {
                    "role"
                } else {
                    field.as_str()
                };
                eprintln!(
                    "--{}: {}",
                    option.replace('_', "-"),
                    crate::catalog::english(message)
                );
            }
            return Ok(ExitCode::from(2));
        }
    };
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    if let Err(problem) = check_password(
        password,
        Owner {
            email: new.email.as_str(),
            name: &new.name,
        },
    ) {
        eprintln!("password: {}", crate::catalog::english(&problem));
        return Ok(ExitCode::from(2));
    }
    let hash = crate::auth::hash_password(password)?;
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let now = chrono::Utc::now();
    match write_tx(&mut conn, |conn| {
        users::create(conn, now, &Actor::System, &new, Some(&hash))
    }) {
        Ok(user) => {
            println!("user {} created: {}", user.email, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::error::Error::Validation(errors)) => {
            for (field, message) in &errors.0 {
                eprintln!("--{field}: {}", crate::catalog::english(message));
            }
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

fn verify_audit(config: &Config) -> anyhow::Result<ExitCode> {
    let mut conn = db::connect(&config.database_url)?;
    match audit::verify(&mut conn) {
        Ok(count) => {
            println!("audit chain intact: {count} events");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("audit chain broken: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn import_employees(
    config: &Config,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let file = crate::db::import::read(&bytes)
        .map_err(|p| anyhow::anyhow!("{}: {}", file.display(), crate::catalog::english(&p)))?;
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let started = std::time::Instant::now();
    // Another process's writer polls SQLite's lock every 100 ms or so: a pause that long
    // between batches lets it in (PostgreSQL's waiters are woken at once).
    let pause = match conn {
        db::DbConnection::Sqlite(_) => std::time::Duration::from_millis(100),
        db::DbConnection::Pg(_) => std::time::Duration::ZERO,
    };
    let mut shown = std::time::Instant::now();
    let report = crate::db::import::run(
        &mut conn,
        chrono::Utc::now(),
        &Actor::System,
        &file,
        dry_run,
        |done, total| {
            // A line a second at most, and the last.
            if done == total || shown.elapsed().as_secs() >= 1 {
                eprintln!("written {done} of {total} rows");
                shown = std::time::Instant::now();
            }
            if done < total {
                std::thread::sleep(pause);
            }
        },
    )?;
    for e in &report.errors {
        println!("line {}, {}: {}", e.line, e.field, e.message);
    }
    if !report.ignored_columns.is_empty() {
        println!("columns not read: {}", report.ignored_columns.join(", "));
    }
    let verb = if report.dry_run { "would be" } else { "were" };
    println!(
        "{} created, {} updated, {} unchanged ({verb} written; {} problems; {:.2} s)",
        report.created,
        report.updated,
        report.unchanged,
        report.errors.len(),
        started.elapsed().as_secs_f64()
    );
    if report.created + report.updated == 0 && report.errors.is_empty() {
        println!("nothing changed: the register already matches the file");
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_jobs_once(config: &Config) -> anyhow::Result<ExitCode> {
    let runner = crate::startup::standalone_runner(config)?;
    let stats = runner.run_once()?;
    println!(
        "{} schedule slots, {} jobs run: {} sent, {} failed, {} to retry",
        stats.ticks, stats.jobs, stats.sent, stats.failed, stats.retried
    );
    Ok(ExitCode::SUCCESS)
}

fn run_worker(config: Config) -> anyhow::Result<ExitCode> {
    let runner = crate::startup::standalone_runner(&config)?;
    runner.run_forever(|| true);
    Ok(ExitCode::SUCCESS)
}

fn forecast(config: &Config, days: u32) -> anyhow::Result<ExitCode> {
    let max = crate::http::api::reminders::FORECAST_MAX_DAYS;
    if !(1..=max).contains(&days) {
        eprintln!("--days: must be from 1 to {max}");
        return Ok(ExitCode::from(2));
    }
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let (_, policy) = db::policy::current(&mut conn)?;
    let entries = crate::jobs::forecast::forecast(
        &mut conn,
        &policy,
        config.timezone,
        chrono::Utc::now(),
        days,
    )?;
    for e in &entries {
        let local = e.at.with_timezone(&config.timezone);
        println!(
            "{}\t{}\t{}\t{}",
            local.format("%Y-%m-%d %H:%M %Z"),
            e.kind,
            e.recipient,
            e.to.as_deref().unwrap_or("(no address: would fail)")
        );
    }
    println!("{} emails in the next {days} days", entries.len());
    Ok(ExitCode::SUCCESS)
}

/// Prints a reset link for the active user with this email, and records that it was issued.
fn reset_link(config: &Config, email: &str) -> anyhow::Result<ExitCode> {
    let links = crate::startup::link_signer(config)?;
    let mut conn = db::connect(&config.database_url)?;
    db::migrate(&mut conn)?;
    let Some(user) = users::find_by_email(&mut conn, email)?.filter(|u| u.active) else {
        eprintln!("--email: no active user has the address {email:?}");
        return Ok(ExitCode::from(2));
    };
    let now = chrono::Utc::now();
    write_tx(&mut conn, |tx| {
        users::issue_reset(tx, now, &Actor::System, &user, false)
    })?;
    let token = users::reset_token(&links, &user, now);
    println!(
        "{}",
        config.base_url.join(&format!("password/reset/{token}"))?
    );
    Ok(ExitCode::SUCCESS)
}
