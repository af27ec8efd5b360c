//! Failed attempts counted per key (an account, an address); past the limit the key waits.
//! Kept in the database, so that several instances behind one proxy count the same failures:
//! round-robin must not multiply the attempts an attacker gets.

use crate::db::WriteTx;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use super::schema::throttles;
use super::{DbConnection, per_backend, placeholders, stored_instant};

#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// What is counted (`signin_account`, …): keys of different throttles never mix.
    scope: &'static str,
    limit: u32,
    window: Duration,
}

impl Throttle {
    /// `limit` failures within `window` lock the key until `window` after the last failure.
    pub fn new(scope: &'static str, limit: u32, window: Duration) -> Throttle {
        Throttle {
            scope,
            limit,
            window,
        }
    }

    /// Seconds to wait before the key may try again, if it is locked.
    pub fn retry_after(
        &self,
        conn: &mut DbConnection,
        key: &str,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<u64>> {
        let row = throttles::table
            .find((self.scope, key))
            .select((throttles::failures, throttles::last_at))
            .first::<(i32, chrono::NaiveDateTime)>(conn)
            .optional()?;
        let Some((failures, last_at)) = row else {
            return Ok(None);
        };
        if failures < self.limit as i32 {
            return Ok(None);
        }
        let until = last_at.and_utc() + self.window;
        Ok((until > now).then(|| (until - now).num_seconds().max(1) as u64))
    }

    /// Counts an attempt of the key unless it is locked, and says how long to wait if it is
    /// (that attempt is not counted). The check and the count are one statement, so
    /// concurrent attempts cannot all pass the check before any of them is counted: at most
    /// `limit` pass within the window. An attempt that turns out well may be given back
    /// ([`Throttle::give_back`]) or the key cleared.
    pub fn take(
        &self,
        tx: &mut WriteTx,
        key: &str,
        now: DateTime<Utc>,
    ) -> QueryResult<Option<u64>> {
        #[derive(QueryableByName)]
        struct Counted {
            #[diesel(sql_type = Integer)]
            #[allow(dead_code)]
            failures: i32,
        }
        self.forget_expired(tx, now)?;
        // The update happens only below the limit; the row is locked by the upsert, so a
        // concurrent attempt sees the count this one left.
        let sql = placeholders(
            tx,
            "INSERT INTO throttles (scope, subject, failures, last_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (scope, subject) DO UPDATE \
             SET failures = throttles.failures + 1, last_at = $3 \
             WHERE throttles.failures < $4 \
             RETURNING failures",
        );
        let stored = stored_instant(now);
        let counted: Vec<Counted> = per_backend!(tx.conn(), c => diesel::sql_query(&sql)
            .bind::<Text, _>(self.scope)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(stored)
            .bind::<Integer, _>(self.limit as i32)
            .get_results(c))?;
        if !counted.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.retry_after(tx.conn(), key, now)?.unwrap_or(1)))
    }

    /// Gives back one attempt the key took (one that turned out to be no failure).
    pub fn give_back(&self, tx: &mut WriteTx, key: &str) -> QueryResult<()> {
        diesel::update(throttles::table.find((self.scope, key)))
            .filter(throttles::failures.gt(0))
            .set(throttles::failures.eq(throttles::failures - 1))
            .execute(tx.conn())?;
        Ok(())
    }

    /// Expired keys go (which also bounds what an attacker can make us keep), so the upserts
    /// only ever add to failures within the window.
    fn forget_expired(&self, tx: &mut WriteTx, now: DateTime<Utc>) -> QueryResult<()> {
        diesel::delete(
            throttles::table
                .filter(throttles::scope.eq(self.scope))
                .filter(throttles::last_at.le(stored_instant(now) - self.window)),
        )
        .execute(tx.conn())?;
        Ok(())
    }

    /// Counts a failure; a key whose last failure is older than the window starts again.
    pub fn fail(&self, tx: &mut WriteTx, key: &str, now: DateTime<Utc>) -> QueryResult<()> {
        self.forget_expired(tx, now)?;
        let now = stored_instant(now);
        let sql = placeholders(
            tx,
            "INSERT INTO throttles (scope, subject, failures, last_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (scope, subject) DO UPDATE \
             SET failures = throttles.failures + 1, last_at = $3",
        );
        per_backend!(tx.conn(), c => diesel::sql_query(&sql)
            .bind::<Text, _>(self.scope)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(now)
            .execute(c))?;
        Ok(())
    }

    /// Forgets the key's failures (after a success).
    pub fn clear(&self, tx: &mut WriteTx, key: &str) -> QueryResult<()> {
        diesel::delete(throttles::table.find((self.scope, key))).execute(tx.conn())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn database() -> (tempfile::TempDir, DbConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::DatabaseUrl::Sqlite(dir.path().join("tuomi.db"));
        let mut conn = crate::db::connect(&url).unwrap();
        crate::db::migrate(&mut conn).unwrap();
        (dir, conn)
    }

    #[test]
    fn five_failures_lock_the_key_until_the_window_passes() {
        let (_dir, mut conn) = database();
        // One transaction a test, as the service runs each failure in one.
        crate::db::write_tx(&mut conn, |c| {
            let t = Throttle::new("test", 5, Duration::minutes(15));
            let start = Utc.with_ymd_and_hms(2026, 2, 28, 23, 59, 0).unwrap();
            for i in 0..4 {
                t.fail(c, "a", start + Duration::seconds(i)).unwrap();
                assert_eq!(
                    t.retry_after(c, "a", start + Duration::seconds(i)).unwrap(),
                    None
                );
            }
            t.fail(c, "a", start + Duration::seconds(4)).unwrap();
            let wait = t
                .retry_after(c, "a", start + Duration::seconds(5))
                .unwrap()
                .unwrap();
            assert_eq!(wait, 15 * 60 - 1);
            assert_eq!(
                t.retry_after(c, "b", start).unwrap(),
                None,
                "other keys are not locked"
            );
            let other = Throttle::new("other", 5, Duration::minutes(15));
            assert_eq!(
                other
                    .retry_after(c, "a", start + Duration::seconds(5))
                    .unwrap(),
                None,
                "other throttles do not count these failures"
            );
            assert_eq!(
                t.retry_after(c, "a", start + Duration::seconds(4) + Duration::minutes(15))
                    .unwrap(),
                None
            );
            // After the window, counting starts again.
            t.fail(c, "a", start + Duration::minutes(20)).unwrap();
            assert_eq!(
                t.retry_after(c, "a", start + Duration::minutes(20))
                    .unwrap(),
                None
            );
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    }

    #[test]
    fn an_attempt_is_counted_and_checked_at_once_and_past_the_limit_refused() {
        let (_dir, mut conn) = database();
        crate::db::write_tx(&mut conn, |c| {
            let t = Throttle::new("test", 3, Duration::minutes(15));
            let start = Utc.with_ymd_and_hms(2026, 2, 28, 23, 59, 0).unwrap();
            for i in 0..3 {
                assert_eq!(t.take(c, "a", start + Duration::seconds(i)).unwrap(), None);
            }
            let wait = t.take(c, "a", start + Duration::seconds(3)).unwrap();
            assert_eq!(wait, Some(15 * 60 - 1), "the fourth waits from the third");
            // A refused attempt is not counted: it does not lengthen the wait.
            assert_eq!(
                t.retry_after(c, "a", start + Duration::seconds(3)).unwrap(),
                wait
            );
            // One given back lets one more through.
            t.give_back(c, "a").unwrap();
            assert_eq!(t.take(c, "a", start + Duration::seconds(4)).unwrap(), None);
            assert!(
                t.take(c, "a", start + Duration::seconds(5))
                    .unwrap()
                    .is_some()
            );
            assert_eq!(
                t.take(c, "b", start).unwrap(),
                None,
                "other keys count apart"
            );
            // After the window, counting starts again.
            assert_eq!(t.take(c, "a", start + Duration::minutes(20)).unwrap(), None);
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    }

    #[test]
    fn clearing_a_key_forgets_its_failures() {
        let (_dir, mut conn) = database();
        // One transaction a test, as the service runs each failure in one.
        crate::db::write_tx(&mut conn, |c| {
            let t = Throttle::new("test", 2, Duration::minutes(1));
            let now = Utc::now();
            t.fail(c, "a", now).unwrap();
            t.clear(c, "a").unwrap();
            t.fail(c, "a", now).unwrap();
            assert_eq!(t.retry_after(c, "a", now).unwrap(), None);
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    }
}
