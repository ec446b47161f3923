//! Validated value types and pure rules. Nothing here touches the database or the network,
//! so everything is unit-tested in place.

pub mod api_token;
pub mod byte_size;
pub mod contact_draft;
pub mod contact_field;
pub mod contact_match;
pub mod contact_patch;
pub mod contact_source;
pub mod conversation;
pub mod egress;
pub mod email;
pub mod erasure;
pub mod export;
pub mod field_errors;
pub mod file_name;
pub mod fingerprint;
pub mod ids;
pub mod import;
pub mod integration;
pub mod job_progress;
pub mod keyset;
pub mod listing;
pub mod memory_text;
pub mod meta;
pub mod network;
pub mod password;
pub mod phone;
pub mod rating;
pub mod rating_chart;
pub mod role;
pub mod schedule;
pub mod secret;
pub mod secret_box;
pub mod space_draft;
pub mod spreadsheet;
pub mod task_draft;
pub mod task_run;
pub mod text;

pub use contact_draft::{ContactDraft, ContactInput};
pub use contact_field::ContactField;
pub use contact_source::ContactSource;
pub use email::EmailAddress;
pub use field_errors::{FieldError, FieldErrors};
pub use ids::{
    ApiTokenId, AuditEventId, ContactId, ConversationId, IntegrationId, InvalidId, JobId, MemoryId,
    MessageId, RatingId, SecretId, SpaceFileId, SpaceId, StaffUserId, TaskId, UploadId,
    WebhookDeliveryId, WidgetSessionId,
};
pub use meta::{MetaFields, MetaRow};
pub use phone::{PhoneNumber, PhoneRegion};
pub use role::Role;
