//! The agent context, assembled from rows already loaded: who the person is, how they like to
//! be helped, the newest memories that fit a size budget, their scheduled tasks, and all of it
//! as one plain-text block for a system prompt. Pure: no database, "now" is passed in.
//!
//! User text goes in verbatim, only trimmed: it is plain text for a model, not HTML, so
//! nothing is escaped. The one change is inside the memory list: the continuation lines of a
//! multi-line memory are indented by two spaces, so they stay inside their bullet and a line
//! such as "## Scheduled tasks" in a memory cannot pass for a heading of the block.

use crate::domain::schedule::local_time;
use crate::domain::text::group_thousands;
use crate::domain::{ContactId, MemoryId, TaskId};
use crate::models::Contact;
use crate::models::memory::Memory;
use crate::models::task::{Task, TaskStatus};
use chrono::{DateTime, Utc};

/// The memory budget when none is asked for, in characters.
pub const DEFAULT_MAX_CHARS: usize = 4_000;

/// The largest memory budget accepted: ten of the longest memories.
pub const LIMIT_MAX_CHARS: usize = 100_000;

/// At most this many tasks go into a context; the rest are counted.
pub const MAX_TASKS: usize = 50;

/// How many characters of memory text a context may hold. Only the memories count: the rest
/// of the block is bounded by the contact's own field limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(usize);

impl Default for Budget {
    fn default() -> Self {
        Budget(DEFAULT_MAX_CHARS)
    }
}

impl Budget {
    /// A budget of `chars` characters, if it is within 0..=[`LIMIT_MAX_CHARS`].
    pub fn new(chars: usize) -> Option<Budget> {
        (chars <= LIMIT_MAX_CHARS).then_some(Budget(chars))
    }

    /// Reads a budget as given in a query string: a whole number of characters from 0 to
    /// 100,000; blank means the default. The error says what is accepted.
    pub fn parse(raw: &str) -> Result<Budget, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(Budget::default());
        }
        trimmed
            .parse::<usize>()
            .ok()
            .and_then(Budget::new)
            .ok_or_else(|| {
                format!(
                    "“{trimmed}” is not a budget: give a whole number of characters from 0 to {}.",
                    group_thousands(LIMIT_MAX_CHARS as u64)
                )
            })
    }

    pub fn chars(self) -> usize {
        self.0
    }
}

/// What the context says about the person; blank fields are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFacts {
    pub id: ContactId,
    pub name: Option<String>,
    pub nick: Option<String>,
    pub description: Option<String>,
    pub preferences: Option<String>,
}

/// A memory that fits the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextMemory {
    pub id: MemoryId,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A scheduled task, with its next run on its own clock and in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextTask {
    pub id: TaskId,
    pub name: String,
    /// The cron expression; `None` for on-demand tasks (here because a run is pending).
    pub schedule: Option<String>,
    /// "Every Monday at 08:00", "On demand", or the expression when no wording is clearer.
    pub schedule_text: String,
    pub timezone: String,
    pub next_run_at: Option<DateTime<Utc>>,
    /// "next Mon 2026-11-30 08:00 GMT", "due now", "running now", or "no run to come".
    pub when: String,
    /// The task's line in [`AgentContext::text`], without the bullet.
    pub line: String,
}

/// Everything an agent gets about a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentContext {
    pub contact: ContactFacts,
    /// Newest first.
    pub memories: Vec<ContextMemory>,
    /// Memories that did not fit the budget (all older than the ones given).
    pub omitted_memories: i64,
    /// Soonest next run first.
    pub tasks: Vec<ContextTask>,
    /// Scheduled tasks beyond [`MAX_TASKS`].
    pub omitted_tasks: i64,
    pub budget: Budget,
    /// The prompt-ready block; empty when there is nothing to say.
    pub text: String,
    /// Characters (Unicode scalar values) in `text`.
    pub size: usize,
}

/// The rows a context is made from.
pub struct Sources<'a> {
    pub contact: &'a Contact,
    /// Confirmed memories, newest first; may stop early, as long as it reaches past the
    /// budget when there are more memories than fit.
    pub memories: &'a [Memory],
    /// How many confirmed memories the contact has in all.
    pub memory_total: i64,
    /// In the order to show them (see [`is_scheduled`]; others are skipped).
    pub tasks: &'a [Task],
    /// How many scheduled tasks the contact has in all.
    pub task_total: i64,
    pub now: DateTime<Utc>,
}

/// Whether a task belongs in the context: not canceled, and either on a schedule or with a
/// run pending.
pub fn is_scheduled(task: &Task) -> bool {
    task.status() != TaskStatus::Canceled && (task.schedule.is_some() || task.next_run_at.is_some())
}

/// Characters a memory costs against the budget.
pub fn memory_chars(text: &str) -> usize {
    text.trim().chars().count()
}

/// Builds the context. Memories are taken newest first while their texts fit in the budget
/// together; the first that does not fit ends the list (none is cut in half, and no smaller
/// older one jumps the queue), and the rest are counted as left out.
pub fn assemble(sources: &Sources<'_>, budget: Budget) -> AgentContext {
    let contact = facts(sources.contact);
    let mut used = 0;
    let memories: Vec<ContextMemory> = sources
        .memories
        .iter()
        .take_while(|memory| {
            used += memory_chars(&memory.text);
            used <= budget.chars()
        })
        .map(|memory| ContextMemory {
            id: memory.id,
            text: memory.text.trim().to_string(),
            created_at: memory.created_at,
        })
        .collect();
    let omitted_memories = (sources.memory_total - memories.len() as i64).max(0);
    let tasks: Vec<ContextTask> = sources
        .tasks
        .iter()
        .filter(|task| is_scheduled(task))
        .take(MAX_TASKS)
        .map(|task| context_task(task, sources.now))
        .collect();
    let omitted_tasks = (sources.task_total - tasks.len() as i64).max(0);
    let text = render(&contact, &memories, omitted_memories, &tasks, omitted_tasks);
    AgentContext {
        size: text.chars().count(),
        contact,
        memories,
        omitted_memories,
        tasks,
        omitted_tasks,
        budget,
        text,
    }
}

fn present(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn facts(contact: &Contact) -> ContactFacts {
    ContactFacts {
        id: contact.id,
        name: present(contact.name.as_deref()),
        nick: present(contact.nick.as_deref()),
        description: present(contact.description.as_deref()),
        preferences: present(contact.preferences.as_deref()),
    }
}

fn context_task(task: &Task, now: DateTime<Utc>) -> ContextTask {
    let timing = task.timing();
    let schedule_text = timing.describe();
    let when = match (task.status(), task.next_run_at) {
        (TaskStatus::Running, _) => "running now".to_string(),
        (_, Some(next)) if next <= now => "due now".to_string(),
        (_, Some(next)) => format!("next {}", local_time(next, timing.zone)),
        (_, None) => "no run to come".to_string(),
    };
    let words = match &task.schedule {
        Some(expression) if *expression == schedule_text => format!("cron {expression}"),
        _ => lower_first(&schedule_text),
    };
    ContextTask {
        id: task.id,
        line: format!(
            "{} — {words} ({}), {when}",
            task.name.trim(),
            timing.zone.name()
        ),
        name: task.name.clone(),
        schedule: task.schedule.clone(),
        schedule_text,
        timezone: timing.zone.name().to_string(),
        next_run_at: task.next_run_at,
        when,
    }
}

/// "Every Monday at 08:00" → "every Monday at 08:00", to follow a dash mid-sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// One bullet; a multi-line text keeps its lines, indented under the bullet.
fn bullet(text: &str) -> String {
    let mut out = String::from("- ");
    for (index, line) in text.lines().enumerate() {
        if index > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str("  ");
            }
        }
        out.push_str(line);
    }
    out
}

fn plural(n: i64, one: &str, many: &str) -> String {
    let word = if n == 1 { one } else { many };
    format!("{} {word}", group_thousands(n.unsigned_abs()))
}

fn render(
    contact: &ContactFacts,
    memories: &[ContextMemory],
    omitted_memories: i64,
    tasks: &[ContextTask],
    omitted_tasks: i64,
) -> String {
    let mut sections: Vec<String> = Vec::new();

    let mut about: Vec<String> = Vec::new();
    match (&contact.name, &contact.nick) {
        (Some(name), Some(nick)) => about.push(format!("Name: {name} (nick: {nick})")),
        (Some(name), None) => about.push(format!("Name: {name}")),
        (None, Some(nick)) => about.push(format!("Nick: {nick}")),
        (None, None) => {}
    }
    if let Some(description) = &contact.description {
        about.push(format!("Description: {description}"));
    }
    if !about.is_empty() {
        sections.push(format!(
            "## About the person you are helping\n{}",
            about.join("\n")
        ));
    }

    if let Some(preferences) = &contact.preferences {
        sections.push(format!("## How they like to be helped\n{preferences}"));
    }

    if !memories.is_empty() || omitted_memories > 0 {
        let mut lines: Vec<String> = memories.iter().map(|m| bullet(&m.text)).collect();
        if omitted_memories > 0 {
            lines.push(if memories.is_empty() {
                format!(
                    "({} left out to keep this short)",
                    plural(omitted_memories, "memory", "memories")
                )
            } else {
                format!(
                    "({} left out)",
                    plural(omitted_memories, "older memory", "older memories")
                )
            });
        }
        sections.push(format!(
            "## What you remember about them\n{}",
            lines.join("\n")
        ));
    }

    if !tasks.is_empty() || omitted_tasks > 0 {
        let mut lines: Vec<String> = tasks.iter().map(|t| bullet(&t.line)).collect();
        if omitted_tasks > 0 {
            lines.push(format!(
                "({} left out)",
                plural(omitted_tasks, "more task", "more tasks")
            ));
        }
        sections.push(format!("## Scheduled tasks\n{}", lines.join("\n")));
    }

    if sections.is_empty() {
        String::new()
    } else {
        let mut text = sections.join("\n\n");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests;
