//! Sessions and API tokens: how long they last, and how a browser is named on the list of
//! one's own sessions.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::problem::Problem;

/// How long a session lasts: unused for `idle` it ends; in any case it ends `lifetime` after
/// the sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub lifetime: Duration,
}

impl Default for SessionLimits {
    fn default() -> SessionLimits {
        SessionLimits {
            idle: Duration::hours(2),
            lifetime: Duration::hours(12),
        }
    }
}

/// How stale `last_seen_at` may get before a request writes it again: one write a session a
/// minute, not one a request.
pub const LAST_SEEN_GRAIN: Duration = Duration::minutes(1);

/// A session is live until it is ended, until its lifetime is over, and until it has been
/// idle for the idle timeout.
pub fn session_is_live(
    limits: SessionLimits,
    last_seen_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    ended: bool,
    now: DateTime<Utc>,
) -> bool {
    let now = now.naive_utc();
    // The grain lets last_seen_at lag by up to a minute; the idle timeout counts from it.
    !ended && now < expires_at && now < last_seen_at + limits.idle
}

/// Whether a request should note that the session was seen.
pub fn seen_is_due(last_seen_at: NaiveDateTime, now: DateTime<Utc>) -> bool {
    now.naive_utc() >= last_seen_at + LAST_SEEN_GRAIN
}

/// When a new API token expires: after the lifetime its creator asked for, in days, which may
/// be shorter than the longest the service allows (`max_days`), never longer.
pub fn token_expiry(
    now: DateTime<Utc>,
    asked_days: Option<i64>,
    max_days: i64,
) -> Result<DateTime<Utc>, Problem> {
    let days = asked_days.unwrap_or(max_days);
    if !(1..=max_days).contains(&days) {
        return Err(crate::problem!("between", min = 1, max = max_days));
    }
    Ok(now + Duration::days(days))
}

/// A User-Agent shortened to what a person recognises: the browser and the system, e.g.
/// "Firefox on Windows"; the text itself (cut short) when it names neither.
pub fn readable_browser(user_agent: &str) -> String {
    let ua = user_agent;
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("MicroMessenger/", "WeChat"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| *name);
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64, m: i64) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2028, 2, 28, 0, 0, 0).unwrap()
            + Duration::hours(h)
            + Duration::minutes(m)
    }

    #[test]
    fn session_is_live() {
        let limits = SessionLimits::default();
        let started = at(8, 0).naive_utc();
        let expires = started + limits.lifetime;
        let live = |seen: DateTime<Utc>, now, ended| {
            super::session_is_live(limits, seen.naive_utc(), expires, ended, now)
        };
        assert!(live(at(8, 0), at(9, 59), false));
        // Idle for two hours.
        assert!(!live(at(8, 0), at(10, 0), false));
        // Used all day, it still ends twelve hours after the sign-in.
        assert!(live(at(19, 30), at(19, 59), false));
        assert!(!live(at(19, 59), at(20, 0), false));
        assert!(!live(at(8, 0), at(8, 1), true));
    }

    #[test]
    fn seen_is_due_once_a_minute() {
        let seen = at(8, 0).naive_utc();
        assert!(!seen_is_due(seen, at(8, 0) + Duration::seconds(59)));
        assert!(seen_is_due(seen, at(8, 1)));
    }

    #[test]
    fn token_expiry_is_at_most_the_longest_allowed() {
        let now = at(0, 0);
        assert_eq!(token_expiry(now, None, 90), Ok(now + Duration::days(90)));
        assert_eq!(token_expiry(now, Some(7), 90), Ok(now + Duration::days(7)));
        assert!(token_expiry(now, Some(91), 90).is_err());
        assert!(token_expiry(now, Some(0), 90).is_err());
    }

    #[test]
    fn readable_browser_names_the_browser_and_the_system() {
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(readable_browser(firefox), "Firefox · Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(readable_browser(edge), "Edge · Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(readable_browser(safari), "Safari · iOS");
        assert_eq!(readable_browser("reqwest"), "reqwest");
    }
}
