//! Test harness shared by the integration-test binaries.
//!
//! Every test gets its own PostgreSQL database, copied from a template that was migrated once
//! per test process, and its own Rapport server on a free port, driven over real HTTP with a
//! cookie-keeping client. `DATABASE_URL` must name a maintenance database on a server where
//! the role may create databases; `./scripts/test` sets that up.

#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different part of the harness"
)]

pub mod agent;
pub mod builders;
pub mod client;
pub mod statements;

use diesel::prelude::*;
use rapport::config::Settings;
use rapport::db::{self, PgPool};
use rapport::domain::{Role, password};
use rapport::models::staff_user::{self, NewStaffUser};
use rapport::startup::{AppState, build_app};
use std::net::TcpListener;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use client::{Response, TestClient};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// The server-level URL from the environment.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the tests with ./scripts/test, which starts a local PostgreSQL")
    })
}

/// The same server, another database: replaces the path's database name, keeping any
/// `?host=/socket/dir&port=…` parameters.
pub fn url_for_database(admin_url: &str, database: &str) -> String {
    let (before_query, query) = match admin_url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = before_query.find("://").map_or(0, |i| i + 3);
    let base = match before_query[scheme_end..].find('/') {
        Some(slash) => &before_query[..scheme_end + slash],
        None => before_query,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

fn migrations_fingerprint() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        for byte in std::fs::read(&file)
            .unwrap()
            .into_iter()
            .chain(file.to_string_lossy().bytes())
        {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

/// Creates (once per process, and once per migration set across processes) a database with
/// every migration applied, to copy for each test.
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let admin = admin_url();
        let name = format!("rapport_tpl_{}", migrations_fingerprint());
        let mut conn = PgConnection::establish(&admin)
            .unwrap_or_else(|e| panic!("cannot connect to DATABASE_URL: {e}"));
        // Several test binaries may start at once; one of them builds the template.
        diesel::sql_query("SELECT pg_advisory_lock(727274)")
            .execute(&mut conn)
            .unwrap();
        drop_stale_test_databases(&mut conn);
        if !database_exists(&mut conn, &name) {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut conn)
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut conn)
                .unwrap();
            {
                let mut template_conn =
                    PgConnection::establish(&url_for_database(&admin, &building)).unwrap();
                db::migrate(&mut template_conn).unwrap();
            }
            // Renamed only when complete, so a crash never leaves a half-migrated template.
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut conn)
                .unwrap();
        }
        diesel::sql_query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut conn)
            .unwrap();
        name
    })
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result(conn)
            .unwrap();
    found.n > 0
}

/// Databases left by test processes that died before cleaning up.
fn drop_stale_test_databases(conn: &mut PgConnection) {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'rapport_test_%'")
            .load(conn)
            .unwrap();
    for Name { datname } in names {
        let pid = datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .execute(conn);
        }
    }
}

/// A database of one test, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn create() -> TestDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let template = template();
        let admin = admin_url();
        let name = format!(
            "rapport_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut conn)
            .unwrap();
        TestDb {
            url: url_for_database(&admin, &name),
            name,
        }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&admin_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// A data directory of one test (uploaded files live there), removed when the test ends.
pub struct TestDataDir(pub std::path::PathBuf);

impl TestDataDir {
    pub fn create() -> TestDataDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rapport-test-data-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TestDataDir(dir)
    }
}

impl Drop for TestDataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running Rapport server on its own database and data directory.
pub struct TestApp {
    pub address: String,
    /// The SMTP listener's `host:port`, when `settings.smtp_bind` asked for one (any value:
    /// the test listener always takes a free port).
    pub smtp_address: Option<String>,
    pub pool: PgPool,
    pub settings: Settings,
    server: actix_web::dev::ServerHandle,
    pub data_dir: TestDataDir,
    // Dropped last: the database outlives the server's connections.
    pub db: TestDb,
}

/// Settings for a test server: [`Settings::with_database`] plus what the local test agent
/// needs (see [`allow_local_agent`]).
pub fn test_settings(db: &TestDb) -> Settings {
    let mut settings = Settings::with_database(db.url.clone());
    allow_local_agent(&mut settings);
    settings
}

/// Lets agent webhooks reach the test agent (tests/common/agent.rs), which listens on
/// `http://127.0.0.1:<port>`: what an operator running an agent on the same machine sets
/// with `RAPPORT_WEBHOOK_ALLOW_HTTP=true` and `RAPPORT_WEBHOOK_ALLOW_HOSTS=127.0.0.1`. The
/// rule itself stays strict; tests of the rule use [`Settings::with_database`]'s default.
pub fn allow_local_agent(settings: &mut Settings) {
    settings.webhook.egress = rapport::domain::egress::WebhookEgress {
        allow_http: true,
        allow_hosts: rapport::domain::egress::WebhookEgress::parse_allow_hosts("127.0.0.1")
            .unwrap(),
    };
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let db = TestDb::create();
        let settings = test_settings(&db);
        Self::spawn_with(db, settings)
    }

    /// Runs the real app factory on a free port with the given settings, and a fresh data
    /// directory of its own in place of `settings.data_dir`.
    pub fn spawn_with(db: TestDb, mut settings: Settings) -> TestApp {
        let data_dir = TestDataDir::create();
        settings.data_dir = data_dir.0.clone();
        let pool = db::pool(&settings.database_url, 4, settings.statement_timeout);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let state = actix_web::web::Data::new(AppState::new(pool.clone(), settings.clone()));
        let state_for_smtp = state.clone();
        let server = actix_web::HttpServer::new(move || build_app(state.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let smtp_address = settings.smtp_bind.as_ref().map(|_| {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap().to_string();
            rapport::intake::email::smtp::spawn(listener, state_for_smtp.clone()).unwrap();
            address
        });
        TestApp {
            address,
            smtp_address,
            pool,
            settings,
            server: handle,
            data_dir,
            db,
        }
    }

    /// Starts the agent webhook's delivery worker on this app's database and settings, as
    /// `rapport serve` does (the test server alone does not run it). Deliveries are made for
    /// as long as the handle is kept.
    pub fn start_webhook_worker(&self) -> rapport::intake::webhook::worker::WorkerHandle {
        rapport::intake::webhook::worker::spawn(self.pool.clone(), &self.settings).unwrap()
    }

    /// Starts the background job worker (imports) on this app's database and settings, as
    /// `rapport serve` does (the test server alone does not run it). Jobs run for as long as
    /// the handle is kept; dropping it gives running jobs back after their current batch.
    pub fn start_job_worker(&self) -> rapport::jobs::worker::WorkerHandle {
        rapport::jobs::worker::spawn(self.pool.clone(), &self.settings).unwrap()
    }

    /// A new browser-like client with an empty cookie jar.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.address)
    }

    /// A direct connection for arranging and checking database state.
    pub fn conn(&self) -> db::PooledPg {
        self.pool.get().unwrap()
    }

    /// Creates a staff user with [`PASSWORD`].
    pub fn create_user(&self, email: &str, role: Role) -> staff_user::StaffUser {
        let hash = password::hash(PASSWORD).unwrap();
        staff_user::insert(
            &mut self.conn(),
            &NewStaffUser {
                email,
                name: &format!(
                    "{} {}",
                    role.as_str(),
                    email.split('@').next().unwrap_or("user")
                ),
                password_hash: &hash,
                role: role.as_str(),
            },
        )
        .unwrap()
    }

    /// A client signed in as a new user with this role.
    pub async fn signed_in(&self, role: Role) -> TestClient {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let email = format!(
            "{}{}@staff.example.com",
            role.as_str(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        self.create_user(&email, role);
        let client = self.client();
        let response = client.sign_in(&email, PASSWORD).await;
        assert_eq!(response.status, 303, "sign-in failed: {}", response.body);
        client
    }

    /// A new API token with this role, in clear.
    pub fn api_token(&self, role: rapport::domain::api_token::TokenRole) -> String {
        let (_, token) = rapport::models::api_token::create(
            &mut self.conn(),
            &format!("{} bot", role.as_str()),
            role,
            &rapport::models::Actor::System("test".into()),
        )
        .unwrap();
        token
    }

    /// The audit trail of one row: (action, changes), oldest first.
    /// The audit events of one row; `id` is any table's id (the trail names rows of all).
    pub fn audit_of(&self, entity: &str, id: impl Into<i64>) -> Vec<(String, serde_json::Value)> {
        use rapport::models::schema::audit_events;
        audit_events::table
            .filter(audit_events::entity.eq(entity))
            .filter(audit_events::entity_id.eq(id.into()))
            .select((audit_events::action, audit_events::changes))
            .order(audit_events::id)
            .load(&mut self.conn())
            .unwrap()
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

#[test]
fn database_urls_keep_socket_parameters() {
    assert_eq!(
        url_for_database("postgres://rapport@/postgres?host=/tmp/s&port=5", "x"),
        "postgres://rapport@/x?host=/tmp/s&port=5"
    );
    assert_eq!(
        url_for_database("postgres://u:p@localhost:5432/postgres", "x"),
        "postgres://u:p@localhost:5432/x"
    );
    assert_eq!(
        url_for_database("postgres://localhost", "x"),
        "postgres://localhost/x"
    );
}
