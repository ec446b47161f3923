//! An import's file as rows to apply: each record read (`domain::import`), mapped and
//! validated like an API body, and either the contact it describes or what is wrong with
//! it, each problem named by the file's column.

use super::plan::RowContact;
use crate::domain::PhoneRegion;
use crate::domain::contact_field::ContactField;
use crate::domain::contact_patch::{ContactPatch, Purpose};
use crate::domain::field_errors::FieldErrors;
use crate::domain::import::{ColumnTarget, Detected, FileRefusal, ImportReader, Mapping};
use crate::models::contact_import::Fields;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// One problem of a row: the column (its header; empty when it is about the whole row) and
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub column: String,
    pub message: String,
}

/// One record of the file.
#[derive(Debug, Clone)]
pub struct Row {
    /// As the user finds it (a spreadsheet's row number; a vCard's card number).
    pub number: u64,
    /// The cells as read (empty when the record could not be read).
    pub values: Vec<String>,
    pub contact: Result<RowContact, Vec<Problem>>,
}

/// The rows of a file, in order.
pub struct Rows {
    reader: ImportReader,
    headers: Vec<String>,
    mapping: Mapping,
    region: PhoneRegion,
}

impl Rows {
    /// Opens the file; a mapping that does not fit its columns is refused with the reason.
    pub fn open(
        path: &Path,
        detected: &Detected,
        mapping: &Mapping,
        region: PhoneRegion,
    ) -> Result<Rows, String> {
        let reader = ImportReader::open(path, detected).map_err(|refusal| refusal.to_string())?;
        let headers = reader.headers().to_vec();
        if mapping.columns.len() != headers.len() {
            return Err(format!(
                "The mapping has {} columns but the file has {}.",
                mapping.columns.len(),
                headers.len()
            ));
        }
        Ok(Rows {
            reader,
            headers,
            mapping: mapping.clone(),
            region,
        })
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The next row, or `None` at the end.
    pub fn next_row(&mut self) -> Option<Row> {
        let record = self.reader.next_record()?;
        Some(match record {
            Err(error) => Row {
                number: error.number,
                values: Vec::new(),
                contact: Err(vec![Problem {
                    column: String::new(),
                    message: error.message,
                }]),
            },
            Ok(record) => {
                let contact =
                    crate::domain::import::row_input(&record, &self.headers, &self.mapping)
                        .and_then(|input| input.validate(self.region, Purpose::Create))
                        .map(|patch| row_contact(&patch))
                        .map_err(|errors| self.problems(&errors));
                Row {
                    number: record.number,
                    values: record.values,
                    contact,
                }
            }
        })
    }

    /// Each error under the header of the column it came from.
    fn problems(&self, errors: &FieldErrors) -> Vec<Problem> {
        errors
            .iter()
            .map(|(key, error)| Problem {
                column: self.column_of(key),
                message: error.message.clone(),
            })
            .collect()
    }

    /// The header of the column behind a validation key (`email`, `meta.plan`,
    /// `verifiedAt`); empty when none is.
    fn column_of(&self, key: &str) -> String {
        let wanted = |target: &ColumnTarget| match key {
            "fingerprint" => *target == ColumnTarget::Fingerprint,
            "verifiedAt" => *target == ColumnTarget::VerifiedAt,
            "meta" => *target == ColumnTarget::MetaObject,
            _ => match key.strip_prefix("meta.") {
                Some(meta_key) => {
                    matches!(target, ColumnTarget::Meta(k) if k == meta_key)
                        || *target == ColumnTarget::MetaObject
                }
                None => match target {
                    ColumnTarget::Field(field) => field.slug() == key,
                    _ => false,
                },
            },
        };
        self.mapping
            .columns
            .iter()
            .position(wanted)
            .and_then(|index| self.headers.get(index))
            .cloned()
            .unwrap_or_default()
    }
}

/// How many records the file has (one quick pass, no mapping), for the progress bar.
pub fn count(path: &Path, detected: &Detected) -> Result<u64, FileRefusal> {
    let mut reader = ImportReader::open(path, detected)?;
    let mut records = 0;
    while reader.next_record().is_some() {
        records += 1;
    }
    Ok(records)
}

/// The contact a valid row describes. Its fingerprint is the row's own, else the one
/// ChatBotKit would give an unverified contact with these values (as `contact/ensure` does),
/// so importing the same file again finds the same contacts.
pub fn row_contact(patch: &ContactPatch) -> RowContact {
    let text =
        |field: &crate::domain::contact_patch::Sent<String>| ContactPatch::value(field).cloned();
    let fields = Fields {
        name: text(&patch.name),
        description: text(&patch.description),
        email: ContactPatch::value(&patch.email).map(|e| e.as_str().to_string()),
        phone: ContactPatch::value(&patch.phone).map(|p| p.e164().to_string()),
        nick: text(&patch.nick),
        preferences: text(&patch.preferences),
        meta: patch
            .meta
            .as_ref()
            .map_or_else(|| json!({}), |change| change.fields().to_json()),
        verified_at: ContactPatch::value(&patch.verified_at).copied(),
    };
    let fingerprint = patch
        .fingerprint()
        .map_or_else(|| patch.untrusted_fingerprint(), |f| f.as_str().to_string());
    RowContact {
        fields,
        fingerprint,
    }
}

/// The label of a column's target in the mapping's terms, for people ("Email", "Meta: plan").
pub fn target_label(target: &ColumnTarget) -> String {
    match target {
        ColumnTarget::Field(ContactField::Meta) => "Meta (all keys)".into(),
        other => other.label(),
    }
}
