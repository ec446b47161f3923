//! What the integrations pages show: view structs with ready-to-print fields, built from rows
//! and forms. Templates never see a row, a secret's storage or the connection.

use super::super::super::routes;
use super::super::super::views;
use crate::domain::FieldErrors;
use crate::domain::integration::{
    self as rules, FieldRequirement, IntegrationInput, IntegrationKind, SecretPurpose,
};
use crate::models::integration::{Credentials, Integration};
use serde::Deserialize;
use zeroize::Zeroize;

/// The settings form as posted. Checkboxes are absent when unchecked.
#[derive(Debug, Default, Deserialize)]
pub struct IntegrationFormData {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub collect_contacts: Option<String>,
    #[serde(default)]
    pub agent_webhook_url: String,
    #[serde(default)]
    pub allowed_senders: String,
    #[serde(default)]
    pub use_reply_to: Option<String>,
    /// One authserv-id per line.
    #[serde(default)]
    pub trusted_authserv_ids: String,
    #[serde(default)]
    pub require_authentication: Option<String>,
    #[serde(default)]
    pub allowed_origins: String,
    #[serde(default)]
    pub ask_name: String,
    #[serde(default)]
    pub ask_email: String,
    #[serde(default)]
    pub ask_phone: String,
    /// The row version the edit form was read at.
    #[serde(default)]
    pub version: String,
}

impl IntegrationFormData {
    pub fn input(&self) -> IntegrationInput {
        IntegrationInput {
            name: self.name.clone(),
            collect_contacts: self.collect_contacts.is_some(),
            agent_webhook_url: self.agent_webhook_url.clone(),
            allowed_senders: rules::lines(&self.allowed_senders),
            use_reply_to: self.use_reply_to.is_some(),
            trusted_authserv_ids: rules::lines(&self.trusted_authserv_ids),
            require_authentication: self.require_authentication.is_some(),
            allowed_origins: rules::lines(&self.allowed_origins),
            ask_name: self.ask_name.clone(),
            ask_email: self.ask_email.clone(),
            ask_phone: self.ask_phone.clone(),
        }
    }
}

/// One row of the list.
pub struct IntegrationRow {
    pub name: String,
    pub kind: &'static str,
    pub enabled: bool,
    pub collect_contacts: bool,
    /// The webhook URL, or empty.
    pub webhook: String,
    pub url: String,
}

impl IntegrationRow {
    pub fn new(row: &Integration) -> Self {
        IntegrationRow {
            name: row.name.clone(),
            kind: row.kind().label(),
            enabled: row.enabled,
            collect_contacts: row.collect_contacts,
            webhook: row.agent_webhook_url.clone().unwrap_or_default(),
            url: routes::integration(row.id),
        }
    }
}

/// A choice of a select.
pub struct SelectOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One "ask the visitor for …" select of the widget form.
pub struct AskField {
    /// The input's name: `ask_name`, `ask_email`, `ask_phone`.
    pub field: &'static str,
    pub label: &'static str,
    pub options: Vec<SelectOption>,
    pub error: String,
}

/// The create or edit form, with what was typed and what is wrong with it.
pub struct FormView {
    pub title: String,
    pub kind_label: &'static str,
    pub is_email: bool,
    pub action: String,
    pub cancel_url: String,
    pub submit_label: &'static str,
    pub csrf_token: String,
    /// Edits only.
    pub version: Option<i32>,
    pub name: String,
    pub collect_contacts: bool,
    pub agent_webhook_url: String,
    pub allowed_senders: String,
    pub use_reply_to: bool,
    /// One per line, as typed.
    pub trusted_authserv_ids: String,
    pub require_authentication: bool,
    pub allowed_origins: String,
    pub asks: Vec<AskField>,
    pub max_name_chars: usize,
    pub errors: FieldErrors,
    /// Someone else saved first: the form shows their values are now current.
    pub conflict: bool,
}

/// The form's checkboxes: a posted form says them by presence, a blank or edit form by
/// default or by the row.
#[derive(Debug, Clone, Copy)]
struct Checkboxes {
    collect_contacts: bool,
    use_reply_to: bool,
    require_authentication: bool,
}

impl Checkboxes {
    fn posted(data: &IntegrationFormData) -> Self {
        Checkboxes {
            collect_contacts: data.collect_contacts.is_some(),
            use_reply_to: data.use_reply_to.is_some(),
            require_authentication: data.require_authentication.is_some(),
        }
    }
}

impl FormView {
    fn build(
        kind: IntegrationKind,
        data: &IntegrationFormData,
        checked: Checkboxes,
        errors: FieldErrors,
        csrf_token: String,
    ) -> Self {
        let ask = |field: &'static str, label, value: &str, default: FieldRequirement| AskField {
            field,
            label,
            options: FieldRequirement::ALL
                .into_iter()
                .map(|option| SelectOption {
                    value: option.as_str(),
                    label: option.label(),
                    selected: value
                        .parse::<FieldRequirement>()
                        .map_or(option == default, |chosen| chosen == option),
                })
                .collect(),
            error: errors.message(field).to_string(),
        };
        let asks = vec![
            ask("ask_name", "Name", &data.ask_name, rules::DEFAULT_ASK_NAME),
            ask(
                "ask_email",
                "Email",
                &data.ask_email,
                rules::DEFAULT_ASK_EMAIL,
            ),
            ask(
                "ask_phone",
                "Phone",
                &data.ask_phone,
                rules::DEFAULT_ASK_PHONE,
            ),
        ];
        FormView {
            title: format!("New {} integration", kind.as_str()),
            kind_label: kind.label(),
            is_email: kind == IntegrationKind::Email,
            action: routes::integration_new(kind.as_str()),
            cancel_url: routes::INTEGRATIONS.to_string(),
            submit_label: "Create integration",
            csrf_token,
            version: None,
            name: data.name.clone(),
            collect_contacts: checked.collect_contacts,
            agent_webhook_url: data.agent_webhook_url.clone(),
            allowed_senders: data.allowed_senders.clone(),
            use_reply_to: checked.use_reply_to,
            trusted_authserv_ids: data.trusted_authserv_ids.clone(),
            require_authentication: checked.require_authentication,
            allowed_origins: data.allowed_origins.clone(),
            asks,
            max_name_chars: rules::MAX_NAME_CHARS,
            errors,
            conflict: false,
        }
    }

    /// A blank create form: collect contacts and require authenticated senders on, the
    /// widget's default questions.
    pub fn blank(kind: IntegrationKind, csrf_token: String) -> Self {
        let defaults = IntegrationInput::default();
        Self::build(
            kind,
            &IntegrationFormData::default(),
            Checkboxes {
                collect_contacts: defaults.collect_contacts,
                use_reply_to: defaults.use_reply_to,
                require_authentication: defaults.require_authentication,
            },
            FieldErrors::new(),
            csrf_token,
        )
    }

    /// A create form as posted, with its errors.
    pub fn posted(
        kind: IntegrationKind,
        data: &IntegrationFormData,
        errors: FieldErrors,
        csrf_token: String,
    ) -> Self {
        Self::build(kind, data, Checkboxes::posted(data), errors, csrf_token)
    }

    /// The edit form of a stored integration.
    pub fn edit(row: &Integration, csrf_token: String) -> Self {
        let draft = row.draft();
        let data = IntegrationFormData {
            name: draft.name.clone(),
            agent_webhook_url: draft.agent_webhook_url.clone().unwrap_or_default(),
            allowed_senders: draft.sender_strings().join("\n"),
            trusted_authserv_ids: draft.authserv_id_strings().join("\n"),
            allowed_origins: draft.origin_strings().join("\n"),
            ask_name: draft.ask_name.as_str().into(),
            ask_email: draft.ask_email.as_str().into(),
            ask_phone: draft.ask_phone.as_str().into(),
            ..IntegrationFormData::default()
        };
        let mut form = Self::build(
            row.kind(),
            &data,
            Checkboxes {
                collect_contacts: draft.collect_contacts,
                use_reply_to: draft.use_reply_to,
                require_authentication: draft.require_authentication,
            },
            FieldErrors::new(),
            csrf_token,
        );
        form.as_edit(row);
        form
    }

    /// An edit form as posted (errors, or a conflict with `row`, the current state).
    pub fn edit_posted(
        row: &Integration,
        data: &IntegrationFormData,
        errors: FieldErrors,
        csrf_token: String,
    ) -> Self {
        let mut form = Self::posted(row.kind(), data, errors, csrf_token);
        form.as_edit(row);
        form
    }

    fn as_edit(&mut self, row: &Integration) {
        self.title = format!("Edit “{}”", row.name);
        self.action = routes::integration_action(row.id, "edit");
        self.cancel_url = routes::integration(row.id);
        self.submit_label = "Save changes";
        self.version = Some(row.version);
    }

    /// The problem with `field`, or "".
    pub fn error(&self, field: &str) -> &str {
        self.errors.message(field)
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }
}

/// A token or secret in clear, shown once right after it was issued. Wiped when dropped.
pub struct IssuedCredential {
    /// The element id the Copy button names.
    pub element_id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: &'static str,
}

impl Drop for IssuedCredential {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// Credentials to show once, in a fixed order.
pub fn issued(credentials: Credentials) -> Vec<IssuedCredential> {
    let mut shown = Vec::new();
    if let Some(token) = credentials.inbound_token {
        shown.push(IssuedCredential {
            element_id: "issued-inbound-token",
            label: "Inbound token",
            value: token.to_string(),
            hint: "Send it with every message: Authorization: Bearer <token> (or ?token=<token> in the inbound URL for providers that cannot set headers).",
        });
    }
    if let Some(secret) = credentials.identity_secret {
        shown.push(IssuedCredential {
            element_id: "issued-identity-secret",
            label: "Identity secret",
            value: secret.to_string(),
            hint: "Keep it on your site's server: userHash = HMAC-SHA256(userId, this secret), in hex.",
        });
    }
    if let Some(secret) = credentials.webhook_secret {
        shown.push(IssuedCredential {
            element_id: "issued-webhook-secret",
            label: "Webhook secret",
            value: secret.to_string(),
            hint: "Your agent checks the signature of every request Rapport sends with it.",
        });
    }
    shown
}

/// A regenerate action on the detail page.
pub struct RegenerateLink {
    pub label: &'static str,
    pub url: String,
}

/// One integration's page.
pub struct DetailView {
    pub name: String,
    pub kind_label: &'static str,
    pub is_email: bool,
    pub enabled: bool,
    pub collect_contacts: bool,
    pub webhook_url: String,
    pub senders: Vec<String>,
    pub use_reply_to: bool,
    pub trusted_authserv_ids: Vec<String>,
    pub require_authentication: bool,
    pub origins: Vec<String>,
    pub ask_name: &'static str,
    pub ask_email: &'static str,
    pub ask_phone: &'static str,
    pub inbound_url: String,
    /// `<id>@<RAPPORT_SMTP_DOMAIN>`, when the SMTP listener has a domain.
    pub smtp_address: Option<String>,
    pub snippet: String,
    pub demo_url: String,
    pub created_at: String,
    pub updated_at: String,
    pub issued: Vec<IssuedCredential>,
    pub edit_url: String,
    pub toggle_url: String,
    pub toggle_label: &'static str,
    pub delete_url: String,
    pub regenerate: Vec<RegenerateLink>,
}

impl DetailView {
    /// `base` is the public URL of this server, without a trailing slash.
    pub fn new(
        row: &Integration,
        base: &str,
        smtp_domain: Option<&str>,
        issued: Vec<IssuedCredential>,
    ) -> Self {
        let kind = row.kind();
        let mut regenerate = Vec::new();
        if kind == IntegrationKind::Email {
            regenerate.push(RegenerateLink {
                label: "Regenerate inbound token",
                url: routes::integration_action(row.id, "regenerate/inbound-token"),
            });
        } else {
            regenerate.push(RegenerateLink {
                label: "Regenerate identity secret",
                url: routes::integration_action(row.id, "regenerate/identity-secret"),
            });
        }
        if row.agent_webhook_url.is_some() {
            regenerate.push(RegenerateLink {
                label: "Regenerate webhook secret",
                url: routes::integration_action(row.id, "regenerate/webhook-secret"),
            });
        }
        DetailView {
            name: row.name.clone(),
            kind_label: kind.label(),
            is_email: kind == IntegrationKind::Email,
            enabled: row.enabled,
            collect_contacts: row.collect_contacts,
            webhook_url: row.agent_webhook_url.clone().unwrap_or_default(),
            senders: row.allowed_senders.clone(),
            use_reply_to: row.use_reply_to,
            trusted_authserv_ids: row.trusted_authserv_ids.clone(),
            require_authentication: row.require_authentication,
            origins: row.allowed_origins.clone(),
            ask_name: row.ask_name().label(),
            ask_email: row.ask_email().label(),
            ask_phone: row.ask_phone().label(),
            inbound_url: routes::public_inbound_url(base, row.id),
            smtp_address: smtp_domain
                .zip(row.smtp_token())
                .map(|(domain, token)| format!("{}+{token}@{domain}", row.id)),
            snippet: routes::widget_snippet(base, row.id),
            demo_url: routes::widget_demo(row.id),
            created_at: views::timestamp(row.created_at),
            updated_at: views::timestamp(row.updated_at),
            issued,
            edit_url: routes::integration_action(row.id, "edit"),
            toggle_url: routes::integration_action(
                row.id,
                if row.enabled { "disable" } else { "enable" },
            ),
            toggle_label: if row.enabled { "Disable" } else { "Enable" },
            delete_url: routes::integration_action(row.id, "delete"),
            regenerate,
        }
    }

    pub fn has_webhook(&self) -> bool {
        !self.webhook_url.is_empty()
    }
}

/// What regenerating replaces, by its URL slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regenerable {
    InboundToken,
    Secret(SecretPurpose),
}

impl Regenerable {
    pub fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "inbound-token" => Some(Regenerable::InboundToken),
            "identity-secret" => Some(Regenerable::Secret(SecretPurpose::Identity)),
            "webhook-secret" => Some(Regenerable::Secret(SecretPurpose::Webhook)),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Regenerable::InboundToken => "inbound token",
            Regenerable::Secret(purpose) => purpose.label(),
        }
    }

    /// What stops working, for the confirmation.
    pub fn consequence(self) -> &'static str {
        match self {
            Regenerable::InboundToken => {
                "The current token stops working at once: mail delivered with it is refused until your mail provider or script uses the new one."
            }
            Regenerable::Secret(SecretPurpose::Identity) => {
                "The current secret stops working at once: identify() calls signed with it are refused until your site's server uses the new one."
            }
            Regenerable::Secret(SecretPurpose::Webhook) => {
                "Requests to your agent are signed with the new secret from now on: update the agent so it accepts the new signature."
            }
        }
    }
}

/// A confirmation page (delete, regenerate): what happens, and the button.
pub struct ConfirmView {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub action: String,
    pub button: &'static str,
    pub cancel_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::IntegrationId;

    #[test]
    fn snippets_and_inbound_urls() {
        assert_eq!(
            routes::widget_snippet("https://rapport.example.com", IntegrationId(7)),
            "<script src=\"https://rapport.example.com/static/widget.js\" data-widget=\"7\" async></script>"
        );
        assert_eq!(
            routes::public_inbound_url("http://127.0.0.1:8080", IntegrationId(3)),
            "http://127.0.0.1:8080/api/v1/integration/email/3/inbound"
        );
    }

    #[test]
    fn regenerable_slugs() {
        assert_eq!(
            Regenerable::from_slug("webhook-secret"),
            Some(Regenerable::Secret(SecretPurpose::Webhook))
        );
        assert_eq!(Regenerable::from_slug("password"), None);
    }
}
