//! Spaces for the demo: about half of the contacts with activity get one or two spaces
//! ("Contracts", "Onboarding"…), copied in bulk with the contacts.
//!
//! Files are different: their bytes live on disk, and writing (and syncing) files for a
//! million-contact seed would take longer than the seed and litter the data directory. So
//! only the spaces of the most recently updated contacts, the ones on the first pages of the
//! contact list, get a few small generated files (text and CSV), after the seed has
//! committed, through the same storage path as an upload: written, synced, renamed into
//! place, then recorded with their audit entries. Other spaces are empty, as new ones are.

use super::pick::chance;
use crate::models::Actor;
use crate::models::schema::spaces;
use crate::models::space::{self, Space};
use crate::models::space_file::{self, NewUpload};
use crate::storage::{PlacedFile, SpaceStore};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use std::path::Path;

use super::people::SeedPerson;

/// At most this many spaces get sample files in one seed.
pub const MAX_SPACES_WITH_FILES: i64 = 100;

/// The kinds of spaces, with what they are for.
const KINDS: &[(&str, &str)] = &[
    ("Contracts", "Signed agreements, order forms and amendments"),
    ("Onboarding", "Welcome pack, checklists and kickoff notes"),
    ("Invoices", "Invoices and payment records"),
    ("Support exports", "Conversation exports shared for reviews"),
    (
        "Shared documents",
        "Requirements and notes exchanged with the contact",
    ),
];

/// One space of a contact, before the contact has an id.
#[derive(Debug, Clone)]
pub struct Planned {
    pub name: &'static str,
    pub description: &'static str,
    pub created_at: DateTime<Utc>,
}

/// None, one or two spaces of different kinds, created during the contact's life.
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson) -> Vec<Planned> {
    let count = if chance(rng, 40) {
        1
    } else if chance(rng, 25) {
        2
    } else {
        0
    };
    let first = rng.random_range(0..KINDS.len());
    let created = person.contact.created_at;
    let span = (person.contact.updated_at - created).num_seconds().max(1);
    (0..count)
        .map(|n| {
            let (name, description) = KINDS[(first + n) % KINDS.len()];
            Planned {
                name,
                description,
                created_at: created + Duration::seconds(rng.random_range(0..=span)),
            }
        })
        .collect()
}

#[derive(Insertable)]
#[diesel(table_name = spaces)]
#[diesel(treat_none_as_default_value = false)]
struct NewSeedSpace {
    contact_id: i64,
    name: &'static str,
    description: &'static str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Copies the spaces of several contacts (id, spaces) in one COPY; returns how many.
pub fn write<'a>(
    connection: &mut PgConnection,
    contacts: impl Iterator<Item = (i64, &'a [Planned])>,
) -> QueryResult<usize> {
    let rows: Vec<NewSeedSpace> = contacts
        .flat_map(|(id, planned)| {
            planned.iter().map(move |space| NewSeedSpace {
                contact_id: id,
                name: space.name,
                description: space.description,
                created_at: space.created_at,
                updated_at: space.created_at,
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::copy_from(spaces::table)
        .from_insertable(&rows)
        .execute(connection)
}

/// The highest space id so far, so the files step finds this seed's spaces.
pub fn highest_id(connection: &mut PgConnection) -> QueryResult<i64> {
    spaces::table
        .select(diesel::dsl::max(spaces::id))
        .first::<Option<i64>>(connection)
        .map(Option::unwrap_or_default)
}

/// A sample file: name, type, contents.
pub type SampleFile = (String, &'static str, Vec<u8>);

/// Small files that fit a space of this kind, mentioning the contact.
pub fn sample_files(
    space_name: &str,
    contact_name: &str,
    created: DateTime<Utc>,
) -> Vec<SampleFile> {
    let year = created.format("%Y");
    let day = created.format("%Y-%m-%d");
    let text = |lines: Vec<String>| lines.join("\n").into_bytes();
    match space_name {
        "Contracts" => vec![
            (
                "Master services agreement.txt".into(),
                "text/plain",
                text(vec![
                    format!("MASTER SERVICES AGREEMENT between Rapport Demo Ltd and {contact_name}"),
                    format!("Effective date: {day}"),
                    String::new(),
                    "1. Services. The provider supplies the assistant platform described in the order form.".into(),
                    "2. Term. Twelve months, renewing yearly unless either party gives 30 days' notice.".into(),
                    "3. Fees. As set out in the pricing schedule.".into(),
                ]),
            ),
            (
                format!("Pricing schedule {year}.csv"),
                "text/csv",
                text(vec![
                    "item,unit,quantity,unit_price_eur".into(),
                    "Assistant seats,seat,25,19.00".into(),
                    "Conversations,1000,40,4.50".into(),
                    "Priority support,month,12,99.00".into(),
                ]),
            ),
        ],
        "Onboarding" => vec![
            (
                "Welcome checklist.csv".into(),
                "text/csv",
                text(vec![
                    "step,owner,done".into(),
                    "Kickoff call,Account manager,yes".into(),
                    "Connect the website widget,Customer,yes".into(),
                    "Import existing contacts,Customer,no".into(),
                    "First review,Account manager,no".into(),
                ]),
            ),
            (
                "Kickoff notes.txt".into(),
                "text/plain",
                text(vec![
                    format!("Kickoff with {contact_name}, {day}"),
                    "- Goals: answer common questions automatically, hand over the rest.".into(),
                    "- Channels: website widget first, email later.".into(),
                    "- Next: share the FAQ export and the tone-of-voice guide.".into(),
                ]),
            ),
        ],
        "Invoices" => vec![(
            format!("Invoices {year}.csv"),
            "text/csv",
            text(vec![
                "number,date,amount_eur,status".into(),
                format!("INV-{year}-0142,{day},1180.00,paid"),
                format!("INV-{year}-0187,{day},1180.00,paid"),
                format!("INV-{year}-0231,{day},1240.00,open"),
            ]),
        )],
        "Support exports" => vec![(
            "Conversation export.csv".into(),
            "text/csv",
            text(vec![
                "started_at,channel,messages,rating".into(),
                format!("{day},widget,12,up"),
                format!("{day},email,4,"),
                format!("{day},widget,7,down"),
            ]),
        )],
        _ => vec![(
            "Requirements.md".into(),
            "text/markdown",
            text(vec![
                format!("# Requirements from {contact_name}"),
                String::new(),
                "- Answers in the customer's language".into(),
                "- Escalate billing questions to a person".into(),
                "- Keep transcripts for 12 months".into(),
            ]),
        )],
    }
}

/// Gives the spaces of this seed (ids above `after`) whose contacts were updated most
/// recently their sample files, one transaction per space. Returns (spaces, files).
pub fn attach_sample_files(
    connection: &mut PgConnection,
    data_dir: &Path,
    after: i64,
) -> Result<(usize, usize), String> {
    use crate::models::schema::contacts;
    let chosen: Vec<(Space, Option<String>)> = spaces::table
        .inner_join(contacts::table)
        .filter(spaces::id.gt(after))
        .order((contacts::updated_at.desc(), spaces::id.desc()))
        .limit(MAX_SPACES_WITH_FILES)
        .select((Space::as_select(), contacts::name))
        .load(connection)
        .map_err(|e| e.to_string())?;
    let store = SpaceStore::new(data_dir);
    let actor = Actor::System("Demo data".into());
    let mut files = 0;
    for (space_row, contact_name) in &chosen {
        let samples = sample_files(
            &space_row.name,
            contact_name.as_deref().unwrap_or("the customer"),
            space_row.created_at,
        );
        files += attach(connection, &store, space_row, samples, &actor)
            .map_err(|e| format!("sample files for space {}: {e}", space_row.id))?;
    }
    Ok((chosen.len(), files))
}

/// Stores one space's files the way an upload does: bytes placed and synced first, rows and
/// audit entries committed after; a failure removes the placed files.
fn attach(
    connection: &mut PgConnection,
    store: &SpaceStore,
    space_row: &Space,
    samples: Vec<SampleFile>,
    actor: &Actor,
) -> Result<usize, Box<dyn std::error::Error>> {
    let id = space_row.id;
    let mut placed: Vec<PlacedFile> = Vec::new();
    let mut uploads = Vec::new();
    for (name, content_type, bytes) in samples {
        let staged = store.stage_bytes(&bytes)?;
        let size = i64::try_from(staged.size)?;
        let sha256 = staged.sha256.clone();
        let file = staged.place(store, id)?;
        uploads.push(NewUpload {
            path: name,
            size,
            content_type: content_type.to_string(),
            sha256,
            storage_key: file.storage_key.clone(),
        });
        placed.push(file);
    }
    connection.transaction(|connection| {
        let owner = space_row
            .contact_id
            .ok_or(diesel::result::Error::NotFound)?;
        let locked = space::lock_for_contact(connection, owner, id)?;
        space_file::save_uploads(connection, &locked, &[], &uploads, actor)
    })?;
    placed.into_iter().for_each(PlacedFile::keep);
    Ok(uploads.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::file_name::FileName;
    use crate::seed::people::People;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn about_half_get_spaces_of_distinct_kinds_within_their_life() {
        let mut people = People::new(3, Utc::now());
        let mut rng = StdRng::seed_from_u64(4);
        let mut with_spaces = 0;
        for number in 1..=2_000 {
            let person = people.person(number);
            let planned = plan(&mut rng, &person);
            assert!(planned.len() <= 2);
            if planned.len() == 2 {
                assert_ne!(planned[0].name, planned[1].name);
            }
            for space in &planned {
                assert!(space.created_at >= person.contact.created_at);
                assert!(
                    space.created_at
                        <= person
                            .contact
                            .updated_at
                            .max(person.contact.created_at + Duration::seconds(1))
                );
            }
            with_spaces += usize::from(!planned.is_empty());
        }
        assert!((1_000..1_200).contains(&with_spaces), "{with_spaces}");
    }

    #[test]
    fn sample_files_are_small_and_validly_named() {
        for (name, _) in KINDS {
            let files = sample_files(name, "Ada Lovelace", Utc::now());
            assert!(!files.is_empty());
            for (file_name, content_type, bytes) in files {
                assert_eq!(FileName::parse(&file_name).unwrap().as_str(), file_name);
                assert!(content_type.contains('/'));
                assert!(!bytes.is_empty() && bytes.len() < 4096);
            }
        }
    }
}
