//! `rapport contact export|erase`: a contact's personal data from the command line, as the
//! dashboard's admin actions do it (live contacts and contacts in Trash alike). Recorded in
//! the audit trail with the actor "command line".

use super::ContactCommand;
use crate::domain::ContactId;
use crate::models::Actor;
use crate::models::erasure::{self, Removed};
use crate::models::personal_data::{self, Inventory};
use crate::personal_data::{archive, remove_files};
use crate::storage::SpaceStore;
use diesel::PgConnection;
use diesel::result::Error as DieselError;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Who the audit trail names for changes made here.
pub const ACTOR_NAME: &str = "command line";

/// Runs a `rapport contact …` command on `connection`, with the space files under
/// `data_dir`, writing what it did to `out`.
pub fn run(
    command: ContactCommand,
    connection: &mut PgConnection,
    data_dir: &Path,
    out: &mut dyn Write,
) -> Result<(), String> {
    let actor = Actor::System(ACTOR_NAME.into());
    let store = SpaceStore::new(data_dir);
    match command {
        ContactCommand::Export { id, output } => {
            let written = export(connection, &store, id, &output, &actor)?;
            writeln!(out, "{written}")
        }
        ContactCommand::Erase { id, yes: false } => {
            let (contact, standing, inventory) =
                personal_data::inventory(connection, id).map_err(|e| not_found(id, e))?;
            let state = if standing.deleted_at.is_some() {
                ", in Trash"
            } else {
                ""
            };
            writeln!(
                out,
                "Would erase contact {id} ({}{state}): its details, {}. Earlier History entries \
                 stay, with their personal values replaced by \"erased\".\n\
                 Nothing was changed; run again with --yes to erase.",
                contact.name.as_deref().unwrap_or("no name"),
                describe_inventory(&inventory),
            )
        }
        ContactCommand::Erase { id, yes: true } => {
            let erased = erasure::erase(connection, id, &actor).map_err(|e| not_found(id, e))?;
            remove_files(&store, &erased);
            writeln!(
                out,
                "Erased contact {id}: its details, {}; {} earlier History entries rewritten.",
                describe_removed(&erased.removed),
                erased.removed.audit_entries,
            )
        }
    }
    .map_err(|e| format!("could not write the output: {e}"))
}

/// Writes the archive to `output` (through `<output>.part`, renamed when complete, so a
/// failure never leaves half an archive under the name asked for). Returns what to print.
fn export(
    connection: &mut PgConnection,
    store: &SpaceStore,
    id: ContactId,
    output: &Path,
    actor: &Actor,
) -> Result<String, String> {
    let partial = PathBuf::from(format!("{}.part", output.display()));
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&partial)
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    let written = archive::start(connection, file, id, actor)
        .map_err(|e| match e {
            archive::ArchiveError::Database(e) => not_found(id, e),
            other => other.to_string(),
        })
        .and_then(|pending| pending.finish(store).map_err(|e| e.to_string()))
        .and_then(|finished| {
            finished
                .file
                .sync_all()
                .and_then(|()| fs::rename(&partial, output))
                .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            Ok(finished)
        });
    let finished = match written {
        Ok(finished) => finished,
        Err(error) => {
            let _ = fs::remove_file(&partial);
            return Err(error);
        }
    };
    let mut text = format!(
        "Wrote the personal data of contact {id} to {} ({} bytes).",
        output.display(),
        finished.size
    );
    if !finished.missing.is_empty() {
        text.push_str(&format!(
            "\nThe bytes of {} files were missing on disk (named in its README.txt): {}",
            finished.missing.len(),
            finished.missing.join(", ")
        ));
    }
    Ok(text)
}

fn not_found(id: ContactId, error: DieselError) -> String {
    match error {
        DieselError::NotFound => format!("no contact has the id {id} (erased already?)"),
        other => format!("database error: {other}"),
    }
}

/// "2 conversations, 5 messages, 1 memory…", or "nothing else" when it holds nothing more.
fn describe(counts: &[(i64, &str, &str)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, one, many)| format!("{count} {}", if *count == 1 { one } else { many }))
        .collect();
    if parts.is_empty() {
        "nothing else".to_string()
    } else {
        parts.join(", ")
    }
}

fn describe_inventory(inventory: &Inventory) -> String {
    describe(&[
        (inventory.conversations, "conversation", "conversations"),
        (inventory.messages, "message", "messages"),
        (inventory.tasks, "task", "tasks"),
        (inventory.memories, "memory", "memories"),
        (inventory.secrets, "secret", "secrets"),
        (inventory.ratings, "rating", "ratings"),
        (inventory.spaces, "space", "spaces"),
        (inventory.files, "file", "files"),
    ])
}

fn describe_removed(removed: &Removed) -> String {
    describe(&[
        (removed.conversations, "conversation", "conversations"),
        (removed.messages, "message", "messages"),
        (removed.tasks, "task", "tasks"),
        (removed.memories, "memory", "memories"),
        (removed.secrets, "secret", "secrets"),
        (removed.ratings, "rating", "ratings"),
        (removed.spaces, "space", "spaces"),
        (removed.files, "file", "files"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(describe(&[(0, "task", "tasks")]), "nothing else");
        assert_eq!(
            describe(&[
                (1, "memory", "memories"),
                (0, "task", "tasks"),
                (3, "file", "files")
            ]),
            "1 memory, 3 files"
        );
    }
}
