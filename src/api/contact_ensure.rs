//! Find-or-create: `contact/ensure`. The rules (and why concurrent calls cannot create twins)
//! are in [`crate::models::contact_ensure`].

use super::caller::ApiCaller;
use super::contact_body::ContactBody;
use super::json::{self, ApiJson};
use crate::db;
use crate::domain::contact_patch::Purpose;
use crate::error::AppError;
use crate::models::contact_ensure;
use crate::startup::AppState;
use actix_web::{HttpResponse, web};

/// `POST contact/ensure` → `{"id"}` of the contact found (its empty fields filled from the
/// request) or created.
pub async fn ensure(
    caller: ApiCaller,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<HttpResponse, AppError> {
    caller.require_write()?;
    let request = body.validate(state.settings.phone_region, Purpose::Create)?;
    let actor = caller.actor();
    let ensured = db::run(&state.pool, move |conn| {
        Ok(contact_ensure::ensure(conn, &request, &actor)?)
    })
    .await?;
    json::id(ensured.contact.id)
}
