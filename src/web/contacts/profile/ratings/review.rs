//! "Mark reviewed" on the Ratings tab, for one rating or for every unreviewed one shown:
//! who (staff id and name) and when are recorded on the rating and in the audit trail. With
//! htmx the tab is rendered again in place, since its summary and counts change too; without,
//! the browser goes back to the same filtered list.

use super::{Answer, ListState, PAGE_SIZE};
use crate::domain::{ContactId, RatingId};
use crate::error::AppError;
use crate::models::rating;
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::session::FlashKind;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// The review forms: the ratings to mark, and the list state to come back to.
#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    rating_id: Vec<String>,
    #[serde(default)]
    value: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    before: String,
}

impl ReviewForm {
    fn state(&self) -> ListState {
        ListState {
            value: self.value.clone(),
            review: self.review.clone(),
            before: self.before.clone(),
        }
    }
}

/// "Marked 3 ratings as reviewed."
fn review_notice(marked: usize, asked: usize) -> String {
    match (marked, asked) {
        (0, 1) => "That rating was already reviewed.".into(),
        (0, _) => "Those ratings were already reviewed.".into(),
        (1, _) => "Marked 1 rating as reviewed.".into(),
        (n, _) => format!("Marked {n} ratings as reviewed."),
    }
}

impl Dashboard {
    /// Answers a review: the tab again in place for htmx, else a redirect back to the list.
    async fn ratings_reviewed(
        &self,
        id: ContactId,
        marked: usize,
        asked: usize,
        list: ListState,
    ) -> Result<HttpResponse, AppError> {
        let notice = review_notice(marked, asked);
        if self.htmx.is_htmx {
            // Answered in place; the URL already shows this list.
            return self.ratings_tab(id, list, notice, Answer::Tabs).await;
        }
        Ok(self.redirect_with_notice(FlashKind::Success, notice, &list.url(id, true)))
    }
}

/// `POST /contacts/{id}/ratings/{rating}/review`.
pub async fn review_one(
    ctx: Editor,
    path: web::Path<(ContactId, RatingId)>,
    HtmlForm(form): HtmlForm<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let (id, rating_id) = path.into_inner();
    let actor = ctx.actor();
    let marked = ctx
        .db
        .write(move |conn| {
            // Another contact's rating (or none) is not found, rather than silently skipped.
            rating::find_for_contact(conn, id, rating_id)?;
            Ok(rating::mark_reviewed(conn, id, &[rating_id], &actor)?)
        })
        .await?;
    ctx.ratings_reviewed(id, marked.len(), 1, form.state())
        .await
}

/// `POST /contacts/{id}/ratings/review` with one `rating_id` per rating shown.
pub async fn review_shown(
    ctx: Editor,
    path: web::Path<ContactId>,
    HtmlForm(form): HtmlForm<ReviewForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let ids: Vec<RatingId> = form
        .rating_id
        .iter()
        // One that is not an id is left out, as one that is not the contact's is.
        .filter_map(|raw| raw.trim().parse().ok())
        .take(PAGE_SIZE as usize)
        .collect();
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "There were no unreviewed ratings to mark.".into(),
        ));
    }
    let asked = ids.len();
    let actor = ctx.actor();
    let marked = ctx
        .db
        .write(move |conn| Ok(rating::mark_reviewed(conn, id, &ids, &actor)?))
        .await?;
    ctx.ratings_reviewed(id, marked.len(), asked, form.state())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_say_what_happened() {
        assert_eq!(review_notice(1, 1), "Marked 1 rating as reviewed.");
        assert_eq!(review_notice(3, 3), "Marked 3 ratings as reviewed.");
        assert_eq!(review_notice(0, 1), "That rating was already reviewed.");
        assert_eq!(review_notice(0, 4), "Those ratings were already reviewed.");
    }
}
