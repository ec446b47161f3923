//! `--with-activity`: what happens to a contact after it is created.
//!
//! Each kind of activity has one module with a `plan` (pure: invents the records from the
//! generated contact) and a `write` (COPYs them once the contact ids are known): the audit
//! trail (`history`), conversations with their messages and ratings (`conversations`),
//! `tasks`, `memories`, `secrets` and `spaces`. Another kind gets a module, a field in
//! [`Activity`], a line in [`plan`] and a line in [`write`].

use super::people::SeedPerson;
use super::{conversations, history, memories, secrets, spaces, tasks};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::Rng;

/// Share of contacts that get activity, and the most contacts that get it in one run: 20% of
/// a small base makes every other profile look lived-in, while a million-row seed should not
/// spend longer on history than on the contacts themselves.
const SHARE_PERCENT: u64 = 20;
const MAX_CONTACTS: u64 = 200_000;

/// Everything planned for one contact.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub history: Vec<history::Entry>,
    pub tasks: Vec<tasks::Entry>,
    pub memories: Vec<memories::Entry>,
    pub secrets: Vec<secrets::Planned>,
    pub spaces: Vec<spaces::Planned>,
    pub conversations: Vec<conversations::Planned>,
}

/// How many records of each kind were written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub history: usize,
    pub tasks: usize,
    pub memories: usize,
    pub secrets: usize,
    pub spaces: usize,
    pub conversations: conversations::Counts,
}

impl std::ops::AddAssign for Written {
    fn add_assign(&mut self, other: Self) {
        self.history += other.history;
        self.tasks += other.tasks;
        self.memories += other.memories;
        self.secrets += other.secrets;
        self.spaces += other.spaces;
        self.conversations.conversations += other.conversations.conversations;
        self.conversations.messages += other.conversations.messages;
        self.conversations.ratings += other.conversations.ratings;
    }
}

/// Chooses which contacts of a run get activity: each one with the same probability, so the
/// chosen ones are spread over the whole run (and over its date range).
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    per_million: u64,
}

impl Selection {
    pub fn new(total_contacts: u64) -> Self {
        let wanted = (total_contacts * SHARE_PERCENT / 100).min(MAX_CONTACTS);
        Self {
            per_million: (wanted * 1_000_000)
                .checked_div(total_contacts)
                .unwrap_or_default(),
        }
    }

    pub fn chooses<R: Rng>(&self, rng: &mut R) -> bool {
        rng.random_range(0..1_000_000) < self.per_million
    }
}

/// Invents the activity of one contact, as of `now`.
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson, now: DateTime<Utc>) -> Activity {
    Activity {
        history: history::plan(rng, person),
        tasks: tasks::plan(rng, person),
        memories: memories::plan(rng, person),
        secrets: secrets::plan(rng, person),
        spaces: spaces::plan(rng, person),
        conversations: conversations::plan(rng, person, now),
    }
}

/// Writes the activity of written contacts, given as (contact id, activity); secrets within
/// `secrets_budget`.
pub fn write(
    connection: &mut PgConnection,
    planned: &[(i64, &Activity)],
    secrets_budget: &mut secrets::Budget<'_>,
) -> QueryResult<Written> {
    Ok(Written {
        history: history::write(
            connection,
            planned
                .iter()
                .map(|(id, activity)| (*id, activity.history.as_slice())),
        )?,
        tasks: tasks::write(
            connection,
            planned
                .iter()
                .map(|(id, activity)| (*id, activity.tasks.as_slice())),
        )?,
        memories: memories::write(
            connection,
            planned
                .iter()
                .map(|(id, activity)| (*id, activity.memories.as_slice())),
        )?,
        secrets: secrets::write(
            connection,
            planned
                .iter()
                .map(|(id, activity)| (*id, activity.secrets.as_slice())),
            secrets_budget,
        )?,
        spaces: spaces::write(
            connection,
            planned
                .iter()
                .map(|(id, activity)| (*id, activity.spaces.as_slice())),
        )?,
        conversations: conversations::write(
            connection,
            planned
                .iter()
                .map(|(id, activity)| (*id, activity.conversations.as_slice())),
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn selection_share_and_cap() {
        let mut rng = StdRng::seed_from_u64(1);
        let small = Selection::new(10_000);
        let chosen = (0..10_000).filter(|_| small.chooses(&mut rng)).count();
        assert!((1_800..2_200).contains(&chosen), "{chosen}");
        assert_eq!(Selection::new(5_000_000).per_million, 40_000);
        assert_eq!(Selection::new(0).per_million, 0);
    }
}
