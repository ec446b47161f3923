//! Email intake believes only authenticated senders (issue 10): a From header is a claim; the
//! sender is proven only by an `Authentication-Results` header of a relay the integration
//! trusts (the topmost one) saying `dmarc=pass`, or `dkim=pass`/`spf=pass` aligned with the
//! From domain. Unproven senders get unverified contacts, and a known contact's address only
//! attaches the mail as a claim that changes nothing on the contact.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use crate::email_support::*;
use diesel::prelude::*;
use rapport::domain::{ContactId, ConversationId, Role};
use rapport::models::schema::{contacts, conversation_contact_matches};
use rapport::models::{Contact, contact_match};

/// The relay the test inboxes trust; the corpus's genuine verdicts name it.
const RELAY: &str = "mx.rapport.test";

/// An inbox that trusts [`RELAY`] and requires authenticated senders.
fn trusting_inbox(app: &TestApp, allowed_senders: Vec<&'static str>) -> Inbox {
    create_inbox(
        app,
        Options {
            trusted_authserv_ids: vec![RELAY],
            require_authentication: true,
            allowed_senders,
            ..Options::default()
        },
    )
}

/// How intake matched the conversation's contact: (contact id, how, claimed by).
fn recorded_match(app: &TestApp, conversation_id: i64) -> (i64, String, Option<String>) {
    conversation_contact_matches::table
        .find(conversation_id)
        .select((
            conversation_contact_matches::contact_id,
            conversation_contact_matches::how,
            conversation_contact_matches::claimed_by,
        ))
        .first(&mut app.conn())
        .unwrap()
}

/// Every field of a stored contact, to prove a claim changed none of them.
fn snapshot(app: &TestApp, id: ContactId) -> Contact {
    contacts::table
        .find(id)
        .select(Contact::as_select())
        .first(&mut app.conn())
        .unwrap()
}

fn restricted(app: &TestApp, conversation_id: i64, contact: ContactId) -> bool {
    contact_match::restriction(&mut app.conn(), ConversationId(conversation_id), contact)
        .unwrap()
        .is_some()
}

/// A known contact without a name, nick or phone: anything a claim filled in would show.
fn known_ada(app: &TestApp) -> Contact {
    ContactBuilder::new("")
        .email("ada@example.com")
        .description("VIP customer since 2019")
        .create(&mut app.conn())
}

#[actix_web::test]
async fn a_forged_from_is_an_unverified_contact_or_a_claim_that_changes_nothing() {
    // Seen failing before the fix: the contact was created verified.
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, Vec::new());
    let posted = deliver(&app, &inbox, corpus("auth_forged")).await;
    assert_eq!(posted.json()["authenticated"], false, "{}", posted.body);
    let (conversation_id, message_id, contact_id) = posted.ids();
    let contact_id = contact_id.expect("a contact");
    assert_eq!(
        contact(&app, contact_id),
        (
            Some("Ada (new address)".into()),
            Some("ada@example.com".into()),
            "email".into(),
            false
        )
    );
    assert_eq!(
        recorded_match(&app, conversation_id),
        (contact_id, "created".into(), None)
    );
    // The created contact holds only what the sender gave: no restriction needed.
    assert!(!restricted(&app, conversation_id, ContactId(contact_id)));
    let meta = message(&app, message_id).4;
    assert_eq!(meta["email"]["from"], "ada@example.com");
    assert_eq!(meta["email"]["authenticated"], false);
    assert!(meta["email"]["authentication"].is_null());

    // The same forgery naming a known contact: attached as a claim, the contact untouched.
    // Seen failing before the fix: the claim filled in the name.
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, Vec::new());
    let ada = known_ada(&app);
    let before = snapshot(&app, ada.id);
    let audit_before = app.audit_of("contact", ada.id).len();
    let (conversation_id, message_id, contact_id) =
        deliver(&app, &inbox, corpus("auth_forged")).await.ids();
    assert_eq!(contact_id, Some(ada.id.0));
    assert_eq!(
        snapshot(&app, ada.id),
        before,
        "a claim changed the contact"
    );
    assert_eq!(app.audit_of("contact", ada.id).len(), audit_before);
    assert_eq!(
        recorded_match(&app, conversation_id),
        (ada.id.0, "claimed".into(), Some("email".into()))
    );
    assert!(restricted(&app, conversation_id, ada.id));
    // What the sender wrote stays on the message.
    let meta = message(&app, message_id).4;
    assert_eq!(meta["email"]["fromName"], "Ada (new address)");
    assert_eq!(meta["email"]["from"], "ada@example.com");
    let staff = app.signed_in(Role::Viewer).await;
    staff
        .get(&format!(
            "/contacts/{}/conversations/{conversation_id}",
            ada.id
        ))
        .await
        .assert_contains("Sender claimed this contact&#39;s email; not verified");
}

#[actix_web::test]
async fn a_trusted_relays_dmarc_pass_verifies_the_sender() {
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, Vec::new());
    let posted = deliver(&app, &inbox, corpus("auth_dmarc_pass")).await;
    assert_eq!(posted.json()["authenticated"], true, "{}", posted.body);
    let (conversation_id, message_id, contact_id) = posted.ids();
    let contact_id = contact_id.expect("a contact");
    assert_eq!(
        contact(&app, contact_id),
        (
            Some("Ada Lovelace".into()),
            Some("ada@example.com".into()),
            "email".into(),
            true
        )
    );
    // The proof is kept on the message (and so reaches the agent with it).
    let meta = message(&app, message_id).4;
    assert_eq!(meta["email"]["authenticated"], true);
    assert_eq!(
        meta["email"]["authentication"],
        serde_json::json!({"address": "ada@example.com", "method": "dmarc", "relay": RELAY})
    );
    assert_eq!(
        recorded_match(&app, conversation_id),
        (contact_id, "verified".into(), None)
    );

    // A known contact: found, its empty fields filled, the match verified (full context).
    // Seen failing before the fix: the match was a claim.
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, Vec::new());
    let ada = known_ada(&app);
    let (conversation_id, _, contact_id) =
        deliver(&app, &inbox, corpus("auth_dmarc_pass")).await.ids();
    assert_eq!(contact_id, Some(ada.id.0));
    let after = snapshot(&app, ada.id);
    assert_eq!(after.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        after.description.as_deref(),
        Some("VIP customer since 2019")
    );
    assert_eq!(
        recorded_match(&app, conversation_id),
        (ada.id.0, "verified".into(), None)
    );
    assert!(!restricted(&app, conversation_id, ada.id));
}

#[actix_web::test]
async fn verdicts_that_do_not_prove_the_from_domain_leave_the_sender_unverified() {
    // Seen failing before the fix for every case: contacts were created verified.
    for (file, why) in [
        (
            "auth_untrusted_relay",
            "the topmost header is from a relay the inbox does not trust; the trusted-looking \
             one below it was written before that relay got the mail",
        ),
        (
            "auth_spf_unaligned",
            "spf and dkim passed for attacker.test, not for the From domain",
        ),
        (
            "auth_forged_below",
            "the trusted relay said dmarc=fail; the dmarc=pass below it is the sender's own",
        ),
    ] {
        let app = spawn_app(None).await;
        let inbox = trusting_inbox(&app, Vec::new());
        let (conversation_id, _, contact_id) = deliver(&app, &inbox, corpus(file)).await.ids();
        let contact_id = contact_id.expect("a contact");
        assert!(!contact(&app, contact_id).3, "{file}: verified, but {why}");
        assert_eq!(
            recorded_match(&app, conversation_id).1,
            "created",
            "{file}: {why}"
        );

        // And a known contact is only claimed.
        let app = spawn_app(None).await;
        let inbox = trusting_inbox(&app, Vec::new());
        let ada = known_ada(&app);
        let before = snapshot(&app, ada.id);
        let (conversation_id, _, _) = deliver(&app, &inbox, corpus(file)).await.ids();
        assert_eq!(snapshot(&app, ada.id), before, "{file}: {why}");
        assert_eq!(
            recorded_match(&app, conversation_id),
            (ada.id.0, "claimed".into(), Some("email".into())),
            "{file}: {why}"
        );
    }

    // A relay the inbox does not trust proves nothing, even a real dmarc=pass.
    let app = spawn_app(None).await;
    let inbox = create_inbox(
        &app,
        Options {
            trusted_authserv_ids: vec!["mx.other.test"],
            require_authentication: true,
            ..Options::default()
        },
    );
    let (_, _, contact_id) = deliver(&app, &inbox, corpus("auth_dmarc_pass")).await.ids();
    assert!(!contact(&app, contact_id.unwrap()).3);
}

#[actix_web::test]
async fn with_required_authentication_allowed_senders_must_be_authenticated() {
    // Seen failing before the fix: the forged mail was accepted (the list matched its From).
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, vec!["*@example.com"]);
    let before = census(&app);
    for file in [
        "auth_forged",
        "auth_untrusted_relay",
        "auth_spf_unaligned",
        "auth_forged_below",
    ] {
        let posted = deliver(&app, &inbox, corpus(file)).await;
        assert_eq!(posted.status, 403, "{file}: {}", posted.body);
        assert_eq!(posted.json()["code"], "EMAIL_SENDER_NOT_ALLOWED", "{file}");
        assert_eq!(census(&app), before, "{file} left something behind");
    }
    // Over SMTP the same refusal, as a permanent one.
    let reply = Smtp::send(&app, &mailbox(&inbox), &corpus("auth_forged")).await;
    assert_eq!(reply.code, 550, "{reply:?}");
    assert_eq!(census(&app), before);
    // An authenticated sender on the list gets in, verified.
    let (_, _, contact_id) = deliver(&app, &inbox, corpus("auth_dmarc_pass")).await.ids();
    assert!(contact(&app, contact_id.unwrap()).3);
    // An authenticated sender not on the list is refused as before.
    let other = trusting_inbox(&app, vec!["*@example.org"]);
    let posted = deliver(&app, &other, corpus("auth_dmarc_pass")).await;
    assert_eq!(posted.status, 403, "{}", posted.body);

    // Without the switch the list is checked against From as written (as before the
    // setting existed), but the sender is still only a claim.
    let app = spawn_app(None).await;
    let inbox = create_inbox(
        &app,
        Options {
            trusted_authserv_ids: vec![RELAY],
            require_authentication: false,
            allowed_senders: vec!["*@example.com"],
            ..Options::default()
        },
    );
    let ada = known_ada(&app);
    let before = snapshot(&app, ada.id);
    let (conversation_id, _, contact_id) = deliver(&app, &inbox, corpus("auth_forged")).await.ids();
    assert_eq!(contact_id, Some(ada.id.0));
    assert_eq!(snapshot(&app, ada.id), before);
    assert!(restricted(&app, conversation_id, ada.id));
}

#[actix_web::test]
async fn the_contact_is_the_from_address_whatever_reply_to_says() {
    // Seen failing before the fix: with use_reply_to the contact was the Reply-To address.
    let app = spawn_app(None).await;
    let inbox = create_inbox(
        &app,
        Options {
            use_reply_to: true,
            ..Options::default()
        },
    );
    let (_, message_id, contact_id) = deliver(&app, &inbox, corpus("reply_to")).await.ids();
    let (name, email, _, verified) = contact(&app, contact_id.unwrap());
    assert_eq!(email.as_deref(), Some("no-reply@forms.example.com"));
    assert_eq!(name.as_deref(), Some("Contact form"));
    assert!(!verified);
    // Reply-To is kept on the message: replies go there when the integration says so.
    let meta = message(&app, message_id).4;
    assert_eq!(meta["email"]["replyTo"], "Grace.Hopper@example.net");
    assert_eq!(meta["email"]["replyToName"], "Hopper, Grace");
}

#[actix_web::test]
async fn over_smtp_only_a_configured_relays_connection_carries_a_verdict() {
    // Straight from the sending server (the tests connect from 127.0.0.1, no relays set), the
    // sender wrote every header itself, the trusted-looking verdict on top included.
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, Vec::new());
    let reply = Smtp::send(&app, &mailbox(&inbox), &corpus("auth_dmarc_pass")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    assert!(
        reply.text.contains("(sender not authenticated)"),
        "{reply:?}"
    );
    let contact_id = contacts::table
        .select(contacts::id)
        .first::<i64>(&mut app.conn())
        .unwrap();
    assert!(!contact(&app, contact_id).3);
    // With required authentication and a list, such mail is refused.
    let listed = trusting_inbox(&app, vec!["*@example.com"]);
    let before = census(&app);
    let reply = Smtp::send(&app, &mailbox(&listed), &corpus("auth_dmarc_pass")).await;
    assert_eq!(reply.code, 550, "{reply:?}");
    assert_eq!(census(&app), before);

    // From a configured relay (your MX) the verdict on top is the relay's.
    let app = spawn_app_with(|settings| {
        settings.smtp_limits.relays = vec!["127.0.0.0/8".parse().unwrap()];
    });
    let inbox = trusting_inbox(&app, vec!["*@example.com"]);
    let reply = Smtp::send(&app, &mailbox(&inbox), &corpus("auth_dmarc_pass")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    assert!(reply.text.contains("(sender authenticated)"), "{reply:?}");
    let contact_id = contacts::table
        .select(contacts::id)
        .first::<i64>(&mut app.conn())
        .unwrap();
    assert!(contact(&app, contact_id).3);
    // A relay's connection does not make a forgery authentic.
    let reply = Smtp::send(&app, &mailbox(&inbox), &corpus("auth_forged_below")).await;
    assert_eq!(reply.code, 550, "{reply:?}");
}

/// A reply in the thread of `auth_dmarc_pass`, from Ada's address, with `verdict` on top.
fn reply_in_thread(n: u32, verdict: Option<&str>) -> Vec<u8> {
    let mut raw = String::new();
    if let Some(verdict) = verdict {
        raw.push_str(&format!("Authentication-Results: {RELAY}; {verdict}\r\n"));
    }
    raw.push_str(&format!(
        "From: Ada Lovelace <ada@example.com>\r\nTo: support@rapport.test\r\n\
         Subject: Re: Authenticated question\r\nMessage-ID: <thread-{n}@mail.example.com>\r\n\
         In-Reply-To: <auth-dmarc-pass@mail.example.com>\r\n\r\nAnd one more thing.\r\n"
    ));
    raw.into_bytes()
}

#[actix_web::test]
async fn an_unauthenticated_reply_makes_a_verified_thread_a_claim() {
    // Seen failing before the fix: the thread stayed verified, so the agent answering the
    // forged reply (whose Message-ID reference anyone copied from the thread) got the
    // contact's full context.
    let app = spawn_app(None).await;
    let inbox = trusting_inbox(&app, Vec::new());
    let ada = known_ada(&app);
    let (conversation_id, _, _) = deliver(&app, &inbox, corpus("auth_dmarc_pass")).await.ids();
    assert!(!restricted(&app, conversation_id, ada.id));

    let (joined, _, _) = deliver(&app, &inbox, reply_in_thread(1, None)).await.ids();
    assert_eq!(joined, conversation_id, "the reply joins its thread");
    assert_eq!(
        recorded_match(&app, conversation_id),
        (ada.id.0, "claimed".into(), Some("email".into()))
    );
    assert!(restricted(&app, conversation_id, ada.id));

    // Ada's own, authenticated mail in the thread verifies it again.
    let pass = "dmarc=pass header.from=example.com";
    let (joined, _, _) = deliver(&app, &inbox, reply_in_thread(2, Some(pass)))
        .await
        .ids();
    assert_eq!(joined, conversation_id);
    assert_eq!(
        recorded_match(&app, conversation_id),
        (ada.id.0, "verified".into(), None)
    );
    assert!(!restricted(&app, conversation_id, ada.id));
}
