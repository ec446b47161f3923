//! Email intake through the inbound endpoint: the corpus becomes contacts, conversations,
//! threads and attachments; duplicates are stored once; every refusal is a 4xx with a
//! reason and leaves nothing behind.

use crate::common::builders::ContactBuilder;
use crate::common::{TestApp, TestDb};
use crate::email_support::*;
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::domain::integration::IntegrationDraft;
use rapport::domain::{ContactSource, IntegrationId};
use rapport::models::Actor;
use rapport::models::integration;
use rapport::models::schema::{contacts, messages, space_files};

#[actix_web::test]
async fn a_message_becomes_an_email_contact_and_a_conversation() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());

    let posted = deliver(&app, &inbox, corpus("plain")).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(
        posted.json()["duplicate"],
        serde_json::Value::Bool(false),
        "{}",
        posted.body
    );
    let (conversation_id, message_id, contact_id) = posted.ids();
    let contact_id = contact_id.expect("a contact");
    // Unverified since issue 10: nothing authenticated the sender (the inbox trusts no relay;
    // tests/intake/email_authentication.rs has the verified case).
    assert_eq!(
        contact(&app, contact_id),
        (
            Some("Ada Lovelace".into()),
            Some("ada@example.com".into()),
            "email".into(),
            false
        )
    );
    assert_eq!(
        conversation(&app, conversation_id),
        (
            Some(contact_id),
            "email".into(),
            Some("Question about my order".into()),
            Some(inbox.id.0)
        )
    );
    let (in_conversation, role, text, external_id, meta) = message(&app, message_id);
    assert_eq!(in_conversation, conversation_id);
    assert_eq!(role, "user");
    assert_eq!(
        text,
        "Hello,\n\nmy order #1842 has not arrived yet. Could you check?\n\nThanks,\nAda"
    );
    assert_eq!(
        external_id.as_deref(),
        Some("CAF1a2b3c4.order-1@mail.example.com")
    );
    assert_eq!(meta["email"]["from"], "ada@example.com");
    assert_eq!(meta["integrationId"], inbox.id.to_string());
    // History says where the contact came from.
    let history = app.audit_of("contact", contact_id);
    assert_eq!(history.len(), 1);
    let actor: String = rapport::models::schema::audit_events::table
        .filter(rapport::models::schema::audit_events::entity.eq("contact"))
        .filter(rapport::models::schema::audit_events::entity_id.eq(contact_id))
        .select(rapport::models::schema::audit_events::actor_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(actor, "email integration Support inbox");
}

#[actix_web::test]
async fn replies_join_their_thread_and_duplicates_are_stored_once() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let (first, first_message, ada) = deliver(&app, &inbox, corpus("plain")).await.ids();

    // The same Message-ID again (another relay's copy): the stored ids, nothing new.
    let before = census(&app);
    let again = deliver(&app, &inbox, corpus("plain_resent")).await;
    assert_eq!(again.json()["duplicate"], true, "{}", again.body);
    assert_eq!(again.ids(), (first, first_message, ada));
    assert_eq!(census(&app), before);

    // In-Reply-To names an unknown id, References the first message: same thread.
    let (reply, reply_message, reply_contact) = deliver(&app, &inbox, corpus("reply")).await.ids();
    assert_eq!(reply, first);
    assert_ne!(reply_message, first_message);
    assert_eq!(reply_contact, ada);
    // Only References, newest first: still the same thread.
    let (third, _, _) = deliver(&app, &inbox, corpus("reply_references_only"))
        .await
        .ids();
    assert_eq!(third, first);
    let count: i64 = messages::table
        .filter(messages::conversation_id.eq(first))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 3);

    // The same person shouting from the same address: same contact, a new conversation.
    let (caps, _, caps_contact) = deliver(&app, &inbox, corpus("uppercase_sender"))
        .await
        .ids();
    assert_ne!(caps, first);
    assert_eq!(caps_contact, ada);
    let contacts: i64 = contacts::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(contacts, 1);

    // Without a Message-ID the raw bytes stand in for it: a re-delivery is still a duplicate.
    let (conv, msg, _) = deliver(&app, &inbox, corpus("no_message_id")).await.ids();
    let again = deliver(&app, &inbox, corpus("no_message_id")).await;
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!((again.ids().0, again.ids().1), (conv, msg));

    // Threads belong to their integration: the reply sent to another inbox starts anew.
    let other = create_inbox(
        &app,
        Options {
            name: "Sales inbox",
            ..Options::default()
        },
    );
    let (elsewhere, _, _) = deliver(&app, &other, corpus("reply")).await.ids();
    assert_ne!(elsewhere, first);
    assert_eq!(conversation(&app, elsewhere).3, Some(other.id.0));
}

#[actix_web::test]
async fn the_corpus_decodes_names_charsets_and_bodies() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        (
            "encoded_words",
            Some("José Müller"),
            "jose.muller@example.de",
            "Grüße aus München — the crème brûlée was cold.",
        ),
        (
            "quoted_comma",
            Some("Lovelace, Ada (Finance)"),
            "Ada.Lovelace@Example.ORG",
            "Please send me a copy of invoice 5521.",
        ),
        (
            "alternative",
            Some("Grace Hopper"),
            "grace@navy.example.mil",
            "The plain version: agenda item 1 is the compiler.\nItem 2 is lunch — sandwiches.",
        ),
        (
            "latin1",
            Some("François Besson"),
            "francois@example.fr",
            "Bonjour, je voudrais réserver une chambre à Noël. Merci beaucoup !",
        ),
        (
            "windows1252_qp",
            Some("Bob Smith"),
            "bob@example.co.uk",
            "He said \u{201c}the price is 20 €\u{201d} – isn\u{2019}t that odd?",
        ),
        (
            "iso2022jp",
            Some("山田太郎"),
            "taro.yamada@example.jp",
            "こんにちは。注文について質問があります。",
        ),
        (
            "base64_body",
            Some("Linus"),
            "linus@example.fi",
            "Base64 body with ümlauts and emoji 🎉.\nSecond line.",
        ),
    ];
    for (file, name, email, text) in cases {
        let (conversation_id, message_id, contact_id) =
            deliver(&app, &inbox, corpus(file)).await.ids();
        let (stored_name, stored_email, source, verified) =
            contact(&app, contact_id.expect("a contact"));
        assert_eq!(stored_name.as_deref(), *name, "{file}");
        assert_eq!(stored_email.as_deref(), Some(*email), "{file}");
        // Unverified: no trusted relay authenticated these senders (issue 10).
        assert_eq!((source.as_str(), verified), ("email", false), "{file}");
        assert_eq!(message(&app, message_id).2, *text, "{file}");
        assert_eq!(conversation(&app, conversation_id).1, "email");
    }
    let subject = |file: &str| {
        let app = &app;
        let raw = corpus(file);
        let inbox = &inbox;
        async move {
            let posted = deliver(app, inbox, raw).await;
            conversation(app, posted.ids().0).2
        }
    };
    // Re-delivered: the duplicate answer points at the stored conversation.
    assert_eq!(
        subject("encoded_words").await.as_deref(),
        Some("Café crème & réclamation — urgent")
    );
    assert_eq!(subject("iso2022jp").await.as_deref(), Some("お問い合わせ"));

    let (_, html_message, _) = deliver(&app, &inbox, corpus("html_only")).await.ids();
    let text = message(&app, html_message).2;
    assert!(text.contains("Thank you for your order"), "{text}");
    assert!(text.contains("Tea & biscuits"), "{text}");
    assert!(!text.contains("<p>") && !text.contains("alert("), "{text}");

    let (_, broken, _) = deliver(&app, &inbox, corpus("broken_multipart"))
        .await
        .ids();
    assert!(message(&app, broken).2.contains("still readable"));
}

#[actix_web::test]
async fn attachments_go_to_the_contacts_email_attachments_space() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let (_, message_id, contact_id) = deliver(&app, &inbox, corpus("attachments")).await.ids();
    let contact_id = contact_id.unwrap();
    let files = attachments_of(&app, contact_id);
    let names: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t, _)| (n.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("invoice 5521.pdf", "application/pdf"),
            ("résumé photo.png", "image/png"),
            ("Order confirmation 1842.eml", "message/rfc822"),
            ("passwd", "application/octet-stream"),
        ]
    );
    assert!(files[0].2.starts_with(b"%PDF-1.4"));
    assert!(files[1].2.starts_with(b"\x89PNG"));
    assert_eq!(files[3].2, b"root:x:0:0\n");
    let meta = message(&app, message_id).4;
    assert_eq!(meta["email"]["attachments"][0]["name"], "invoice 5521.pdf");
    assert_eq!(meta["email"]["attachments"][0]["stored"], true);
    assert_eq!(
        message(&app, message_id).2,
        "Attached: the invoice, a photo and the original confirmation."
    );
    // The uploads are in the contact's History, by the integration.
    let uploads: Vec<String> = rapport::models::schema::audit_events::table
        .filter(rapport::models::schema::audit_events::contact_id.eq(contact_id))
        .filter(rapport::models::schema::audit_events::action.eq("uploaded"))
        .select(rapport::models::schema::audit_events::actor_name)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(uploads.len(), 4);
    assert!(
        uploads
            .iter()
            .all(|a| a == "email integration Support inbox")
    );

    // Another email with the same file names: kept side by side, in the same space.
    let resent = String::from_utf8(corpus("attachments"))
        .unwrap()
        .replace("<attach-1@mail.example.com>", "<attach-2@mail.example.com>");
    deliver(&app, &inbox, resent.into_bytes()).await.ids();
    let names: Vec<String> = attachments_of(&app, contact_id)
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(names.len(), 8);
    assert!(
        names.contains(&"invoice 5521 (2).pdf".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"passwd (2)".to_string()), "{names:?}");
    let spaces: i64 = rapport::models::schema::spaces::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(spaces, 1);
}

#[actix_web::test]
async fn a_known_contact_only_gets_its_empty_fields_filled() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let known = ContactBuilder::new("Countess of Lovelace")
        .email("ADA@example.com")
        .description("VIP")
        .source(ContactSource::Manual)
        .unverified()
        .create(&mut app.conn());
    let (_, _, contact_id) = deliver(&app, &inbox, corpus("plain")).await.ids();
    assert_eq!(contact_id, Some(known.id.0));
    // Name kept, source and verification untouched: only a new contact gets them.
    assert_eq!(
        contact(&app, known.id),
        (
            Some("Countess of Lovelace".into()),
            Some("ADA@example.com".into()),
            "manual".into(),
            false
        )
    );

    // A known contact without a name keeps having none: since issue 10 an unauthenticated
    // sender only claims the contact, and a claim fills in nothing (an authenticated one
    // fills the name: tests/intake/email_authentication.rs).
    let nameless = ContactBuilder::new("")
        .email("grace@navy.example.mil")
        .create(&mut app.conn());
    let (_, _, contact_id) = deliver(&app, &inbox, corpus("alternative")).await.ids();
    assert_eq!(contact_id, Some(nameless.id.0));
    assert_eq!(contact(&app, nameless.id).0, None);
}

#[actix_web::test]
async fn the_sender_is_from_even_when_replies_go_to_reply_to() {
    // Since issue 10 Reply-To (which nothing authenticates) is only where agent replies go
    // when the integration says so; the contact and the allowed-senders check are From.
    let app = spawn_app(None).await;
    let inbox = create_inbox(
        &app,
        Options {
            use_reply_to: true,
            allowed_senders: vec!["*@forms.example.com"],
            ..Options::default()
        },
    );
    let (_, _, contact_id) = deliver(&app, &inbox, corpus("reply_to")).await.ids();
    let (name, email, _, _) = contact(&app, contact_id.unwrap());
    assert_eq!(name.as_deref(), Some("Contact form"));
    assert_eq!(email.as_deref(), Some("no-reply@forms.example.com"));
    let listing_reply_to = create_inbox(
        &app,
        Options {
            name: "Reply-To list",
            use_reply_to: true,
            allowed_senders: vec!["*@example.net"],
            ..Options::default()
        },
    );
    let refused = deliver(&app, &listing_reply_to, corpus("reply_to")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // Without use_reply_to the form's no-reply address is the sender too.
    let plain = create_inbox(
        &app,
        Options {
            name: "Plain",
            ..Options::default()
        },
    );
    let (_, _, contact_id) = deliver(&app, &plain, corpus("reply_to")).await.ids();
    assert_eq!(
        contact(&app, contact_id.unwrap()).1.as_deref(),
        Some("no-reply@forms.example.com")
    );
}

#[actix_web::test]
async fn with_collect_contacts_off_the_conversation_is_recorded_without_a_contact() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(
        &app,
        Options {
            collect_contacts: false,
            ..Options::default()
        },
    );
    let posted = deliver(&app, &inbox, corpus("attachments")).await;
    let (conversation_id, message_id, contact_id) = posted.ids();
    assert_eq!(contact_id, None);
    assert!(posted.json()["contactId"].is_null());
    assert_eq!(conversation(&app, conversation_id).0, None);
    let meta = message(&app, message_id).4;
    assert_eq!(meta["email"]["attachments"][0]["stored"], false);
    assert_eq!(meta["email"]["attachments"].as_array().unwrap().len(), 4);
    let state = census(&app);
    assert_eq!(
        (
            state.contacts,
            state.spaces,
            state.space_files,
            state.files_on_disk
        ),
        (0, 0, 0, 0)
    );

    // Threads still form.
    deliver(&app, &inbox, corpus("plain")).await.ids();
    let (reply, _, _) = deliver(&app, &inbox, corpus("reply")).await.ids();
    assert_eq!(conversation(&app, reply).0, None);
}

#[actix_web::test]
async fn refusals_answer_a_reason_and_leave_nothing_behind() {
    let app = spawn_app(Some(4096)).await;
    let inbox = create_inbox(
        &app,
        Options {
            allowed_senders: vec!["*@example.com", "*@*.example.mil"],
            ..Options::default()
        },
    );
    // Something stored first, so "nothing changed" is not "nothing at all".
    deliver(&app, &inbox, corpus("plain")).await.ids();
    let before = census(&app);

    let big = {
        let mut raw = corpus("plain");
        raw.extend(std::iter::repeat_n(b'x', 5000));
        raw
    };
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("no From", corpus("malformed_no_from"), 422, "EMAIL_NO_FROM"),
        (
            "garbage",
            corpus("malformed_garbage"),
            422,
            "EMAIL_UNPARSABLE",
        ),
        (
            "bad From",
            corpus("malformed_bad_from"),
            422,
            "EMAIL_INVALID_SENDER",
        ),
        ("empty", Vec::new(), 422, "EMAIL_EMPTY"),
        ("too large", big, 413, "EMAIL_TOO_LARGE"),
        (
            "not allowed",
            corpus("encoded_words"),
            403,
            "EMAIL_SENDER_NOT_ALLOWED",
        ),
    ];
    for (what, raw, status, code) in cases {
        let posted = deliver(&app, &inbox, raw).await;
        assert_eq!(posted.status, status, "{what}: {}", posted.body);
        let json = posted.json();
        assert_eq!(json["code"], code, "{what}");
        assert!(json["message"].as_str().unwrap().len() > 10, "{what}");
        assert_eq!(census(&app), before, "{what} left something behind");
    }
    let not_allowed = deliver(&app, &inbox, corpus("encoded_words")).await;
    assert!(not_allowed.body.contains("jose.muller@example.de"));
    // A subdomain pattern lets the navy in.
    deliver(&app, &inbox, corpus("alternative")).await.ids();
}

#[actix_web::test]
async fn the_token_and_the_integration_are_checked_before_the_body() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let path = inbound_path(inbox.id);
    let before = census(&app);
    let rfc822 = ("content-type", "message/rfc822");

    let missing = post_raw(&app, "POST", &path, &[rfc822], corpus("plain")).await;
    assert_eq!(missing.status, 401, "{}", missing.body);
    assert_eq!(missing.json()["code"], "NOT_AUTHENTICATED");
    let wrong = post_raw(
        &app,
        "POST",
        &path,
        &[rfc822, ("authorization", "Bearer rpe_wrong")],
        corpus("plain"),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let wrong_query = post_raw(
        &app,
        "POST",
        &format!("{path}?token=rpe_wrong"),
        &[rfc822],
        corpus("plain"),
    )
    .await;
    assert_eq!(wrong_query.status, 401);
    let unknown = deliver(
        &app,
        &Inbox {
            id: IntegrationId(inbox.id.0 + 1000),
            token: inbox.token.clone(),
            smtp_token: inbox.smtp_token.clone(),
            webhook_secret: None,
        },
        corpus("plain"),
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(unknown.json()["code"], "NOT_FOUND");
    let auth = format!("Bearer {}", inbox.token);
    let get = post_raw(&app, "GET", &path, &[("authorization", &auth)], Vec::new()).await;
    assert_eq!(get.status, 405);
    let json = post_raw(
        &app,
        "POST",
        &path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        b"{\"from\":\"ada@example.com\"}".to_vec(),
    )
    .await;
    assert_eq!(json.status, 415, "{}", json.body);
    assert!(json.json()["message"].as_str().unwrap().contains("raw"));
    assert_eq!(census(&app), before);

    // A widget's id is no email inbox.
    let keyring = app.settings.secrets_keyring().unwrap();
    let (widget, _) = integration::create(
        &mut app.conn(),
        &keyring,
        rapport::domain::integration::IntegrationKind::Widget,
        &IntegrationDraft::named("Site widget"),
        &Actor::System("test".into()),
    )
    .unwrap();
    let as_widget = post_raw(
        &app,
        "POST",
        &inbound_path(widget.id),
        &[rfc822, ("authorization", &auth)],
        corpus("plain"),
    )
    .await;
    assert_eq!(as_widget.status, 404);

    // Disabled: refused with its reason (after the token, so it says nothing to strangers).
    integration::set_enabled(&mut app.conn(), inbox.id, false, &Actor::System("t".into())).unwrap();
    let before = census(&app);
    let disabled = deliver(&app, &inbox, corpus("plain")).await;
    assert_eq!(disabled.status, 403, "{}", disabled.body);
    assert_eq!(disabled.json()["code"], "INTEGRATION_DISABLED");
    assert_eq!(census(&app), before);
    integration::set_enabled(&mut app.conn(), inbox.id, true, &Actor::System("t".into())).unwrap();

    // The right token in the query is refused: URLs end up in access logs. Only the
    // compatibility switch (below) accepts it.
    let before_query = census(&app);
    let by_query = post_raw(
        &app,
        "POST",
        &format!("{path}?token={}", inbox.token),
        &[("content-type", "text/plain")],
        corpus("plain"),
    )
    .await;
    assert_eq!(by_query.status, 401, "{}", by_query.body);
    assert_eq!(by_query.json()["code"], "NOT_AUTHENTICATED");
    assert!(
        by_query.json()["message"]
            .as_str()
            .unwrap()
            .contains("Authorization"),
        "{}",
        by_query.body
    );
    assert_eq!(census(&app), before_query);
    // The /v1 alias answers too.
    let alias = post_raw(
        &app,
        "POST",
        &format!("/v1/integration/email/{}/inbound", inbox.id),
        &[("authorization", &auth)],
        corpus("reply"),
    )
    .await;
    alias.ids();
}

#[actix_web::test]
async fn a_failure_inside_the_transaction_removes_the_files_it_wrote() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let before = census(&app);
    // Refuse message rows, so the transaction fails after the attachments were placed.
    diesel::sql_query(
        "CREATE FUNCTION refuse_messages() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'messages are refused in this test'; END $$",
    )
    .execute(&mut app.conn())
    .unwrap();
    diesel::sql_query(
        "CREATE TRIGGER refuse_messages BEFORE INSERT ON messages \
         FOR EACH ROW EXECUTE FUNCTION refuse_messages()",
    )
    .execute(&mut app.conn())
    .unwrap();
    let posted = deliver(&app, &inbox, corpus("attachments")).await;
    assert_eq!(posted.status, 500, "{}", posted.body);
    assert_eq!(census(&app), before);
    let files: i64 = space_files::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(files, 0);
}

#[actix_web::test]
async fn the_query_token_is_accepted_only_behind_the_compatibility_switch() {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.email_query_token = true;
    let app = TestApp::spawn_with(db, settings);
    let inbox = create_inbox(&app, Options::default());
    let path = inbound_path(inbox.id);

    // For providers that cannot set headers; any raw content type.
    let by_query = post_raw(
        &app,
        "POST",
        &format!("{path}?token={}", inbox.token),
        &[("content-type", "text/plain")],
        corpus("plain"),
    )
    .await;
    by_query.ids();
    let wrong = post_raw(
        &app,
        "POST",
        &format!("{path}?token=rpe_wrong"),
        &[("content-type", "text/plain")],
        corpus("plain"),
    )
    .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
}
