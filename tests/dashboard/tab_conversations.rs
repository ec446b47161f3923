//! The Conversations tab: the list (pagination, empty state), the transcript (roles, escaping,
//! windows of messages), and delete / detach / move / staff messages with their permissions
//! and audit entries; deleting the contact detaches its conversations.

use crate::common::builders::{ContactBuilder, ConversationBuilder, RatingBuilder};
use crate::common::{TestApp, TestClient};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use rapport::domain::{ContactId, ConversationId, MessageId, Role};
use rapport::models::conversation::Conversation;
use rapport::models::schema::{audit_events, conversations, messages, ratings};
use rapport::models::{Contact, contact};

async fn setup(role: Role) -> (TestApp, TestClient, Contact) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    let client = app.signed_in(role).await;
    client.get("/contacts").await;
    (app, client, ada)
}

fn conversation_row(app: &TestApp, id: ConversationId) -> Option<Conversation> {
    conversations::table
        .find(id)
        .select(Conversation::as_select())
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

/// The audit actions recorded for an entity, oldest first, with the contact they were filed on.
fn audit_trail(
    app: &TestApp,
    entity: &str,
    id: impl Into<i64>,
) -> Vec<(String, Option<ContactId>)> {
    audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(id.into()))
        .order(audit_events::id)
        .select((audit_events::action, audit_events::contact_id))
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn an_empty_tab_explains_where_conversations_come_from() {
    let (_app, client, ada) = setup(Role::Editor).await;
    let page = client
        .get(&format!("/contacts/{}/conversations", ada.id))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("id=\"conversations-empty\"");
    page.assert_contains("No conversations yet");
    page.assert_contains("Conversations <span class=\"count\">0</span>");
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");
}

#[actix_web::test]
async fn the_list_shows_channel_title_count_and_activity_newest_first() {
    let (app, client, ada) = setup(Role::Editor).await;
    let now = Utc::now();
    let mut conn = app.conn();
    let (old, _) = ConversationBuilder::new(ada.id)
        .channel("email")
        .subject("Invoice #42 looks wrong")
        .at(now - Duration::days(10))
        .messages(3)
        .create(&mut conn);
    let (recent, _) = ConversationBuilder::new(ada.id)
        .channel("widget")
        .at(now - Duration::hours(2))
        .message("context", "\n  \nPage: /pricing")
        .message(
            "user",
            "How much is the pro plan?\nAnd is there a discount?",
        )
        .create(&mut conn);
    let (_, _) = ConversationBuilder::new(ada.id)
        .channel("api")
        .at(now - Duration::days(3))
        .create(&mut conn);
    // Someone else's conversation never shows here.
    let grace = ContactBuilder::new("Grace Hopper").create(&mut conn);
    ConversationBuilder::new(grace.id)
        .subject("Grace's own")
        .messages(1)
        .create(&mut conn);
    drop(conn);

    let page = client
        .get(&format!("/contacts/{}/conversations", ada.id))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("Conversations <span class=\"count\">3</span>");
    page.assert_contains("Invoice #42 looks wrong");
    page.assert_contains(">Email</span>");
    page.assert_contains(">Widget</span>");
    page.assert_contains(">API</span>");
    page.assert_contains("3 messages");
    page.assert_contains("2 messages");
    page.assert_contains("0 messages");
    // No subject: the first line of the opening message (context for the bot does not count).
    page.assert_contains("How much is the pro plan?");
    page.assert_lacks("And is there a discount?");
    page.assert_lacks("Page: /pricing");
    page.assert_contains("(no messages yet)");
    page.assert_lacks("Grace&#39;s own");
    page.assert_lacks("Grace's own");
    let recent_at = page
        .body
        .find(&format!("/conversations/{}\"", recent.id))
        .unwrap();
    let old_at = page
        .body
        .find(&format!("/conversations/{}\"", old.id))
        .unwrap();
    assert!(recent_at < old_at, "newest activity first");

    // As an htmx tab switch: only the tabs.
    let tabs = client
        .get_htmx(
            &format!("/contacts/{}/conversations", ada.id),
            "profile-tabs",
        )
        .await;
    tabs.assert_lacks("<html");
    tabs.assert_contains("Invoice #42 looks wrong");
}

#[actix_web::test]
async fn the_list_pages_by_last_activity() {
    let (app, client, ada) = setup(Role::Viewer).await;
    let now = Utc::now();
    let mut conn = app.conn();
    for i in 0..30 {
        ConversationBuilder::new(ada.id)
            .subject(&format!("Topic {i:02}"))
            .at(now - Duration::hours(i))
            .messages(1)
            .create(&mut conn);
    }
    drop(conn);
    let first = client
        .get(&format!("/contacts/{}/conversations", ada.id))
        .await;
    first.assert_contains("Topic 00");
    first.assert_contains("Topic 24");
    first.assert_lacks("Topic 25");
    let marker = "rel=\"next\" href=\"";
    let start = first.body.find(marker).expect("an Older link") + marker.len();
    let older = first.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(older.contains("?before="), "{older}");

    let second = client.get_htmx(&older, "profile-tabs").await;
    assert_eq!(second.status, 200);
    second.assert_contains("Topic 25");
    second.assert_contains("Topic 29");
    second.assert_lacks("Topic 24");
    second.assert_lacks("rel=\"next\"");
    second.assert_contains("← Newest");

    // A tampered cursor starts from the newest instead of failing.
    let tampered = client
        .get(&format!("/contacts/{}/conversations?before=x_y", ada.id))
        .await;
    assert_eq!(tampered.status, 200);
    tampered.assert_contains("Topic 00");
}

#[actix_web::test]
async fn a_transcript_shows_each_role_and_escapes_text() {
    let (app, client, ada) = setup(Role::Editor).await;
    let (conversation, _) = ConversationBuilder::new(ada.id)
        .channel("widget")
        .message("context", "Visitor on /pricing, plan: trial")
        .message("user", "Hi! <script>alert(1)</script>\nSecond line")
        .message("bot", "Hello Ada, how can I help?")
        .message("staff", "Taking over from the bot.")
        .create(&mut app.conn());
    let url = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);
    let page = client.get(&url).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");
    page.assert_contains("class=\"message message-context\"");
    page.assert_contains("class=\"message message-user\"");
    page.assert_contains("class=\"message message-bot\"");
    page.assert_contains("class=\"message message-staff\"");
    page.assert_contains("<span class=\"message-author\">Ada Lovelace</span>");
    page.assert_contains("<span class=\"message-author\">Bot</span>");
    page.assert_contains("<span class=\"message-author\">Staff</span>");
    page.assert_contains("<span class=\"message-author\">Context</span>");
    page.assert_lacks("<script>alert(1)</script>");
    page.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;\nSecond line");
    page.assert_contains("4 messages");
    page.assert_lacks("Earlier messages");
    // Without a subject the title is the opening message's first line.
    page.assert_contains(
        "<h2 id=\"conversation-title\">Hi! &#60;script&#62;alert(1)&#60;/script&#62;</h2>",
    );

    let tabs = client.get_htmx(&url, "profile-tabs").await;
    tabs.assert_lacks("<html");
    tabs.assert_contains("class=\"message message-bot\"");

    // Another contact's conversation is not reachable under this contact.
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    let wrong = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            grace.id, conversation.id
        ))
        .await;
    assert_eq!(wrong.status, 404);
    assert_eq!(
        client
            .get(&format!("/contacts/{}/conversations/nope", ada.id))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn long_transcripts_open_at_the_latest_messages_and_load_earlier_ones() {
    let (app, client, ada) = setup(Role::Viewer).await;
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("A long chat")
        .messages(120)
        .create(&mut app.conn());
    let url = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);
    let page = client.get(&url).await;
    assert_eq!(page.status, 200);
    page.assert_contains(">Message 120</div>");
    page.assert_contains(">Message 71</div>");
    page.assert_lacks(">Message 70</div>");
    let earlier = format!("{url}?before={}", messages[70].id);
    page.assert_contains(&format!("href=\"{earlier}\""));
    page.assert_contains("hx-target=\"#transcript-earlier\"");

    // htmx: only the older messages and the next button, to replace the old button.
    let fragment = client.get_htmx(&earlier, "transcript-earlier").await;
    assert_eq!(fragment.status, 200);
    fragment.assert_lacks("<html");
    fragment.assert_lacks("tab-panel");
    fragment.assert_contains(">Message 70</div>");
    fragment.assert_contains(">Message 21</div>");
    fragment.assert_lacks(">Message 71</div>");
    fragment.assert_lacks(">Message 20</div>");
    fragment.assert_contains(&format!("?before={}", messages[20].id));
    fragment.assert_lacks("Later messages");
    let last = client
        .get_htmx(
            &format!("{url}?before={}", messages[20].id),
            "transcript-earlier",
        )
        .await;
    last.assert_contains(">Message 1</div>");
    last.assert_lacks("Earlier messages");

    // Without JavaScript the same link is a whole page, with a way back to later messages.
    let plain = client.get(&earlier).await;
    plain.assert_contains("<html");
    plain.assert_contains(">Message 21</div>");
    plain.assert_contains("Later messages");
    plain.assert_contains("Jump to the latest messages");

    // A link to one message opens the window around it, anchored.
    let target = &messages[5];
    let around = client.get(&format!("{url}?at={}", target.id)).await;
    around.assert_contains(&format!("id=\"message-{}\"", target.id));
    around.assert_contains(">Message 1</div>");
    around.assert_contains(">Message 50</div>");
    around.assert_lacks(">Message 51</div>");
    around.assert_contains("Later messages");
    around.assert_lacks("Earlier messages");
    let middle = &messages[59];
    let around = client.get(&format!("{url}?at={}", middle.id)).await;
    around.assert_contains(">Message 36</div>");
    around.assert_contains(">Message 85</div>");
    around.assert_lacks(">Message 35</div>");
    around.assert_lacks(">Message 86</div>");
    let near_end = &messages[115];
    let around = client.get(&format!("{url}?at={}", near_end.id)).await;
    around.assert_contains(">Message 71</div>");
    around.assert_contains(">Message 120</div>");
    around.assert_lacks(">Message 70</div>");
    around.assert_lacks("Later messages");
    around.assert_contains("Earlier messages");
}

#[actix_web::test]
async fn viewers_see_no_controls_and_cannot_change_conversations() {
    let (app, viewer, ada) = setup(Role::Viewer).await;
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    let (conversation, _) = ConversationBuilder::new(ada.id)
        .messages(2)
        .create(&mut app.conn());
    let base = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);
    let page = viewer.get(&base).await;
    assert_eq!(page.status, 200);
    page.assert_lacks("id=\"conversation-delete\"");
    page.assert_lacks("id=\"conversation-move\"");
    page.assert_lacks("id=\"conversation-detach\"");
    page.assert_lacks("id=\"staff-message-form\"");
    for action in ["delete", "detach", "move"] {
        assert_eq!(
            viewer.get(&format!("{base}/{action}")).await.status,
            403,
            "{action}"
        );
    }
    let to = grace.id.to_string();
    let posts: [(&str, Vec<(&str, &str)>); 4] = [
        ("delete", vec![]),
        ("detach", vec![]),
        ("move", vec![("to", to.as_str())]),
        ("messages", vec![("text", "Hello from a viewer")]),
    ];
    for (action, fields) in posts {
        let response = viewer.post_form(&format!("{base}/{action}"), &fields).await;
        assert_eq!(response.status, 403, "{action}");
    }
    let stored = conversation_row(&app, conversation.id).unwrap();
    assert_eq!(stored.contact_id, Some(ada.id));
    assert_eq!(stored.message_count, 2);
}

#[actix_web::test]
async fn deleting_a_conversation_asks_first_and_keeps_its_ratings() {
    let (app, client, ada) = setup(Role::Editor).await;
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("To be deleted")
        .messages(3)
        .create(&mut app.conn());
    let rating = RatingBuilder::down(ada.id)
        .message(&messages[1])
        .reason("Unhelpful")
        .create(&mut app.conn());
    let base = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);

    let page = client.get(&base).await;
    page.assert_contains("id=\"conversation-delete\"");
    let confirm = client
        .get_htmx(&format!("{base}/delete"), "profile-tabs")
        .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete this conversation?");
    confirm.assert_contains("Its 3 messages will be deleted with it.");
    confirm.assert_contains("Its 1 rating will stay on Ada Lovelace&#39;s profile");
    // Nothing happened yet.
    assert!(conversation_row(&app, conversation.id).is_some());

    let deleted = client.post_form(&format!("{base}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(
        deleted.location(),
        Some(format!("/contacts/{}/conversations", ada.id).as_str())
    );
    assert!(conversation_row(&app, conversation.id).is_none());
    let left: i64 = messages::table
        .filter(messages::conversation_id.eq(conversation.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);
    let kept: (Option<ContactId>, Option<ConversationId>, Option<MessageId>) = ratings::table
        .find(rating.id)
        .select((
            ratings::contact_id,
            ratings::conversation_id,
            ratings::message_id,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(kept, (Some(ada.id), None, None));
    assert_eq!(
        audit_trail(&app, "conversation", conversation.id),
        vec![("delete".to_string(), Some(ada.id))]
    );

    let list = client
        .get(&format!("/contacts/{}/conversations", ada.id))
        .await;
    list.assert_contains("Deleted the conversation and its 3 messages; its rating stays, unlinked");
    list.assert_contains("No conversations yet");
    let history = client.get(&format!("/contacts/{}/history", ada.id)).await;
    history.assert_contains("deleted a conversation");
    history.assert_contains("To be deleted");

    // Gone is gone.
    assert_eq!(client.get(&base).await.status, 404);
    assert_eq!(
        client
            .post_form(&format!("{base}/delete"), &[])
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn detaching_unlinks_the_conversation_and_its_ratings() {
    let (app, client, ada) = setup(Role::Editor).await;
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("Wrong person")
        .messages(2)
        .create(&mut app.conn());
    let rating = RatingBuilder::up(ada.id)
        .message(&messages[1])
        .create(&mut app.conn());
    let base = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);
    let confirm = client.get(&format!("{base}/detach")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Detach this conversation from Ada Lovelace?");
    confirm.assert_contains("its 2 messages stay");
    confirm.assert_contains("The rating given in it leaves Ada Lovelace&#39;s profile too.");

    let response = client
        .post_htmx(&format!("{base}/detach"), &[], "profile-tabs")
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("hx-redirect"),
        Some(format!("/contacts/{}/conversations", ada.id).as_str())
    );
    let stored = conversation_row(&app, conversation.id).unwrap();
    assert_eq!(stored.contact_id, None);
    assert_eq!(stored.message_count, 2);
    let rating_contact: Option<ContactId> = ratings::table
        .find(rating.id)
        .select(ratings::contact_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(rating_contact, None);
    assert_eq!(
        audit_trail(&app, "conversation", conversation.id),
        vec![("detached".to_string(), Some(ada.id))]
    );
    let list = client
        .get(&format!("/contacts/{}/conversations", ada.id))
        .await;
    list.assert_contains("Conversations <span class=\"count\">0</span>");
    list.assert_contains("Ratings <span class=\"count\">0</span>");
    assert_eq!(client.get(&base).await.status, 404);
    let history = client.get(&format!("/contacts/{}/history", ada.id)).await;
    history.assert_contains("detached a conversation");
    history.assert_contains("Ada Lovelace (#");
}

#[actix_web::test]
async fn moving_picks_another_contact_by_search_and_records_both_sides() {
    let (app, client, ada) = setup(Role::Editor).await;
    let grace = ContactBuilder::new("Grace Hopper")
        .email("grace@navy.example")
        .create(&mut app.conn());
    ContactBuilder::new("Gracie Allen").create(&mut app.conn());
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("Compiler question")
        .messages(2)
        .create(&mut app.conn());
    let rating = RatingBuilder::up(ada.id)
        .message(&messages[1])
        .create(&mut app.conn());
    let base = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);

    let picker = client.get(&format!("{base}/move")).await;
    assert_eq!(picker.status, 200);
    picker.assert_contains("id=\"move-q\"");
    picker.assert_contains("hx-target=\"#move-results\"");
    picker.assert_contains("Type a few letters");

    // Results as you type: only the list, the current contact left out.
    let results = client
        .get_htmx(&format!("{base}/move?q=gra"), "move-results")
        .await;
    assert_eq!(results.status, 200);
    results.assert_lacks("<html");
    results.assert_lacks("move-heading");
    results.assert_contains("Grace Hopper");
    results.assert_contains("grace@navy.example");
    results.assert_contains("Gracie Allen");
    results.assert_contains(&format!("name=\"to\" value=\"{}\"", grace.id));
    results.assert_lacks("id=\"move-more\"");
    let by_email = client
        .get_htmx(&format!("{base}/move?q=navy"), "move-results")
        .await;
    by_email.assert_contains("Grace Hopper");
    by_email.assert_lacks("Gracie Allen");
    for i in 0..11 {
        ContactBuilder::new(&format!("Graham Bell {i}")).create(&mut app.conn());
    }
    let many = client
        .get_htmx(&format!("{base}/move?q=graham"), "move-results")
        .await;
    assert_eq!(many.body.matches("class=\"candidate\"").count(), 10);
    many.assert_contains("id=\"move-more\"");
    let own = client
        .get_htmx(&format!("{base}/move?q=ada"), "move-results")
        .await;
    own.assert_lacks(&format!("name=\"to\" value=\"{}\"", ada.id));
    own.assert_contains("No other contact matches");

    // Bad choices come back with the picker and a reason; nothing moves.
    let own_id = ada.id.to_string();
    for (to, reason) in [
        ("", "Choose the contact to move the conversation to."),
        ("abc", "Choose the contact to move the conversation to."),
        ("99999999", "That contact no longer exists"),
        (own_id.as_str(), "already belongs to this contact"),
    ] {
        let refused = client
            .post_form(&format!("{base}/move"), &[("to", to), ("q", "gra")])
            .await;
        assert_eq!(refused.status, 422, "{to}");
        refused.assert_contains(reason);
        refused.assert_contains("value=\"gra\"");
    }
    assert_eq!(
        conversation_row(&app, conversation.id).unwrap().contact_id,
        Some(ada.id)
    );

    let moved = client
        .post_form(&format!("{base}/move"), &[("to", &grace.id.to_string())])
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let stored = conversation_row(&app, conversation.id).unwrap();
    assert_eq!(stored.contact_id, Some(grace.id));
    let rating_contact: Option<ContactId> = ratings::table
        .find(rating.id)
        .select(ratings::contact_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(rating_contact, Some(grace.id));
    assert_eq!(
        audit_trail(&app, "conversation", conversation.id),
        vec![
            ("moved".to_string(), Some(ada.id)),
            ("moved".to_string(), Some(grace.id))
        ]
    );

    let list = client
        .get(&format!("/contacts/{}/conversations", ada.id))
        .await;
    list.assert_contains("Moved the conversation to Grace Hopper");
    list.assert_lacks("Compiler question");
    let theirs = client
        .get(&format!("/contacts/{}/conversations", grace.id))
        .await;
    theirs.assert_contains("Compiler question");
    for id in [ada.id, grace.id] {
        let history = client.get(&format!("/contacts/{id}/history")).await;
        history.assert_contains("moved a conversation");
        history.assert_contains(&format!("Grace Hopper (#{})", grace.id));
    }
    assert_eq!(client.get(&base).await.status, 404);
    client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            grace.id, conversation.id
        ))
        .await
        .assert_contains("Compiler question");
}

#[actix_web::test]
async fn staff_can_add_a_message_and_blank_ones_are_refused() {
    let (app, client, ada) = setup(Role::Editor).await;
    let (conversation, _) = ConversationBuilder::new(ada.id)
        .messages(2)
        .create(&mut app.conn());
    let base = format!("/contacts/{}/conversations/{}", ada.id, conversation.id);
    let page = client.get(&base).await;
    page.assert_contains("id=\"staff-message-form\"");

    let blank = client
        .post_htmx(
            &format!("{base}/messages"),
            &[("text", "   ")],
            "profile-tabs",
        )
        .await;
    assert_eq!(blank.status, 422);
    blank.assert_contains("Write a message first.");
    blank.assert_contains("aria-invalid=\"true\"");
    let too_long = "x".repeat(10_001);
    let long = client
        .post_form(&format!("{base}/messages"), &[("text", &too_long)])
        .await;
    assert_eq!(long.status, 422);
    long.assert_contains("Must be at most 10,000 characters");
    long.assert_contains(&too_long);
    assert_eq!(
        conversation_row(&app, conversation.id)
            .unwrap()
            .message_count,
        2
    );

    let added = client
        .post_htmx(
            &format!("{base}/messages"),
            &[("text", "Refund approved <b>today</b>.\nCall back Friday.")],
            "profile-tabs",
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    added.assert_lacks("<html");
    added.assert_contains("class=\"message message-staff\"");
    added.assert_contains("Refund approved &#60;b&#62;today&#60;/b&#62;.\nCall back Friday.");
    added.assert_contains("Staff · editor");
    added.assert_contains("3 messages");
    let stored: Vec<(String, String)> = messages::table
        .filter(messages::conversation_id.eq(conversation.id))
        .order(messages::id)
        .select((messages::role, messages::text))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[2].0, "staff");
    assert_eq!(
        stored[2].1,
        "Refund approved <b>today</b>.\nCall back Friday."
    );

    // Without JavaScript: a redirect back to the transcript.
    let plain = client
        .post_form(&format!("{base}/messages"), &[("text", "Second note")])
        .await;
    assert_eq!(plain.status, 303);
    assert_eq!(plain.location(), Some(base.as_str()));
    let history = client.get(&format!("/contacts/{}/history", ada.id)).await;
    history.assert_contains("created a message");
    history.assert_contains("Second note");
}

#[actix_web::test]
async fn purging_the_contact_detaches_its_conversations_and_ratings() {
    let (app, client, ada) = setup(Role::Editor).await;
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("Survives")
        .messages(4)
        .create(&mut app.conn());
    let rating = RatingBuilder::down(ada.id)
        .message(&messages[3])
        .create(&mut app.conn());

    let confirm = client.get(&format!("/contacts/{}/delete", ada.id)).await;
    confirm.assert_contains("1 conversation, no longer linked to a contact");
    confirm.assert_contains("1 rating, no longer linked to a contact");
    let deleted = client
        .post_form(&format!("/contacts/{}/delete", ada.id), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert!(contact::find(&mut app.conn(), ada.id).is_err());
    let in_trash = conversation_row(&app, conversation.id).expect("in Trash, linked still");
    assert_eq!(in_trash.contact_id, Some(ada.id));
    let purged = client
        .post_form(&format!("/contacts/{}/purge", ada.id), &[])
        .await;
    assert_eq!(purged.status, 303);

    let stored = conversation_row(&app, conversation.id).expect("the conversation stays");
    assert_eq!(stored.contact_id, None);
    assert_eq!(stored.message_count, 4);
    let kept: (Option<ContactId>, Option<ConversationId>, Option<MessageId>) = ratings::table
        .find(rating.id)
        .select((
            ratings::contact_id,
            ratings::conversation_id,
            ratings::message_id,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(kept, (None, Some(conversation.id), Some(messages[3].id)));
}

#[actix_web::test]
async fn the_demo_seed_fills_both_tabs_with_consistent_rows() {
    let app = TestApp::spawn().await;
    rapport::seed::run(&mut app.conn(), 400, true, None, &app.settings.data_dir).unwrap();
    let mut conn = app.conn();
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        conversations: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        miscounted: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        ratings: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        misplaced_ratings: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        staff_without_author: i64,
    }
    let check: Check = diesel::sql_query(
        "SELECT (SELECT count(*) FROM conversations) AS conversations, \
                (SELECT count(*) FROM conversations c WHERE c.message_count <> \
                    (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) \
                    OR c.last_message_at IS DISTINCT FROM \
                    (SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id)) AS miscounted, \
                (SELECT count(*) FROM ratings) AS ratings, \
                (SELECT count(*) FROM ratings r JOIN messages m ON m.id = r.message_id \
                  JOIN conversations c ON c.id = m.conversation_id \
                  WHERE m.conversation_id <> r.conversation_id OR m.role <> 'bot' \
                     OR c.contact_id IS DISTINCT FROM r.contact_id) AS misplaced_ratings, \
                (SELECT count(*) FROM messages WHERE role = 'staff' AND NOT meta ? 'author') \
                  AS staff_without_author",
    )
    .get_result(&mut conn)
    .unwrap();
    assert!(check.conversations > 20, "{}", check.conversations);
    assert!(check.ratings > 5, "{}", check.ratings);
    assert_eq!(check.miscounted, 0);
    assert_eq!(check.misplaced_ratings, 0);
    assert_eq!(check.staff_without_author, 0);

    // The counting trigger is back on after the seed.
    let (id, before): (ConversationId, i32) = conversations::table
        .select((conversations::id, conversations::message_count))
        .filter(conversations::contact_id.is_not_null())
        .first(&mut conn)
        .unwrap();
    diesel::insert_into(messages::table)
        .values((
            messages::conversation_id.eq(id),
            messages::role.eq("user"),
            messages::text.eq("One more thing"),
        ))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        conversation_row(&app, id).unwrap().message_count,
        before + 1
    );

    // A seeded profile with ratings shows the transcript list, the summary and the chart.
    let rated: i64 = ratings::table
        .filter(ratings::contact_id.is_not_null())
        .select(ratings::contact_id.assume_not_null())
        .first(&mut conn)
        .unwrap();
    drop(conn);
    let client = app.signed_in(Role::Viewer).await;
    let list = client
        .get(&format!("/contacts/{rated}/conversations"))
        .await;
    assert_eq!(list.status, 200);
    list.assert_contains("class=\"conversation-row\"");
    let ratings_tab = client.get(&format!("/contacts/{rated}/ratings")).await;
    assert_eq!(ratings_tab.status, 200);
    ratings_tab.assert_contains("<svg class=\"ratings-chart\"");
}
