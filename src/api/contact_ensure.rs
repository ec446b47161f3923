//! Find-or-create: `contact/ensure`. The rules (and why concurrent calls cannot create twins)
//! are in [`crate::models::contact_ensure`].

use super::caller::ApiWriter;
use super::contact_body::ContactBody;
use super::json::{self, ApiJson};
use crate::domain::contact_patch::Purpose;
use crate::error::AppError;
use crate::models::contact_ensure;
use actix_web::HttpResponse;

/// `POST contact/ensure` → `{"id"}` of the contact found (its empty fields filled from the
/// request) or created.
pub async fn ensure(
    api: ApiWriter,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<HttpResponse, AppError> {
    let request = body.validate(api.state.settings.phone_region, Purpose::Create)?;
    let actor = api.actor();
    let ensured = api
        .db
        .write(move |conn| Ok(contact_ensure::ensure(conn, &request, &actor)?))
        .await?;
    json::id(ensured.contact.id)
}
