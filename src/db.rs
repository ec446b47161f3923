//! The PostgreSQL pool and the one way handlers reach it.
//!
//! Diesel is synchronous, so every database call runs through [`run`] on actix's blocking
//! thread pool, with the connection checkout inside the closure. The pool's short checkout
//! timeout turns a stopped database into a 503 within seconds instead of a hung request.

use crate::error::AppError;
use actix_web::web;
use diesel::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

/// The migrations, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// How long a request waits for a connection before answering 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// Builds a pool without connecting: the server starts even while the database is down, and
/// recovers on its own when it comes back.
pub fn pool(database_url: &str, max_size: u32) -> PgPool {
    Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(CHECKOUT_TIMEOUT)
        .test_on_check_out(true)
        .build_unchecked(ConnectionManager::new(database_url))
}

/// Runs `work` with a pooled connection on a blocking thread.
pub async fn run<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut connection = pool.get()?;
        work(&mut connection)
    })
    .await?
}

/// Applies pending migrations; returns the versions applied.
pub fn migrate(connection: &mut PgConnection) -> Result<Vec<String>, AppError> {
    let applied = connection
        .run_pending_migrations(MIGRATIONS)
        .map_err(AppError::Internal)?;
    Ok(applied.iter().map(ToString::to_string).collect())
}
