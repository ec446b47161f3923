//! Conversations with a support bot, for the Conversations and Ratings tabs: multi-turn
//! transcripts from [`dialogues`](super::dialogues) over email, the widget, the API or by hand,
//! with context for the bot and staff stepping in now and then, and ratings of some bot
//! answers (some already reviewed), spread over the last 60 days so the chart has bars.
//!
//! Writing uses COPY like the rest of the seed. COPY cannot return ids, so the ids are taken
//! from the identity sequences first and sent along (COPY writes identity columns as given);
//! that is what lets messages point at their conversation and ratings at their message.
//! The trigger that keeps `message_count` and `last_message_at` is switched off while the
//! messages are copied (transactionally: no other session ever sees it off) and the seed
//! writes those columns itself, which makes loading messages about four times faster.

use super::dialogues::{BAD_REASONS, BOT, DIALOGUES, Dialogue, GOOD_REASONS, STAFF as STAFF_ROLE};
use super::people::SeedPerson;
use super::pick::{any, chance, weighted};
use super::words::STAFF;
use crate::domain::ContactSource;
use crate::models::schema::{conversations, messages, ratings};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rand::Rng;
use serde_json::{Value, json};

/// How far back conversations go.
const WINDOW_DAYS: i64 = 60;

#[derive(Debug, Clone)]
pub struct PlannedMessage {
    pub role: &'static str,
    pub text: String,
    pub at: DateTime<Utc>,
    /// The demo staff member who wrote a staff message.
    pub author: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct PlannedRating {
    /// Index of the rated (bot) message in its conversation.
    pub message: usize,
    pub value: i32,
    pub reason: Option<&'static str>,
    pub at: DateTime<Utc>,
    pub reviewed: Option<(DateTime<Utc>, &'static str)>,
}

/// One conversation; ids are filled in when it is written.
#[derive(Debug, Clone)]
pub struct Planned {
    pub channel: &'static str,
    pub subject: Option<String>,
    pub created_at: DateTime<Utc>,
    pub messages: Vec<PlannedMessage>,
    pub ratings: Vec<PlannedRating>,
}

/// The conversations of one contact, newest first.
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson, now: DateTime<Utc>) -> Vec<Planned> {
    let count = weighted(rng, &[(0usize, 10), (1, 30), (2, 30), (3, 20), (4, 10)]);
    let since = person
        .contact
        .created_at
        .max(now - Duration::days(WINDOW_DAYS));
    (0..count)
        .map(|index| {
            // The newest one falls in the chart's 30 days whenever the contact is that old.
            let from = if index == 0 {
                since.max(now - Duration::days(30))
            } else {
                since
            };
            let span = (now - from).num_seconds().max(1);
            let start = from + Duration::seconds(rng.random_range(0..span));
            conversation(rng, person, start, now)
        })
        .collect()
}

fn channel<R: Rng>(rng: &mut R, source: ContactSource) -> &'static str {
    let favourite = match source {
        ContactSource::Email => "email",
        ContactSource::Api => "api",
        ContactSource::Manual => "manual",
        ContactSource::Widget | ContactSource::Import => "widget",
    };
    if chance(rng, 50) {
        favourite
    } else {
        weighted(
            rng,
            &[("widget", 45), ("email", 30), ("api", 15), ("manual", 10)],
        )
    }
}

/// The values for a dialogue's `{placeholders}`, fixed for one conversation.
struct Fill {
    name: String,
    order: String,
    vat: String,
    day: String,
    due: String,
    month: String,
    plan: String,
    company: String,
    staff: &'static str,
}

impl Fill {
    fn new<R: Rng>(rng: &mut R, person: &SeedPerson, start: DateTime<Utc>) -> Self {
        let day = start - Duration::days(rng.random_range(1..6));
        let last_month = start - Duration::days(30);
        Fill {
            name: person.profile.given.unwrap_or("there").to_string(),
            order: rng.random_range(100_000..1_000_000).to_string(),
            vat: rng.random_range(100_000_000..1_000_000_000u32).to_string(),
            day: day.format("%-d %B").to_string(),
            due: (start + Duration::days(rng.random_range(3..25)))
                .format("%-d %B")
                .to_string(),
            month: last_month.format("%B").to_string(),
            plan: person
                .contact
                .meta
                .get("plan")
                .and_then(Value::as_str)
                .unwrap_or("pro")
                .to_string(),
            company: person
                .profile
                .company
                .map_or("our company", |(name, _)| name)
                .to_string(),
            staff: any(rng, STAFF),
        }
    }

    fn apply(&self, text: &str) -> String {
        let first = self.staff.split(" (").next().unwrap_or(self.staff);
        text.replace("{name}", &self.name)
            .replace("{order}", &self.order)
            .replace("{vat}", &self.vat)
            .replace("{day}", &self.day)
            .replace("{due}", &self.due)
            .replace("{month}", &self.month)
            .replace("{plan}", &self.plan)
            .replace("{company}", &self.company)
            .replace("{staff_first}", first)
            .replace("{staff}", first)
    }
}

/// Seconds before a turn by `role` in a conversation over `channel`.
fn pause<R: Rng>(rng: &mut R, channel: &str, role: &str) -> i64 {
    match (channel, role) {
        (_, r) if r == STAFF_ROLE => rng.random_range(3_600..20 * 3_600),
        ("email", r) if r == BOT => rng.random_range(60..600),
        ("email", _) => rng.random_range(3_600..30 * 3_600),
        (_, r) if r == BOT => rng.random_range(3..40),
        _ => rng.random_range(20..240),
    }
}

fn conversation<R: Rng>(
    rng: &mut R,
    person: &SeedPerson,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Planned {
    let dialogue: &Dialogue = &DIALOGUES[rng.random_range(0..DIALOGUES.len())];
    let channel = channel(rng, person.profile.source);
    let fill = Fill::new(rng, person, start);
    let mut messages = Vec::with_capacity(dialogue.turns.len() + 1);
    if matches!(channel, "widget" | "api") && chance(rng, 70) {
        messages.push(PlannedMessage {
            role: "context",
            text: fill.apply(dialogue.context),
            at: start,
            author: None,
        });
    }
    // Some people leave after the first answer.
    let turns = if chance(rng, 15) {
        2.min(dialogue.turns.len())
    } else {
        dialogue.turns.len()
    };
    let mut at = start;
    for (index, turn) in dialogue.turns[..turns].iter().enumerate() {
        at += Duration::seconds(pause(rng, channel, turn.role));
        if at > now {
            // A conversation still going on: the opening message is always there.
            if index > 0 {
                break;
            }
            at = now;
        }
        let is_staff = turn.role == STAFF_ROLE;
        messages.push(PlannedMessage {
            role: turn.role,
            text: fill.apply(any(rng, turn.texts)),
            at,
            author: is_staff.then_some(fill.staff),
        });
    }
    let ratings = rate(rng, &messages, now);
    Planned {
        channel,
        subject: (channel == "email" || (channel == "manual" && chance(rng, 50)))
            .then(|| fill.apply(dialogue.subject)),
        created_at: start,
        messages,
        ratings,
    }
}

/// Ratings of up to two bot answers; older ones are often reviewed already.
fn rate<R: Rng>(
    rng: &mut R,
    messages: &[PlannedMessage],
    now: DateTime<Utc>,
) -> Vec<PlannedRating> {
    let mut ratings = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        if message.role != BOT || ratings.len() == 2 || !chance(rng, 35) {
            continue;
        }
        let value = weighted(rng, &[(100, 68), (-100, 27), (50, 3), (-50, 2)]);
        let reason = if value > 0 {
            chance(rng, 55).then(|| any(rng, GOOD_REASONS))
        } else {
            chance(rng, 80).then(|| any(rng, BAD_REASONS))
        };
        let at = (message.at + Duration::seconds(rng.random_range(10..300))).min(now);
        let reviewed = ((now - at).num_days() >= 3 && chance(rng, 55)).then(|| {
            let after = Duration::seconds(rng.random_range(3_600..3 * 86_400));
            ((at + after).min(now), any(rng, STAFF))
        });
        ratings.push(PlannedRating {
            message: index,
            value,
            reason,
            at,
            reviewed,
        });
    }
    ratings
}

#[derive(Insertable)]
#[diesel(table_name = conversations)]
#[diesel(treat_none_as_default_value = false)]
struct ConversationRow<'a> {
    id: i64,
    contact_id: Option<i64>,
    channel: &'static str,
    subject: Option<&'a str>,
    meta: Value,
    message_count: i32,
    last_message_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = messages)]
#[diesel(treat_none_as_default_value = false)]
struct MessageRow<'a> {
    id: i64,
    conversation_id: i64,
    role: &'static str,
    text: &'a str,
    meta: Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = ratings)]
#[diesel(treat_none_as_default_value = false)]
struct RatingRow {
    contact_id: Option<i64>,
    conversation_id: Option<i64>,
    message_id: Option<i64>,
    value: i32,
    reason: Option<&'static str>,
    reviewed_at: Option<DateTime<Utc>>,
    reviewed_by_id: Option<i64>,
    reviewed_by_name: Option<&'static str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// How many rows were written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub conversations: usize,
    pub messages: usize,
    pub ratings: usize,
}

#[derive(QueryableByName)]
struct Reserved {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Takes `n` ids from a table's identity sequence.
fn reserve_ids(connection: &mut PgConnection, table: &str, n: usize) -> QueryResult<Vec<i64>> {
    let rows: Vec<Reserved> = diesel::sql_query(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)",
    )
    .bind::<Text, _>(table)
    .bind::<BigInt, _>(i64::try_from(n).unwrap_or(i64::MAX))
    .load(connection)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Copies the conversations (with messages and ratings) of several contacts.
pub fn write<'a>(
    connection: &mut PgConnection,
    contacts: impl Iterator<Item = (i64, &'a [Planned])>,
) -> QueryResult<Counts> {
    let planned: Vec<(i64, &Planned)> = contacts
        .flat_map(|(id, list)| list.iter().map(move |p| (id, p)))
        .collect();
    if planned.is_empty() {
        return Ok(Counts::default());
    }
    let message_total: usize = planned.iter().map(|(_, p)| p.messages.len()).sum();
    let mut conversation_ids = reserve_ids(connection, "conversations", planned.len())?.into_iter();
    let mut message_ids = reserve_ids(connection, "messages", message_total)?.into_iter();

    let mut conversation_rows = Vec::with_capacity(planned.len());
    let mut message_rows = Vec::with_capacity(message_total);
    let mut rating_rows = Vec::new();
    for (contact_id, conversation) in &planned {
        let id = conversation_ids
            .next()
            .ok_or(diesel::result::Error::NotFound)?;
        let mut ids = Vec::with_capacity(conversation.messages.len());
        for message in &conversation.messages {
            let message_id = message_ids.next().ok_or(diesel::result::Error::NotFound)?;
            ids.push(message_id);
            message_rows.push(MessageRow {
                id: message_id,
                conversation_id: id,
                role: message.role,
                text: &message.text,
                meta: message
                    .author
                    .map_or_else(|| json!({}), |a| json!({ "author": a })),
                created_at: message.at,
                updated_at: message.at,
            });
        }
        let last = conversation.messages.last().map(|m| m.at);
        conversation_rows.push(ConversationRow {
            id,
            contact_id: Some(*contact_id),
            channel: conversation.channel,
            subject: conversation.subject.as_deref(),
            meta: json!({}),
            message_count: i32::try_from(conversation.messages.len()).unwrap_or(i32::MAX),
            last_message_at: last,
            version: 1,
            created_at: conversation.created_at,
            updated_at: last.unwrap_or(conversation.created_at),
        });
        for rating in &conversation.ratings {
            rating_rows.push(RatingRow {
                contact_id: Some(*contact_id),
                conversation_id: Some(id),
                message_id: ids.get(rating.message).copied(),
                value: rating.value,
                reason: rating.reason,
                reviewed_at: rating.reviewed.map(|(at, _)| at),
                reviewed_by_id: None,
                reviewed_by_name: rating.reviewed.map(|(_, by)| by),
                created_at: rating.at,
                updated_at: rating.reviewed.map_or(rating.at, |(at, _)| at),
            });
        }
    }

    diesel::copy_from(conversations::table)
        .from_insertable(&conversation_rows)
        .execute(connection)?;
    // Counted above instead of by the trigger, one row at a time.
    diesel::sql_query("ALTER TABLE messages DISABLE TRIGGER messages_count").execute(connection)?;
    diesel::copy_from(messages::table)
        .from_insertable(&message_rows)
        .execute(connection)?;
    diesel::sql_query("ALTER TABLE messages ENABLE TRIGGER messages_count").execute(connection)?;
    if !rating_rows.is_empty() {
        diesel::copy_from(ratings::table)
            .from_insertable(&rating_rows)
            .execute(connection)?;
    }
    Ok(Counts {
        conversations: conversation_rows.len(),
        messages: message_rows.len(),
        ratings: rating_rows.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::people::People;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn plans_are_plausible_transcripts_with_ratings_of_bot_answers() {
        let now = Utc::now();
        let mut people = People::new(5, now);
        let mut rng = StdRng::seed_from_u64(6);
        let (mut conversations, mut ratings, mut recent_ratings) = (0, 0, 0);
        for number in 1..=500 {
            let person = people.person(number);
            for planned in plan(&mut rng, &person, now) {
                conversations += 1;
                assert!(planned.created_at >= person.contact.created_at);
                assert!(
                    planned.created_at >= now - Duration::days(WINDOW_DAYS) - Duration::seconds(1)
                );
                assert!(!planned.messages.is_empty());
                assert!(planned.messages.windows(2).all(|w| w[0].at <= w[1].at));
                assert!(
                    planned
                        .messages
                        .iter()
                        .all(|m| m.at <= now && !m.text.contains('{'))
                );
                assert!(
                    planned
                        .messages
                        .iter()
                        .all(|m| (m.role == STAFF_ROLE) == m.author.is_some())
                );
                match planned.channel {
                    "email" => assert!(planned.subject.is_some()),
                    "manual" => {}
                    _ => assert!(planned.subject.is_none()),
                }
                for rating in &planned.ratings {
                    ratings += 1;
                    assert_eq!(planned.messages[rating.message].role, BOT);
                    assert!(rating.at <= now);
                    if let Some((at, _)) = rating.reviewed {
                        assert!(at >= rating.at && at <= now);
                    }
                    if now - rating.at < Duration::days(30) {
                        recent_ratings += 1;
                    }
                }
            }
        }
        assert!(conversations > 500, "{conversations}");
        assert!(ratings > 100, "{ratings}");
        assert!(
            recent_ratings > ratings / 3,
            "{recent_ratings} of {ratings}"
        );
    }
}
