//! What an AI agent gets about a contact (DESIGN.md §7): name, nick, description,
//! preferences, the newest memories within a size budget, scheduled tasks with their next run,
//! and a plain-text block for a system prompt. The JSON API (`contact/{id}/context`) and the
//! profile's Agent context tab both show exactly this.
//!
//! [`context`] assembles it from rows (pure, unit-tested); [`load`] reads those rows. Only
//! confirmed memories are read ([`memory::for_agents`]): one from a conversation whose writer
//! only claimed the contact waits for staff to confirm it (issue 10).

pub mod context;

pub use context::{AgentContext, Budget};

use crate::models::memory::{self, Memory};
use crate::models::{Contact, task_agent};
use chrono::{DateTime, Utc};
use diesel::{PgConnection, QueryResult};

/// Memories read per round trip while filling the budget.
const MEMORY_PAGE: usize = 100;

/// Reads what the context of `contact` needs and assembles it. Call inside one `db::run`.
///
/// Confirmed memories are read newest first, a page at a time, only until one no longer fits the
/// budget (each costs at least a character, so a page never asks for more than could fit);
/// the rest are only counted.
pub fn load(
    connection: &mut PgConnection,
    contact: &Contact,
    budget: Budget,
    now: DateTime<Utc>,
) -> QueryResult<AgentContext> {
    let id = contact.id;
    let mut memories: Vec<Memory> = Vec::new();
    let mut used = 0usize;
    let mut exhausted = false;
    loop {
        let room = budget.chars().saturating_sub(used);
        let limit = (room + 1).min(MEMORY_PAGE);
        let after = memories.last().map(Memory::cursor);
        let page = memory::for_agents::page(connection, id, after, limit as i64)?;
        let short = page.len() < limit;
        let mut over = false;
        for row in page {
            used += context::memory_chars(&row.text);
            memories.push(row);
            if used > budget.chars() {
                over = true;
                break;
            }
        }
        if over {
            break;
        }
        if short {
            exhausted = true;
            break;
        }
    }
    let memory_total = if exhausted {
        memories.len() as i64
    } else {
        memory::for_agents::count(connection, id)?
    };
    let tasks = task_agent::scheduled(connection, id, context::MAX_TASKS as i64)?;
    let task_total = if tasks.len() < context::MAX_TASKS {
        tasks.len() as i64
    } else {
        task_agent::count_scheduled(connection, id)?
    };
    Ok(context::assemble(
        &context::Sources {
            contact,
            memories: &memories,
            memory_total,
            tasks: &tasks,
            task_total,
            now,
        },
        budget,
    ))
}
