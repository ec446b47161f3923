//! `/api/v1/contact/{id}/context`: the agent context of a contact (DESIGN.md §7) as JSON, with
//! its prompt-ready `text`.

use super::caller::ApiReader;
use super::json::{self, ms, ms_opt};
use crate::agent::{self, AgentContext, Budget};
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::contact;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::{Value, json};

/// The context as the API answers it: every key present, ids as strings, times in epoch
/// milliseconds. `omittedTasks` is there because tasks are capped too (rarely reached).
pub fn context_json(context: &AgentContext) -> Value {
    let facts = &context.contact;
    json!({
        "contact": {
            "id": facts.id.to_string(),
            "name": facts.name,
            "nick": facts.nick,
            "description": facts.description,
            "preferences": facts.preferences,
        },
        "memories": context.memories.iter().map(|memory| json!({
            "id": memory.id.to_string(),
            "text": memory.text,
            "createdAt": ms(memory.created_at),
        })).collect::<Vec<_>>(),
        "omittedMemories": context.omitted_memories,
        "tasks": context.tasks.iter().map(|task| json!({
            "id": task.id.to_string(),
            "name": task.name,
            "schedule": task.schedule,
            "scheduleText": task.schedule_text,
            "timezone": task.timezone,
            "nextRunAt": ms_opt(task.next_run_at),
        })).collect::<Vec<_>>(),
        "omittedTasks": context.omitted_tasks,
        "maxChars": context.budget.chars(),
        "text": context.text,
        "size": context.size,
    })
}

/// `maxChars` from a query string (the last one wins); absent or blank is the default.
pub fn budget_from_query(query: &str) -> Result<Budget, AppError> {
    let pairs: Vec<(String, String)> = serde_html_form::from_str(query).map_err(|error| {
        AppError::BadRequest(format!("The query string is not readable: {error}."))
    })?;
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == "maxChars")
        .map_or(Ok(Budget::default()), |(_, value)| {
            Budget::parse(value)
                .map_err(|message| AppError::BadRequest(format!("maxChars: {message}")))
        })
}

/// `GET contact/{id}/context?maxChars=`.
pub async fn fetch(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = ContactId(json::path_id(&path)?);
    let budget = budget_from_query(request.query_string())?;
    let context = api
        .db
        .read(move |conn| {
            let found = contact::find(conn, id)?;
            Ok(agent::load(conn, &found, budget, Utc::now())?)
        })
        .await?;
    json::ok(&context_json(&context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_in_query_strings() {
        assert_eq!(budget_from_query("").unwrap(), Budget::default());
        assert_eq!(budget_from_query("maxChars=200").unwrap().chars(), 200);
        assert_eq!(budget_from_query("maxChars=").unwrap(), Budget::default());
        assert_eq!(
            budget_from_query("maxChars=5&maxChars=9").unwrap().chars(),
            9
        );
        let AppError::BadRequest(message) = budget_from_query("maxChars=many").unwrap_err() else {
            panic!("a bad budget is a 400");
        };
        assert!(message.starts_with("maxChars: "), "{message}");
    }
}
