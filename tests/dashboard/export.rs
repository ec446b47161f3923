//! The contacts list's Export: the control keeps the search, the download holds exactly what
//! the list matches in CSV, vCard 4.0 or JSON Lines, the CSV re-imports into Rapport with no
//! changes, the vCard reads back with an independent parser, and every export is audited.

use crate::common::builders::ContactBuilder;
use crate::common::{Response, TestApp, TestClient};
use diesel::prelude::*;
use rapport::domain::import::{
    ColumnTarget, ImportReader, Layout, detect, row_input, suggest_mapping,
};
use rapport::domain::{ContactField, ContactSource, Role};
use rapport::models::Contact;
use rapport::models::schema::audit_events;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::PathBuf;

/// The cells of a CSV body, header first.
fn csv_records(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The `id` column of a CSV export.
fn csv_ids(body: &str) -> Vec<String> {
    csv_records(body)
        .into_iter()
        .skip(1)
        .map(|row| row[0].clone())
        .collect()
}

async fn people() -> (TestApp, TestClient, [Contact; 3]) {
    let app = TestApp::spawn().await;
    let people = {
        let mut conn = app.conn();
        [
            ContactBuilder::new("Ada Lovelace")
                .email("ada@analytical.example")
                .phone("+1 212 555 0147")
                .nick("countess")
                .meta("plan", "pro")
                .create(&mut conn),
            ContactBuilder::new("Grace Hopper")
                .email("grace@navy.example")
                .source(ContactSource::Email)
                .create(&mut conn),
            ContactBuilder::new("Alan Turing")
                .email("alan@bletchley.example")
                .unverified()
                .meta("plan", "free")
                .create(&mut conn),
        ]
    };
    let client = app.signed_in(Role::Viewer).await;
    (app, client, people)
}

fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// The export events: (actor name, changes), oldest first.
fn exports(app: &TestApp) -> Vec<(String, Value)> {
    audit_events::table
        .filter(audit_events::entity.eq("contact_export"))
        .filter(audit_events::action.eq("export"))
        .select((audit_events::actor_name, audit_events::changes))
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap()
}

/// `{"format": {"before": v, "after": v}, …}` → `{"format": v, …}`.
fn flat(changes: &Value) -> Value {
    Value::Object(
        changes
            .as_object()
            .unwrap()
            .iter()
            .map(|(key, change)| {
                assert_eq!(change["before"], change["after"], "{key} is context");
                (key.clone(), change["after"].clone())
            })
            .collect(),
    )
}

#[actix_web::test]
async fn the_export_control_keeps_the_search_and_filters() {
    let (_app, client, _) = people().await;
    let page = client.get("/contacts").await;
    page.assert_contains("Export all contacts");
    page.assert_contains("href=\"/contacts/export?format=csv\" download>CSV</a>");
    page.assert_contains("href=\"/contacts/export?format=vcard\" download>vCard</a>");
    page.assert_contains("href=\"/contacts/export?format=jsonl\" download>JSON Lines</a>");

    let searched = client
        .get("/contacts?q=ada&sort=name&verified=yes&meta=plan%3Dpro&per_page=50")
        .await;
    searched.assert_contains("Export these contacts");
    searched.assert_contains(
        "href=\"/contacts/export?format=csv&#38;q=ada&#38;verified=yes&#38;meta=plan%3Dpro\"",
    );
    // Search as you type swaps the results, the Export control with them.
    let typed = client
        .get_htmx("/contacts?q=grace&source=email", "results")
        .await;
    typed.assert_contains("href=\"/contacts/export?format=vcard&#38;q=grace&#38;source=email\"");
    let none = client
        .get_htmx("/contacts?q=nobody-at-all", "results")
        .await;
    none.assert_contains("No contacts match");
    none.assert_lacks("/contacts/export");
}

#[actix_web::test]
async fn a_viewer_downloads_each_format_with_its_name_and_type() {
    let (app, client, [ada, grace, alan]) = people().await;
    for (format, content_type, extension) in [
        ("csv", "text/csv; charset=utf-8", "csv"),
        ("vcard", "text/vcard; charset=utf-8", "vcf"),
        ("jsonl", "application/jsonl", "jsonl"),
    ] {
        let download = client
            .get(&format!("/contacts/export?format={format}"))
            .await;
        assert_eq!(download.status, 200, "{format}: {}", download.body);
        assert_eq!(download.header("content-type"), Some(content_type));
        assert_eq!(
            download.header("content-disposition"),
            Some(format!("attachment; filename=\"contacts-{}.{extension}\"", today()).as_str())
        );
        assert_eq!(download.header("cache-control"), Some("no-store"));
        assert_eq!(
            download.header("transfer-encoding"),
            Some("chunked"),
            "streamed"
        );
    }
    let default = client.get("/contacts/export").await;
    assert_eq!(
        default.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        csv_ids(&default.body),
        [alan.id, grace.id, ada.id].map(|id| id.to_string()),
        "newest first"
    );

    // JSON Lines: the API's contact object, one a line.
    let lines = client.get("/contacts/export?format=jsonl").await;
    assert!(lines.body.ends_with('\n'));
    let objects: Vec<Value> = lines
        .body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let token = app.api_token(rapport::domain::api_token::TokenRole::Viewer);
    let fetched = app
        .client()
        .api(
            "GET",
            &format!("/api/v1/contact/{}/fetch", ada.id),
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(objects.len(), 3);
    assert_eq!(objects[2], fetched, "the same object as the API's");
    assert_eq!(objects[2]["meta"], json!({"plan": "pro"}));
}

#[actix_web::test]
async fn visitors_cannot_export_and_unknown_formats_are_refused() {
    let (app, client, _) = people().await;
    let anonymous = app.client().get("/contacts/export?format=csv").await;
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.location().unwrap().starts_with("/login"));
    let unknown = client.get("/contacts/export?format=xlsx").await;
    assert_eq!(unknown.status, 400);
    unknown.assert_contains("&#34;xlsx&#34; is not an export format: use csv, vcard or jsonl.");
    assert!(
        exports(&app).is_empty(),
        "nothing exported, nothing audited"
    );
}

#[actix_web::test]
async fn a_filtered_export_holds_only_what_the_list_matches() {
    let (_app, client, [ada, grace, alan]) = people().await;
    let cases: [(&str, Vec<String>); 7] = [
        ("q=lovelace", vec![ada.id.to_string()]),
        ("q=212%20555", vec![ada.id.to_string()]),
        ("source=email", vec![grace.id.to_string()]),
        ("verified=no", vec![alan.id.to_string()]),
        ("meta=plan%3Dpro", vec![ada.id.to_string()]),
        ("q=a&verified=yes", vec![ada.id.to_string()]),
        (
            "verified=yes",
            vec![grace.id.to_string(), ada.id.to_string()],
        ),
    ];
    for (filters, expected) in cases {
        let listed = client.get(&format!("/contacts?{filters}")).await;
        let download = client
            .get(&format!("/contacts/export?format=csv&{filters}"))
            .await;
        assert_eq!(csv_ids(&download.body), expected, "{filters}");
        assert!(
            listed.contains(&format!("{} contact", expected.len())),
            "the list matches the same: {filters}"
        );
    }
    // The list's position, sort and page size do not shorten or reorder an export.
    let page = client.get("/contacts?per_page=25&sort=name").await;
    assert_eq!(page.status, 200);
    let all = client
        .get("/contacts/export?sort=name&per_page=1&after=whatever")
        .await;
    assert_eq!(csv_ids(&all.body).len(), 3);
}

#[actix_web::test]
async fn csv_cells_that_would_run_as_formulas_are_neutralised() {
    let app = TestApp::spawn().await;
    ContactBuilder::new("=HYPERLINK(\"http://evil.example\",\"Click\")")
        .description("@SUM(A1:A9)")
        .nick("-2+3")
        .preferences("+1 call me")
        .meta("note", "=1+1")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Viewer).await;
    let download = client.get("/contacts/export?format=csv").await;
    let rows = csv_records(&download.body);
    let row = &rows[1];
    assert_eq!(row[1], "'=HYPERLINK(\"http://evil.example\",\"Click\")");
    assert_eq!(row[2], "'@SUM(A1:A9)");
    assert_eq!(row[6], "'-2+3");
    assert_eq!(row[7], "'+1 call me");
    assert_eq!(
        row[9], r#"{"note":"=1+1"}"#,
        "JSON starts with a brace: safe as it is"
    );
    for cell in row {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "no cell starts a formula: {cell:?}"
        );
    }
}

/// Writes `body` to a temporary file for the import reader.
fn temporary(name: &str, body: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rapport-export-{}-{name}", std::process::id()));
    std::fs::write(&path, body).unwrap();
    path
}

#[actix_web::test]
async fn the_csv_re_imports_into_rapport_with_no_mapping_and_no_changes() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn();
        let rich = ContactBuilder::new("=HYPERLINK(\"http://evil.example\")")
            .email("ada@example.com")
            .phone("+1 212 555 0147")
            .nick("-countess-")
            .description("Line one\nline \"two\", with a comma; and a semicolon")
            .preferences("@mentions only\r\nplease")
            .create(&mut conn);
        // Meta of every JSON type, as the API can store it.
        diesel::sql_query(
            "UPDATE contacts SET meta = '{\"plan\": \"+1\", \"score\": 42, \"ratio\": 0.5, \
             \"vip\": true, \"tags\": [\"a\", \"b\"], \"crm\": {\"id\": \"A-1\"}, \"none\": null}' \
             WHERE id = $1",
        )
        .bind::<diesel::sql_types::BigInt, _>(rich.id.0)
        .execute(&mut conn)
        .unwrap();
        ContactBuilder::new("Grace Hopper")
            .unverified()
            .create(&mut conn);
        diesel::sql_query(
            "INSERT INTO contacts (phone, source, fingerprint) VALUES ('+442079460018', 'api', 'user-000000000000001')",
        )
        .execute(&mut conn)
        .unwrap();
    }
    let client = app.signed_in(Role::Viewer).await;
    let download = client.get("/contacts/export?format=csv").await;
    let exported: Vec<Contact> = {
        use rapport::models::schema::contacts;
        contacts::table
            .select(Contact::as_select())
            .order((contacts::created_at.desc(), contacts::id.desc()))
            .load(&mut app.conn())
            .unwrap()
    };

    let path = temporary("round-trip.csv", &download.bytes);
    let detected = detect(&path, Some("contacts.csv"), u64::MAX).unwrap();
    let mut reader = ImportReader::open(&path, &detected).unwrap();
    assert_eq!(reader.layout(), Layout::Rapport);
    let headers = reader.headers().to_vec();
    let mapping = suggest_mapping(reader.layout(), &headers);
    assert_eq!(
        mapping.columns,
        [
            ColumnTarget::Ignore,
            ColumnTarget::Field(ContactField::Name),
            ColumnTarget::Field(ContactField::Description),
            ColumnTarget::Fingerprint,
            ColumnTarget::Field(ContactField::Email),
            ColumnTarget::Field(ContactField::Phone),
            ColumnTarget::Field(ContactField::Nick),
            ColumnTarget::Field(ContactField::Preferences),
            ColumnTarget::VerifiedAt,
            ColumnTarget::MetaObject,
            ColumnTarget::Ignore,
            ColumnTarget::Ignore,
        ],
        "every column maps to its field without help"
    );
    let mut count = 0;
    while let Some(record) = reader.next_record() {
        let record = record.unwrap();
        let contact = &exported[count];
        count += 1;
        let input = row_input(&record, &headers, &mapping).unwrap();
        let sent = |value: &Option<String>| value.clone().map(Some);
        assert_eq!(input.name, sent(&contact.name));
        assert_eq!(input.description, sent(&contact.description));
        assert_eq!(input.email, sent(&contact.email));
        assert_eq!(input.phone, sent(&contact.phone));
        assert_eq!(input.nick, sent(&contact.nick));
        assert_eq!(input.preferences, sent(&contact.preferences));
        assert_eq!(input.fingerprint, Some(Some(contact.fingerprint.clone())));
        assert_eq!(
            input.verified_at,
            contact.verified_at.map(|t| Some(t.timestamp_millis()))
        );
        let meta = match &contact.meta {
            Value::Object(map) if map.is_empty() => None,
            other => Some(Some(other.clone())),
        };
        assert_eq!(input.meta, meta, "meta keeps its JSON types");
        assert!(
            input
                .validate(
                    rapport::domain::PhoneRegion::default(),
                    rapport::domain::contact_patch::Purpose::Create
                )
                .is_ok(),
            "the row imports as it is"
        );
    }
    std::fs::remove_file(&path).unwrap();
    assert_eq!(count, 3);
    assert_eq!(
        exported[2].name.as_deref(),
        Some("=HYPERLINK(\"http://evil.example\")")
    );
}

/// A text property's values, as the parser read them.
fn texts(card: &calcard::vcard::VCard, property: calcard::vcard::VCardProperty) -> Vec<String> {
    card.properties(&property)
        .flat_map(|entry| entry.values.iter())
        .filter_map(|value| value.as_text().map(str::to_string))
        .collect()
}

#[actix_web::test]
async fn the_vcard_reads_back_with_an_independent_parser() {
    use calcard::vcard::{VCardProperty, VCardVersion};
    let app = TestApp::spawn().await;
    let long = "Prefers email; never calls before noon, Berlin time. Speaks German, French \
                and a little Japanese (日本語を少し), and asks for \\ backslashes to stay.";
    let ada = ContactBuilder::new("Ada King Lovelace")
        .email("ada@analytical.example")
        .phone("+44 20 7946 0018")
        .nick("countess, of Lovelace")
        .description(&format!("{long}\nSecond line."))
        .preferences("Mornings")
        .meta("plan", "pro")
        .create(&mut app.conn());
    let nameless = {
        let mut conn = app.conn();
        diesel::sql_query(
            "INSERT INTO contacts (email, source) VALUES ('only@mail.example', 'api') RETURNING id",
        )
        .execute(&mut conn)
        .unwrap();
        "only@mail.example"
    };
    let client = app.signed_in(Role::Viewer).await;
    let download = client.get("/contacts/export?format=vcard").await;
    let body = &download.body;

    // Lines end with CRLF and are folded to at most 75 octets (RFC 6350 §3.2).
    assert!(body.ends_with("END:VCARD\r\n"));
    assert!(!body.replace("\r\n", "").contains('\n'), "no bare LF");
    for line in body.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(body.contains("\r\n "), "the long note is folded");

    let mut parser = calcard::Parser::new(body).strict();
    let mut cards = Vec::new();
    loop {
        match parser.entry() {
            calcard::Entry::VCard(card) => cards.push(card),
            calcard::Entry::Eof => break,
            other => panic!("not a vCard: {other:?}\n{body}"),
        }
    }
    assert_eq!(cards.len(), 2);
    let (first, second) = (&cards[0], &cards[1]);
    assert_eq!(first.version(), Some(VCardVersion::V4_0));
    assert_eq!(texts(first, VCardProperty::Fn), [nameless]);
    assert_eq!(texts(first, VCardProperty::Email), [nameless]);

    assert_eq!(second.version(), Some(VCardVersion::V4_0));
    assert_eq!(texts(second, VCardProperty::Fn), ["Ada King Lovelace"]);
    assert_eq!(
        texts(second, VCardProperty::Email),
        ["ada@analytical.example"]
    );
    assert_eq!(texts(second, VCardProperty::Tel), ["tel:+442079460018"]);
    assert_eq!(
        texts(second, VCardProperty::Nickname),
        ["countess, of Lovelace"]
    );
    assert_eq!(
        texts(second, VCardProperty::Note),
        [format!("{long}\nSecond line.")],
        "escapes and folds undone"
    );
    assert_eq!(
        second.uid(),
        Some(format!("urn:uuid:{}", ada.fingerprint).as_str())
    );
    let n = second.property(&VCardProperty::N).unwrap();
    let components: Vec<String> = n
        .values
        .iter()
        .map(|value| value.as_text().unwrap_or_default().to_string())
        .collect();
    assert_eq!(components[..2], ["Lovelace", "Ada King"]);
    assert_eq!(
        texts(second, VCardProperty::Other("X-RAPPORT-META".into())),
        [r#"{"plan":"pro"}"#]
    );

    // Rapport's own import reads it back too.
    let path = temporary("cards.vcf", &download.bytes);
    let detected = detect(&path, Some("contacts.vcf"), u64::MAX).unwrap();
    let mut reader = ImportReader::open(&path, &detected).unwrap();
    assert_eq!(reader.layout(), Layout::VCard);
    let headers = reader.headers().to_vec();
    let mapping = suggest_mapping(reader.layout(), &headers);
    let records: Vec<_> = std::iter::from_fn(|| reader.next_record())
        .map(|r| row_input(&r.unwrap(), &headers, &mapping).unwrap())
        .collect();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(records[1].name, Some(Some("Ada King Lovelace".into())));
    assert_eq!(records[1].phone, Some(Some("+442079460018".into())));
    assert_eq!(
        records[1].description,
        Some(Some(format!("{long}\nSecond line.")))
    );
}

#[actix_web::test]
async fn each_export_is_audited_with_its_filters_and_count() {
    let (app, client, _) = people().await;
    client
        .get("/contacts/export?format=vcard&q=a&verified=yes")
        .await;
    client.get("/contacts/export").await;
    let events = exports(&app);
    assert_eq!(events.len(), 2);
    let (actor, changes) = &events[0];
    assert!(actor.starts_with("viewer "), "{actor}");
    assert_eq!(
        flat(changes),
        json!({"format": "vcard", "filter": {"q": "a", "verified": "yes"}, "count": 1, "complete": true})
    );
    assert_eq!(
        flat(&events[1].1),
        json!({"format": "csv", "filter": {}, "count": 3, "complete": true})
    );
    let (contact_id, entity_id): (Option<i64>, i64) = audit_events::table
        .filter(audit_events::entity.eq("contact_export"))
        .select((audit_events::contact_id, audit_events::entity_id))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((contact_id, entity_id), (None, 0), "about no one contact");
}

#[actix_web::test]
async fn a_large_filtered_export_streams_every_batch_once() {
    let app = TestApp::spawn().await;
    // 2,600 contacts over three batches of 1,000, ties on created_at across batch boundaries,
    // every other one on the pro plan.
    diesel::sql_query(
        "INSERT INTO contacts (name, source, meta, created_at) \
         SELECT 'Bulk ' || g, 'import', \
                CASE WHEN g % 2 = 0 THEN '{\"plan\": \"pro\"}'::jsonb ELSE '{}'::jsonb END, \
                timestamp '2025-01-01' + (g / 7) * interval '1 second' \
         FROM generate_series(1, 2600) g",
    )
    .execute(&mut app.conn())
    .unwrap();
    let client = app.signed_in(Role::Viewer).await;
    let all = client.get("/contacts/export?format=jsonl").await;
    let ids: Vec<String> = all
        .body
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 2600);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 2600, "none twice");
    let pro = client
        .get("/contacts/export?format=csv&meta=plan%3Dpro")
        .await;
    let pro_ids = csv_ids(&pro.body);
    assert_eq!(pro_ids.len(), 1300);
    assert_eq!(pro_ids.iter().collect::<HashSet<_>>().len(), 1300);
    let searched = client.get("/contacts/export?format=csv&q=bulk%2025").await;
    // "bulk 25", "bulk 250".."bulk 259", "bulk 2500".."bulk 2599".
    assert_eq!(csv_ids(&searched.body).len(), 1 + 10 + 100);
    assert_eq!(
        flat(&exports(&app)[1].1)["count"],
        1300,
        "the count is what was written"
    );
}

#[actix_web::test]
async fn an_interrupted_download_is_audited_as_incomplete() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    diesel::sql_query(
        "INSERT INTO contacts (name, description, source) \
         SELECT 'Bulk ' || g, repeat('x', 500), 'import' FROM generate_series(1, 20000) g",
    )
    .execute(&mut app.conn())
    .unwrap();
    let client = app.signed_in(Role::Viewer).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "GET /contacts/export?format=csv HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\n\r\n",
        client.cookie_header()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut start = [0_u8; 4096];
    let read = stream.read(&mut start).await.unwrap();
    assert!(String::from_utf8_lossy(&start[..read]).starts_with("HTTP/1.1 200"));
    drop(stream);

    let mut events = Vec::new();
    for _ in 0..100 {
        events = exports(&app);
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events.len(), 1, "audited once the client went away");
    let changes = flat(&events[0].1);
    assert_eq!(changes["complete"], false);
    let count = changes["count"].as_u64().unwrap();
    assert!(count > 0 && count < 20_000, "{count}");
}

/// Keeps the helper honest: a response's body is what the export wrote.
#[actix_web::test]
async fn an_empty_export_is_a_well_formed_file() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Viewer).await;
    let csv: Response = client.get("/contacts/export?format=csv").await;
    assert_eq!(csv_records(&csv.body).len(), 1, "the header row only");
    assert_eq!(client.get("/contacts/export?format=vcard").await.body, "");
    assert_eq!(client.get("/contacts/export?format=jsonl").await.body, "");
    assert_eq!(flat(&exports(&app)[0].1)["count"], 0);
}

#[actix_web::test]
async fn contacts_in_trash_are_not_exported() {
    let (app, client, [ada, grace, alan]) = people().await;
    rapport::models::contact::trash(
        &mut app.conn(),
        grace.id,
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    let download = client.get("/contacts/export?format=csv").await;
    assert_eq!(
        csv_ids(&download.body),
        [alan.id, ada.id].map(|id| id.to_string())
    );
    let searched = client.get("/contacts/export?format=csv&q=grace").await;
    assert!(csv_ids(&searched.body).is_empty());
    let token = app.api_token(rapport::domain::api_token::TokenRole::Viewer);
    let api = app
        .client()
        .api(
            "GET",
            "/api/v1/contact/export",
            Some(&token),
            &[("accept", "text/csv")],
            None,
        )
        .await;
    assert_eq!(
        csv_ids(&api.body),
        [alan.id, ada.id].map(|id| id.to_string())
    );
}
