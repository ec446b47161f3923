//! The delivery worker that `rapport serve` starts: a task on the actix runtime that claims
//! due deliveries (several processes share the queue safely, see `models::webhook_delivery`)
//! and runs an [`attempt`](super::attempt) for each, a few at once.
//!
//! It wakes promptly for new deliveries: [`crate::models::webhook_delivery::notify_agent`] sends a PostgreSQL
//! `NOTIFY` that is delivered at commit, to every process; a small thread keeps a `LISTEN`
//! connection and passes notifications on. It also wakes when the next retry falls due, and
//! at least every few seconds, so nothing waits on a lost notification.

use super::attempt::{self, Context};
use super::http;
use crate::config::Settings;
use crate::db::{self, PgPool};
use crate::models::webhook_delivery;
use chrono::Utc;
use diesel::prelude::*;
use futures_util::future::{Either, join_all, select};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The longest the worker sleeps without looking at the queue.
const POLL: Duration = Duration::from_secs(5);

/// The shortest pause between two looks, so a row that is due but locked by another process
/// mid-claim does not make the loop spin.
const MIN_PAUSE: Duration = Duration::from_millis(20);

/// How often the listening thread checks its connection for notifications.
const LISTEN_INTERVAL: Duration = Duration::from_millis(100);

/// Deliveries attempted at once by one process.
const BATCH: i64 = 8;

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
/// actix test). Keep the handle for as long as deliveries should be made.
pub fn spawn(pool: PgPool, settings: &Settings) -> Result<WorkerHandle, String> {
    let keyring = settings
        .secrets_keyring()
        .map_err(|error| format!("RAPPORT_SECRETS_KEY: {error}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(Notify::new());
    {
        let url = settings.database_url.clone();
        let stop = Arc::clone(&stop);
        let wake = Arc::clone(&wake);
        std::thread::Builder::new()
            .name("rapport-webhook-listen".into())
            .spawn(move || listen(&url, &stop, &wake))
            .map_err(|error| format!("cannot start the webhook listener: {error}"))?;
    }
    let context = Context {
        pool,
        keyring: Arc::new(keyring),
        client: http::client(settings.webhook.timeout),
        timeout: settings.webhook.timeout,
        retry: settings.webhook.retry,
        email: settings.webhook.email.clone(),
        egress: settings.webhook.egress.clone(),
    };
    actix_web::rt::spawn(run(context, Arc::clone(&stop), Arc::clone(&wake)));
    Ok(WorkerHandle { stop, wake })
}

async fn run(context: Context, stop: Arc<AtomicBool>, wake: Arc<Notify>) {
    // Longer than an attempt can take, so a live worker never loses its claim.
    let lease = context.timeout + Duration::from_secs(60);
    while !stop.load(Ordering::SeqCst) {
        let now = Utc::now();
        let claimed = db::run(&context.pool, move |conn| {
            Ok(webhook_delivery::claim_due(conn, now, lease, BATCH)?)
        })
        .await;
        let pause = match claimed {
            Ok(claimed) if !claimed.is_empty() => {
                join_all(
                    claimed
                        .into_iter()
                        .map(|delivery| attempt::run(&context, delivery)),
                )
                .await;
                continue;
            }
            Ok(_) => until_next_due(&context.pool).await,
            Err(error) => {
                tracing::warn!(error = %error.cause_chain(), "webhook queue not readable; retrying");
                POLL
            }
        };
        let notified = pin!(wake.notified());
        let slept = pin!(actix_web::rt::time::sleep(pause));
        if let Either::Left(_) = select(notified, slept).await {
            tracing::debug!("webhook worker woken");
        }
    }
}

/// How long until the next pending delivery is due, within [`MIN_PAUSE`, `POLL`].
async fn until_next_due(pool: &PgPool) -> Duration {
    let next = db::run(pool, |conn| Ok(webhook_delivery::next_due_at(conn)?)).await;
    match next {
        Ok(Some(at)) => (at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(MIN_PAUSE, POLL),
        _ => POLL,
    }
}

/// Keeps a `LISTEN` connection (reconnecting when it breaks) and wakes the worker on each
/// notification, until `stop`.
fn listen(url: &str, stop: &AtomicBool, wake: &Notify) {
    while !stop.load(Ordering::SeqCst) {
        let connection = PgConnection::establish(url).and_then(|mut connection| {
            webhook_delivery::listen(&mut connection)
                .map(|()| connection)
                .map_err(|error| diesel::ConnectionError::BadConnection(error.to_string()))
        });
        let mut connection = match connection {
            Ok(connection) => connection,
            Err(error) => {
                tracing::debug!(%error, "webhook listener cannot connect; polling meanwhile");
                pause(stop, POLL);
                continue;
            }
        };
        // A delivery queued while disconnected is found by the next poll; wake once anyway.
        wake.notify_one();
        'connected: while !stop.load(Ordering::SeqCst) {
            let mut woken = false;
            for notification in connection.notifications_iter() {
                match notification {
                    Ok(_) => woken = true,
                    Err(error) => {
                        tracing::debug!(%error, "webhook listener lost its connection");
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
