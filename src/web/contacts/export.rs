//! `GET /contacts/export?format=csv|vcard|jsonl&q=…&source=…&verified=…&meta=…`: every
//! contact the contacts list shows for the same search and filters, as a download, for any
//! signed-in staff user (viewers too: exporting only reads).
//!
//! The filters are read by the list's own parser and applied by the list's own query, so the
//! file holds exactly what the list matches; the contacts come newest first, streamed batch
//! by batch along a keyset ([`crate::models::contact_export`], [`crate::export`]), and the
//! export is audited (who, format, filters, how many).

use super::super::context::Dashboard;
use super::list::ListParams;
use crate::domain::export::ExportFormat;
use crate::error::AppError;
use crate::export::response::{self, Download};
use crate::export::{Audit, Export};
use crate::models::contact_export::Selection;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

/// The `format` parameter (CSV when absent).
#[derive(Debug, Default, Deserialize)]
pub struct FormatParam {
    #[serde(default)]
    format: String,
}

impl FormatParam {
    fn format(&self) -> Result<ExportFormat, AppError> {
        if self.format.trim().is_empty() {
            return Ok(ExportFormat::default());
        }
        self.format
            .parse()
            .map_err(|error: crate::domain::export::UnknownFormat| {
                AppError::BadRequest(format!("{error}."))
            })
    }
}

/// `GET /contacts/export`.
pub async fn export(
    ctx: Dashboard,
    params: web::Query<ListParams>,
    format: web::Query<FormatParam>,
) -> Result<HttpResponse, AppError> {
    let format = format.format()?;
    let audit = Audit {
        actor: ctx.actor(),
        format: format.as_str().into(),
        filter: params.described_filters(),
    };
    let download = Download {
        content_type: format.content_type(),
        file_name: Some(format.file_name(Utc::now().date_naive())),
    };
    let export = Export::new(Selection::list(params.filters()), format);
    response::respond(&ctx.db, export, audit, download, |_| None).await
}
