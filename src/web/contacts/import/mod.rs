//! `/contacts/import`: importing contacts from a CSV or vCard file (issue 11), for editors.
//!
//! 1. The import page ([`upload`]): upload a file (refused with the reason next to the field
//!    when it is empty, too large, binary or not contacts), and the imports so far.
//! 2. The mapping screen ([`mapping`]): the file's columns, each mapped to a contact field, a
//!    meta key or nothing (known layouts preset), the first rows, and what a row matching an
//!    existing contact does. Submitting it queues a dry run.
//! 3. The job page ([`job`]): the dry run's progress, then its counts and invalid rows
//!    ([`invalid_rows`] downloads them all), and "Import these rows", which queues the real
//!    run with the same settings; its progress, then its report.
//!
//! The work itself is `jobs::import`, run by the worker `rapport serve` starts.

pub mod invalid_rows;
pub mod job;
pub mod mapping;
pub mod mapping_form;
pub mod upload;
pub mod views;

use actix_web::web;

/// Registered before `/contacts/{id}`, which would take `import` for an id.
pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/import", web::get().to(upload::show))
        .route("/contacts/import", web::post().to(upload::upload))
        .route(
            "/contacts/import/uploads/{id}",
            web::get().to(mapping::show),
        )
        .route(
            "/contacts/import/uploads/{id}",
            web::post().to(mapping::start_dry_run),
        )
        .route("/contacts/import/jobs/{id}", web::get().to(job::show))
        .route("/contacts/import/jobs/{id}/run", web::post().to(job::run))
        .route(
            "/contacts/import/jobs/{id}/cancel",
            web::post().to(job::cancel),
        )
        .route(
            "/contacts/import/jobs/{id}/invalid-rows.csv",
            web::get().to(invalid_rows::download),
        );
}
