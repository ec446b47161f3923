//! The job worker that `rapport serve` starts, built like the agent webhook's delivery worker
//! (`intake::webhook::worker`): a task on the actix runtime claims due jobs (several
//! processes share the queue safely, see `models::job`) and runs each on a blocking thread
//! with a pooled connection, a few at once.
//!
//! It wakes promptly for new jobs: [`crate::models::job::enqueue`] sends a PostgreSQL
//! `NOTIFY` that is delivered at commit, to every process; a small thread keeps a `LISTEN`
//! connection and passes notifications on. It also wakes when a lease runs out, and at least
//! every few seconds, so nothing waits on a lost notification. Once a minute it queues the
//! periodic kinds that are due ([`super::JobKind::every`]).
//!
//! Dropping the [`WorkerHandle`] stops it: running jobs stop after their current batch and
//! are given back, so the next worker (this process restarted, or another) resumes them from
//! their cursor at once.

use super::{JobSettings, KINDS, LEASE, kind, kind_names, run};
use crate::config::Settings;
use crate::db::{self, PgPool};
use crate::models::Actor;
use crate::models::job;
use chrono::Utc;
use diesel::prelude::*;
use futures_util::future::{Either, select};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The longest the worker sleeps without looking at the queue.
const POLL: Duration = Duration::from_secs(5);

/// The shortest pause between two looks, so a job that is due but locked by another process
/// mid-claim does not make the loop spin.
const MIN_PAUSE: Duration = Duration::from_millis(20);

/// How often the listening thread checks its connection for notifications.
const LISTEN_INTERVAL: Duration = Duration::from_millis(100);

/// How often periodic kinds are considered.
const SCHEDULE_INTERVAL: Duration = Duration::from_secs(60);

/// Jobs run at once by one process: each holds a blocking thread and a pooled connection.
const CONCURRENT: usize = 2;

/// Stops the worker when dropped.
pub struct WorkerHandle {
    stop: Arc<AtomicBool>,
    wake: Arc<Notify>,
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

/// Starts the worker on the current actix runtime (call inside `System::block_on` or an
/// actix test). Keep the handle for as long as jobs should run.
pub fn spawn(pool: PgPool, settings: &Settings) -> Result<WorkerHandle, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(Notify::new());
    {
        let url = settings.database_url.clone();
        let stop = Arc::clone(&stop);
        let wake = Arc::clone(&wake);
        std::thread::Builder::new()
            .name("rapport-jobs-listen".into())
            .spawn(move || listen(&url, &stop, &wake))
            .map_err(|error| format!("cannot start the job listener: {error}"))?;
    }
    let worker = Worker {
        pool,
        settings: Arc::new(JobSettings::from_settings(settings)),
        stop: Arc::clone(&stop),
        wake: Arc::clone(&wake),
        running: Arc::new(AtomicUsize::new(0)),
    };
    actix_web::rt::spawn(worker.run());
    Ok(WorkerHandle { stop, wake })
}

struct Worker {
    pool: PgPool,
    settings: Arc<JobSettings>,
    stop: Arc<AtomicBool>,
    wake: Arc<Notify>,
    /// Jobs of this process running now.
    running: Arc<AtomicUsize>,
}

impl Worker {
    async fn run(self) {
        let mut scheduled_at: Option<Instant> = None;
        while !self.stop.load(Ordering::SeqCst) {
            if scheduled_at.is_none_or(|at| at.elapsed() >= SCHEDULE_INTERVAL) {
                self.schedule_periodic().await;
                scheduled_at = Some(Instant::now());
            }
            let pause = if self.running.load(Ordering::SeqCst) < CONCURRENT {
                match self.claim().await {
                    Ok(true) => continue,
                    Ok(false) => self.until_next_due().await,
                    Err(error) => {
                        tracing::warn!(%error, "job queue not readable; retrying");
                        POLL
                    }
                }
            } else {
                // Woken when a job ends.
                POLL
            };
            let notified = pin!(self.wake.notified());
            let slept = pin!(actix_web::rt::time::sleep(pause));
            if let Either::Left(_) = select(notified, slept).await {
                tracing::debug!("job worker woken");
            }
        }
    }

    /// Claims one due job and starts it on a blocking thread; `false` when none is due.
    async fn claim(&self) -> Result<bool, String> {
        let kinds = kind_names();
        let claimed = db::run(&self.pool, move |conn| {
            Ok(job::claim_next(conn, &kinds, LEASE)?)
        })
        .await
        .map_err(|error| error.cause_chain())?;
        let Some((claimed, lease)) = claimed else {
            return Ok(false);
        };
        let Some(kind) = kind(&claimed.kind) else {
            // Claimed by kind name, so this cannot happen; the lease runs out if it does.
            return Ok(true);
        };
        self.running.fetch_add(1, Ordering::SeqCst);
        let pool = self.pool.clone();
        let settings = Arc::clone(&self.settings);
        let stop = Arc::clone(&self.stop);
        let wake = Arc::clone(&self.wake);
        let running = Arc::clone(&self.running);
        actix_web::rt::spawn(async move {
            let outcome = db::run(&pool, move |conn| {
                run::execute(conn, kind, claimed, lease, &settings, &stop);
                Ok(())
            })
            .await;
            if let Err(error) = outcome {
                tracing::warn!(error = %error.cause_chain(), "a job could not run");
            }
            running.fetch_sub(1, Ordering::SeqCst);
            wake.notify_one();
        });
        Ok(true)
    }

    /// How long until the next job falls due (or a lease runs out), within
    /// [`MIN_PAUSE`, `POLL`].
    async fn until_next_due(&self) -> Duration {
        let kinds = kind_names();
        let next = db::run(&self.pool, move |conn| Ok(job::next_due_at(conn, &kinds)?)).await;
        match next {
            Ok(Some(at)) => (at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(MIN_PAUSE, POLL),
            _ => POLL,
        }
    }

    /// Queues the periodic kinds that are due (one process wins each).
    async fn schedule_periodic(&self) {
        for &kind in KINDS {
            let Some(every) = kind.every() else {
                continue;
            };
            let name = kind.name();
            let queued = db::run(&self.pool, move |conn| {
                let actor = Actor::System("Rapport".into());
                Ok(job::schedule_periodic(conn, name, every, &actor)?)
            })
            .await;
            if let Err(error) = queued {
                tracing::warn!(kind = name, error = %error.cause_chain(), "could not schedule a periodic job");
            }
        }
    }
}

/// Keeps a `LISTEN` connection (reconnecting when it breaks) and wakes the worker on each
/// notification, until `stop`.
fn listen(url: &str, stop: &AtomicBool, wake: &Notify) {
    while !stop.load(Ordering::SeqCst) {
        let connection = PgConnection::establish(url).and_then(|mut connection| {
            job::listen(&mut connection)
                .map(|()| connection)
                .map_err(|error| diesel::ConnectionError::BadConnection(error.to_string()))
        });
        let mut connection = match connection {
            Ok(connection) => connection,
            Err(error) => {
                tracing::debug!(%error, "job listener cannot connect; polling meanwhile");
                pause(stop, POLL);
                continue;
            }
        };
        // A job queued while disconnected is found by the next poll; wake once anyway.
        wake.notify_one();
        'connected: while !stop.load(Ordering::SeqCst) {
            let mut woken = false;
            for notification in connection.notifications_iter() {
                match notification {
                    Ok(_) => woken = true,
                    Err(error) => {
                        tracing::debug!(%error, "job listener lost its connection");
                        break 'connected;
                    }
                }
            }
            if woken {
                wake.notify_one();
            }
            std::thread::sleep(LISTEN_INTERVAL);
        }
    }
}

/// Sleeps up to `total`, returning early once `stop` is set.
fn pause(stop: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        slept += step;
    }
}
