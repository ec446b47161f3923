//! Writing secrets: the add, edit (name and description), replace-value and delete panels of
//! the Secrets tab, and their posts.
//!
//! Values typed into a form are never sent back: a form with errors comes back (422) with
//! name, description and kind as typed and the value fields empty. Edits name the version
//! they were opened at; if someone else changed the secret meanwhile the form comes back
//! (409) saying so, and nothing is overwritten.

use super::{Loaded, Panel, keyring, kind_label};
use crate::domain::secret::{SecretDetails, SecretKind, SecretValue, SecretValueInput};
use crate::domain::{ContactId, FieldErrors, SecretId};
use crate::error::AppError;
use crate::models::secret::{self, Secret, Update, WriteError};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// A choice of kind in the form.
pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

/// Which form a panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    Add,
    /// Name and description.
    Edit,
    /// A new value (and kind).
    Replace,
}

/// The add, edit or replace form. Holds what was typed, except values.
pub struct SecretFormView {
    pub mode: FormMode,
    pub title: String,
    pub action: String,
    pub submit_label: &'static str,
    pub cancel_url: String,
    pub name: String,
    pub description: String,
    pub kinds: Vec<KindOption>,
    pub version: i32,
    pub errors: FieldErrors,
    /// Someone else changed the secret meanwhile.
    pub conflict: Option<String>,
    pub csrf_token: String,
}

impl SecretFormView {
    fn new(
        mode: FormMode,
        contact: ContactId,
        secret: Option<&Secret>,
        csrf_token: String,
    ) -> Self {
        let (title, action, submit_label) = match (mode, secret) {
            (FormMode::Edit, Some(s)) => (
                format!("Edit “{}”", s.name),
                routes::contact_secret(contact, s.id),
                "Save",
            ),
            (FormMode::Replace, Some(s)) => (
                format!("Replace the value of “{}”", s.name),
                routes::contact_secret_replace(contact, s.id),
                "Replace value",
            ),
            _ => (
                "Add a secret".to_string(),
                routes::contact_secrets(contact, None),
                "Add secret",
            ),
        };
        let kind = secret.and_then(Secret::kind).unwrap_or(SecretKind::Bearer);
        SecretFormView {
            mode,
            title,
            action,
            submit_label,
            cancel_url: routes::contact_secrets(contact, None),
            name: secret.map(|s| s.name.clone()).unwrap_or_default(),
            description: secret
                .and_then(|s| s.description.clone())
                .unwrap_or_default(),
            kinds: kind_options(kind.as_str()),
            version: secret.map_or(0, |s| s.version),
            errors: FieldErrors::new(),
            conflict: None,
            csrf_token,
        }
    }

    pub fn shows_details(&self) -> bool {
        self.mode != FormMode::Replace
    }

    pub fn shows_value(&self) -> bool {
        self.mode != FormMode::Edit
    }

    /// The error for an input, or "".
    pub fn error(&self, field: &str) -> &str {
        self.errors.message(field)
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }
}

fn kind_options(selected: &str) -> Vec<KindOption> {
    // An unknown kind from a tampered form selects nothing; validation then says so.
    SecretKind::ALL
        .into_iter()
        .map(|kind| KindOption {
            value: kind.as_str(),
            label: kind.label(),
            hint: kind.hint(),
            checked: kind.as_str() == selected,
        })
        .collect()
}

/// The delete confirmation.
pub struct DeleteView {
    pub name: String,
    pub action: String,
    pub cancel_url: String,
    pub csrf_token: String,
}

/// `GET /contacts/{id}/secrets/new`.
pub async fn new_form(ctx: Editor, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let form = SecretFormView::new(FormMode::Add, id, None, ctx.csrf_token());
    ctx.secrets_first_page(id, Panel::Form(form), StatusCode::OK)
        .await
}

/// `GET /contacts/{id}/secrets/{secret}/edit` and `…/replace`.
async fn open_form(
    mode: FormMode,
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let (loaded, found) = ctx
        .db
        .read(move |conn| {
            let loaded = Loaded::load(conn, id, None)?;
            Ok((loaded, secret::find(conn, id, secret_id)?))
        })
        .await?;
    let form = SecretFormView::new(mode, id, Some(&found), ctx.csrf_token());
    ctx.secrets_tab(loaded, Panel::Form(form), StatusCode::OK)
}

pub async fn edit_form(
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
) -> Result<HttpResponse, AppError> {
    open_form(FormMode::Edit, ctx, path).await
}

pub async fn replace_form(
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
) -> Result<HttpResponse, AppError> {
    open_form(FormMode::Replace, ctx, path).await
}

/// Every field any of the secret forms posts.
#[derive(Deserialize)]
pub struct SecretForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    value_text: String,
    #[serde(default)]
    value_username: String,
    #[serde(default)]
    value_password: String,
    #[serde(default)]
    value_token: String,
    #[serde(default)]
    value_client_id: String,
    #[serde(default)]
    value_client_secret: String,
    #[serde(default)]
    value_refresh_token: String,
}

impl SecretForm {
    /// Moves the value fields out (they are wiped when the input is dropped).
    fn take_value(&mut self) -> SecretValueInput {
        SecretValueInput {
            value_text: std::mem::take(&mut self.value_text),
            value_username: std::mem::take(&mut self.value_username),
            value_password: std::mem::take(&mut self.value_password),
            value_token: std::mem::take(&mut self.value_token),
            value_client_id: std::mem::take(&mut self.value_client_id),
            value_client_secret: std::mem::take(&mut self.value_client_secret),
            value_refresh_token: std::mem::take(&mut self.value_refresh_token),
        }
    }

    fn version(&self) -> Result<i32, AppError> {
        self.version.parse().map_err(|_| {
            AppError::BadRequest("The form is missing its version; reload the page.".into())
        })
    }

    /// The form as it came in (values left out), for showing it again.
    fn reopen(&self, mut form: SecretFormView, errors: FieldErrors) -> SecretFormView {
        if form.shows_details() {
            form.name = self.name.clone();
            form.description = self.description.clone();
        }
        if form.shows_value() {
            form.kinds = kind_options(self.kind.trim());
        }
        form.errors = errors;
        form
    }
}

/// Validates kind and value; errors keyed `kind` and `value_…`.
fn validate_value(
    kind: &str,
    input: &SecretValueInput,
    errors: &mut FieldErrors,
) -> Option<SecretValue> {
    let kind = errors.check("kind", kind.parse::<SecretKind>())?;
    match input.validate(kind) {
        Ok(value) => Some(value),
        Err(value_errors) => {
            for (field, error) in value_errors.iter() {
                errors.add(field, error.message.clone());
            }
            None
        }
    }
}

impl Dashboard {
    /// Re-renders a form with its errors (422) or a conflict (409).
    async fn secret_refused(
        &self,
        id: ContactId,
        form: SecretFormView,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        self.secrets_first_page(id, Panel::Form(form), status).await
    }

    /// The secret as stored, for a form about it.
    async fn stored_secret(&self, id: ContactId, secret_id: SecretId) -> Result<Secret, AppError> {
        self.db
            .read(move |conn| Ok(secret::find(conn, id, secret_id)?))
            .await
    }
}

fn name_taken(errors: &mut FieldErrors, name: &str) {
    errors.add(
        "name",
        format!("This contact already has a secret named “{name}”. Choose another name."),
    );
}

/// `POST /contacts/{id}/secrets`: add.
pub async fn create(
    ctx: Editor,
    path: web::Path<ContactId>,
    HtmlForm(mut form): HtmlForm<SecretForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = form.take_value();
    let blank = SecretFormView::new(FormMode::Add, id, None, ctx.csrf_token());
    let details = SecretDetails::validate(&form.name, &form.description);
    let mut errors = details.as_ref().err().cloned().unwrap_or_default();
    let value = validate_value(&form.kind, &input, &mut errors);
    drop(input);
    let (details, value) = match (details, value) {
        (Ok(details), Some(value)) if errors.is_empty() => (details, value),
        _ => {
            let view = form.reopen(blank, errors);
            return ctx
                .secret_refused(id, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let keyring = keyring(&ctx.state)?;
    let actor = ctx.actor();
    let name = details.name.clone();
    let created = ctx
        .db
        .write(move |conn| {
            Ok(secret::create(
                conn,
                id,
                &details,
                &value,
                keyring.primary(),
                &actor,
            ))
        })
        .await?;
    match created {
        Ok(_) => {
            ctx.secret_written(id, format!("Secret “{name}” added"))
                .await
        }
        Err(WriteError::NameTaken) => {
            let mut errors = FieldErrors::new();
            name_taken(&mut errors, &name);
            let view = form.reopen(blank, errors);
            ctx.secret_refused(id, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /contacts/{id}/secrets/{secret}`: save name and description.
pub async fn update(
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
    HtmlForm(form): HtmlForm<SecretForm>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let version = form.version()?;
    let current = ctx.stored_secret(id, secret_id).await?;
    let mut base = SecretFormView::new(FormMode::Edit, id, Some(&current), ctx.csrf_token());
    base.version = version;
    let details = match SecretDetails::validate(&form.name, &form.description) {
        Ok(details) => details,
        Err(errors) => {
            let view = form.reopen(base, errors);
            return ctx
                .secret_refused(id, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let actor = ctx.actor();
    let name = details.name.clone();
    let outcome = ctx
        .db
        .write(move |conn| {
            Ok(secret::update_details(
                conn, id, secret_id, version, &details, &actor,
            ))
        })
        .await?;
    match outcome {
        Ok(Update::Saved(_) | Update::Unchanged(_)) => {
            ctx.secret_written(id, format!("Secret “{name}” saved"))
                .await
        }
        Ok(Update::Conflict(theirs)) => {
            let mut view = form.reopen(base, FieldErrors::new());
            view.conflict = Some(describe_conflict(&theirs));
            view.version = theirs.version;
            ctx.secret_refused(id, view, StatusCode::CONFLICT).await
        }
        Err(WriteError::NameTaken) => {
            let mut errors = FieldErrors::new();
            name_taken(&mut errors, &name);
            let view = form.reopen(base, errors);
            ctx.secret_refused(id, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(other) => Err(other.into()),
    }
}

/// What the other edit left, without the value.
fn describe_conflict(theirs: &Secret) -> String {
    format!(
        "“{}” ({}) was changed by someone else at {} while you were editing. Check it, then submit again to apply your change.",
        theirs.name,
        kind_label(&theirs.kind),
        views::timestamp(theirs.updated_at)
    )
}

/// `POST /contacts/{id}/secrets/{secret}/replace`: a new value.
pub async fn replace(
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
    HtmlForm(mut form): HtmlForm<SecretForm>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let version = form.version()?;
    let input = form.take_value();
    let current = ctx.stored_secret(id, secret_id).await?;
    let mut base = SecretFormView::new(FormMode::Replace, id, Some(&current), ctx.csrf_token());
    base.version = version;
    let mut errors = FieldErrors::new();
    let value = validate_value(&form.kind, &input, &mut errors);
    drop(input);
    let Some(value) = value.filter(|_| errors.is_empty()) else {
        let view = form.reopen(base, errors);
        return ctx
            .secret_refused(id, view, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let keyring = keyring(&ctx.state)?;
    let actor = ctx.actor();
    let outcome = ctx
        .db
        .write(move |conn| {
            Ok(secret::replace_value(
                conn,
                id,
                secret_id,
                version,
                &value,
                keyring.primary(),
                &actor,
            ))
        })
        .await?;
    match outcome {
        Ok(Update::Saved(saved) | Update::Unchanged(saved)) => {
            let notice = format!("The value of “{}” was replaced", saved.name);
            ctx.secret_written(id, notice).await
        }
        Ok(Update::Conflict(theirs)) => {
            let mut view = form.reopen(base, FieldErrors::new());
            view.conflict = Some(describe_conflict(&theirs));
            view.version = theirs.version;
            ctx.secret_refused(id, view, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /contacts/{id}/secrets/{secret}/delete`: the confirmation.
pub async fn confirm_delete(
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let (loaded, found) = ctx
        .db
        .read(move |conn| {
            let loaded = Loaded::load(conn, id, None)?;
            Ok((loaded, secret::find(conn, id, secret_id)?))
        })
        .await?;
    let panel = Panel::Delete(DeleteView {
        name: found.name.clone(),
        action: routes::contact_secret_delete(id, secret_id),
        cancel_url: routes::contact_secrets(id, None),
        csrf_token: ctx.csrf_token(),
    });
    ctx.secrets_tab(loaded, panel, StatusCode::OK)
}

/// `POST /contacts/{id}/secrets/{secret}/delete`.
pub async fn delete(
    ctx: Editor,
    path: web::Path<(ContactId, SecretId)>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let actor = ctx.actor();
    let deleted = ctx
        .db
        .write(move |conn| Ok(secret::delete(conn, id, secret_id, &actor)?))
        .await?;
    let notice = format!("Secret “{}” deleted", deleted.name);
    ctx.secret_written(id, notice).await
}
