//! The PostgreSQL pool and the ways handlers reach it.
//!
//! Diesel is synchronous, so every database call runs on actix's blocking thread pool, with the
//! connection checkout inside the closure. The pool's short checkout timeout turns a stopped
//! database into a 503 within seconds instead of a hung request.
//!
//! A request checks a connection out once: [`RequestDb`] holds it from the first query (the
//! extractor that loads the signed-in user or the API token) to the end of the request, and
//! every later query of the handler reuses it. Connections are not pinged on checkout (that
//! was one `SELECT 1` per checkout); instead a query that fails because the connection broke
//! marks that connection for discarding, and [`RequestDb::read`] retries a read once on a
//! connection that is checked before use. Writes are never retried: their outcome is unknown to
//! us, so they answer 503 and the client decides.
//!
//! Every blocking closure runs inside the caller's tracing span (the request's), and every
//! statement a pooled connection sends is counted per pool and logged at debug with its
//! duration ([`statements`]).

pub mod statements;

use crate::error::AppError;
use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, PoolError, PooledConnection};
use diesel::{Connection, PgConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
pub use statements::StatementRecording;
use statements::{ConnectionLog, StatementLog};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The connection pool (r2d2 over [`PgManager`]), which also counts the SQL statements its
/// connections send. Cloning shares the pool.
#[derive(Clone)]
pub struct PgPool {
    pool: Pool<PgManager>,
    statements: Arc<StatementLog>,
    /// Seconds since the epoch when this pool last closed a broken connection (0: never).
    last_broken_at: Arc<AtomicU64>,
}

impl PgPool {
    /// Checks a connection out, waiting up to the checkout timeout.
    pub fn get(&self) -> Result<PooledPg, PoolError> {
        self.pool.get()
    }

    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// SQL statements sent so far by this pool's connections (the connection set-up diesel
    /// does on connect excepted): how the tests hold a page to its statement budget.
    pub fn statement_count(&self) -> u64 {
        self.statements.count()
    }

    /// Keeps the text of each statement sent from now on (truncated, no bind values) until
    /// the recording is dropped, so that a test can show what a page sent.
    pub fn record_statements(&self) -> StatementRecording {
        StatementRecording::start(self.statements.clone())
    }
}

impl fmt::Debug for PgPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgPool")
            .field("state", &self.pool.state())
            .field("statements", &self.statements.count())
            .finish()
    }
}

/// A connection checked out of [`PgPool`].
pub type PooledPg = PooledConnection<PgManager>;

/// The migrations, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// How long a request waits for a connection before answering 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(3);

/// For this long after a pool saw a broken connection, its checkouts are pinged first: a database
/// restart breaks every idle connection at once, and this clears them out without costing a
/// statement per checkout the rest of the time.
const SUSPECT_WINDOW_SECS: u64 = 30;

/// Builds a pool without connecting: the server starts even while the database is down, and
/// recovers on its own when it comes back. Each of its connections cancels a statement that
/// runs longer than `statement_timeout`.
pub fn pool(database_url: &str, max_size: u32, statement_timeout: Duration) -> PgPool {
    let manager = PgManager::new(database_url, statement_timeout);
    let statements = manager.statements.clone();
    let pool = Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(CHECKOUT_TIMEOUT)
        .test_on_check_out(false)
        .build_unchecked(manager);
    PgPool {
        pool,
        statements,
        last_broken_at: Arc::default(),
    }
}

thread_local! {
    /// Set right before a broken connection is dropped, read by [`PgManager::has_broken`]
    /// when r2d2 takes the connection back on the same thread: r2d2 has no other way to be
    /// told that a connection must not be reused.
    static DISCARD_ON_CHECKIN: Cell<bool> = const { Cell::new(false) };
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// diesel's r2d2 manager, plus a way to throw away a connection that we know is broken
/// (diesel only notices broken transactions, not a dead socket), and the instrumentation
/// that counts and logs each connection's statements.
#[derive(Debug)]
pub struct PgManager {
    manager: ConnectionManager<PgConnection>,
    statements: Arc<StatementLog>,
    /// PostgreSQL's `statement_timeout` for each connection.
    statement_timeout: Duration,
}

impl PgManager {
    pub fn new(database_url: &str, statement_timeout: Duration) -> Self {
        PgManager {
            manager: ConnectionManager::new(database_url),
            statements: Arc::default(),
            statement_timeout,
        }
    }
}

impl ManageConnection for PgManager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConnection, Self::Error> {
        let mut connection = self.manager.connect()?;
        // A session setting, so it holds for every statement on this connection, in and out
        // of transactions. Sent before the instrumentation: it is set-up, not a statement a
        // page is accountable for.
        connection
            .batch_execute(&format!(
                "SET statement_timeout = {}",
                self.statement_timeout.as_millis()
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        connection.set_instrumentation(ConnectionLog::new(self.statements.clone()));
        Ok(connection)
    }

    fn is_valid(&self, connection: &mut PgConnection) -> Result<(), Self::Error> {
        self.manager.is_valid(connection)
    }

    fn has_broken(&self, connection: &mut PgConnection) -> bool {
        DISCARD_ON_CHECKIN.with(|flag| flag.replace(false)) || self.manager.has_broken(connection)
    }
}

/// Gives a connection back to the pool, or closes it when `broken`.
fn check_in(pool: &PgPool, connection: PooledPg, broken: bool) {
    if broken {
        // Per pool: one pool's dead connections say nothing about another's database (the
        // tests run many pools in one process, and count the pings this window costs).
        pool.last_broken_at.store(now_secs(), Ordering::Relaxed);
        DISCARD_ON_CHECKIN.with(|flag| flag.set(true));
    }
    drop(connection);
    DISCARD_ON_CHECKIN.with(|flag| flag.set(false));
}

/// Checks a connection out. Shortly after a broken connection was seen, each checkout is
/// pinged and dead ones are closed until a live one (or a new one) is found.
fn check_out(pool: &PgPool) -> Result<PooledPg, AppError> {
    let suspect = now_secs().saturating_sub(pool.last_broken_at.load(Ordering::Relaxed))
        < SUSPECT_WINDOW_SECS;
    if !suspect {
        return Ok(pool.get()?);
    }
    // Every idle connection may be dead; after that many tries r2d2 has made a new one.
    for _ in 0..=pool.max_size() {
        let mut connection = pool.get()?;
        if connection.batch_execute("SELECT 1").is_ok() {
            return Ok(connection);
        }
        check_in(pool, connection, true);
    }
    Ok(pool.get()?)
}

/// Runs `work` on actix's blocking thread pool inside the caller's tracing span, so what it
/// logs (its SQL statements above all) carries the request's id and route.
pub async fn block_in_span<T, F>(work: F) -> Result<T, actix_web::error::BlockingError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let span = tracing::Span::current();
    web::block(move || span.in_scope(work)).await
}

/// Runs `work` with a pooled connection on a blocking thread, for work outside a request
/// (workers, intake, the CLI). A broken connection is closed, not reused.
pub async fn run<T, F>(pool: &PgPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    block_in_span(move || {
        let mut connection = check_out(&pool)?;
        let result = work(&mut connection);
        let broken = matches!(&result, Err(error) if error.is_connection_failure());
        check_in(&pool, connection, broken);
        result
    })
    .await?
}

/// The request's database connection: checked out by the first query, held until the request
/// ends (or [`RequestDb::release`]), so a request costs one checkout however many blocking
/// calls it makes. Cloning shares the same connection.
///
/// Give the connection back with [`RequestDb::release`] before slow work that needs no
/// database (hashing a password, streaming an upload), so it does not sit idle in a request.
#[derive(Clone)]
pub struct RequestDb {
    pool: PgPool,
    held: Rc<RefCell<Option<PooledPg>>>,
}

impl RequestDb {
    pub fn new(pool: PgPool) -> Self {
        RequestDb {
            pool,
            held: Rc::new(RefCell::new(None)),
        }
    }

    /// Runs `work`, which may write, on the request's connection. A broken connection answers
    /// 503 and is closed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    {
        let held = self.held.borrow_mut().take();
        let pool = self.pool.clone();
        let (connection, result) = block_in_span(move || {
            let mut connection = match held.map_or_else(|| check_out(&pool), Ok) {
                Ok(connection) => connection,
                Err(error) => return (None, Err(error)),
            };
            let result = work(&mut connection);
            keep_unless_broken(&pool, connection, result)
        })
        .await?;
        *self.held.borrow_mut() = connection;
        result
    }

    /// Runs read-only `work` on the request's connection. When the connection turns out to be
    /// broken, it is closed and `work` runs once more on a checked fresh one: reading twice is
    /// harmless, and it hides a database restart from the person reading.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: Fn(&mut PgConnection) -> Result<T, AppError> + Send + 'static,
    {
        let held = self.held.borrow_mut().take();
        let pool = self.pool.clone();
        let (connection, result) = block_in_span(move || {
            let mut connection = match held.map_or_else(|| check_out(&pool), Ok) {
                Ok(connection) => connection,
                Err(error) => return (None, Err(error)),
            };
            match work(&mut connection) {
                Err(error) if error.is_connection_failure() => {
                    check_in(&pool, connection, true);
                    let mut fresh = match check_out(&pool) {
                        Ok(fresh) => fresh,
                        Err(error) => return (None, Err(error)),
                    };
                    let result = work(&mut fresh);
                    keep_unless_broken(&pool, fresh, result)
                }
                result => keep_unless_broken(&pool, connection, result),
            }
        })
        .await?;
        *self.held.borrow_mut() = connection;
        result
    }

    /// Gives the connection back to the pool now; a later query checks one out again.
    pub fn release(&self) {
        self.held.borrow_mut().take();
    }

    /// The pool, for work that outlives the request.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The connection to keep after `result`: none when the connection broke.
fn keep_unless_broken<T>(
    pool: &PgPool,
    connection: PooledPg,
    result: Result<T, AppError>,
) -> (Option<PooledPg>, Result<T, AppError>) {
    if matches!(&result, Err(error) if error.is_connection_failure()) {
        check_in(pool, connection, true);
        (None, result)
    } else {
        (Some(connection), result)
    }
}

/// Applies pending migrations; returns the versions applied.
///
/// A migration may rightly run long (an index over every contact), so the pool's statement
/// timeout is lifted while they run and put back afterwards (`serve` migrates on a pooled
/// connection).
pub fn migrate(connection: &mut PgConnection) -> Result<Vec<String>, AppError> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;
    let timeout: String = diesel::select(diesel::dsl::sql::<Text>(
        "current_setting('statement_timeout')",
    ))
    .get_result(connection)?;
    connection.batch_execute("SET statement_timeout = 0")?;
    let applied = connection
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(AppError::Internal);
    diesel::select(
        diesel::dsl::sql::<Text>("set_config('statement_timeout', ")
            .bind::<Text, _>(timeout)
            .sql(", false)"),
    )
    .execute(connection)?;
    applied
}
