//! The settings as read from the environment and their refusals.

use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn with_nothing_set_the_service_runs_on_embedded_defaults() {
    let config = Config::load(&env(&[]), None).unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, PathBuf::from("./data"));
    assert!(matches!(config.database_url, DatabaseUrl::Sqlite(ref p) if p.ends_with("tuomi.db")));
    assert_eq!(config.base_url.as_str(), "http://127.0.0.1:8080/");
    assert!(config.smtp_url.is_none());
    assert_eq!(config.timezone, chrono_tz::Asia::Shanghai);
}

#[test]
fn delivery_rides_out_two_weeks_by_default_and_its_settings_are_checked() {
    let config = Config::load(&env(&[]), None).unwrap();
    assert_eq!(config.retrying, Retrying::default());
    assert_eq!(config.retrying.horizon, chrono::Duration::days(14));
    assert_eq!(config.leases.lease, chrono::Duration::seconds(30));
    assert_eq!(config.sessions.idle, chrono::Duration::hours(2));
    assert_eq!(config.sessions.lifetime, chrono::Duration::hours(12));
    assert_eq!(config.api_token_days, 90);
    let err = Config::load(
        &env(&[
            ("TUOMI_MAIL_RETRY_HORIZON_DAYS", "0"),
            ("TUOMI_JOB_LEASE_SECONDS", "20"),
            ("TUOMI_JOB_HEARTBEAT_SECONDS", "15"),
        ]),
        None,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("TUOMI_MAIL_RETRY_HORIZON_DAYS"), "{text}");
    assert!(
        text.contains("TUOMI_JOB_HEARTBEAT_SECONDS (job_heartbeat_seconds): must be a whole number from 1 to 10"),
        "a heartbeat renews at least twice within the lease: {text}"
    );
}

#[test]
fn environment_overrides_the_file_which_overrides_defaults() {
    let file = "listen = \"0.0.0.0:9000\"\ntimezone = \"Europe/Helsinki\"\n";
    let config = Config::load(
        &env(&[("TUOMI_LISTEN", "127.0.0.1:9100")]),
        Some((Path::new("tuomi.toml"), file)),
    )
    .unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:9100");
    assert_eq!(config.timezone, chrono_tz::Europe::Helsinki);
}

#[test]
fn every_bad_setting_is_named_with_its_problem() {
    let err = Config::load(
        &env(&[
            ("TUOMI_LISTEN", "nowhere"),
            ("TUOMI_TIMEZONE", "Mars/Olympus"),
            ("TUOMI_DATABASE_URL", "mysql://db/tuomi"),
            ("TUOMI_SECRET_KEY", "short"),
            ("TUOMI_SMTP_URL", "http://mail"),
        ]),
        None,
    )
    .unwrap_err();
    let text = err.to_string();
    for name in [
        "TUOMI_LISTEN",
        "TUOMI_TIMEZONE",
        "TUOMI_DATABASE_URL",
        "TUOMI_SECRET_KEY",
        "TUOMI_SMTP_URL",
    ] {
        assert!(text.contains(name), "{name} missing from: {text}");
    }
    assert!(text.contains("mysql"), "{text}");
}

#[test]
fn an_unknown_key_in_the_file_is_refused() {
    let err =
        Config::load(&env(&[]), Some((Path::new("tuomi.toml"), "lisen = \"x\""))).unwrap_err();
    assert!(err.to_string().contains("lisen"), "{err}");
}
