//! Click-to-edit for one field of the overview.
//!
//! `GET …/fields/{field}` shows the value, `GET …/fields/{field}/edit` the editor, `POST
//! …/fields/{field}` saves. htmx swaps just the field; without JavaScript the same URLs
//! render the whole profile with that field open, and a save redirects back.
//!
//! The editor carries the row version and the field's value as it was shown. If someone else
//! changed this field meanwhile, the save answers 409 with their value and keeps the input.

use super::super::HeaderView;
use super::super::tab::Profile;
use crate::domain::contact_draft::validate_field;
use crate::domain::meta::display_value;
use crate::domain::phone::display_international;
use crate::domain::{ContactField, ContactId, FieldErrors, MetaRow};
use crate::error::AppError;
use crate::models::Contact;
use crate::models::contact::{self, FieldUpdate, SeenState, WriteError};
use crate::web::contacts::form_view::{MetaEditorView, apply_meta_op, rows_from_form};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// One field, shown or being edited.
pub struct FieldView {
    pub slug: &'static str,
    pub label: &'static str,
    pub element_id: String,
    pub multiline: bool,
    pub is_meta: bool,
    pub max_chars: usize,
    /// The value as shown ("" when not set).
    pub display: String,
    /// mailto:/tel: link for email and phone.
    pub href: String,
    pub meta_pairs: Vec<(String, String)>,
    pub view_url: String,
    pub edit_url: String,
    pub save_url: String,
    pub can_edit: bool,
    pub editing: bool,
    /// The editor's text (single-value fields).
    pub input: String,
    /// The editor's rows (meta).
    pub meta: MetaEditorView,
    pub version: i32,
    /// The field's stored value when the editor opened.
    pub seen: String,
    pub error: String,
    pub error_link: Option<(String, String)>,
    /// Someone else's value, when they saved first.
    pub conflict: Option<String>,
    /// For the editor's hidden field when it is posted without JavaScript.
    pub csrf_token: String,
}

impl FieldView {
    /// The field as stored, not editing.
    pub fn display(contact: &Contact, field: ContactField, can_edit: bool) -> Self {
        let id = contact.id;
        let stored = contact.field_fingerprint(field);
        let (display, href) = match field {
            ContactField::Phone if !stored.is_empty() => {
                (display_international(&stored), format!("tel:{stored}"))
            }
            ContactField::Email if !stored.is_empty() => {
                (stored.clone(), format!("mailto:{stored}"))
            }
            ContactField::Meta => (String::new(), String::new()),
            _ => (stored.clone(), String::new()),
        };
        let meta_pairs = if field == ContactField::Meta {
            contact
                .meta_fields()
                .as_map()
                .iter()
                .map(|(k, v)| (k.clone(), display_value(v)))
                .collect()
        } else {
            Vec::new()
        };
        FieldView {
            slug: field.slug(),
            label: field.label(),
            element_id: format!("field-{}", field.slug()),
            multiline: field.is_multiline(),
            is_meta: field == ContactField::Meta,
            max_chars: field.max_chars(),
            display,
            href,
            meta_pairs,
            view_url: routes::contact_field(id, field),
            edit_url: routes::contact_field_edit(id, field),
            save_url: routes::contact_field(id, field),
            can_edit,
            editing: false,
            input: String::new(),
            meta: MetaEditorView::new(&[], &FieldErrors::new(), false),
            version: contact.version,
            seen: stored,
            error: String::new(),
            error_link: None,
            conflict: None,
            csrf_token: String::new(),
        }
    }

    /// The editor, filled with the stored value.
    pub fn editor(contact: &Contact, field: ContactField) -> Self {
        let mut view = FieldView::display(contact, field, true);
        let rows = if field == ContactField::Meta {
            contact.meta_fields().to_rows()
        } else {
            Vec::new()
        };
        let input = if field == ContactField::Phone {
            view.display.clone()
        } else {
            view.seen.clone()
        };
        view.open_editor(input, rows, FieldErrors::new(), false);
        view
    }

    /// Switches to the editor with the given input.
    fn open_editor(
        &mut self,
        input: String,
        mut rows: Vec<MetaRow>,
        errors: FieldErrors,
        focus_last: bool,
    ) {
        if self.is_meta && rows.is_empty() {
            rows.push(MetaRow::default());
        }
        self.editing = true;
        self.input = input;
        self.meta = MetaEditorView::new(&rows, &errors, focus_last);
        self.error = errors.message(self.slug).to_string();
        self.error_link = errors.get(self.slug).and_then(|e| e.link.clone());
    }
}

#[derive(Template)]
#[template(path = "contacts/profile/overview/_field_response.html")]
struct FieldFragment {
    field: FieldView,
    /// Sent along out-of-band after a save, so the header shows the new name, email, phone.
    header: Option<HeaderView>,
}

/// The contact and the field a path names; an unknown field is not found.
fn parse_path(path: web::Path<(ContactId, String)>) -> Result<(ContactId, ContactField), AppError> {
    let (id, slug) = path.into_inner();
    let field = slug
        .parse::<ContactField>()
        .map_err(|()| AppError::NotFound)?;
    Ok((id, field))
}

impl Dashboard {
    /// Answers with the field alone (htmx) or the whole profile with the field as given.
    async fn field_answer(
        &self,
        id: ContactId,
        mut field: FieldView,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        field.csrf_token = self.csrf_token();
        if self.htmx.is_htmx {
            return self.render(
                status,
                &FieldFragment {
                    field,
                    header: None,
                },
            );
        }
        let profile = self.db.read(move |conn| Profile::load(conn, id)).await?;
        self.overview_tab(&profile, Some(field), status)
    }
}

/// The contact, or 404.
async fn load(ctx: &Dashboard, id: ContactId) -> Result<Contact, AppError> {
    ctx.db.read(move |conn| Ok(contact::find(conn, id)?)).await
}

/// `GET /contacts/{id}/fields/{field}`: the value (the editor's Cancel).
pub async fn show(
    ctx: Dashboard,
    path: web::Path<(ContactId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, field) = parse_path(path)?;
    if !ctx.htmx.is_htmx {
        return Ok(ctx.redirect(&routes::contact(id)));
    }
    let contact = load(&ctx, id).await?;
    ctx.ok(&FieldFragment {
        field: FieldView::display(&contact, field, ctx.can_edit()),
        header: None,
    })
}

/// `GET /contacts/{id}/fields/{field}/edit`: the editor.
pub async fn edit(
    ctx: Editor,
    path: web::Path<(ContactId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, field) = parse_path(path)?;
    let contact = load(&ctx, id).await?;
    let view = FieldView::editor(&contact, field);
    ctx.field_answer(id, view, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct FieldForm {
    #[serde(default)]
    value: String,
    #[serde(default)]
    meta_key: Vec<String>,
    #[serde(default)]
    meta_value: Vec<String>,
    meta_op: Option<String>,
    version: String,
    #[serde(default)]
    seen: String,
}

/// `POST /contacts/{id}/fields/{field}`: save.
pub async fn save(
    ctx: Editor,
    path: web::Path<(ContactId, String)>,
    HtmlForm(form): HtmlForm<FieldForm>,
) -> Result<HttpResponse, AppError> {
    let (id, field) = parse_path(path)?;
    let seen = SeenState {
        version: form.version.parse().map_err(|_| {
            AppError::BadRequest("The form is missing its version; reload the page.".into())
        })?,
        value: form.seen.clone(),
    };
    let contact = load(&ctx, id).await?;
    let mut rows = rows_from_form(&form.meta_key, &form.meta_value);

    // The form as it came in, for every answer that reopens the editor.
    let reopen = |contact: &Contact, rows: Vec<MetaRow>, errors: FieldErrors, focus_last: bool| {
        let mut view = FieldView::display(contact, field, true);
        view.version = seen.version;
        view.seen = seen.value.clone();
        view.open_editor(form.value.clone(), rows, errors, focus_last);
        view
    };

    if let Some(op) = form
        .meta_op
        .as_deref()
        .filter(|_| field == ContactField::Meta)
        && apply_meta_op(&mut rows, op)
    {
        let view = reopen(&contact, rows, FieldErrors::new(), op == "add");
        return ctx.field_answer(id, view, StatusCode::OK).await;
    }

    let previous_meta = contact.meta_fields();
    let value = match validate_field(
        field,
        &form.value,
        &rows,
        ctx.state.settings.phone_region,
        Some(&previous_meta),
    ) {
        Ok(value) => value,
        Err(errors) => {
            let view = reopen(&contact, rows, errors, false);
            return ctx
                .field_answer(id, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };

    let actor = ctx.actor();
    let seen_for_update = seen.clone();
    let outcome = ctx
        .db
        .write(move |conn| {
            Ok(contact::update_field(
                conn,
                id,
                field,
                value,
                &seen_for_update,
                &actor,
            ))
        })
        .await?;
    match outcome {
        Ok(FieldUpdate::Saved(saved) | FieldUpdate::Unchanged(saved)) => {
            if !ctx.htmx.is_htmx {
                return Ok(ctx.redirect_with_notice(
                    FlashKind::Success,
                    format!("{} saved", field.label()),
                    &routes::contact(id),
                ));
            }
            ctx.ok(&FieldFragment {
                field: FieldView::display(&saved, field, true),
                header: Some(HeaderView::new(&saved)),
            })
        }
        Ok(FieldUpdate::Conflict(current)) => {
            let mut view = reopen(&current, rows, FieldErrors::new(), false);
            let theirs = FieldView::display(&current, field, true);
            view.conflict = Some(if field == ContactField::Meta {
                theirs
                    .meta_pairs
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                theirs.display
            });
            // Saving again now knowingly replaces their value.
            view.version = current.version;
            view.seen = current.field_fingerprint(field);
            ctx.field_answer(id, view, StatusCode::CONFLICT).await
        }
        Err(WriteError::DuplicateEmail { existing }) => {
            let mut errors = FieldErrors::new();
            match existing {
                Some(other) => errors.add_with_link(
                    "email",
                    "Another contact already has this email:",
                    routes::contact(other),
                    "open that contact",
                ),
                None => errors.add("email", "Another contact already has this email."),
            }
            let view = reopen(&contact, rows, errors, false);
            ctx.field_answer(id, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(other) => Err(other.into()),
    }
}
