//! The mapping screen's form: one `<select>` per column of the file (a contact field, a meta
//! key, or ignored) with a meta key box beside it, and the on-match choice; read back into a
//! [`Mapping`] with every column's problem at once.
//!
//! Field names: `column_N` holds the select's value (a [`ColumnTarget::param`], or
//! [`META_KEY`] for "Meta key"), `meta_key_N` the key typed for it, `on_match` the rule.

use crate::domain::FieldErrors;
use crate::domain::contact_field::ContactField;
use crate::domain::import::{ColumnTarget, MAPPABLE_FIELDS, Mapping, slug_meta_key};
use crate::domain::meta;
use crate::jobs::import::plan::OnMatch;
use std::collections::{HashMap, HashSet};

/// The select's value for "Meta key" (the key comes from the box beside it).
pub const META_KEY: &str = "meta-key";

/// The key under which a problem with the whole mapping is reported.
pub const WHOLE: &str = "mapping";

/// One option of a column's select.
pub struct TargetOption {
    pub value: String,
    pub label: String,
}

/// Every option of a column's select, in the order shown: the contact fields, a meta key,
/// ignored, then the export columns (fingerprint, verified time, the whole meta object).
pub fn target_options() -> Vec<TargetOption> {
    let mut options: Vec<TargetOption> = MAPPABLE_FIELDS
        .iter()
        .map(|field| TargetOption {
            value: field.slug().to_string(),
            label: field.label().to_string(),
        })
        .collect();
    options.push(TargetOption {
        value: META_KEY.into(),
        label: "Meta key…".into(),
    });
    for target in [
        ColumnTarget::Ignore,
        ColumnTarget::Fingerprint,
        ColumnTarget::VerifiedAt,
        ColumnTarget::MetaObject,
    ] {
        options.push(TargetOption {
            value: target.param(),
            label: target.label(),
        });
    }
    options
}

/// What one column's controls hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnChoice {
    /// The select's value.
    pub target: String,
    /// The meta key box's text.
    pub meta_key: String,
}

/// The controls' values for `mapping`; a column not going to a meta key still gets a key
/// made from its header, for when someone switches it to "Meta key".
pub fn choices_of(mapping: &Mapping, headers: &[String]) -> Vec<ColumnChoice> {
    mapping
        .columns
        .iter()
        .enumerate()
        .map(|(index, target)| match target {
            ColumnTarget::Meta(key) => ColumnChoice {
                target: META_KEY.into(),
                meta_key: key.clone(),
            },
            other => ColumnChoice {
                target: other.param(),
                meta_key: default_key(headers, index),
            },
        })
        .collect()
}

fn default_key(headers: &[String], index: usize) -> String {
    match headers.get(index).map(|header| slug_meta_key(header)) {
        Some(key) if !key.is_empty() => key,
        _ => format!("column_{}", index + 1),
    }
}

/// The form as sent, for `columns` columns: each column's choice (a missing one is ignored),
/// and the on-match rule (`update-empty` when missing).
pub fn read_form(
    form: &HashMap<String, String>,
    columns: usize,
) -> (Vec<ColumnChoice>, Result<OnMatch, String>) {
    let choices = (0..columns)
        .map(|index| ColumnChoice {
            target: form
                .get(&format!("column_{index}"))
                .cloned()
                .unwrap_or_else(|| ColumnTarget::Ignore.param()),
            meta_key: form
                .get(&format!("meta_key_{index}"))
                .map(|key| key.trim().to_string())
                .unwrap_or_default(),
        })
        .collect();
    let on_match = form
        .get("on_match")
        .map_or(Ok(OnMatch::default()), |text| text.parse());
    (choices, on_match)
}

/// The mapping the choices make, or every problem: keyed `column_N` for one column's, and
/// [`WHOLE`] when no column gives rows something to know a contact by.
pub fn mapping_of(choices: &[ColumnChoice]) -> Result<Mapping, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut keys = HashSet::new();
    let mut columns = Vec::with_capacity(choices.len());
    for (index, choice) in choices.iter().enumerate() {
        let field = format!("column_{index}");
        let target = if choice.target == META_KEY {
            let key = choice.meta_key.trim();
            match meta::check_key(key) {
                Err(problem) => {
                    errors.add(field, format!("Meta key: {problem}"));
                    continue;
                }
                Ok(()) if !keys.insert(key.to_string()) => {
                    errors.add(
                        field,
                        format!("Another column already goes to the meta key \"{key}\"."),
                    );
                    continue;
                }
                Ok(()) => ColumnTarget::Meta(key.to_string()),
            }
        } else {
            match choice.target.parse::<ColumnTarget>() {
                Ok(ColumnTarget::Meta(_)) | Err(_) => {
                    errors.add(field, "Choose where this column goes.");
                    continue;
                }
                Ok(target) => target,
            }
        };
        columns.push(target);
    }
    let identifies = columns.iter().any(|target| {
        matches!(
            target,
            ColumnTarget::Field(
                ContactField::Name | ContactField::Email | ContactField::Phone | ContactField::Nick
            ) | ColumnTarget::Fingerprint
        )
    });
    if errors.is_empty() && !identifies {
        errors.add(
            WHOLE,
            "Map at least one column to Name, Email, Phone, Nick or Fingerprint: without one, \
             no row says which contact it is.",
        );
    }
    errors.into_result().map(|()| Mapping { columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn choices_round_trip_into_the_mapping() {
        let headers = vec!["Name".to_string(), "Plan".into(), "Notes".into()];
        let mapping = Mapping {
            columns: vec![
                ColumnTarget::Field(ContactField::Name),
                ColumnTarget::Meta("plan".into()),
                ColumnTarget::Ignore,
            ],
        };
        let choices = choices_of(&mapping, &headers);
        assert_eq!(choices[1].target, META_KEY);
        assert_eq!(
            choices[2].meta_key, "notes",
            "ready for a switch to Meta key"
        );
        assert_eq!(mapping_of(&choices).unwrap(), mapping);
    }

    #[test]
    fn the_form_is_read_column_by_column() {
        let (choices, on_match) = read_form(
            &form(&[
                ("column_0", "email"),
                ("column_1", META_KEY),
                ("meta_key_1", " tier "),
                ("on_match", "overwrite"),
            ]),
            3,
        );
        assert_eq!(on_match, Ok(OnMatch::Overwrite));
        assert_eq!(choices[1].meta_key, "tier");
        assert_eq!(choices[2].target, "ignore", "a missing column is ignored");
        assert_eq!(
            mapping_of(&choices).unwrap().columns,
            vec![
                ColumnTarget::Field(ContactField::Email),
                ColumnTarget::Meta("tier".into()),
                ColumnTarget::Ignore
            ]
        );
        assert!(read_form(&form(&[("on_match", "replace")]), 0).1.is_err());
        assert_eq!(read_form(&form(&[]), 0).1, Ok(OnMatch::UpdateEmpty));
    }

    #[test]
    fn every_problem_is_named_by_its_column() {
        let choice = |target: &str, key: &str| ColumnChoice {
            target: target.into(),
            meta_key: key.into(),
        };
        let errors = mapping_of(&[
            choice("name", ""),
            choice(META_KEY, "_hidden"),
            choice(META_KEY, "plan"),
            choice(META_KEY, "plan"),
            choice("birthday", ""),
        ])
        .unwrap_err();
        assert!(errors.message("column_1").starts_with("Meta key:"));
        assert!(!errors.has("column_2"));
        assert!(errors.message("column_3").contains("already"));
        assert_eq!(errors.message("column_4"), "Choose where this column goes.");

        let nothing = mapping_of(&[choice("description", ""), choice("ignore", "")]).unwrap_err();
        assert!(
            nothing
                .message(WHOLE)
                .starts_with("Map at least one column")
        );
    }

    #[test]
    fn options_cover_every_target() {
        let values: Vec<String> = target_options().into_iter().map(|o| o.value).collect();
        for field in MAPPABLE_FIELDS {
            assert!(values.contains(&field.slug().to_string()));
        }
        for value in [META_KEY, "ignore", "fingerprint", "verifiedAt", "meta"] {
            assert!(values.iter().any(|v| v == value), "{value}");
        }
    }
}
