// Adding a migration directory does not change any Rust file; tell cargo to rebuild anyway so
// `embed_migrations!` picks it up.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
}
