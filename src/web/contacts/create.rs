//! `/contacts/new`: the Create Contact form.

use super::super::context::{Dashboard, Editor};
use super::super::forms::HtmlForm;
use super::super::layout::{PageContext, Section};
use super::super::routes;
use super::super::session::FlashKind;
use super::form_view::{ContactFormData, ContactFormView, apply_meta_op};
use crate::domain::{ContactInput, ContactSource, FieldErrors};
use crate::error::AppError;
use crate::models::contact::{self, NewContact, WriteError};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

#[derive(Template)]
#[template(path = "contacts/new.html")]
struct CreateContactPage {
    page: PageContext,
    form: ContactFormView,
}

/// Only the form, for htmx submissions.
#[derive(Template)]
#[template(path = "contacts/new.html", block = "form")]
struct CreateContactForm {
    form: ContactFormView,
}

/// The form alone for htmx submissions aimed at it, the whole page otherwise.
fn respond(
    ctx: &Dashboard,
    form: ContactFormView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    ctx.fragment_or_page_with(
        status,
        "contact-form",
        form,
        |form| CreateContactForm { form },
        |form| CreateContactPage {
            page: ctx.page(Section::Contacts),
            form,
        },
    )
}

/// `GET /contacts/new`.
pub async fn show_form(ctx: Editor) -> Result<HttpResponse, AppError> {
    let form = ContactFormView::new(
        ContactInput::default(),
        FieldErrors::new(),
        false,
        ctx.csrf_token(),
    );
    respond(&ctx, form, StatusCode::OK)
}

/// `POST /contacts/new`: creates the contact and goes to its profile; or the form again, with
/// a meta row more or less ("Add field", "Remove") or with every error (422).
pub async fn submit(
    ctx: Editor,
    HtmlForm(data): HtmlForm<ContactFormData>,
) -> Result<HttpResponse, AppError> {
    let meta_op = data.meta_op.clone();
    let mut input = data.into_input();
    if let Some(op) = meta_op.as_deref()
        && apply_meta_op(&mut input.meta, op)
    {
        let form = ContactFormView::new(input, FieldErrors::new(), op == "add", ctx.csrf_token());
        return respond(&ctx, form, StatusCode::OK);
    }

    let draft = match input.validate(ctx.state.settings.phone_region) {
        Ok(draft) => draft,
        Err(errors) => {
            let form = ContactFormView::new(input, errors, false, ctx.csrf_token());
            return respond(&ctx, form, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = ctx.actor();
    let created = ctx
        .db
        .write(move |conn| {
            Ok(contact::create(
                conn,
                NewContact::from_draft(draft, ContactSource::Manual, true),
                &actor,
            ))
        })
        .await?;
    match created {
        Ok(contact) => Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            "Contact created",
            &routes::contact(contact.id),
        )),
        Err(WriteError::DuplicateEmail { existing }) => {
            let form =
                ContactFormView::new(input, duplicate_email(existing), false, ctx.csrf_token());
            respond(&ctx, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(other) => Err(other.into()),
    }
}

/// The email field's error when another contact has the address, linking that contact.
fn duplicate_email(existing: Option<crate::domain::ContactId>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    match existing {
        Some(id) => errors.add_with_link(
            "email",
            "Another contact already has this email:",
            routes::contact(id),
            "open that contact",
        ),
        None => errors.add("email", "Another contact already has this email."),
    }
    errors
}
