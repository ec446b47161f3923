//! The notice on a conversation whose agent webhook did not answer: the newest few deliveries
//! that failed ("gave up after 8 attempts") or wait for a retry ("retrying at …"), each with
//! the reason recorded and a link to the message it was about. Answered deliveries say
//! nothing: the reply is in the transcript.

use crate::domain::ContactId;
use crate::models::webhook_delivery::WebhookDelivery;
use crate::web::routes;
use crate::web::views;

/// Deliveries shown at most.
pub const MAX_NOTICES: i64 = 3;

/// One line of the notice.
pub struct AgentNoticeView {
    /// `alert-warning` while retrying, `alert-error` once given up.
    pub class: &'static str,
    pub error: String,
    /// "retrying at" or "gave up after 8 attempts".
    pub retrying_at: Option<(String, String)>,
    pub gave_up_after: Option<String>,
    pub message_url: String,
}

impl AgentNoticeView {
    pub fn new(contact_id: ContactId, delivery: &WebhookDelivery) -> Self {
        let error = delivery
            .last_error
            .clone()
            .unwrap_or_else(|| "no reason was recorded.".into());
        let message_url = routes::contact_conversation_message(
            contact_id,
            delivery.conversation_id,
            delivery.message_id,
        );
        if delivery.is_failed() {
            AgentNoticeView {
                class: "alert alert-error agent-notice",
                error,
                retrying_at: None,
                gave_up_after: Some(match delivery.attempts {
                    1 => "1 attempt".to_string(),
                    n => format!("{n} attempts"),
                }),
                message_url,
            }
        } else {
            AgentNoticeView {
                class: "alert alert-warning agent-notice",
                error,
                retrying_at: Some((
                    views::timestamp(delivery.next_attempt_at),
                    views::iso(delivery.next_attempt_at),
                )),
                gave_up_after: None,
                message_url,
            }
        }
    }

    pub fn list(contact_id: ContactId, deliveries: &[WebhookDelivery]) -> Vec<Self> {
        deliveries
            .iter()
            .map(|delivery| AgentNoticeView::new(contact_id, delivery))
            .collect()
    }
}
