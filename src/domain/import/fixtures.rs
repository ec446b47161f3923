//! The real files under `tests/fixtures/import/`, read end to end: detection, records,
//! suggested mapping, contact input and its validation.

use super::*;
use crate::domain::contact_field::ContactField;
use crate::domain::contact_patch::{ContactPatchInput, Purpose, Sent};
use crate::domain::phone::PhoneRegion;
use serde_json::{Value, json};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

use std::path::Path;

/// Everything a file gives.
struct Read {
    detected: Detected,
    layout: Layout,
    headers: Vec<String>,
    mapping: Mapping,
    records: Vec<Result<SourceRecord, RecordError>>,
    bytes: u64,
}

impl Read {
    fn of(path: &Path) -> Read {
        let name = path.file_name().and_then(|n| n.to_str());
        let detected = detect(path, name, DEFAULT_MAX_BYTES).unwrap();
        let mut reader = ImportReader::open(path, &detected).unwrap();
        let headers = reader.headers().to_vec();
        let layout = reader.layout();
        let records: Vec<_> = reader.by_ref().collect();
        Read {
            detected,
            layout,
            mapping: suggest_mapping(layout, &headers),
            headers,
            records,
            bytes: reader.byte_position(),
        }
    }

    fn fixture(name: &str) -> Read {
        Read::of(&fixture(name))
    }

    fn record(&self, index: usize) -> &SourceRecord {
        self.records[index].as_ref().unwrap()
    }

    fn input(&self, index: usize) -> ContactPatchInput {
        row_input(self.record(index), &self.headers, &self.mapping).unwrap()
    }

    fn targets(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .cloned()
            .zip(self.mapping.columns.iter().map(ColumnTarget::param))
            .collect()
    }

    fn target(&self, header: &str) -> String {
        let index = self.headers.iter().position(|h| h == header).unwrap();
        self.mapping.columns[index].param()
    }
}

fn set(value: &str) -> Sent<String> {
    Some(Some(value.to_string()))
}

fn meta(input: &ContactPatchInput) -> Value {
    input.meta.clone().flatten().unwrap_or(Value::Null)
}

fn region(code: &str) -> PhoneRegion {
    code.parse().unwrap()
}

#[test]
fn google_contacts_csv() {
    let read = Read::fixture("google.csv");
    assert_eq!(
        read.detected,
        Detected {
            format: FileFormat::Csv { delimiter: b',' },
            encoding: TextEncoding::Utf8
        }
    );
    assert_eq!(read.layout, Layout::Google);
    assert_eq!(read.target("Middle Name"), "name");
    assert_eq!(read.target("E-mail 2 - Value"), "email");
    assert_eq!(read.target("Phone 1 - Label"), "ignore");
    assert_eq!(read.target("Photo"), "ignore");
    assert_eq!(read.records.len(), 3);
    // The header is row 1; Ada's notes and address span lines but she is row 2.
    let numbers: Vec<u64> = read
        .records
        .iter()
        .map(|r| r.as_ref().unwrap().number)
        .collect();
    assert_eq!(numbers, [2, 3, 4]);

    let ada = read.input(0);
    assert_eq!(ada.name, set("Ada King Lovelace"));
    assert_eq!(ada.nick, set("Ada"));
    assert_eq!(ada.email, set("ada@example.com"));
    assert_eq!(ada.phone, set("+44 20 7946 0018"));
    assert_eq!(
        ada.description,
        set("Wrote the first program.\nLikes poetry, too.")
    );
    let meta = meta(&ada);
    assert_eq!(meta["email_2"], "ada.lovelace@example.org");
    assert_eq!(meta["email_3"], "ada@engines.example");
    assert_eq!(meta["phone_2"], "+44 20 7946 0019");
    assert_eq!(meta["phone_3"], "+44 20 7946 0020");
    assert_eq!(meta["organization"], "Analytical Engines");
    assert_eq!(meta["title"], "Mathematician");
    assert_eq!(meta["name_prefix"], "Countess");
    assert_eq!(meta["labels"], "* myContacts ::: Friends");
    assert_eq!(meta["address"], "12 St James's Square\nLondon");
    assert!(meta.get("photo").is_none() && meta.get("e_mail_1_label").is_none());
    assert!(
        ada.validate(region("GB"), Purpose::Create).is_ok(),
        "{:?}",
        ada.validate(region("GB"), Purpose::Create)
    );

    let acme = read.input(2);
    assert_eq!(acme.name, None);
    assert_eq!(acme.phone, set("(212) 555-0147"));
    assert!(acme.validate(region("US"), Purpose::Create).is_ok());
}

#[test]
fn outlook_csv_in_windows_1252() {
    let read = Read::fixture("outlook-1252.csv");
    assert_eq!(read.detected.encoding, TextEncoding::Windows1252);
    assert_eq!(read.layout, Layout::Outlook);
    assert_eq!(read.headers.len(), 20);
    let zoe = read.input(0);
    assert_eq!(zoe.name, set("Zoé Dupré"));
    assert_eq!(zoe.email, set("zoe@cafe-mueller.example"));
    assert_eq!(zoe.phone, set("+49 211 1234567"));
    assert_eq!(zoe.description, set("Prix: 5 € le café"));
    let meta = meta(&zoe);
    assert_eq!(meta["email_2"], "zoe.dupre@example.fr");
    assert_eq!(meta["phone_2"], "+49 151 23456789");
    assert_eq!(meta["organization"], "Café Müller");
    assert_eq!(meta["title"], "Gérante");
    assert_eq!(meta["name_prefix"], "Mme");
    assert_eq!(meta["business_city"], "Düsseldorf");
    assert_eq!(meta["business_fax"], "+49 211 1234568");
    assert!(meta.get("e_mail_display_name").is_none());
    assert!(zoe.validate(region("DE"), Purpose::Create).is_ok());
    let juergen = read.input(1);
    assert_eq!(juergen.name, set("Jürgen Groß"));
    assert_eq!(juergen.phone, set("030 1234567"));
    let checked = juergen.validate(region("DE"), Purpose::Create).unwrap();
    assert_eq!(checked.phone.unwrap().unwrap().e164(), "+49301234567");
}

#[test]
fn semicolons_quoted_newlines_and_crlf() {
    let read = Read::fixture("semicolon-crlf.csv");
    assert_eq!(read.detected.format, FileFormat::Csv { delimiter: b';' });
    assert_eq!(read.layout, Layout::Generic);
    assert_eq!(
        read.targets(),
        [
            ("Name".into(), "name".into()),
            ("E-Mail".into(), "email".into()),
            ("Telefon".into(), "meta:telefon".into()),
            ("Notiz".into(), "meta:notiz".into()),
            ("Umsatz".into(), "meta:umsatz".into()),
        ]
    );
    assert_eq!(read.records.len(), 2);
    let anna = read.record(0);
    assert_eq!(anna.number, 2);
    assert_eq!(anna.values[3], "Erste Zeile\r\nZweite Zeile; mit Semikolon");
    assert_eq!(anna.values[4], "1.234,56");
    // A blank line is a row in a spreadsheet too.
    let bernd = read.record(1);
    assert_eq!(bernd.number, 4);
    assert_eq!(bernd.values[0], "Bernd \"Bernie\" Meier");
    assert_eq!(bernd.values[3], "");
}

#[test]
fn utf16_with_a_bom() {
    let read = Read::fixture("utf16le-bom.csv");
    assert_eq!(
        read.detected,
        Detected {
            format: FileFormat::Csv { delimiter: b',' },
            encoding: TextEncoding::Utf16Le
        }
    );
    assert_eq!(read.headers, ["name", "email", "phone", "city"]);
    let soren = read.input(0);
    assert_eq!(soren.name, set("Søren Kierkegaard"));
    assert_eq!(meta(&soren), json!({"city": "København"}));
    let bruce = read.input(1);
    assert_eq!(bruce.name, set("李小龍"));
    assert_eq!(meta(&bruce), json!({"city": "香港"}));
    assert!(bruce.validate(region("HK"), Purpose::Create).is_ok());
    assert_eq!(
        read.bytes,
        std::fs::metadata(fixture("utf16le-bom.csv")).unwrap().len()
    );
}

#[test]
fn tab_separated_with_a_utf8_bom() {
    let read = Read::fixture("tabs.tsv");
    assert_eq!(
        read.detected,
        Detected {
            format: FileFormat::Csv { delimiter: b'\t' },
            encoding: TextEncoding::Utf8
        }
    );
    // The BOM is not part of the first header.
    assert_eq!(read.headers[0], "Full Name");
    assert_eq!(read.target("Mobile"), "phone");
    assert_eq!(read.target("Notes"), "description");
    let linus = read.input(0);
    assert_eq!(linus.name, set("Linus Torvalds"));
    assert_eq!(linus.description, set("comma, inside"));
    assert_eq!(meta(&linus), json!({"company": "Linux Foundation"}));
    assert_eq!(read.input(1).description, set("quoted\ttab"));
}

#[test]
fn invalid_rows_are_reported_each() {
    let read = Read::fixture("invalid-rows.csv");
    let region = region("US");
    let outcome: Vec<(u64, String)> = read
        .records
        .iter()
        .map(|record| match record {
            Err(error) => (error.number, format!("record: {}", error.message)),
            Ok(record) => {
                let input = row_input(record, &read.headers, &read.mapping).unwrap();
                match input.validate(region, Purpose::Create) {
                    Ok(_) => (record.number, "ok".into()),
                    Err(errors) => (
                        record.number,
                        errors
                            .iter()
                            .map(|(field, _)| field)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                }
            }
        })
        .collect();
    let summary: Vec<(u64, &str)> = outcome
        .iter()
        .map(|(n, what)| (*n, what.split(':').next().unwrap_or("")))
        .collect();
    assert_eq!(
        summary,
        [
            (2, "ok"),
            (3, "email"),
            (4, "phone"),
            (5, "record"),
            (6, "record"),
            (7, "ok"),
            // Row 8 (",,,") is blank and skipped; row 9 has only meta.
            (9, "name"),
        ]
    );
    assert!(
        outcome[3]
            .1
            .contains("2 cells but the header has 4 columns")
    );
    assert!(outcome[4].1.contains("5 cells"));
}

#[test]
fn empty_and_binary_files_are_refused() {
    assert_eq!(
        detect(&fixture("empty.csv"), Some("empty.csv"), DEFAULT_MAX_BYTES),
        Err(FileRefusal::Empty)
    );
    assert_eq!(
        detect(
            &fixture("binary.png"),
            Some("contacts.csv"),
            DEFAULT_MAX_BYTES
        ),
        Err(FileRefusal::Binary)
    );
    let refusal = detect(&fixture("google.csv"), None, 100).unwrap_err();
    assert_eq!(refusal, FileRefusal::TooLarge { limit: 100 });
    assert_eq!(
        refusal.to_string(),
        "The file is larger than 100 B, the most an import takes."
    );
    assert!(matches!(
        detect(&fixture("missing.csv"), None, DEFAULT_MAX_BYTES),
        Err(FileRefusal::Unreadable(_))
    ));
    assert!(matches!(
        detect(
            &fixture("google.csv"),
            Some("google.vcf"),
            DEFAULT_MAX_BYTES
        ),
        Err(FileRefusal::NotContacts(_))
    ));
}

#[test]
fn vcard_2_1_quoted_printable_latin_1_and_folding() {
    let read = Read::fixture("contacts-2.1.vcf");
    assert_eq!(read.detected.format, FileFormat::VCard);
    // A raw Latin-1 ORG makes the file as a whole Windows-1252.
    assert_eq!(read.detected.encoding, TextEncoding::Windows1252);
    assert_eq!(read.layout, Layout::VCard);
    assert_eq!(read.records.len(), 2);
    let juergen = read.input(0);
    assert_eq!(juergen.name, set("Dr. Jürgen Müller"));
    assert_eq!(juergen.phone, set("+49 151 1234567"), "PREF first");
    assert_eq!(juergen.email, set("juergen@example.de"));
    assert_eq!(
        juergen.description,
        set("Grüße aus Köln.\r\nZweite Zeile: 5 € bitte.")
    );
    let meta = meta(&juergen);
    assert_eq!(meta["phone_2"], "+49 30 7654321");
    assert_eq!(meta["organization"], "Bäckerei Müller");
    let jane = read.input(1);
    assert_eq!(jane.name, set("Jane Smith"));
    assert_eq!(jane.description, set("A note folded over two lines"));
    assert_eq!(read.record(1).number, 2);
}

#[test]
fn vcard_3_0_groups_and_several_phones() {
    let read = Read::fixture("contacts-3.0.vcf");
    assert_eq!(read.detected.encoding, TextEncoding::Utf8);
    let ada = read.input(0);
    assert_eq!(ada.name, set("Ada Lovelace"));
    assert_eq!(ada.nick, set("Countess of Lovelace"));
    assert_eq!(ada.email, set("ada@example.com"));
    assert_eq!(ada.phone, set("+44 20 7946 0018"));
    assert_eq!(
        ada.description,
        set(
            "Wrote the first program, arguably.\nLikes poetry. This note is long enough to be folded."
        )
    );
    assert_eq!(
        meta(&ada),
        json!({
            "email_2": "ada@engines.example",
            "email_3": "countess@engines.example",
            "phone_2": "+44 20 7946 0019",
            "phone_3": "+44 20 7946 0020",
            "phone_4": "+44 20 7946 0021",
            "organization": "Analytical Engines, Ltd, Research",
            "title": "Mathematician",
            "address": "12 St James's Square, London, SW1Y 4JH, United Kingdom",
            "website": "https://example.com/ada",
            "birthday": "1815-12-10",
            "categories": "Friends, Science",
        })
    );
    assert!(ada.validate(region("GB"), Purpose::Create).is_ok());
    let charles = read.input(1);
    assert_eq!(charles.name, set("Charles Babbage"));
    assert_eq!(read.record(1).number, 2);
}

#[test]
fn vcard_4_0_uris_and_preferences() {
    let read = Read::fixture("contacts-4.0.vcf");
    let grace = read.input(0);
    assert_eq!(grace.name, set("Grace Hopper"));
    assert_eq!(grace.nick, set("Amazing Grace, Grandma COBOL"));
    assert_eq!(grace.email, set("grace@example.com"));
    assert_eq!(grace.phone, set("+1-202-555-0101"));
    assert_eq!(grace.description, set("Coined \"debugging\"; kept a moth."));
    let meta = meta(&grace);
    assert_eq!(meta["email_2"], "grace@navy.example");
    assert_eq!(meta["phone_2"], "+1-202-555-0102 ext. 7");
    assert!(grace.validate(region("US"), Purpose::Create).is_ok());
}

#[test]
fn hubspot_export() {
    let read = Read::fixture("hubspot.csv");
    assert_eq!(read.layout, Layout::HubSpot);
    let maria = read.input(0);
    assert_eq!(maria.name, set("Maria Garcia"));
    assert_eq!(maria.phone, set("+34 91 123 45 67"));
    let meta = meta(&maria);
    assert_eq!(meta["hubspot_id"], "51");
    assert_eq!(meta["organization"], "Iberia Widgets");
    assert_eq!(meta["lifecycle_stage"], "customer");
    let tom = read.input(1);
    assert_eq!(tom.name, set("Tom"));
    assert_eq!(tom.phone, set("+1 415 555 0199"));
}

#[test]
fn chatbotkit_export_with_yaml_meta() {
    let read = Read::fixture("chatbotkit-export.csv");
    assert_eq!(read.layout, Layout::ChatBotKit);
    let jane = read.input(0);
    assert_eq!(jane.name, set("Jane Doe"));
    assert_eq!(jane.fingerprint, set("user-0000000000000042"));
    assert_eq!(jane.verified_at, Some(Some(1_700_000_000_000)));
    assert_eq!(jane.preferences, set("Prefers email"));
    assert_eq!(
        meta(&jane),
        json!({"app": "console", "plan": "007", "score": 42})
    );
    let guest = read.input(1);
    assert_eq!(guest.name, None);
    assert_eq!(guest.meta, None);
    assert!(guest.validate(region("US"), Purpose::Create).is_ok());
}

/// Writes `text` to a file of its own under the system's temporary folder.
fn temporary(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rapport-import-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn rapports_own_export_re_imports_unchanged() {
    use crate::api::contact_export::{CSV_COLUMNS, csv_row};
    use crate::api::objects::{ApiId, Contact, Millis};
    let at = |ms: i64| Millis(chrono::DateTime::from_timestamp_millis(ms).unwrap());
    let contacts = [
        Contact {
            id: ApiId(7),
            name: Some("=HYPERLINK(\"http://evil.example\")".into()),
            description: Some("Line one\nline \"two\", with comma".into()),
            fingerprint: "user-000000000000001".into(),
            email: Some("ada@example.com".into()),
            phone: Some("+12125550147".into()),
            nick: Some("-ada-".into()),
            preferences: Some("@mentions only".into()),
            verified_at: Some(at(1_700_000_000_000)),
            meta: json!({"plan": "+1", "score": 42, "tags": ["a", "b"], "crm.id": "A-1"}),
            created_at: at(1_690_000_000_000),
            updated_at: at(1_700_000_000_001),
        },
        Contact {
            id: ApiId(8),
            name: None,
            description: None,
            fingerprint: "36133ebf-e743-5a8e-b513-74640424d5c0".into(),
            email: None,
            phone: Some("+442079460018".into()),
            nick: None,
            preferences: None,
            verified_at: None,
            meta: json!({}),
            created_at: at(1_690_000_000_000),
            updated_at: at(1_690_000_000_000),
        },
    ];
    // The rows exactly as `contact/export` writes them (its CSV branch).
    let mut csv = csv_row(CSV_COLUMNS.iter().map(|c| Some((*c).to_string())));
    for contact in &contacts {
        let item = serde_json::to_value(contact).unwrap();
        csv.push_str(&csv_row(CSV_COLUMNS.iter().map(|column| {
            match &item[*column] {
                Value::Null => None,
                Value::String(text) => Some(text.clone()),
                other => Some(other.to_string()),
            }
        })));
    }
    let path = temporary("export.csv", &csv);
    let read = Read::of(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(read.layout, Layout::Rapport);
    assert_eq!(read.records.len(), 2);
    for (index, contact) in contacts.iter().enumerate() {
        let input = read.input(index);
        let sent = |value: &Option<String>| value.clone().map(Some);
        assert_eq!(input.name, sent(&contact.name));
        assert_eq!(input.description, sent(&contact.description));
        assert_eq!(input.email, sent(&contact.email));
        assert_eq!(input.phone, sent(&contact.phone));
        assert_eq!(input.nick, sent(&contact.nick));
        assert_eq!(input.preferences, sent(&contact.preferences));
        assert_eq!(input.fingerprint, set(&contact.fingerprint));
        assert_eq!(
            input.verified_at,
            contact
                .verified_at
                .as_ref()
                .map(|t| Some(t.0.timestamp_millis()))
        );
        let expected_meta = match &contact.meta {
            Value::Object(map) if map.is_empty() => None,
            other => Some(Some(other.clone())),
        };
        assert_eq!(input.meta, expected_meta);
        assert!(input.validate(region("US"), Purpose::Create).is_ok());
    }
}

#[test]
fn reading_streams_a_large_file_and_reports_progress() {
    let path =
        std::env::temp_dir().join(format!("rapport-import-{}-large.csv", std::process::id()));
    bench::write_sample_csv(&path, 3_000).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let detected = detect(&path, None, DEFAULT_MAX_BYTES).unwrap();
    let mut reader = ImportReader::open(&path, &detected).unwrap();
    assert_eq!(reader.layout(), Layout::Google);
    let headers = reader.headers().to_vec();
    let mapping = suggest_mapping(reader.layout(), &headers);
    assert!(
        mapping
            .columns
            .contains(&ColumnTarget::Field(ContactField::Email))
    );
    let mut last = 0;
    let mut count = 0;
    let mut positions = Vec::new();
    while let Some(record) = reader.next_record() {
        let record = record.unwrap();
        assert!(record.number > last);
        last = record.number;
        count += 1;
        positions.push(reader.byte_position());
        let input = row_input(&record, &headers, &mapping).unwrap();
        assert!(input.email.is_some());
    }
    std::fs::remove_file(&path).unwrap();
    assert_eq!(count, 3_000);
    assert_eq!(last, 3_001);
    assert!(positions.windows(2).all(|w| w[0] <= w[1]));
    assert!(positions[0] < size, "read in bounded chunks, not at once");
    assert_eq!(reader.byte_position(), size);
}
