//! Personal data (admins): the export's ZIP holds everything about the person but secret
//! values; the erase leaves no trace of them in any table or on disk, keeps one audit entry
//! naming the id, and changes nothing on a wrong confirmation; viewers and editors can do
//! neither; both reach contacts in Trash; the command line does the same; the sweep removes
//! bytes no row names.

use crate::common::builders::{
    ContactBuilder, ConversationBuilder, RatingBuilder, TaskBuilder, memory,
};
use crate::common::client::Part;
use crate::common::{TestApp, TestClient};
use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rapport::cli::ContactCommand;
use rapport::domain::api_token::TokenRole;
use rapport::domain::secret::{SecretDetails, SecretValue};
use rapport::domain::task_run::RunOutcome;
use rapport::domain::{ContactId, ConversationId, Role, SpaceId};
use rapport::models::schema::{audit_events, contacts, conversations, space_files};
use rapport::models::{Actor, contact, conversation, secret, task_agent};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

const NAME: &str = "Zebulon Quixotefield";
const EMAIL: &str = "zebulon.q@example.org";
const PHONE: &str = "+12125550147";
const NICK: &str = "zquix";
const SECRET_VALUE: &str = "jira_tok_7Hq2ZzX91";
const FILE_BYTES: &[u8] = b"Zebulon's signed contract, page 1 of 1";

/// What the fixture made for the person.
struct Person {
    id: ContactId,
    conversation: ConversationId,
    moved: ConversationId,
    space: i64,
}

fn actor() -> Actor {
    Actor::System("test fixture".into())
}

/// An admin client that has seen a page (so it holds a CSRF token).
async fn signed_in(app: &TestApp, role: Role) -> TestClient {
    let client = app.signed_in(role).await;
    client.get("/contacts").await;
    client
}

/// Zebulon with everything a contact can have: details and meta, a conversation whose
/// messages name him, a rated bot answer, a task with a finished run, a memory, a secret, a
/// space with a file (uploaded through the dashboard by `admin`), and a second conversation
/// moved to Bob (whose history then names Zebulon). Bob has his own data, which must stay.
async fn zebulon(app: &TestApp, admin: &TestClient) -> (Person, ContactId) {
    let mut conn = app.conn();
    let person = ContactBuilder::new(NAME)
        .email(EMAIL)
        .phone(PHONE)
        .nick(NICK)
        .description("Collector of rare maps")
        .preferences("Calls after 5pm, never on Sundays")
        .meta("city", "Quixoteville")
        .create(&mut conn);
    let bob = ContactBuilder::new("Bob Builder")
        .email("bob@example.com")
        .create(&mut conn);
    let (conversation, messages) = ConversationBuilder::new(person.id)
        .subject("Map restoration for Zebulon")
        .message("user", &format!("Hi, this is {NAME}, write to {EMAIL}"))
        .message("bot", "Happy to help with the restoration.")
        .create(&mut conn);
    RatingBuilder::down(person.id)
        .message(&messages[1])
        .reason("Zebulon found this too short")
        .create(&mut conn);
    let (moved, _) = ConversationBuilder::new(person.id)
        .subject("Shared shipping question")
        .message("user", "Who pays the shipping?")
        .create(&mut conn);
    conversation::move_to(&mut conn, person.id, moved.id, bob.id, &actor()).unwrap();
    let task = TaskBuilder::new(person.id, "Follow up with Zebulon").create(&mut conn);
    task_agent::start(&mut conn, task.id, Utc::now(), &actor()).unwrap();
    task_agent::finish(
        &mut conn,
        task.id,
        RunOutcome::Success,
        Some("Mailed zebulon.q@example.org the quote"),
        Utc::now(),
        &actor(),
    )
    .unwrap();
    memory(
        &mut conn,
        person.id,
        "Zebulon restores maps of Quixoteville",
    );
    let keyring = app.settings.secrets_keyring().unwrap();
    secret::create(
        &mut conn,
        person.id,
        &SecretDetails {
            name: "Zebulon's Jira token".into(),
            description: None,
        },
        &SecretValue::Bearer {
            token: SECRET_VALUE.into(),
        },
        keyring.primary(),
        &actor(),
    )
    .unwrap();
    // Bob's own things, which the erase must leave alone.
    ConversationBuilder::new(bob.id)
        .subject("Bob's own question")
        .message("user", "Bob here")
        .create(&mut conn);
    memory(&mut conn, bob.id, "Bob likes cranes");
    drop(conn);

    let created = admin
        .post_form(
            &format!("/contacts/{}/spaces", person.id),
            &[("name", "Zebulon's documents"), ("description", "")],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let space: i64 = created
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let uploaded = admin
        .post_multipart(
            &format!("/contacts/{}/spaces/{space}/files", person.id),
            &[Part::file(
                "files",
                "contract.txt",
                "text/plain",
                FILE_BYTES,
            )],
        )
        .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    (
        Person {
            id: person.id,
            conversation: conversation.id,
            moved: moved.id,
            space,
        },
        bob.id,
    )
}

/// Every entry of a ZIP, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entries = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        entries.insert(entry.name().unwrap().to_string(), content);
    }
    entries
}

fn json_of(entries: &BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    let bytes = entries
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", entries.keys()));
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// The files under the data directory's spaces (not the temporary folder).
fn space_files_on_disk(app: &TestApp) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != ".tmp" {
                    walk(&path, found);
                }
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&app.data_dir.0.join("spaces"), &mut found);
    found
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every (table.column) of the public schema, of any text-like, JSON or array type, whose
/// value holds `needle` (ignoring case).
fn columns_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let mut conn = app.conn();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name \
           FROM information_schema.columns c \
           JOIN information_schema.tables t \
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
            AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY') \
          ORDER BY 1, 2",
    )
    .load(&mut conn)
    .unwrap();
    assert!(columns.len() > 40, "found the columns");
    let mut holding = Vec::new();
    for column in columns {
        let found: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM \"{}\" WHERE position(lower($1) IN lower(\"{}\"::text)) > 0",
            column.table_name, column.column_name
        ))
        .bind::<Text, _>(needle)
        .get_result(&mut conn)
        .unwrap();
        if found.n > 0 {
            holding.push(format!(
                "{}.{} ({})",
                column.table_name, column.column_name, found.n
            ));
        }
    }
    holding
}

/// The personal values a trace would show.
const NEEDLES: &[&str] = &[
    NAME,
    "Quixotefield",
    EMAIL,
    PHONE,
    NICK,
    "Quixoteville",
    "rare maps",
    "Map restoration",
    "contract.txt",
    "Zebulon",
];

#[actix_web::test]
async fn the_zip_holds_everything_about_the_person_but_secret_values() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, _bob) = zebulon(&app, &admin).await;
    let id = person.id;

    let overview = admin.get(&format!("/contacts/{id}")).await;
    overview.assert_contains("Export personal data");
    overview.assert_contains(&format!("/contacts/{id}/personal-data/erase"));

    let response = admin
        .post_form(&format!("/contacts/{id}/personal-data/export"), &[])
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/zip"));
    assert!(
        response
            .header("content-disposition")
            .unwrap()
            .contains(&format!("contact-{id}-personal-data.zip")),
    );
    assert_eq!(response.header("cache-control"), Some("private, no-store"));
    let entries = unzip(&response.bytes);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    let conversation_file = format!("conversations/{}.json", person.conversation);
    let space_file = format!("spaces/{}/contract.txt", person.space);
    assert_eq!(
        names,
        [
            "README.txt",
            "contact.json",
            conversation_file.as_str(),
            "history.json",
            "memories.json",
            "ratings.json",
            "secrets.json",
            "spaces.json",
            space_file.as_str(),
            "tasks.json",
        ],
        "the moved conversation is Bob's now"
    );

    let readme = String::from_utf8(entries["README.txt"].clone()).unwrap();
    assert!(readme.starts_with(&format!("Personal data of contact #{id} held by Rapport")));
    assert!(readme.contains("their values are never exported"));

    let contact = json_of(&entries, "contact.json");
    assert_eq!(contact["id"], json!(id.0));
    assert_eq!(contact["name"], NAME);
    assert_eq!(contact["email"], EMAIL);
    assert_eq!(contact["phone"], PHONE);
    assert_eq!(contact["nick"], NICK);
    assert_eq!(contact["preferences"], "Calls after 5pm, never on Sundays");
    assert_eq!(contact["meta"], json!({"city": "Quixoteville"}));
    assert_eq!(contact["in_trash"], Value::Null);

    let conversation = json_of(&entries, &conversation_file);
    assert_eq!(
        conversation["conversation"]["subject"],
        "Map restoration for Zebulon"
    );
    let texts: Vec<&str> = conversation["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            format!("Hi, this is {NAME}, write to {EMAIL}").as_str(),
            "Happy to help with the restoration."
        ]
    );

    let tasks = json_of(&entries, "tasks.json");
    assert_eq!(tasks[0]["name"], "Follow up with Zebulon");
    let runs: Vec<&str> = tasks[0]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["action"].as_str().unwrap())
        .collect();
    assert_eq!(runs, ["started", "finished"]);
    assert_eq!(
        tasks[0]["runs"][1]["changes"]["text"]["after"],
        "Mailed zebulon.q@example.org the quote"
    );
    assert_eq!(
        json_of(&entries, "memories.json")[0]["text"],
        "Zebulon restores maps of Quixoteville"
    );
    let ratings = json_of(&entries, "ratings.json");
    assert_eq!(ratings[0]["value"], -100);
    assert_eq!(ratings[0]["reason"], "Zebulon found this too short");

    let secrets = json_of(&entries, "secrets.json");
    assert_eq!(secrets.as_array().unwrap().len(), 1);
    assert_eq!(secrets[0]["name"], "Zebulon's Jira token");
    assert_eq!(secrets[0]["kind"], "bearer");
    for (name, content) in &entries {
        assert!(
            !String::from_utf8_lossy(content).contains(SECRET_VALUE),
            "{name} holds the secret's value"
        );
    }

    let spaces = json_of(&entries, "spaces.json");
    assert_eq!(spaces[0]["name"], "Zebulon's documents");
    assert_eq!(spaces[0]["files"][0]["name"], "contract.txt");
    assert_eq!(spaces[0]["files"][0]["archive_path"], space_file.as_str());
    assert_eq!(entries[&space_file], FILE_BYTES);

    let history = json_of(&entries, "history.json");
    let actions: Vec<(&str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["entity"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    for expected in [
        ("contact", "create"),
        ("conversation", "moved"),
        ("task", "finished"),
        ("space_file", "uploaded"),
        ("contact", "export"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
    }
    let exports = app.audit_of("contact", id);
    let export = exports
        .iter()
        .filter(|(action, _)| action == "export")
        .count();
    assert_eq!(export, 1, "the export is recorded once");
    // Nothing about Bob.
    assert!(
        !entries
            .values()
            .any(|content| String::from_utf8_lossy(content).contains("Bob likes cranes"))
    );
}

#[actix_web::test]
async fn viewers_and_editors_can_neither_export_nor_erase() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, _) = zebulon(&app, &admin).await;
    let id = person.id;
    for role in [Role::Viewer, Role::Editor] {
        let client = signed_in(&app, role).await;
        let overview = client.get(&format!("/contacts/{id}")).await;
        assert_eq!(overview.status, 200);
        overview.assert_lacks("Export personal data");
        overview.assert_lacks("personal-data/erase");
        let export = client
            .post_form(&format!("/contacts/{id}/personal-data/export"), &[])
            .await;
        assert_eq!(export.status, 403, "{role:?} export");
        let confirm = client
            .get(&format!("/contacts/{id}/personal-data/erase"))
            .await;
        assert_eq!(confirm.status, 403, "{role:?} confirm");
        let erase = client
            .post_form(
                &format!("/contacts/{id}/personal-data/erase"),
                &[("confirmation", NAME)],
            )
            .await;
        assert_eq!(erase.status, 403, "{role:?} erase");
    }
    assert!(contact::find(&mut app.conn(), id).is_ok());
    let exports = app
        .audit_of("contact", id)
        .into_iter()
        .filter(|(action, _)| action == "export" || action == "erase")
        .count();
    assert_eq!(exports, 0);
}

#[actix_web::test]
async fn a_wrong_confirmation_keeps_everything() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, _) = zebulon(&app, &admin).await;
    let id = person.id;
    let url = format!("/contacts/{id}/personal-data/erase");

    let page = admin.get(&url).await;
    assert_eq!(page.status, 200);
    page.assert_contains(&format!(
        "Type the contact's name, <strong>{NAME}</strong>, to confirm"
    ));
    page.assert_contains("1 conversation with 2 messages");
    page.assert_contains("1 space with 1 file (");
    page.assert_contains("1 secret");

    let history_before = app.audit_of("contact", id);
    for (typed, message) in [
        ("zebulon quixotefield", "That is not Zebulon Quixotefield"),
        ("", "Type Zebulon Quixotefield to confirm."),
    ] {
        let refused = admin.post_form(&url, &[("confirmation", typed)]).await;
        assert_eq!(refused.status, 422, "{typed:?}: {}", refused.body);
        refused.assert_contains(message);
        refused.assert_contains(&format!(
            "name=\"confirmation\" type=\"text\" value=\"{typed}\""
        ));
        refused.assert_contains("aria-invalid=\"true\"");
    }
    assert!(contact::find(&mut app.conn(), id).is_ok());
    let conversations: i64 = conversations::table
        .filter(conversations::contact_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(conversations, 1);
    assert_eq!(space_files_on_disk(&app).len(), 1);
    assert_eq!(app.audit_of("contact", id), history_before);
    assert!(columns_holding(&app, EMAIL).len() > 1);
}

#[actix_web::test]
async fn erase_leaves_no_trace_of_the_person() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, bob) = zebulon(&app, &admin).await;
    let id = person.id;
    let token = app.api_token(TokenRole::Editor);
    let api = app.client();
    let fetched = api
        .api(
            "GET",
            &format!("/api/v1/contact/{id}/fetch"),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(space_files_on_disk(&app).len(), 1);
    let file_row: (i64, String) = space_files::table
        .select((space_files::space_id, space_files::storage_key))
        .first(&mut app.conn())
        .unwrap();

    let erased = admin
        .post_form(
            &format!("/contacts/{id}/personal-data/erase"),
            &[("confirmation", &format!("  {NAME} "))],
        )
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    assert_eq!(erased.location(), Some("/contacts"));
    admin
        .get("/contacts")
        .await
        .assert_contains(&format!("Erased the personal data of contact #{id}"));

    // No table holds anything personal of Zebulon's any more.
    for needle in NEEDLES {
        let holding = columns_holding(&app, needle);
        assert!(holding.is_empty(), "{needle:?} is still in {holding:?}");
    }
    // His files are gone from disk, and their space's folder with them.
    assert!(space_files_on_disk(&app).is_empty());
    assert!(
        !app.data_dir
            .0
            .join("spaces")
            .join(file_row.0.to_string())
            .exists()
    );
    assert!(!file_row.1.is_empty());

    // One entry says who erased which id; earlier ones keep what happened, values erased.
    let erase_entries: Vec<(String, String, Value)> = audit_events::table
        .filter(audit_events::action.eq("erase"))
        .select((
            audit_events::entity,
            audit_events::actor_name,
            audit_events::changes,
        ))
        .load::<(String, String, Value)>(&mut app.conn())
        .unwrap();
    assert_eq!(erase_entries.len(), 1);
    let (entity, actor_name, changes) = &erase_entries[0];
    assert_eq!(entity, "contact");
    assert!(actor_name.starts_with("admin"), "{actor_name}");
    assert_eq!(changes["conversations"], json!({"before": 1, "after": 0}));
    assert_eq!(changes["messages"], json!({"before": 2, "after": 0}));
    assert_eq!(changes["files"], json!({"before": 1, "after": 0}));
    let trail = app.audit_of("contact", id);
    assert_eq!(trail.first().unwrap().0, "create");
    assert_eq!(
        trail.first().unwrap().1["name"],
        json!({"before": null, "after": "erased"})
    );
    assert_eq!(trail.last().unwrap().0, "erase");
    let task_trail = audit_events::table
        .filter(audit_events::entity.eq("task"))
        .filter(audit_events::action.eq("finished"))
        .select(audit_events::changes)
        .first::<Value>(&mut app.conn())
        .unwrap();
    assert_eq!(
        task_trail["status"],
        json!({"before": "running", "after": "idle"})
    );
    assert_eq!(
        task_trail["text"],
        json!({"before": null, "after": "erased"})
    );

    // The API and agents reach none of it.
    for path in [
        format!("/api/v1/contact/{id}/fetch"),
        format!("/api/v1/contact/{id}/context"),
        format!("/api/v1/contact/{id}/memory/list"),
        format!("/api/v1/conversation/{}/fetch", person.conversation),
    ] {
        let response = api.api("GET", &path, Some(&token), &[], None).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
    }
    assert_eq!(admin.get(&format!("/contacts/{id}")).await.status, 404);
    assert_eq!(
        admin
            .get(&format!("/contacts/{id}/personal-data/erase"))
            .await
            .status,
        404
    );

    // Bob keeps his own data and the conversation moved to him; his history names
    // Zebulon no more.
    let bob_conversations: Vec<ConversationId> = conversations::table
        .filter(conversations::contact_id.eq(bob))
        .select(conversations::id)
        .order(conversations::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(bob_conversations.len(), 2);
    assert!(bob_conversations.contains(&person.moved));
    assert!(columns_holding(&app, "Bob likes cranes").contains(&"memories.text (1)".to_string()));
    let moved: Value = audit_events::table
        .filter(audit_events::action.eq("moved"))
        .filter(audit_events::contact_id.eq(bob))
        .select(audit_events::changes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        moved["contact"],
        json!({"before": "erased", "after": format!("Bob Builder (#{bob})")})
    );
    let contacts_left: i64 = contacts::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(contacts_left, 1);
}

#[actix_web::test]
async fn a_contact_in_trash_can_be_exported_and_erased_from_the_trash_page() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, _) = zebulon(&app, &admin).await;
    let id = person.id;
    let deleted = admin
        .post_form(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    let trash = admin.get("/contacts/trash").await;
    trash.assert_contains(&format!("/contacts/{id}/personal-data/export"));
    trash.assert_contains(&format!("/contacts/{id}/personal-data/erase"));
    let editor = signed_in(&app, Role::Editor).await;
    editor
        .get("/contacts/trash")
        .await
        .assert_lacks("personal-data/erase");

    let export = admin
        .post_form(&format!("/contacts/{id}/personal-data/export"), &[])
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    let entries = unzip(&export.bytes);
    let contact = json_of(&entries, "contact.json");
    assert_eq!(contact["email"], EMAIL);
    assert!(contact["in_trash"]["deleted_at"].is_string(), "{contact}");

    let page = admin
        .get(&format!("/contacts/{id}/personal-data/erase"))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("(the contact is in Trash)");
    page.assert_contains("href=\"/contacts/trash\"");
    let erased = admin
        .post_form(
            &format!("/contacts/{id}/personal-data/erase"),
            &[("confirmation", NAME)],
        )
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    assert!(columns_holding(&app, EMAIL).is_empty());
    admin
        .get("/contacts/trash")
        .await
        .assert_contains("Trash is empty.");
}

#[actix_web::test]
async fn a_contact_without_a_name_is_erased_by_typing_erase() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let nameless = ContactBuilder::new("")
        .email("someone@example.net")
        .create(&mut app.conn());
    let url = format!("/contacts/{}/personal-data/erase", nameless.id);
    let page = admin.get(&url).await;
    page.assert_contains("This contact has no name: type <strong>ERASE</strong> to confirm");
    let refused = admin.post_form(&url, &[("confirmation", "erase")]).await;
    assert_eq!(refused.status, 422);
    let erased = admin.post_form(&url, &[("confirmation", "ERASE")]).await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    assert!(columns_holding(&app, "someone@example.net").is_empty());
}

#[actix_web::test]
async fn the_command_line_exports_and_erases() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, _) = zebulon(&app, &admin).await;
    let id = person.id;
    let run = |command: ContactCommand| {
        let mut out = Vec::new();
        let result =
            rapport::cli::contact::run(command, &mut app.conn(), &app.data_dir.0, &mut out);
        result.map(|()| String::from_utf8(out).unwrap())
    };

    let output = app.data_dir.0.join("zebulon.zip");
    let printed = run(ContactCommand::Export {
        id,
        output: output.clone(),
    })
    .unwrap();
    assert!(
        printed.starts_with(&format!("Wrote the personal data of contact {id} to ")),
        "{printed}"
    );
    let entries = unzip(&std::fs::read(&output).unwrap());
    assert_eq!(json_of(&entries, "contact.json")["email"], EMAIL);
    assert_eq!(
        entries[&format!("spaces/{}/contract.txt", person.space)],
        FILE_BYTES
    );
    assert!(!app.data_dir.0.join("zebulon.zip.part").exists());
    let by: String = audit_events::table
        .filter(audit_events::action.eq("export"))
        .select(audit_events::actor_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(by, "command line");

    let dry = run(ContactCommand::Erase { id, yes: false }).unwrap();
    assert!(
        dry.starts_with(&format!("Would erase contact {id} ({NAME}): its details, 1 conversation, 2 messages, 1 task, 1 memory, 1 secret, 1 rating, 1 space, 1 file.")),
        "{dry}"
    );
    assert!(dry.contains("Nothing was changed; run again with --yes to erase."));
    assert!(contact::find(&mut app.conn(), id).is_ok());
    assert_eq!(space_files_on_disk(&app).len(), 1);

    let done = run(ContactCommand::Erase { id, yes: true }).unwrap();
    assert!(
        done.starts_with(&format!("Erased contact {id}: its details, 1 conversation")),
        "{done}"
    );
    std::fs::remove_file(&output).unwrap();
    for needle in [EMAIL, NAME, PHONE] {
        assert!(columns_holding(&app, needle).is_empty(), "{needle}");
    }
    assert!(space_files_on_disk(&app).is_empty());
    let again = run(ContactCommand::Erase { id, yes: true }).unwrap_err();
    assert_eq!(
        again,
        format!("no contact has the id {id} (erased already?)")
    );
    let export_again = run(ContactCommand::Export {
        id,
        output: app.data_dir.0.join("again.zip"),
    })
    .unwrap_err();
    assert!(
        export_again.starts_with("no contact has the id"),
        "{export_again}"
    );
    assert!(!app.data_dir.0.join("again.zip").exists());
    assert!(!app.data_dir.0.join("again.zip.part").exists());
}

#[actix_web::test]
async fn the_sweep_removes_bytes_no_row_names_once_they_are_old() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, Role::Admin).await;
    let (person, _) = zebulon(&app, &admin).await;
    let kept = space_files_on_disk(&app);
    assert_eq!(kept.len(), 1);
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 3600);
    let age = |path: &Path| {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
    };
    age(&kept[0]);
    let space_dir = app.data_dir.0.join("spaces").join(person.space.to_string());
    let orphan = space_dir.join("0123456789abcdef0123456789abcdef");
    let young = space_dir.join("fedcba9876543210fedcba9876543210");
    std::fs::write(&orphan, b"left by a crash").unwrap();
    std::fs::write(&young, b"an upload committing right now").unwrap();
    age(&orphan);
    // A space that is gone entirely: its folder goes too.
    let gone = app.data_dir.0.join("spaces").join(SpaceId(999).to_string());
    std::fs::create_dir_all(&gone).unwrap();
    let gone_file = gone.join("00000000000000000000000000000000");
    std::fs::write(&gone_file, b"x").unwrap();
    age(&gone_file);
    std::fs::File::open(&gone)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();

    let settings = rapport::jobs::JobSettings::from_settings(&app.settings);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let job = rapport::jobs::run_here(
        &mut app.conn(),
        &rapport::models::job::NewJob {
            kind: "space_files_sweep",
            parameters: json!({}),
            upload_id: None,
            run_after: None,
        },
        &actor(),
        &settings,
        &stop,
    )
    .unwrap();
    assert_eq!(job.state, "done", "{job:?}");
    assert!(kept[0].exists(), "a file its row names stays");
    assert!(young.exists(), "a young file stays");
    assert!(!orphan.exists());
    assert!(!gone.exists());
}
