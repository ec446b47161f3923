//! What a batch of rows does to the contacts, worked out before anything is written: each
//! row is matched (email ignoring case, then phone, then fingerprint) against the contacts a
//! lookup found and the contacts earlier rows of the batch created or changed, and comes out
//! new, updated, unchanged or skipped. Pure: the real run writes the plan, the dry run keeps
//! it in its shadow, and both count the same outcomes.
//!
//! Later rows see what earlier ones did: a row matching a contact an earlier row created
//! (an in-file duplicate) merges into it by the same rule as a match in the database, and a
//! contact whose email an earlier row changed is found by its new email, not its old one. The
//! lookup answers as the database would after the earlier batches, so where a batch ends
//! changes nothing.

use crate::domain::meta::MAX_KEYS;
use crate::models::contact_import::{Candidate, ChangedImported, Fields, Keys, NewImported};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What a row that matches a contact does to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnMatch {
    /// Fills the contact's empty fields and adds the meta keys it lacks; nothing it has
    /// changes.
    #[default]
    UpdateEmpty,
    /// Sets every field the row has a value for; fields the row leaves blank stay.
    Overwrite,
    /// Leaves the contact alone.
    Skip,
}

impl OnMatch {
    pub const ALL: [OnMatch; 3] = [OnMatch::UpdateEmpty, OnMatch::Overwrite, OnMatch::Skip];

    /// As on the command line and in forms: `update-empty`, `overwrite`, `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnMatch::UpdateEmpty => "update-empty",
            OnMatch::Overwrite => "overwrite",
            OnMatch::Skip => "skip",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            OnMatch::UpdateEmpty => "Fill in empty fields only",
            OnMatch::Overwrite => "Overwrite with the file's values",
            OnMatch::Skip => "Skip the row",
        }
    }
}

impl std::str::FromStr for OnMatch {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        OnMatch::ALL
            .into_iter()
            .find(|choice| choice.as_str() == text)
            .ok_or_else(|| format!("\"{text}\" is not update-empty, overwrite or skip"))
    }
}

/// A valid row: the contact it describes (blank cells are `None` and not in meta).
#[derive(Debug, Clone, PartialEq)]
pub struct RowContact {
    pub fields: Fields,
    /// The row's own fingerprint, else ChatBotKit's untrusted one of its name, email, phone
    /// and nick: what a new contact gets, and the last thing a row is matched by.
    pub fingerprint: String,
}

impl RowContact {
    fn email_key(&self) -> Option<String> {
        self.fields.email.as_deref().map(email_key)
    }
}

/// What one valid row came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Updated,
    Unchanged,
    Skipped,
}

/// The keys a batch's lookup must cover.
pub fn keys(rows: &[&RowContact]) -> Keys {
    let mut keys = Keys::default();
    for row in rows {
        keys.emails.extend(row.email_key());
        keys.phones.extend(row.fields.phone.clone());
        keys.fingerprints.push(row.fingerprint.clone());
    }
    for list in [&mut keys.emails, &mut keys.phones, &mut keys.fingerprints] {
        list.sort_unstable();
        list.dedup();
    }
    keys
}

fn email_key(email: &str) -> String {
    email.to_lowercase()
}

/// Where an entry's contact is: stored (a contact's id; in a dry run negative for one an
/// earlier batch would create), or created by a row of this batch (numbered across the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Stored(i64),
    New(u64),
}

impl Slot {
    /// Oldest first, as "the oldest contact with this phone" means: stored contacts by id,
    /// then the ones this run creates, in the order it creates them (a dry run's shadow
    /// numbers them -1, -2, … in that same order).
    fn age(self) -> (u8, u64) {
        match self {
            Slot::Stored(id) if id > 0 => (0, id.unsigned_abs()),
            Slot::Stored(id) => (1, id.unsigned_abs()),
            Slot::New(n) => (1, n + 1),
        }
    }
}

/// A contact a row of the batch created or touched.
#[derive(Debug, Clone)]
struct Entry {
    slot: Slot,
    version: i32,
    fingerprint: String,
    /// As stored; `None` for one this batch creates.
    before: Option<Fields>,
    now: Fields,
}

/// One batch being planned.
pub struct Planner {
    on_match: OnMatch,
    candidates: Vec<Candidate>,
    stored_email: HashMap<String, usize>,
    /// Oldest first.
    stored_phone: HashMap<String, Vec<usize>>,
    stored_fingerprint: HashMap<String, usize>,
    entries: Vec<Entry>,
    entered: HashMap<Slot, usize>,
    by_email: HashMap<String, usize>,
    by_phone: HashMap<String, Vec<usize>>,
    by_fingerprint: HashMap<String, usize>,
    /// The number the next new contact gets (kept across a dry run's batches).
    next_new: u64,
}

/// What a planned batch writes.
#[derive(Debug, Default)]
pub struct Planned {
    pub new: Vec<NewImported>,
    pub changed: Vec<ChangedImported>,
    /// For a dry run's shadow: every contact created or changed, with its new values (new
    /// ones numbered -1, -2, … in creation order).
    pub shadow: Vec<Candidate>,
    /// The number the next batch's first new contact gets.
    pub next_new: u64,
}

impl Planner {
    /// Plans against `candidates` (what the lookup of the batch's [`keys`] found).
    pub fn new(on_match: OnMatch, candidates: Vec<Candidate>, next_new: u64) -> Self {
        let mut planner = Planner {
            on_match,
            stored_email: HashMap::new(),
            stored_phone: HashMap::new(),
            stored_fingerprint: HashMap::new(),
            candidates: Vec::new(),
            entries: Vec::new(),
            entered: HashMap::new(),
            by_email: HashMap::new(),
            by_phone: HashMap::new(),
            by_fingerprint: HashMap::new(),
            next_new,
        };
        let mut candidates = candidates;
        candidates.sort_by_key(|candidate| Slot::Stored(candidate.id).age());
        for (index, candidate) in candidates.iter().enumerate() {
            if let Some(email) = &candidate.fields.email {
                planner
                    .stored_email
                    .entry(email_key(email))
                    .or_insert(index);
            }
            if let Some(phone) = &candidate.fields.phone {
                planner
                    .stored_phone
                    .entry(phone.clone())
                    .or_default()
                    .push(index);
            }
            planner
                .stored_fingerprint
                .entry(candidate.fingerprint.clone())
                .or_insert(index);
        }
        planner.candidates = candidates;
        planner
    }

    /// Applies one row, in file order.
    pub fn apply(&mut self, row: &RowContact) -> Outcome {
        match self.find(row) {
            Some(entry) => self.merge(entry, row),
            None => {
                self.create(row);
                Outcome::New
            }
        }
    }

    /// The entry of the contact the row matches: by email, then phone, then fingerprint.
    fn find(&mut self, row: &RowContact) -> Option<usize> {
        if let Some(key) = row.email_key() {
            if let Some(&entry) = self.by_email.get(&key) {
                return Some(entry);
            }
            if let Some(&index) = self.stored_email.get(&key)
                && !self.is_entered(index)
            {
                return Some(self.enter(index));
            }
            // An entered contact with this stored email has another one now.
        }
        if let Some(phone) = &row.fields.phone {
            let entry = self.by_phone.get(phone).and_then(|entries| {
                entries
                    .iter()
                    .copied()
                    .min_by_key(|&entry| self.entries[entry].slot.age())
            });
            let stored = self.stored_phone.get(phone).and_then(|indexes| {
                indexes
                    .iter()
                    .copied()
                    .find(|&index| !self.is_entered(index))
            });
            match (entry, stored) {
                (Some(entry), Some(index))
                    if Slot::Stored(self.candidates[index].id).age()
                        < self.entries[entry].slot.age() =>
                {
                    return Some(self.enter(index));
                }
                (Some(entry), _) => return Some(entry),
                (None, Some(index)) => return Some(self.enter(index)),
                (None, None) => {}
            }
        }
        if let Some(&entry) = self.by_fingerprint.get(&row.fingerprint) {
            return Some(entry);
        }
        if let Some(&index) = self.stored_fingerprint.get(&row.fingerprint) {
            // Fingerprints never change, so an entered one is found above.
            return Some(self.enter(index));
        }
        None
    }

    fn is_entered(&self, index: usize) -> bool {
        self.entered
            .contains_key(&Slot::Stored(self.candidates[index].id))
    }

    /// Starts tracking a stored contact.
    fn enter(&mut self, index: usize) -> usize {
        let candidate = &self.candidates[index];
        let entry = Entry {
            slot: Slot::Stored(candidate.id),
            version: candidate.version,
            fingerprint: candidate.fingerprint.clone(),
            before: Some(candidate.fields.clone()),
            now: candidate.fields.clone(),
        };
        self.push(entry)
    }

    fn create(&mut self, row: &RowContact) {
        let slot = Slot::New(self.next_new);
        self.next_new += 1;
        let entry = Entry {
            slot,
            version: 0,
            fingerprint: row.fingerprint.clone(),
            before: None,
            now: row.fields.clone(),
        };
        self.push(entry);
    }

    fn push(&mut self, entry: Entry) -> usize {
        let index = self.entries.len();
        self.entered.insert(entry.slot, index);
        self.by_fingerprint
            .entry(entry.fingerprint.clone())
            .or_insert(index);
        self.entries.push(entry);
        self.index_contact(index);
        index
    }

    fn index_contact(&mut self, index: usize) {
        let now = &self.entries[index].now;
        if let Some(email) = &now.email {
            self.by_email.entry(email_key(email)).or_insert(index);
        }
        if let Some(phone) = &now.phone {
            self.by_phone.entry(phone.clone()).or_default().push(index);
        }
    }

    fn unindex_contact(&mut self, index: usize) {
        let now = &self.entries[index].now;
        if let Some(email) = &now.email {
            let key = email_key(email);
            if self.by_email.get(&key) == Some(&index) {
                self.by_email.remove(&key);
            }
        }
        if let Some(phone) = &now.phone
            && let Some(entries) = self.by_phone.get_mut(phone)
        {
            entries.retain(|&entry| entry != index);
        }
    }

    /// Whether a contact other than `entry` holds this email (lower-cased) now.
    fn email_taken(&self, key: &str, entry: usize) -> bool {
        if let Some(&holder) = self.by_email.get(key) {
            return holder != entry;
        }
        self.stored_email
            .get(key)
            .is_some_and(|&index| !self.is_entered(index))
    }

    fn merge(&mut self, entry: usize, row: &RowContact) -> Outcome {
        let overwrite = match self.on_match {
            OnMatch::Skip => return Outcome::Skipped,
            OnMatch::UpdateEmpty => false,
            OnMatch::Overwrite => true,
        };
        let current = &self.entries[entry].now;
        let mut next = current.clone();
        let take = |mine: &mut Option<String>, theirs: &Option<String>| {
            if let Some(value) = theirs
                && (overwrite || mine.is_none())
            {
                *mine = Some(value.clone());
            }
        };
        take(&mut next.name, &row.fields.name);
        take(&mut next.description, &row.fields.description);
        take(&mut next.phone, &row.fields.phone);
        take(&mut next.nick, &row.fields.nick);
        take(&mut next.preferences, &row.fields.preferences);
        if let Some(email) = &row.fields.email
            && (overwrite || next.email.is_none())
            && !self.email_taken(&email_key(email), entry)
        {
            next.email = Some(email.clone());
        }
        next.meta = Value::Object(merge_meta(
            current.meta_map(),
            row.fields.meta_map(),
            overwrite,
        ));
        if let Some(at) = row.fields.verified_at
            && (overwrite || next.verified_at.is_none())
        {
            next.verified_at = Some(at);
        }
        if next == *current {
            return Outcome::Unchanged;
        }
        self.unindex_contact(entry);
        self.entries[entry].now = next;
        self.index_contact(entry);
        Outcome::Updated
    }

    /// What the batch writes.
    pub fn finish(self) -> Planned {
        let mut planned = Planned {
            next_new: self.next_new,
            ..Planned::default()
        };
        for entry in self.entries {
            let shadow_id = match entry.slot {
                Slot::Stored(id) => id,
                Slot::New(n) => -i64::try_from(n + 1).unwrap_or(i64::MAX),
            };
            match entry.before {
                None => {
                    planned.shadow.push(Candidate {
                        id: shadow_id,
                        version: 1,
                        fingerprint: entry.fingerprint.clone(),
                        fields: entry.now.clone(),
                    });
                    planned.new.push(NewImported {
                        fingerprint: entry.fingerprint,
                        fields: entry.now,
                    });
                }
                Some(before) if before != entry.now => {
                    planned.shadow.push(Candidate {
                        id: shadow_id,
                        version: entry.version + 1,
                        fingerprint: entry.fingerprint,
                        fields: entry.now.clone(),
                    });
                    planned.changed.push(ChangedImported {
                        id: shadow_id,
                        version: entry.version,
                        before,
                        after: entry.now,
                    });
                }
                Some(_) => {}
            }
        }
        planned
    }
}

/// The contact's meta with the row's: keys it lacks added (up to [`MAX_KEYS`]), and with
/// `overwrite` the keys it has set to the row's values.
fn merge_meta(
    mut current: Map<String, Value>,
    row: Map<String, Value>,
    overwrite: bool,
) -> Map<String, Value> {
    for (key, value) in row {
        let room = current.len() < MAX_KEYS;
        match current.get_mut(&key) {
            Some(existing) if overwrite => *existing = value,
            Some(_) => {}
            None if room => {
                current.insert(key, value);
            }
            None => {}
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(name: &str, email: Option<&str>, phone: Option<&str>) -> RowContact {
        RowContact {
            fields: Fields {
                name: Some(name.into()),
                email: email.map(Into::into),
                phone: phone.map(Into::into),
                meta: json!({}),
                ..Fields::default()
            },
            fingerprint: format!("fp-{name}-{}", email.unwrap_or("")),
        }
    }

    fn stored(id: i64, row: &RowContact) -> Candidate {
        Candidate {
            id,
            version: 3,
            fingerprint: row.fingerprint.clone(),
            fields: row.fields.clone(),
        }
    }

    #[test]
    fn rows_are_matched_by_email_ignoring_case_then_phone_then_fingerprint() {
        let ada = row("Ada", Some("ada@example.com"), Some("+12125550147"));
        let candidates = vec![stored(7, &ada)];
        let mut planner = Planner::new(OnMatch::UpdateEmpty, candidates, 0);
        assert_eq!(
            planner.apply(&row("Ada", Some("ADA@example.com"), None)),
            Outcome::Unchanged
        );
        let mut by_phone = row("Someone", None, Some("+12125550147"));
        by_phone.fields.nick = Some("countess".into());
        assert_eq!(planner.apply(&by_phone), Outcome::Updated);
        assert_eq!(
            planner.apply(&RowContact {
                fields: Fields {
                    meta: json!({}),
                    ..Fields::default()
                },
                fingerprint: ada.fingerprint.clone(),
            }),
            Outcome::Unchanged
        );
        assert_eq!(planner.apply(&row("Grace", None, None)), Outcome::New);
        let planned = planner.finish();
        assert_eq!(planned.new.len(), 1);
        assert_eq!(planned.changed.len(), 1);
        let changed = &planned.changed[0];
        assert_eq!((changed.id, changed.version), (7, 3));
        assert_eq!(changed.after.nick.as_deref(), Some("countess"));
        assert_eq!(changed.after.name.as_deref(), Some("Ada"), "filled only");
        assert_eq!(planned.next_new, 1);
    }

    #[test]
    fn duplicates_inside_the_file_merge_into_one_new_contact() {
        let mut planner = Planner::new(OnMatch::UpdateEmpty, Vec::new(), 5);
        assert_eq!(
            planner.apply(&row("Ada", Some("ada@example.com"), None)),
            Outcome::New
        );
        assert_eq!(
            planner.apply(&row(
                "Ada L.",
                Some("Ada@Example.com"),
                Some("+12125550147")
            )),
            Outcome::Updated
        );
        assert_eq!(
            planner.apply(&row("Countess", None, Some("+12125550147"))),
            Outcome::Unchanged
        );
        let planned = planner.finish();
        assert_eq!(planned.new.len(), 1);
        assert!(planned.changed.is_empty());
        let new = &planned.new[0].fields;
        assert_eq!(new.name.as_deref(), Some("Ada"));
        assert_eq!(new.phone.as_deref(), Some("+12125550147"));
        assert_eq!(planned.shadow[0].id, -6, "numbered across the run");
    }

    #[test]
    fn overwrite_sets_values_and_skip_leaves_contacts_alone() {
        let mut ada = row("Ada", Some("ada@example.com"), None);
        ada.fields.meta = json!({"plan": "free", "team": "ops"});
        let mut update = row("Ada Lovelace", Some("ada@example.com"), None);
        update.fields.meta = json!({"plan": "pro", "seats": "3"});

        let mut planner = Planner::new(OnMatch::Overwrite, vec![stored(1, &ada)], 0);
        assert_eq!(planner.apply(&update), Outcome::Updated);
        let after = &planner.finish().changed[0].after;
        assert_eq!(after.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(
            after.meta,
            json!({"plan": "pro", "team": "ops", "seats": "3"})
        );

        let mut planner = Planner::new(OnMatch::UpdateEmpty, vec![stored(1, &ada)], 0);
        assert_eq!(planner.apply(&update), Outcome::Updated);
        let after = &planner.finish().changed[0].after;
        assert_eq!(after.name.as_deref(), Some("Ada"));
        assert_eq!(
            after.meta,
            json!({"plan": "free", "team": "ops", "seats": "3"})
        );

        let mut planner = Planner::new(OnMatch::Skip, vec![stored(1, &ada)], 0);
        assert_eq!(planner.apply(&update), Outcome::Skipped);
        assert!(planner.finish().changed.is_empty());
    }

    #[test]
    fn a_changed_email_is_found_by_its_new_value_only() {
        let old = row("Ada", Some("old@example.com"), Some("+12125550147"));
        let mut planner = Planner::new(OnMatch::Overwrite, vec![stored(4, &old)], 0);
        // Matched by phone, its email overwritten.
        assert_eq!(
            planner.apply(&row("Ada", Some("new@example.com"), Some("+12125550147"))),
            Outcome::Updated
        );
        // The old address belongs to nobody now: a new contact.
        assert_eq!(
            planner.apply(&row("Bob", Some("old@example.com"), None)),
            Outcome::New
        );
        assert_eq!(
            planner.apply(&row("Ada", Some("NEW@example.com"), None)),
            Outcome::Updated,
            "overwrites the email's case"
        );
    }

    #[test]
    fn the_oldest_contact_with_a_phone_wins() {
        let a = row("A", None, Some("+12125550147"));
        let b = row("B", None, Some("+12125550147"));
        let mut planner = Planner::new(OnMatch::Skip, vec![stored(9, &b), stored(2, &a)], 0);
        planner.apply(&row("C", None, Some("+12125550147")));
        let mut planner_fill =
            Planner::new(OnMatch::UpdateEmpty, vec![stored(9, &b), stored(2, &a)], 0);
        let mut nick = row("C", None, Some("+12125550147"));
        nick.fields.nick = Some("c".into());
        assert_eq!(planner_fill.apply(&nick), Outcome::Updated);
        assert_eq!(planner_fill.finish().changed[0].id, 2);
        assert_eq!(planner.finish().changed.len(), 0);
    }

    #[test]
    fn on_match_reads_its_command_line_names() {
        for choice in OnMatch::ALL {
            assert_eq!(choice.as_str().parse::<OnMatch>(), Ok(choice));
        }
        assert!("replace".parse::<OnMatch>().is_err());
        assert_eq!(
            serde_json::to_value(OnMatch::UpdateEmpty).unwrap(),
            json!("update-empty")
        );
    }
}
