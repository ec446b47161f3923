//! Why a contact write was refused for reasons the caller can act on, and which contact holds
//! the email or fingerprint a write collided with.

use super::contact::{NewContact, find_by_email, find_by_fingerprint};
use crate::domain::contact_patch::ContactPatch;
use crate::domain::{ContactId, FieldErrors};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

const EMAIL_UNIQUE_INDEX: &str = "contacts_email_key";
const FINGERPRINT_UNIQUE_INDEX: &str = "contacts_fingerprint_key";

/// Why a write was refused for reasons the user can act on.
#[derive(Debug)]
pub enum WriteError {
    /// Another contact already has this email (ignoring case).
    DuplicateEmail {
        existing: Option<ContactId>,
    },
    /// Another contact already has this fingerprint.
    DuplicateFingerprint {
        existing: Option<ContactId>,
    },
    /// The change would break a rule that depends on the stored row (a `$update` that grows
    /// meta past its limit).
    Invalid(FieldErrors),
    Database(DieselError),
}

impl WriteError {
    /// Whether another writer's row got in the way (worth retrying a find-or-create).
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            WriteError::DuplicateEmail { .. } | WriteError::DuplicateFingerprint { .. }
        )
    }
}

impl From<DieselError> for WriteError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info.constraint_name() == Some(EMAIL_UNIQUE_INDEX) =>
            {
                WriteError::DuplicateEmail { existing: None }
            }
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info.constraint_name() == Some(FINGERPRINT_UNIQUE_INDEX) =>
            {
                WriteError::DuplicateFingerprint { existing: None }
            }
            _ => WriteError::Database(error),
        }
    }
}

/// "email: contact 123 already has this email." (the API's 409 message).
fn duplicate_message(field: &str, existing: Option<ContactId>) -> String {
    match existing {
        Some(id) => format!("{field}: contact {} already has this {field}.", id.0),
        None => format!("{field}: another contact already has this {field}."),
    }
}

impl From<WriteError> for crate::AppError {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::DuplicateEmail { existing } => {
                crate::AppError::Conflict(duplicate_message("email", existing))
            }
            WriteError::DuplicateFingerprint { existing } => {
                crate::AppError::Conflict(duplicate_message("fingerprint", existing))
            }
            WriteError::Invalid(errors) => crate::AppError::Unprocessable(errors.summary()),
            WriteError::Database(error) => error.into(),
        }
    }
}

/// The values a write tried to store that must be unique, to say who holds them if it fails.
#[derive(Debug, Clone, Default)]
pub struct UniqueValues {
    pub email: Option<String>,
    pub fingerprint: Option<String>,
}

impl UniqueValues {
    pub fn of_new(contact: &NewContact) -> Self {
        UniqueValues {
            email: contact.email.clone(),
            fingerprint: contact.fingerprint.clone(),
        }
    }

    pub fn of_patch(patch: &ContactPatch) -> Self {
        UniqueValues {
            email: ContactPatch::value(&patch.email).map(|e| e.as_str().to_string()),
            fingerprint: patch.fingerprint().map(|f| f.as_str().to_string()),
        }
    }
}

/// Fills in which contact holds the email or fingerprint once the failed transaction is over.
pub fn explain_duplicate(
    connection: &mut PgConnection,
    error: WriteError,
    values: &UniqueValues,
) -> WriteError {
    match (error, values) {
        (
            WriteError::DuplicateEmail { .. },
            UniqueValues {
                email: Some(email), ..
            },
        ) => WriteError::DuplicateEmail {
            existing: find_by_email(connection, email)
                .ok()
                .flatten()
                .map(|c| c.id),
        },
        (
            WriteError::DuplicateFingerprint { .. },
            UniqueValues {
                fingerprint: Some(fingerprint),
                ..
            },
        ) => WriteError::DuplicateFingerprint {
            existing: find_by_fingerprint(connection, fingerprint)
                .ok()
                .flatten()
                .map(|c| c.id),
        },
        (other, _) => other,
    }
}
