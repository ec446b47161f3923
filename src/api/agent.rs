//! `/api/v1/contact/{id}/context`: the agent context of a contact (DESIGN.md §7) as JSON, with
//! its prompt-ready `text`.

use super::caller::ApiReader;
use super::json;
use super::objects::ContactContext;
use crate::agent::{self, Budget};
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::contact;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

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
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let budget = budget_from_query(request.query_string())?;
    let context = api
        .db
        .read(move |conn| {
            let found = contact::find(conn, id)?;
            Ok(agent::load(conn, &found, budget, Utc::now())?)
        })
        .await?;
    json::ok(&ContactContext::from(&context))
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
