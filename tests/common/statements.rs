//! The SQL statements a request costs, read from the test server's pool counter
//! (`PgPool::record_statements`), for the tests that hold pages to a statement budget.

use super::TestApp;
use std::future::Future;

/// The statements sent while some work ran.
pub struct Sent {
    pub count: u64,
    /// Their SQL, cut short, oldest first.
    pub statements: Vec<String>,
}

impl Sent {
    /// Prints the number (visible with `--nocapture`), and fails when it is over `bound`,
    /// listing every statement so that the failure explains itself.
    pub fn assert_at_most(&self, bound: u64, what: &str) {
        println!("statements sent by {what}: {} (bound {bound})", self.count);
        assert!(
            self.count <= bound,
            "{what} sent {} SQL statements, more than its bound of {bound}:\n{}",
            self.count,
            self.listing()
        );
    }

    fn listing(&self) -> String {
        self.statements
            .iter()
            .enumerate()
            .map(|(i, sql)| format!("  {}. {sql}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl TestApp {
    /// Runs `work` (requests to this app) and returns what it gave with the statements the
    /// app's pool sent meanwhile. Nothing else may use the pool during `work`.
    pub async fn statements_of<T>(&self, work: impl Future<Output = T>) -> (T, Sent) {
        let recording = self.pool.record_statements();
        let output = work.await;
        let sent = Sent {
            count: recording.count(),
            statements: recording.statements(),
        };
        (output, sent)
    }
}
