//! How mail delivery rides out an outage: a message refused for now is tried again, ever less
//! often up to a cap, until a horizon after it was due — a mail server down over a long holiday
//! fails nothing. Only a permanent refusal, or the horizon, fails it.

use chrono::{DateTime, Duration, Utc};

/// The settings `mail_retry_cap_minutes` and `mail_retry_horizon_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retrying {
    /// The longest wait between two tries.
    pub cap: Duration,
    /// How long after its due time a message is still tried.
    pub horizon: Duration,
}

impl Default for Retrying {
    fn default() -> Self {
        Retrying {
            cap: Duration::hours(1),
            horizon: Duration::days(14),
        }
    }
}

/// How long to wait before attempt `attempt + 1` (attempt counts from 1): one minute doubled
/// each time, capped at `cap`, then spread by `jitter` in [0, 1) over 50–100 % so that
/// failures do not retry in lockstep.
pub fn retry_delay(attempt: u32, jitter: f64, cap: Duration) -> Duration {
    let base = 60_i64
        .saturating_mul(1_i64 << attempt.saturating_sub(1).min(30))
        .min(cap.num_seconds().max(1));
    let spread = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::seconds(((base as f64) * spread).round().max(1.0) as i64)
}

/// After a temporary failure at `now` of a message due at `due`: when to try again — never
/// later than the horizon, so the last try falls on it — or None once the horizon has passed.
pub fn next_try(
    retrying: Retrying,
    attempt: u32,
    jitter: f64,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let last = due + retrying.horizon;
    (now < last).then(|| (now + retry_delay(attempt, jitter, retrying.cap)).min(last))
}

/// The settings `job_lease_seconds` and `job_heartbeat_seconds`: a job being worked is its
/// worker's for `lease`, renewed every `heartbeat`; a crashed worker's jobs are taken over
/// once their lease has run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leases {
    pub lease: Duration,
    pub heartbeat: Duration,
}

impl Default for Leases {
    fn default() -> Self {
        Leases {
            lease: Duration::seconds(30),
            heartbeat: Duration::seconds(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2028, 2, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_the_cap() {
        let cap = Duration::hours(1);
        assert_eq!(retry_delay(1, 1.0, cap), Duration::seconds(60));
        assert_eq!(retry_delay(1, 0.0, cap), Duration::seconds(30));
        assert_eq!(retry_delay(4, 1.0, cap), Duration::seconds(480));
        assert_eq!(retry_delay(30, 1.0, cap), Duration::hours(1));
        assert_eq!(
            retry_delay(400, 1.0, cap),
            Duration::hours(1),
            "no overflow"
        );
        assert!(retry_delay(5, 0.3, cap) < retry_delay(5, 0.9, cap));
    }

    #[test]
    fn a_temporary_failure_never_exhausts_a_message_before_the_horizon() {
        let r = Retrying::default();
        // Hundreds of failures over thirteen days: still tried again, at most an hour later.
        let now = at(14, 9);
        let next = next_try(r, 400, 1.0, at(1, 9), now).expect("tried again");
        assert_eq!(next, now + Duration::hours(1));
    }

    #[test]
    fn the_last_try_falls_on_the_horizon_and_after_it_the_message_fails() {
        let r = Retrying::default();
        let due = at(1, 9);
        // Twenty minutes before the horizon (a leap February: 1 + 14 days = 15 February).
        let now = at(15, 8) + Duration::minutes(40);
        assert_eq!(next_try(r, 300, 1.0, due, now), Some(at(15, 9)));
        assert_eq!(next_try(r, 301, 1.0, due, at(15, 9)), None);
    }
}
