//! The official ChatBotKit SDK against Rapport: `tests/sdk/contact_flow.mjs` drives
//! `@chatbotkit/sdk`'s contact client through create, list, list stream, fetch, update with
//! `$update`, ensure, delete and a NOT_FOUND error, against a real server.
//!
//! The SDK is pinned by `tests/sdk/package.json` and its lock file, and installed (never
//! committed) with `npm ci` into `RAPPORT_SDK_DIR`, by default `$RAPPORT_DATA_DIR/sdk` (or
//! `.rapport/sdk`). `./scripts/test` installs it before the tests run.
//!
//! When it cannot run: outside CI, a machine without node skips this test (saying so); in CI
//! (`CI=true`) a missing node or SDK fails it, so that a green CI always means the SDK ran.
//! Outside CI a missing SDK is installed here, so `cargo test` alone works.

use crate::common::TestApp;
use rapport::domain::api_token::TokenRole;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether this runs in CI: `CI` set to anything but empty, `0` or `false` (CI services set
/// `CI=true`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

fn node_version() -> Option<String> {
    let output = Command::new("node").arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Where the SDK is (or goes): `RAPPORT_SDK_DIR`, else `sdk` in the data directory.
fn sdk_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RAPPORT_SDK_DIR") {
        return PathBuf::from(dir);
    }
    std::env::var_os("RAPPORT_DATA_DIR")
        .map_or_else(|| manifest_dir().join(".rapport"), PathBuf::from)
        .join("sdk")
}

/// The SDK version `tests/sdk/package.json` pins.
fn pinned_version() -> String {
    let text = std::fs::read_to_string(manifest_dir().join("tests/sdk/package.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["dependencies"]["@chatbotkit/sdk"]
        .as_str()
        .expect("tests/sdk/package.json pins @chatbotkit/sdk")
        .to_string()
}

/// The version installed in `dir`, if any.
fn installed_version(dir: &Path) -> Option<String> {
    let text =
        std::fs::read_to_string(dir.join("node_modules/@chatbotkit/sdk/package.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    manifest["version"].as_str().map(str::to_string)
}

/// `npm ci` of the pinned SDK into `dir`.
fn install(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(manifest_dir().join("tests/sdk").join(file), dir.join(file)).unwrap();
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run npm ({e}) to install the ChatBotKit SDK"));
    assert!(status.success(), "npm ci of the ChatBotKit SDK failed");
}

/// The directory holding the pinned SDK, or `None` when this test is to be skipped.
fn ready_sdk() -> Option<PathBuf> {
    let ci = in_ci();
    let Some(node) = node_version() else {
        assert!(
            !ci,
            "CI=true but node is missing: the SDK compatibility test must run in CI \
             (install Node.js 20 or later)"
        );
        eprintln!("skipped: node is not installed, so the ChatBotKit SDK cannot run");
        return None;
    };
    let dir = sdk_dir();
    let pinned = pinned_version();
    if installed_version(&dir).as_deref() != Some(pinned.as_str()) {
        assert!(
            !ci,
            "CI=true but @chatbotkit/sdk {pinned} is not installed in {}: run the tests with \
             ./scripts/test, which installs it",
            dir.display()
        );
        install(&dir);
    }
    eprintln!("node {node}, @chatbotkit/sdk {pinned} in {}", dir.display());
    Some(dir)
}

#[actix_web::test]
async fn the_official_sdk_runs_the_contact_flow() {
    let Some(sdk) = ready_sdk() else { return };
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let script = manifest_dir().join("tests/sdk/contact_flow.mjs");
    let address = app.address.clone();
    // Off the test's thread: the server keeps serving while node runs.
    let output = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .env("BASE_URL", address)
            .env("TOKEN", token)
            .env("RAPPORT_SDK_DIR", sdk)
            .output()
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK flow failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("SDK flow complete"), "{stdout}\n{stderr}");
}
