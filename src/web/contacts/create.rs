//! `/contacts/new`: the Create Contact form.

use super::super::current_user::CurrentUser;
use super::super::forms::HtmlForm;
use super::super::htmx::Htmx;
use super::super::layout::{PageContext, Section};
use super::super::render;
use super::super::routes;
use super::super::session::{FlashKind, TypedSession};
use super::form_view::{ContactFormData, ContactFormView, apply_meta_op};
use crate::db;
use crate::domain::{ContactInput, ContactSource, FieldErrors};
use crate::error::AppError;
use crate::models::contact::{self, NewContact, WriteError};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
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

fn respond(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    form: ContactFormView,
    invalid: bool,
) -> Result<HttpResponse, AppError> {
    let status = if invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    if htmx.targets("contact-form") {
        render::html(status, &CreateContactForm { form })
    } else {
        let page = PageContext::signed_in(user, session, Section::Contacts);
        render::html(status, &CreateContactPage { page, form })
    }
}

pub async fn show_form(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let form = ContactFormView::new(
        ContactInput::default(),
        FieldErrors::new(),
        false,
        session.csrf_token(),
    );
    respond(&user, &session, &htmx, form, false)
}

pub async fn submit(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    HtmlForm(data): HtmlForm<ContactFormData>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let meta_op = data.meta_op.clone();
    let mut input = data.into_input();
    if let Some(op) = meta_op.as_deref()
        && apply_meta_op(&mut input.meta, op)
    {
        let form =
            ContactFormView::new(input, FieldErrors::new(), op == "add", session.csrf_token());
        return respond(&user, &session, &htmx, form, false);
    }

    let draft = match input.validate(state.settings.phone_region) {
        Ok(draft) => draft,
        Err(errors) => {
            return respond(
                &user,
                &session,
                &htmx,
                ContactFormView::new(input, errors, false, session.csrf_token()),
                true,
            );
        }
    };
    let actor = user.actor();
    let created = db::run(&state.pool, move |conn| {
        Ok(contact::create(
            conn,
            NewContact::from_draft(draft, ContactSource::Manual, true),
            &actor,
        ))
    })
    .await?;
    match created {
        Ok(contact) => {
            session.set_flash(FlashKind::Success, "Contact created");
            Ok(render::redirect(
                &htmx,
                &routes::contact(contact.contact_id()),
            ))
        }
        Err(WriteError::DuplicateEmail { existing }) => {
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
            respond(
                &user,
                &session,
                &htmx,
                ContactFormView::new(input, errors, false, session.csrf_token()),
                true,
            )
        }
        Err(other) => Err(other.into()),
    }
}
