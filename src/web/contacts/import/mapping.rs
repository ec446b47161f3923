//! `/contacts/import/uploads/{id}`: the mapping screen of an uploaded file (GET) and the
//! start of its dry run (POST).
//!
//! The screen lists the file's columns, each with a select (a contact field, a meta key, or
//! ignored) preset to the suggestion for its layout, the values of the first rows beside it,
//! and the choice of what a row matching an existing contact does. The file is read again
//! for each request (its first 64 KiB and rows), so nothing but the upload is kept between
//! them; the columns come from the file, never from the form.

use super::mapping_form::{
    self, ColumnChoice, META_KEY, TargetOption, WHOLE, choices_of, mapping_of, read_form,
};
use crate::domain::byte_size;
use crate::domain::{FieldErrors, UploadId};
use crate::error::AppError;
use crate::jobs::import::DRY_RUN_KIND;
use crate::jobs::import::plan::OnMatch;
use crate::jobs::import::preview::{self, Preview};
use crate::jobs::upload_store::UploadStore;
use crate::models::job::{self, NewJob};
use crate::models::upload::{self, Upload};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::layout::{PageContext, Section};
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use std::collections::HashMap;

/// One column of the screen.
pub struct ColumnView {
    pub index: usize,
    pub header: String,
    pub choice: ColumnChoice,
    /// The first rows' values in this column.
    pub samples: Vec<String>,
    pub error: String,
}

/// One on-match option.
pub struct OnMatchOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The screen.
pub struct MappingView {
    pub action: String,
    pub csrf_token: String,
    pub file_name: String,
    pub size: String,
    /// "CSV (comma-separated), UTF-8, Google Contacts layout".
    pub description: String,
    pub columns: Vec<ColumnView>,
    pub options: Vec<TargetOption>,
    pub meta_key_value: &'static str,
    pub on_match: Vec<OnMatchOption>,
    /// Rows the file could not give (their number and why).
    pub unreadable: Vec<(u64, String)>,
    pub sample_count: usize,
    /// A problem with the whole mapping.
    pub error: String,
    pub error_count: usize,
}

#[derive(Template)]
#[template(path = "contacts/import/mapping.html")]
struct MappingPage {
    page: PageContext,
    view: MappingView,
}

#[derive(Template)]
#[template(path = "contacts/import/mapping.html", block = "mapping_form")]
struct MappingFragment {
    view: MappingView,
}

impl MappingView {
    fn new(
        upload: &Upload,
        preview: &Preview,
        choices: Vec<ColumnChoice>,
        on_match: OnMatch,
        errors: &FieldErrors,
        csrf_token: String,
    ) -> Self {
        let columns = preview
            .headers
            .iter()
            .zip(choices)
            .enumerate()
            .map(|(index, (header, choice))| ColumnView {
                index,
                header: header.clone(),
                choice,
                samples: preview
                    .rows
                    .iter()
                    .filter_map(|row| row.values.get(index))
                    .map(|value| one_line(value))
                    .collect(),
                error: errors.message(&format!("column_{index}")).to_string(),
            })
            .collect();
        MappingView {
            action: routes::import_upload(upload.id),
            csrf_token,
            file_name: upload.file_name.clone(),
            size: byte_size::human(u64::try_from(upload.size).unwrap_or(0)),
            description: preview.description(),
            columns,
            options: mapping_form::target_options(),
            meta_key_value: META_KEY,
            on_match: OnMatch::ALL
                .into_iter()
                .map(|choice| OnMatchOption {
                    value: choice.as_str(),
                    label: choice.label(),
                    checked: choice == on_match,
                })
                .collect(),
            unreadable: preview
                .rows
                .iter()
                .filter_map(|row| row.problem.clone().map(|problem| (row.number, problem)))
                .collect(),
            sample_count: preview.rows.len(),
            error: errors.message(WHOLE).to_string(),
            error_count: errors.len(),
        }
    }
}

/// A cell as one short line: newlines shown as `⏎`, long text cut.
fn one_line(value: &str) -> String {
    const MAX: usize = 60;
    let flat = value.trim().replace("\r\n", "\n").replace('\n', " ⏎ ");
    if flat.chars().count() > MAX {
        let cut: String = flat.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

impl Dashboard {
    /// The upload and a fresh look at its file; when the file is no longer kept, the
    /// import page with a notice instead.
    async fn upload_preview(
        &self,
        id: UploadId,
    ) -> Result<Result<(Upload, Preview), HttpResponse>, AppError> {
        let found = self
            .db
            .read(move |conn| Ok(upload::find(conn, id)?))
            .await?;
        self.db.release();
        let store = UploadStore::new(&self.state.settings.data_dir);
        let Some(path) = store.path(&found.storage_key) else {
            return Err(AppError::NotFound);
        };
        let limit = self.state.settings.import_max_bytes;
        let name = found.file_name.clone();
        let seen = crate::db::block_in_span(move || {
            preview::preview(&path, &name, limit, preview::SAMPLE_ROWS)
        })
        .await?;
        Ok(match seen {
            Ok(preview) => Ok((found, preview)),
            Err(refusal) => {
                tracing::info!(upload = found.id.0, %refusal, "an uploaded file cannot be read any more");
                Err(self.redirect_with_notice(
                    FlashKind::Error,
                    format!(
                        "“{}” is no longer kept on the server (or changed); upload it again.",
                        found.file_name
                    ),
                    routes::IMPORT,
                ))
            }
        })
    }

    fn mapping_response(
        &self,
        status: StatusCode,
        view: MappingView,
    ) -> Result<HttpResponse, AppError> {
        self.fragment_or_page_with(
            status,
            "mapping-form",
            view,
            |view| MappingFragment { view },
            |view| MappingPage {
                page: self.page(Section::Contacts),
                view,
            },
        )
    }
}

/// `GET /contacts/import/uploads/{id}`.
pub async fn show(ctx: Editor, path: web::Path<UploadId>) -> Result<HttpResponse, AppError> {
    let (upload, preview) = match ctx.upload_preview(path.into_inner()).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let choices = choices_of(&preview.suggested, &preview.headers);
    let view = MappingView::new(
        &upload,
        &preview,
        choices,
        OnMatch::default(),
        &FieldErrors::new(),
        ctx.csrf_token(),
    );
    ctx.mapping_response(StatusCode::OK, view)
}

/// `POST /contacts/import/uploads/{id}`: queues the dry run with the chosen mapping and goes
/// to its page; or the screen again with every problem (422).
pub async fn start_dry_run(
    ctx: Editor,
    path: web::Path<UploadId>,
    HtmlForm(form): HtmlForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let (upload, preview) = match ctx.upload_preview(path.into_inner()).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let (choices, on_match) = read_form(&form, preview.headers.len());
    let mapping = mapping_of(&choices);
    let (mapping, on_match) = match (mapping, on_match) {
        (Ok(mapping), Ok(on_match)) => (mapping, on_match),
        (mapping, on_match) => {
            let mut errors = mapping.err().unwrap_or_default();
            if let Err(problem) = &on_match {
                errors.add(WHOLE, problem.clone());
            }
            let view = MappingView::new(
                &upload,
                &preview,
                choices,
                on_match.unwrap_or_default(),
                &errors,
                ctx.csrf_token(),
            );
            return ctx.mapping_response(StatusCode::UNPROCESSABLE_ENTITY, view);
        }
    };
    let params = preview.parameters(None, &upload.file_name, mapping, on_match);
    let new = NewJob {
        kind: DRY_RUN_KIND,
        parameters: serde_json::to_value(&params).map_err(AppError::internal)?,
        upload_id: Some(upload.id),
        run_after: None,
    };
    let actor = ctx.actor();
    let queued = ctx
        .db
        .write(move |conn| Ok(job::enqueue(conn, &new, &actor)?))
        .await?;
    Ok(ctx.redirect(&routes::import_job(queued.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_one_short_line() {
        assert_eq!(
            one_line(" Met at the fair\nsecond line "),
            "Met at the fair ⏎ second line"
        );
        let long = "x".repeat(100);
        assert_eq!(one_line(&long).chars().count(), 61);
    }
}
