//! The Memories tab's view structs: the list's position, each memory ready to print.

use crate::domain::ContactId;
use crate::domain::meta::display_value;
use crate::models::memory::{Cursor, Memory, Search};
use crate::web::routes;
use crate::web::views;
use chrono::{DateTime, Utc};

/// Where in the list the user is: the search and the page. Every link and form of a memory
/// carries it, so an edit or delete comes back to the same place.
#[derive(Debug, Clone, Default)]
pub struct ListState {
    /// The search as typed (trimmed).
    pub q: String,
    /// The page's cursor as in the URL ("" for the newest).
    pub before: String,
}

impl ListState {
    /// From `?q=…&before=…`; an unreadable cursor means the newest page.
    pub fn from_raw(q: &str, before: &str) -> Self {
        ListState {
            q: q.trim().to_string(),
            before: Cursor::decode(before)
                .map(|cursor| cursor.encode())
                .unwrap_or_default(),
        }
    }

    pub fn search(&self) -> Option<Search> {
        Search::new(&self.q)
    }

    pub fn cursor(&self) -> Option<Cursor> {
        Cursor::decode(&self.before)
    }

    pub fn list_url(&self, contact: ContactId) -> String {
        routes::contact_memories(contact, &self.q, &self.before)
    }
}

/// One memory: shown (marked while unconfirmed), being edited, or asking whether to delete it.
pub struct MemoryView {
    pub element_id: String,
    pub text: String,
    pub created: String,
    pub created_iso: String,
    /// "edited 3 days ago" when the text changed after it was written.
    pub edited: String,
    pub meta_pairs: Vec<(String, String)>,
    /// Written by an agent in a conversation whose writer only claimed the contact, and not
    /// confirmed yet: marked, with Confirm for editors; agents do not get it.
    pub unconfirmed: bool,
    /// That conversation's transcript, while it exists.
    pub conversation_url: Option<String>,
    pub can_edit: bool,
    pub editing: bool,
    pub confirming: bool,
    /// The editor's text.
    pub input: String,
    pub error: String,
    /// Someone else's text, when they saved first.
    pub conflict: Option<String>,
    pub version: i32,
    pub view_url: String,
    pub edit_url: String,
    pub save_url: String,
    pub confirm_delete_url: String,
    pub delete_url: String,
    /// Where Confirm posts (the form carries the list's position).
    pub confirm_url: String,
    pub list_url: String,
    pub q: String,
    pub before: String,
    pub csrf_token: String,
}

impl MemoryView {
    pub fn new(
        memory: &Memory,
        state: &ListState,
        can_edit: bool,
        csrf_token: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let contact = memory.contact_id;
        let back =
            |url: String| routes::with_query(&url, &[("q", &state.q), ("before", &state.before)]);
        MemoryView {
            element_id: format!("memory-{}", memory.id),
            text: memory.text.clone(),
            created: views::relative(memory.created_at, now),
            created_iso: views::iso(memory.created_at),
            edited: if memory.version > 1 {
                format!("edited {}", views::relative(memory.updated_at, now))
            } else {
                String::new()
            },
            meta_pairs: memory
                .meta
                .as_object()
                .map(|map| {
                    map.iter()
                        .map(|(key, value)| (key.clone(), display_value(value)))
                        .collect()
                })
                .unwrap_or_default(),
            unconfirmed: !memory.confirmed,
            conversation_url: memory
                .claimed_conversation_id
                .map(|conversation| routes::contact_conversation(contact, conversation)),
            can_edit,
            editing: false,
            confirming: false,
            input: String::new(),
            error: String::new(),
            conflict: None,
            version: memory.version,
            view_url: back(routes::memory(contact, memory.id)),
            edit_url: routes::memory_action(contact, memory.id, "edit", &state.q, &state.before),
            save_url: routes::memory(contact, memory.id),
            confirm_delete_url: routes::memory_action(
                contact,
                memory.id,
                "delete",
                &state.q,
                &state.before,
            ),
            delete_url: routes::memory_action(contact, memory.id, "delete", "", ""),
            confirm_url: routes::memory_action(contact, memory.id, "confirm", "", ""),
            list_url: state.list_url(contact),
            q: state.q.clone(),
            before: state.before.clone(),
            csrf_token: csrf_token.to_string(),
        }
    }

    /// Opens the editor with `input`.
    pub fn editor(mut self, input: String, error: String) -> Self {
        self.editing = true;
        self.input = input;
        self.error = error;
        self
    }

    /// Asks whether to delete it.
    pub fn confirmation(mut self) -> Self {
        self.confirming = true;
        self
    }
}

/// The add form at the top of the list.
pub struct AddView {
    pub action_url: String,
    pub text: String,
    pub error: String,
}

/// The list below the search box, which search-as-you-type replaces.
pub struct ResultsView {
    pub memories: Vec<MemoryView>,
    /// "12 memories", "3 memories contain “kids”".
    pub summary: String,
    pub is_search: bool,
    pub q: String,
    pub clear_url: String,
    pub older_url: Option<String>,
    pub newest_url: Option<String>,
}

impl ResultsView {
    pub fn new(
        contact: ContactId,
        state: &ListState,
        memories: Vec<MemoryView>,
        has_older: bool,
        oldest: Option<Cursor>,
        matching: i64,
    ) -> Self {
        let noun = if matching == 1 { "memory" } else { "memories" };
        let summary = match state.search() {
            Some(search) => format!(
                "{matching} {noun} contain{} “{}”",
                if matching == 1 { "s" } else { "" },
                search.as_str()
            ),
            None => format!("{matching} {noun}"),
        };
        ResultsView {
            memories,
            summary,
            is_search: state.search().is_some(),
            q: state.q.clone(),
            clear_url: routes::contact_memories(contact, "", ""),
            older_url: oldest
                .filter(|_| has_older)
                .map(|cursor| routes::contact_memories(contact, &state.q, &cursor.encode())),
            newest_url: (!state.before.is_empty())
                .then(|| routes::contact_memories(contact, &state.q, "")),
        }
    }
}

/// The tab: the add form, the search and the results; or (without JavaScript) one memory
/// alone, being edited or confirmed for deletion.
pub struct MemoriesView {
    pub can_edit: bool,
    pub list_url: String,
    pub add: AddView,
    pub results: ResultsView,
    pub focus: Option<MemoryView>,
    pub csrf_token: String,
}
