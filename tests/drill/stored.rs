//! What the database holds after the drill, read back in full (a few thousand rows) and
//! matched to the writes in Rust, so that a row nobody was told about shows up too.

use diesel::prelude::*;
use rapport::models::schema::{audit_events, contacts, memories};
use std::collections::{HashMap, HashSet};

/// One stored row found by a write's marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    /// A memory's contact.
    pub contact_id: Option<i64>,
    /// Whether its "create" audit entry is there too.
    pub audited: bool,
}

pub struct Stored {
    /// Contacts by email.
    pub contacts: HashMap<String, Row>,
    /// Memories by text.
    pub memories: HashMap<String, Row>,
    /// "create" audit entries of contacts and memories whose row is missing.
    pub orphan_audits: Vec<(String, i64)>,
    /// How many rows the tables hold: more than the maps do means two rows shared a marker.
    pub contact_rows: usize,
    pub memory_rows: usize,
}

pub fn load(connection: &mut PgConnection) -> Stored {
    let created: HashSet<(String, i64)> = audit_events::table
        .filter(audit_events::action.eq("create"))
        .filter(audit_events::entity.eq_any(["contact", "memory"]))
        .select((audit_events::entity, audit_events::entity_id))
        .load::<(String, i64)>(connection)
        .unwrap()
        .into_iter()
        .collect();
    let contact_rows: Vec<(i64, Option<String>)> = contacts::table
        .select((contacts::id, contacts::email))
        .load(connection)
        .unwrap();
    let memory_rows: Vec<(i64, i64, String)> = memories::table
        .select((memories::id, memories::contact_id, memories::text))
        .load(connection)
        .unwrap();

    let (contact_rows_count, memory_rows_count) = (contact_rows.len(), memory_rows.len());
    let audited = |entity: &str, id: i64| created.contains(&(entity.to_string(), id));
    let mut ids = HashSet::new();
    let contacts = contact_rows
        .into_iter()
        .map(|(id, email)| {
            ids.insert(("contact".to_string(), id));
            let row = Row {
                id,
                contact_id: None,
                audited: audited("contact", id),
            };
            (email.unwrap_or_default(), row)
        })
        .collect();
    let memories = memory_rows
        .into_iter()
        .map(|(id, contact_id, text)| {
            ids.insert(("memory".to_string(), id));
            let row = Row {
                id,
                contact_id: Some(contact_id),
                audited: audited("memory", id),
            };
            (text, row)
        })
        .collect();
    let mut orphan_audits: Vec<(String, i64)> = created.difference(&ids).cloned().collect();
    orphan_audits.sort();
    Stored {
        contacts,
        memories,
        orphan_audits,
        contact_rows: contact_rows_count,
        memory_rows: memory_rows_count,
    }
}
