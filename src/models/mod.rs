//! Tables and their queries: one file per table family. Functions take `&mut PgConnection`
//! and never see HTTP; multi-row writes run in one transaction together with their audit entry.

pub mod agent_answer;
pub mod api_token;
pub mod audit;
pub mod contact;
pub mod contact_conflict;
pub mod contact_ensure;
pub mod contact_export;
pub mod contact_import;
pub mod contact_list;
pub mod contact_match;
pub mod contact_update;
pub mod conversation;
pub mod email_intake;
pub mod erasure;
pub mod integration;
pub mod job;
pub mod keyset;
pub mod memory;
pub mod message;
pub mod personal_data;
pub mod profile_counts;
pub mod rating;
pub mod schema;
pub mod secret;
pub mod secret_rotation;
pub mod sign_in_throttle;
pub mod space;
pub mod space_file;
pub mod sql;
pub mod staff_user;
pub mod task;
pub mod task_agent;
pub mod upload;
pub mod versioned;
pub mod webhook_delivery;
pub mod widget_session;

pub use audit::Actor;
pub use contact::Contact;
pub use staff_user::StaffUser;
