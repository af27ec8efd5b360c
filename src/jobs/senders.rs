//! The senders of one run, side by side: every sender works a freshly planned batch, a job in
//! hand keeps its lease by a heartbeat, and an outcome once known is recorded even when the
//! database connection died under it — never by doing the work again.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex};
use std::time::Duration as StdDuration;

use crate::db::{self, DbConnection, PooledConnection, WriteTx, write_tx};

/// The senders of one run. One that finds nothing to claim waits while another still works:
/// the job in that one's hands may be a plan that queues a batch for all of them.
#[derive(Default)]
pub(super) struct Senders {
    busy: Mutex<Busy>,
    changed: Condvar,
}

#[derive(Default)]
struct Busy {
    /// The ids of the jobs in this process's hands (claimed, not yet recorded).
    jobs: HashSet<String>,
    /// Set once every sender has stopped; the heartbeat stops with them.
    over: bool,
}

/// How long an idle sender waits before it looks for work again by itself.
const IDLE_LOOK: StdDuration = StdDuration::from_secs(1);

impl Senders {
    /// Takes a claimed job in hand; false if it already is (a lease of ours that ran out while
    /// the database was away, claimed again: the sender holding it records it).
    pub fn take(&self, id: &str) -> bool {
        self.busy.lock().unwrap().jobs.insert(id.to_string())
    }

    /// The job is recorded: wake the idle senders, there may be new work.
    pub fn put_down(&self, id: &str) {
        self.busy.lock().unwrap().jobs.remove(id);
        self.changed.notify_all();
    }

    /// Nothing was claimable: whether to look again (another sender still works) or stop.
    pub fn wait_for_work(&self) -> bool {
        let busy = self.busy.lock().unwrap();
        if busy.jobs.is_empty() {
            return false;
        }
        let _ = self.changed.wait_timeout(busy, IDLE_LOOK).unwrap();
        true
    }

    /// Every sender has stopped.
    pub fn finish(&self) {
        self.busy.lock().unwrap().over = true;
        self.changed.notify_all();
    }

    /// The jobs in hand, after waiting `every` (or none once the run is over).
    pub fn in_hand_after(&self, every: StdDuration) -> Option<Vec<String>> {
        let busy = self.busy.lock().unwrap();
        let (busy, _) = self
            .changed
            .wait_timeout_while(busy, every, |b| !b.over)
            .unwrap();
        (!busy.over).then(|| busy.jobs.iter().cloned().collect())
    }
}

/// Runs `f` in a write transaction until it commits. When it fails, a fresh connection is
/// taken; as long as the database does not answer, it is waited for (backing off up to 30 s).
/// A database that answers and still refuses the write is given five more tries, then the
/// error is returned: that is not an outage.
pub(super) fn record<T>(
    pool: &db::DbPool,
    conn: &mut PooledConnection,
    what: &str,
    mut f: impl FnMut(&mut WriteTx) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let mut wait = StdDuration::from_millis(200);
    let mut refused = 0;
    loop {
        let error = match write_tx(conn, &mut f) {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        tracing::warn!(error = %format!("{error:#}"), "recording {what} failed; trying again");
        loop {
            std::thread::sleep(wait);
            wait = (wait * 2).min(StdDuration::from_secs(30));
            if let Ok(fresh) = pool.get() {
                *conn = fresh;
                if answers(conn) {
                    break;
                }
            }
        }
        refused += 1;
        if refused > 5 {
            return Err(error.context(format!("recording {what}")));
        }
    }
}

fn answers(conn: &mut DbConnection) -> bool {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SELECT 1").is_ok()
}
