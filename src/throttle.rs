//! Failed attempts counted per key (an account, an address); past the limit the key waits.
//! Kept in memory: a restart forgets, which only ever lets someone try sooner.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug)]
pub struct Throttle {
    limit: u32,
    window: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_at: DateTime<Utc>,
}

impl Throttle {
    /// `limit` failures within `window` lock the key until `window` after the last failure.
    pub fn new(limit: u32, window: Duration) -> Throttle {
        Throttle {
            limit,
            window,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait before the key may try again, if it is locked.
    pub fn retry_after(&self, key: &str, now: DateTime<Utc>) -> Option<u64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        if entry.failures < self.limit {
            return None;
        }
        let until = entry.last_at + self.window;
        (until > now).then(|| (until - now).num_seconds().max(1) as u64)
    }

    pub fn fail(&self, key: &str, now: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 100_000 {
            // Bound the memory an attacker can make us hold: drop what has expired.
            let window = self.window;
            entries.retain(|_, e| e.last_at + window > now);
        }
        let entry = entries.entry(key.to_string()).or_insert(Entry {
            failures: 0,
            last_at: now,
        });
        if entry.last_at + self.window <= now {
            *entry = Entry {
                failures: 0,
                last_at: now,
            };
        }
        entry.failures += 1;
        entry.last_at = now;
    }

    pub fn clear(&self, key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn five_failures_lock_the_key_until_the_window_passes() {
        let t = Throttle::new(5, Duration::minutes(15));
        let start = Utc.with_ymd_and_hms(2026, 2, 28, 23, 59, 0).unwrap();
        for i in 0..4 {
            t.fail("a", start + Duration::seconds(i));
            assert_eq!(t.retry_after("a", start + Duration::seconds(i)), None);
        }
        t.fail("a", start + Duration::seconds(4));
        let wait = t.retry_after("a", start + Duration::seconds(5)).unwrap();
        assert_eq!(wait, 15 * 60 - 1);
        assert_eq!(t.retry_after("b", start), None, "other keys are not locked");
        assert_eq!(
            t.retry_after("a", start + Duration::seconds(4) + Duration::minutes(15)),
            None
        );
    }

    #[test]
    fn clearing_a_key_forgets_its_failures() {
        let t = Throttle::new(2, Duration::minutes(1));
        let now = Utc::now();
        t.fail("a", now);
        t.clear("a");
        t.fail("a", now);
        assert_eq!(t.retry_after("a", now), None);
    }
}
