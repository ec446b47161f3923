//! `conversation/{id}/contact/upsert`: gives a conversation that has no contact the one its
//! body describes, found or created as `contact/ensure` does (the rules and the locking are in
//! [`crate::models::contact_ensure`]).
//!
//! As in ChatBotKit, the answer is `{"id"}` of the contact, and a conversation that already
//! has a contact is left as it is: `304 Not Modified`, with no body.

use crate::api::caller::ApiWriter;
use crate::api::contact_body::unprocessable;
use crate::api::json::{self, ApiJson, present};
use crate::domain::ConversationId;
use crate::domain::contact_patch::{ContactPatchInput, Purpose, Sent};
use crate::error::AppError;
use crate::models::contact_ensure::{self, Upserted};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

/// ChatBotKit's body for the upsert: the contact's identity and description, no
/// `preferences` or `verifiedAt` (a contact found by fingerprint is verified, as by ensure).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpsertBody {
    #[serde(default, deserialize_with = "present")]
    name: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    description: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    fingerprint: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    email: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    phone: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    nick: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    meta: Sent<Value>,
}

impl UpsertBody {
    fn into_input(self) -> ContactPatchInput {
        ContactPatchInput {
            name: self.name,
            description: self.description,
            fingerprint: self.fingerprint,
            email: self.email,
            phone: self.phone,
            nick: self.nick,
            preferences: None,
            verified_at: None,
            meta: self.meta,
        }
    }
}

/// `POST conversation/{id}/contact/upsert` `{fingerprint?, name?, email?, phone?, nick?,
/// description?, meta?}` → `{"id"}` of the contact; `304` when the conversation already has
/// one. The link, the contact-less ratings moved to the contact and the `context` message
/// telling the bot are one transaction with its audit entry.
pub async fn upsert(
    api: ApiWriter,
    path: web::Path<ConversationId>,
    ApiJson(body): ApiJson<UpsertBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let request = body
        .into_input()
        .validate(api.state.settings.phone_region, Purpose::Create)
        .map_err(unprocessable)?;
    let actor = api.actor();
    let outcome = api
        .db
        .write(move |conn| {
            Ok(contact_ensure::upsert_for_conversation(
                conn, id, &request, &actor,
            )?)
        })
        .await?;
    match outcome {
        Upserted::AlreadyLinked => Ok(HttpResponse::NotModified().finish()),
        Upserted::Linked(ensured) => json::id(ensured.contact.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_chatbotkits_fields_only() {
        let body: UpsertBody =
            serde_json::from_str(r#"{"fingerprint": "user-0000000000000001", "name": null}"#)
                .unwrap();
        let input = body.into_input();
        assert_eq!(input.name, Some(None));
        assert_eq!(input.preferences, None);
        for refused in [r#"{"preferences": "x"}"#, r#"{"verifiedAt": 1}"#] {
            assert!(
                serde_json::from_str::<UpsertBody>(refused).is_err(),
                "{refused}"
            );
        }
    }
}
