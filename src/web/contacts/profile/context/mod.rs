//! The Agent context tab: exactly what an AI agent receives for this contact (the API's
//! `contact/{id}/context`), as the prompt text with its size, then the parts it is made of.
//! A budget selector (`?max_chars=`) shows how the memory list changes with the budget.
//! Read-only, for every signed-in user.

use super::tab::{Profile, profile_tab};
use crate::agent::{self, AgentContext, Budget};
use crate::domain::ContactId;
use crate::domain::text::group_thousands;
use crate::error::AppError;
use crate::web::context::Dashboard;
use crate::web::routes;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

/// The tab's URL segment.
pub const SLUG: &str = "context";

pub fn register(config: &mut web::ServiceConfig) {
    config.route("/contacts/{id}/context", web::get().to(show));
}

/// The budgets offered in the selector, in characters.
pub const BUDGET_CHOICES: [usize; 3] = [2_000, 4_000, 8_000];

pub struct BudgetOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One line of the contact part: "Name", "Ada Lovelace" ("" when not set).
pub struct FactView {
    pub label: &'static str,
    pub value: String,
}

pub struct MemoryView {
    pub text: String,
    pub when: String,
    pub when_iso: String,
}

pub struct TaskView {
    pub name: String,
    pub schedule_text: String,
    pub timezone: String,
    /// "next Mon 2026-11-30 08:00 GMT", "due now"…
    pub when: String,
}

/// The tab, ready to print.
pub struct ContextView {
    pub text: String,
    /// "1,234".
    pub size: String,
    /// "4,000".
    pub budget: String,
    pub budget_options: Vec<BudgetOption>,
    pub url: String,
    /// The same context from the API, for the explanation.
    pub api_path: String,
    pub facts: Vec<FactView>,
    pub memories: Vec<MemoryView>,
    /// "3 older memories did not fit the budget", or "".
    pub omitted_memories: String,
    pub tasks: Vec<TaskView>,
    /// "2 more tasks are left out", or "".
    pub omitted_tasks: String,
}

impl ContextView {
    pub fn new(id: ContactId, context: &AgentContext) -> Self {
        let chosen = context.budget.chars();
        let mut choices: Vec<usize> = BUDGET_CHOICES.to_vec();
        if !choices.contains(&chosen) {
            choices.push(chosen);
            choices.sort_unstable();
        }
        let facts = &context.contact;
        let fact = |label, value: &Option<String>| FactView {
            label,
            value: value.clone().unwrap_or_default(),
        };
        let omitted = context.omitted_memories;
        ContextView {
            text: context.text.clone(),
            size: group_thousands(context.size as u64),
            budget: group_thousands(chosen as u64),
            budget_options: choices
                .into_iter()
                .map(|chars| BudgetOption {
                    value: chars.to_string(),
                    label: format!("{} characters", group_thousands(chars as u64)),
                    selected: chars == chosen,
                })
                .collect(),
            url: routes::contact_tab(id, SLUG),
            api_path: format!("/api/v1/contact/{id}/context?maxChars={chosen}"),
            facts: vec![
                fact("Name", &facts.name),
                fact("Nick", &facts.nick),
                fact("Description", &facts.description),
                fact("Preferences", &facts.preferences),
            ],
            memories: context
                .memories
                .iter()
                .map(|memory| MemoryView {
                    text: memory.text.clone(),
                    when: views::timestamp(memory.created_at),
                    when_iso: views::iso(memory.created_at),
                })
                .collect(),
            omitted_memories: match (omitted, context.memories.is_empty()) {
                (0, _) => String::new(),
                (1, true) => "The contact’s only memory does not fit the budget.".into(),
                (n, true) => format!(
                    "None of the {} memories fits the budget.",
                    group_thousands(n.unsigned_abs())
                ),
                (1, false) => "1 older memory does not fit the budget.".into(),
                (n, false) => format!(
                    "{} older memories do not fit the budget.",
                    group_thousands(n.unsigned_abs())
                ),
            },
            tasks: context
                .tasks
                .iter()
                .map(|task| TaskView {
                    name: task.name.clone(),
                    schedule_text: task.schedule_text.clone(),
                    timezone: task.timezone.clone(),
                    when: task.when.clone(),
                })
                .collect(),
            omitted_tasks: match context.omitted_tasks {
                0 => String::new(),
                n => format!(
                    "{} more scheduled tasks are left out.",
                    group_thousands(n.unsigned_abs())
                ),
            },
        }
    }
}

profile_tab!(ContextView, context, "contacts/profile/context/index.html");

/// `?max_chars=`; anything unreadable means the default budget.
#[derive(Deserialize)]
pub struct ContextQuery {
    #[serde(default)]
    max_chars: String,
}

/// `GET /contacts/{id}/context`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<ContextQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let budget = Budget::parse(&query.max_chars).unwrap_or_default();
    let (profile, context) = ctx
        .db
        .read(move |conn| {
            let profile = Profile::load(conn, id)?;
            let context = agent::load(conn, &profile.contact, budget, Utc::now())?;
            Ok((profile, context))
        })
        .await?;
    let context = ContextView::new(id, &context);
    ctx.profile_tab(StatusCode::OK, &profile, SLUG, context)
}
