//! Dead pool connections: not pinged on checkout, but closed when a query finds them broken,
//! with reads retried once on a fresh connection and writes answered 503.

use crate::common::builders::ContactBuilder;
use crate::common::{PASSWORD, TestApp, TestDb, test_settings};
use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use rapport::db::{self, RequestDb};
use rapport::error::AppError;
use rapport::models::{Actor, memory};

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

fn backend_pid(conn: &mut PgConnection) -> Result<i32, AppError> {
    Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result::<Pid>(conn)?
        .pid)
}

/// Ends backend `pid` from another connection, as a database restart would.
fn terminate(db: &TestDb, pid: i32) {
    terminate_at(&db.url, pid);
}

fn terminate_at(url: &str, pid: i32) {
    let mut admin = PgConnection::establish(url).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
        .execute(&mut admin)
        .unwrap();
    // The backend is gone once the terminate has been acted on; wait for it.
    for _ in 0..50 {
        let alive: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"
        ))
        .get_result(&mut admin)
        .unwrap();
        if alive == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("backend {pid} did not end");
}

#[actix_web::test]
async fn a_broken_connection_fails_once_and_is_not_reused() {
    let app = TestApp::spawn().await;
    let pool = db::pool(
        &app.settings.database_url,
        1,
        app.settings.statement_timeout,
    );
    let first = db::run(&pool, backend_pid).await.unwrap();
    terminate(&app.db, first);

    let failed = db::run(&pool, backend_pid).await.unwrap_err();
    assert!(
        failed.is_connection_failure(),
        "a write on a dead connection answers 503, got {failed:?}"
    );
    assert!(matches!(failed, AppError::DatabaseUnavailable(_)));

    let next = db::run(&pool, backend_pid).await.unwrap();
    assert_ne!(next, first, "the dead connection went back into the pool");
}

#[actix_web::test]
async fn a_read_on_a_broken_connection_is_retried_on_a_fresh_one() {
    let app = TestApp::spawn().await;
    let pool = db::pool(
        &app.settings.database_url,
        1,
        app.settings.statement_timeout,
    );
    let request = RequestDb::new(pool.clone());
    let first = request.read(backend_pid).await.unwrap();
    // The request holds its connection: a second query is the same backend.
    assert_eq!(request.read(backend_pid).await.unwrap(), first);
    terminate(&app.db, first);

    let retried = request.read(backend_pid).await.unwrap();
    assert_ne!(retried, first);
    request.release();
    assert_eq!(db::run(&pool, backend_pid).await.unwrap(), retried);
}

#[actix_web::test]
async fn a_write_on_a_broken_connection_answers_503_without_retrying() {
    let app = TestApp::spawn().await;
    let pool = db::pool(
        &app.settings.database_url,
        1,
        app.settings.statement_timeout,
    );
    let request = RequestDb::new(pool.clone());
    let first = request.read(backend_pid).await.unwrap();
    terminate(&app.db, first);

    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = attempts.clone();
    let failed = request
        .write(move |conn| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            backend_pid(conn)
        })
        .await
        .unwrap_err();
    assert!(failed.is_connection_failure(), "got {failed:?}");
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 1);
    // The next query of the same request gets a live connection.
    assert_ne!(request.read(backend_pid).await.unwrap(), first);
}

#[actix_web::test]
async fn pages_still_answer_after_every_connection_was_killed() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.com", rapport::domain::Role::Editor);
    let client = app.client();
    client.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(client.get("/contacts").await.status, 200);

    let mut admin = PgConnection::establish(&app.db.url).unwrap();
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut admin)
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));

    // The user lookup is a read, retried on a fresh connection: nobody sees the restart.
    for _ in 0..3 {
        assert_eq!(client.get("/contacts").await.status, 200);
    }
}

#[actix_web::test]
async fn a_statement_past_the_timeout_answers_503_and_frees_its_connection() {
    let db = TestDb::create();
    let mut settings = test_settings(&db);
    settings.statement_timeout = std::time::Duration::from_millis(200);
    let app = TestApp::spawn_with(db, settings);
    app.create_user("ada@example.com", rapport::domain::Role::Editor);
    let client = app.client();
    client.sign_in("ada@example.com", PASSWORD).await;
    assert_eq!(client.get("/contacts").await.status, 200);

    // Another session holds the contacts table, so the list's query waits for the lock: a
    // stand-in for any statement that runs too long.
    let mut holder = PgConnection::establish(&app.db.url).unwrap();
    holder
        .batch_execute("BEGIN; LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let started = std::time::Instant::now();
    let page = tokio::time::timeout(std::time::Duration::from_secs(5), client.get("/contacts"))
        .await
        .expect("the page waited for the lock instead of timing out");
    let waited = started.elapsed();
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        waited < std::time::Duration::from_secs(2),
        "answered after {waited:?}"
    );
    let request_id = page
        .header("x-request-id")
        .expect("a request id")
        .to_string();
    assert!(
        page.body.contains(&request_id),
        "the page shows its reference"
    );
    assert!(page.body.contains("Try again"), "{}", page.body);
    assert!(!page.body.contains("statement timeout"), "no internals");

    // The API answers the same way.
    let token = app.api_token(rapport::domain::api_token::TokenRole::Viewer);
    let api = client
        .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
        .await;
    assert_eq!(api.status, 503, "{}", api.body);
    assert_eq!(api.json()["code"], "SERVICE_UNAVAILABLE");

    // Once the lock is gone the same server answers, on the connections it kept.
    holder.batch_execute("ROLLBACK").unwrap();
    assert_eq!(client.get("/contacts").await.status, 200);
}

#[actix_web::test]
async fn migrating_on_a_pooled_connection_keeps_its_statement_timeout() {
    let app = TestApp::spawn().await;
    let pool = db::pool(
        &app.settings.database_url,
        1,
        std::time::Duration::from_millis(200),
    );
    let timeout = |conn: &mut PgConnection| -> String {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "current_setting('statement_timeout')",
        ))
        .get_result(conn)
        .unwrap()
    };
    let mut conn = pool.get().unwrap();
    assert_eq!(timeout(&mut conn), "200ms");
    assert!(db::migrate(&mut conn).unwrap().is_empty());
    assert_eq!(timeout(&mut conn), "200ms", "put back after the migrations");
}

/// The restart drill's rarest case, made certain: the server goes away after a write's last
/// statement and before its COMMIT. Nothing is committed, but a client cannot know that (the
/// server may also go after COMMIT, before its answer), so the answer is a 503 like any lost
/// connection, never a 500 (diesel's "rollback failed after a failed commit"), and the
/// connection is closed.
#[actix_web::test]
async fn a_connection_lost_at_commit_answers_503_and_commits_nothing() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let pool = db::pool(
        &app.settings.database_url,
        1,
        app.settings.statement_timeout,
    );
    let request = RequestDb::new(pool.clone());
    let pid = request.read(backend_pid).await.unwrap();
    let db_url = app.db.url.clone();
    let failed = request
        .write(move |conn| {
            // Ends this connection's backend when diesel is about to send COMMIT.
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if matches!(event, InstrumentationEvent::CommitTransaction { .. }) {
                    terminate_at(&db_url, pid);
                }
            });
            let actor = Actor::System("test".into());
            Ok(memory::create(
                conn,
                ada.id,
                "written before COMMIT",
                &actor,
            )?)
        })
        .await
        .unwrap_err();
    assert!(
        matches!(failed, AppError::DatabaseUnavailable(_)),
        "a lost COMMIT is a 503, got {failed:?}"
    );
    assert!(
        failed.is_connection_failure(),
        "and the connection is closed"
    );

    use rapport::models::schema::{audit_events, memories};
    let mut conn = app.conn();
    let stored: i64 = memories::table.count().get_result(&mut conn).unwrap();
    let audited: i64 = audit_events::table
        .filter(audit_events::entity.eq(memory::ENTITY))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!((stored, audited), (0, 0), "nothing committed");
    // The next query of the same request gets a live connection.
    assert_ne!(request.read(backend_pid).await.unwrap(), pid);
}
