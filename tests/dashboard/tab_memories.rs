//! The Memories tab: add, edit in place with a version check, delete after a confirm step,
//! search as you type, pagination, roles, escaping and the cascade on contact delete; and
//! memories from unverified conversations, marked, waiting for an editor's Confirm (issue 10).

use crate::common::builders::{ContactBuilder, ConversationBuilder, memory};
use crate::common::{TestApp, TestClient};
use diesel::prelude::*;
use rapport::domain::{ContactId, ConversationId, Role};
use rapport::models::Actor;
use rapport::models::memory::{self as memory_model, Memory, Origin};
use rapport::models::schema::{audit_events, memories};
use serde_json::json;

async fn setup(role: Role) -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    let client = app.signed_in(role).await;
    client.get("/contacts").await;
    (app, client, ada.id)
}

/// The contact's memories' texts, newest first.
fn texts(app: &TestApp, contact: ContactId) -> Vec<String> {
    memories::table
        .filter(memories::contact_id.eq(contact))
        .select(memories::text)
        .order((memories::created_at.desc(), memories::id.desc()))
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn adding_memories_puts_the_newest_on_top() {
    let (app, client, id) = setup(Role::Editor).await;
    let empty = client.get(&format!("/contacts/{id}/memories")).await;
    assert_eq!(empty.status, 200);
    empty.assert_contains("No memories yet");
    empty.assert_contains("Memories <span class=\"count\">0</span>");
    empty.assert_contains("Add memory");

    let first = client
        .post_htmx(
            &format!("/contacts/{id}/memories"),
            &[("text", "  Prefers SMS over phone  ")],
            "profile-tabs",
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    first.assert_lacks("<html");
    first.assert_contains("Prefers SMS over phone");
    first.assert_contains("Memories <span class=\"count\">1</span>");
    assert_eq!(
        first.header("hx-replace-url"),
        Some(format!("/contacts/{id}/memories").as_str())
    );

    // Without JavaScript; multi-line text stays as typed.
    let second = client
        .post_form(
            &format!("/contacts/{id}/memories"),
            &[("text", "Has two kids;\nmentions them often")],
        )
        .await;
    assert_eq!(second.status, 303);
    assert_eq!(
        second.location(),
        Some(format!("/contacts/{id}/memories").as_str())
    );
    let list = client.get(&format!("/contacts/{id}/memories")).await;
    list.assert_contains("Memory added");
    list.assert_contains("Has two kids;\nmentions them often");
    list.assert_contains("2 memories");
    assert!(list.body.find("Has two kids").unwrap() < list.body.find("Prefers SMS").unwrap());
    assert_eq!(
        texts(&app, id),
        [
            "Has two kids;\nmentions them often",
            "Prefers SMS over phone"
        ]
    );

    let created: i64 = memories::table
        .filter(memories::text.eq("Prefers SMS over phone"))
        .select(memories::id)
        .first(&mut app.conn())
        .unwrap();
    let events = app.audit_of("memory", created);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "create");
    assert_eq!(events[0].1["text"]["after"], "Prefers SMS over phone");
    client
        .get(&format!("/contacts/{id}/history"))
        .await
        .assert_contains("created a memory");
}

#[actix_web::test]
async fn a_blank_or_too_long_memory_is_refused_with_the_text_kept() {
    let (app, client, id) = setup(Role::Editor).await;
    let blank = client
        .post_htmx(
            &format!("/contacts/{id}/memories"),
            &[("text", " \n ")],
            "profile-tabs",
        )
        .await;
    assert_eq!(blank.status, 422);
    blank.assert_contains("id=\"memory-new-error\"");
    blank.assert_contains("Write what to remember");
    blank.assert_contains("aria-invalid=\"true\"");

    let long = format!("start{}", "x".repeat(10_000));
    let too_long = client
        .post_form(&format!("/contacts/{id}/memories"), &[("text", &long)])
        .await;
    assert_eq!(too_long.status, 422);
    too_long.assert_contains("<html");
    too_long.assert_contains("at most 10,000 characters (this is 10,005)");
    too_long.assert_contains(&format!(">{long}</textarea>"));
    assert!(texts(&app, id).is_empty());
}

#[actix_web::test]
async fn a_memory_is_edited_in_place() {
    let (app, client, id) = setup(Role::Editor).await;
    let saved = memory(&mut app.conn(), id, "Uses the Pro plan");
    let element = format!("memory-{}", saved.id);
    let url = format!("/contacts/{id}/memories/{}", saved.id);

    let editor = client.get_htmx(&format!("{url}/edit"), &element).await;
    assert_eq!(editor.status, 200);
    editor.assert_lacks("<html");
    editor.assert_contains(&format!("id=\"{element}\""));
    editor.assert_contains(">Uses the Pro plan</textarea>");
    assert_eq!(editor.hidden("version"), "1");
    let cancel = client.get_htmx(&url, &element).await;
    cancel.assert_lacks("<textarea");
    cancel.assert_contains("Uses the Pro plan");

    let response = client
        .post_htmx(
            &url,
            &[("version", "1"), ("text", "Uses the Pro plan since 2024")],
            &element,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.assert_lacks("<textarea");
    response.assert_contains("Uses the Pro plan since 2024");
    response.assert_contains("edited just now");
    assert_eq!(texts(&app, id), ["Uses the Pro plan since 2024"]);
    let (action, changes) = app.audit_of("memory", saved.id).pop().unwrap();
    assert_eq!(action, "update");
    assert_eq!(changes["text"]["before"], "Uses the Pro plan");
    assert_eq!(changes["text"]["after"], "Uses the Pro plan since 2024");

    let invalid = client
        .post_htmx(&url, &[("version", "2"), ("text", "   ")], &element)
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_contains("<textarea");
    invalid.assert_contains(&format!("id=\"{element}-error\""));
    assert_eq!(texts(&app, id), ["Uses the Pro plan since 2024"]);
}

#[actix_web::test]
async fn editing_works_without_javascript() {
    let (app, client, id) = setup(Role::Editor).await;
    let saved = memory(&mut app.conn(), id, "Lives in Lisbon");
    memory(&mut app.conn(), id, "Unrelated");
    let url = format!("/contacts/{id}/memories/{}", saved.id);
    let page = client.get(&format!("{url}/edit?q=lisbon")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains(">Lives in Lisbon</textarea>");
    page.assert_lacks("Unrelated");
    page.assert_contains("All memories");
    let saved_response = client
        .post_form(
            &url,
            &[
                ("version", &page.hidden("version")),
                ("q", &page.hidden("q")),
                ("before", ""),
                ("text", "Lives in Porto"),
            ],
        )
        .await;
    assert_eq!(saved_response.status, 303);
    assert_eq!(
        saved_response.location(),
        Some(format!("/contacts/{id}/memories?q=lisbon").as_str())
    );
    assert!(texts(&app, id).contains(&"Lives in Porto".to_string()));
}

#[actix_web::test]
async fn someone_elses_edit_of_a_memory_is_never_overwritten_silently() {
    let (app, client, id) = setup(Role::Editor).await;
    let colleague = app.signed_in(Role::Editor).await;
    colleague.get("/contacts").await;
    let saved = memory(&mut app.conn(), id, "Has one kid");
    let element = format!("memory-{}", saved.id);
    let url = format!("/contacts/{id}/memories/{}", saved.id);
    let mine = client.get_htmx(&format!("{url}/edit"), &element).await;
    let theirs = colleague.get_htmx(&format!("{url}/edit"), &element).await;
    let first = colleague
        .post_htmx(
            &url,
            &[
                ("version", &theirs.hidden("version")),
                ("text", "Has two kids"),
            ],
            &element,
        )
        .await;
    assert_eq!(first.status, 200);

    let conflict = client
        .post_htmx(
            &url,
            &[
                ("version", &mine.hidden("version")),
                ("text", "Has a daughter"),
            ],
            &element,
        )
        .await;
    assert_eq!(conflict.status, 409);
    conflict.assert_contains("Changed by someone else");
    conflict.assert_contains("<q class=\"their-value\">Has two kids</q>");
    conflict.assert_contains(">Has a daughter</textarea>");
    assert_eq!(texts(&app, id), ["Has two kids"]);

    let again = client
        .post_htmx(
            &url,
            &[
                ("version", &conflict.hidden("version")),
                ("text", "Has a daughter"),
            ],
            &element,
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(texts(&app, id), ["Has a daughter"]);
}

#[actix_web::test]
async fn deleting_a_memory_asks_first_and_keeps_the_search() {
    let (app, client, id) = setup(Role::Editor).await;
    let kids = memory(&mut app.conn(), id, "Has two kids");
    let keep = memory(&mut app.conn(), id, "Mentions the kids' school");
    memory(&mut app.conn(), id, "Prefers SMS");
    let element = format!("memory-{}", kids.id);
    let base = format!("/contacts/{id}/memories/{}", kids.id);

    let ask = client
        .get_htmx(&format!("{base}/delete?q=kids"), &element)
        .await;
    assert_eq!(ask.status, 200);
    ask.assert_contains("Delete this memory?");
    ask.assert_contains("name=\"q\" value=\"kids\"");
    assert_eq!(texts(&app, id).len(), 3);

    let deleted = client
        .post_htmx(
            &format!("{base}/delete"),
            &[("q", "kids"), ("before", "")],
            "profile-tabs",
        )
        .await;
    assert_eq!(deleted.status, 200);
    deleted.assert_lacks("Has two kids");
    deleted.assert_contains("Mentions the kids&#39; school");
    deleted.assert_lacks("Prefers SMS");
    deleted.assert_contains("1 memory contains “kids”");
    deleted.assert_contains("Memories <span class=\"count\">2</span>");
    let events = app.audit_of("memory", kids.id);
    assert_eq!(events.last().unwrap().0, "delete");
    assert_eq!(events.last().unwrap().1["text"]["before"], "Has two kids");

    // Without JavaScript: a confirmation page, then back to the same search.
    let other = format!("/contacts/{id}/memories/{}", keep.id);
    let confirm = client.get(&format!("{other}/delete?q=kids")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("<html");
    confirm.assert_contains("Delete this memory?");
    let gone = client
        .post_form(&format!("{other}/delete"), &[("q", "kids"), ("before", "")])
        .await;
    assert_eq!(gone.status, 303);
    assert_eq!(
        gone.location(),
        Some(format!("/contacts/{id}/memories?q=kids").as_str())
    );
    assert_eq!(texts(&app, id), ["Prefers SMS"]);
}

#[actix_web::test]
async fn search_finds_substrings_ignoring_case_within_this_contact() {
    let (app, client, id) = setup(Role::Editor).await;
    let grace = ContactBuilder::new("Grace").create(&mut app.conn());
    memory(&mut app.conn(), id, "Has two KIDS; mentions them often");
    memory(&mut app.conn(), id, "Prefers SMS over phone");
    memory(&mut app.conn(), id, "Asked for a 50% discount");
    memory(&mut app.conn(), grace.id, "Grace's kids are grown up");

    let page = client.get(&format!("/contacts/{id}/memories?q=kids")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains("value=\"kids\"");
    page.assert_contains("1 memory contains “kids”");
    page.assert_contains("Has two KIDS");
    page.assert_lacks("Prefers SMS");
    page.assert_lacks("Grace&#39;s kids");

    // As you type: only the results, with the search in the pushed URL.
    let typed = client
        .get_htmx(&format!("/contacts/{id}/memories?q=sms"), "memory-results")
        .await;
    assert_eq!(typed.status, 200);
    typed.assert_lacks("<html");
    typed.assert_lacks("memory-add");
    typed.assert_lacks("id=\"memory-q\"");
    typed.assert_contains("Prefers SMS over phone");
    typed.assert_lacks("Has two KIDS");

    // LIKE's wildcards are taken literally.
    let percent = client
        .get_htmx(&format!("/contacts/{id}/memories?q=%25"), "memory-results")
        .await;
    percent.assert_contains("50% discount");
    percent.assert_lacks("Prefers SMS");
    let underscore = client
        .get_htmx(&format!("/contacts/{id}/memories?q=_"), "memory-results")
        .await;
    underscore.assert_contains("No memories contain “_”");
    underscore.assert_contains("Clear search");
}

#[actix_web::test]
async fn memories_are_paged_newest_first_within_a_search() {
    let (app, client, id) = setup(Role::Editor).await;
    for n in 1..=30 {
        memory(&mut app.conn(), id, &format!("Fact number {n:02}"));
    }
    memory(&mut app.conn(), id, "Something else");
    let first = client.get(&format!("/contacts/{id}/memories?q=fact")).await;
    assert_eq!(first.body.matches("class=\"memory\"").count(), 25);
    first.assert_contains("30 memories contain “fact”");
    first.assert_contains("Fact number 30");
    first.assert_contains("Fact number 06");
    first.assert_lacks("Fact number 05");
    first.assert_contains("Memories <span class=\"count\">31</span>");
    let older = first
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("before="))
        .unwrap()
        .replace("&#38;", "&");
    assert!(older.contains("q=fact"), "{older}");
    let second = client.get_htmx(&older, "memory-results").await;
    assert_eq!(second.status, 200);
    assert_eq!(second.body.matches("class=\"memory\"").count(), 5);
    second.assert_contains("Fact number 05");
    second.assert_contains("Fact number 01");
    second.assert_lacks("Something else");
    second.assert_contains("Newest memories");
    second.assert_lacks("Older memories");
    // Garbage cursors start from the newest.
    let junk = client
        .get(&format!("/contacts/{id}/memories?before=nope"))
        .await;
    assert_eq!(junk.status, 200);
    junk.assert_contains("Something else");
}

#[actix_web::test]
async fn viewers_read_and_search_memories_but_cannot_change_them() {
    let (app, viewer, id) = setup(Role::Viewer).await;
    let saved = memory(&mut app.conn(), id, "Prefers SMS over phone");
    let page = viewer.get(&format!("/contacts/{id}/memories")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Prefers SMS over phone");
    page.assert_contains("id=\"memory-q\"");
    for control in [
        "Add memory",
        "memory-add",
        "/edit",
        "/delete",
        "name=\"text\"",
    ] {
        page.assert_lacks(control);
    }
    let base = format!("/contacts/{id}/memories/{}", saved.id);
    for path in [format!("{base}/edit"), format!("{base}/delete")] {
        assert_eq!(viewer.get(&path).await.status, 403, "GET {path}");
    }
    for path in [
        format!("/contacts/{id}/memories"),
        base.clone(),
        format!("{base}/delete"),
    ] {
        let response = viewer
            .post_form(&path, &[("text", "Hijacked"), ("version", "1")])
            .await;
        assert_eq!(response.status, 403, "POST {path}");
    }
    assert_eq!(texts(&app, id), ["Prefers SMS over phone"]);
    assert_eq!(app.audit_of("memory", saved.id).len(), 1);
}

#[actix_web::test]
async fn memory_text_is_escaped() {
    let (app, client, id) = setup(Role::Editor).await;
    memory(
        &mut app.conn(),
        id,
        "<img src=x onerror=alert(1)> & <b>bold</b>",
    );
    let page = client.get(&format!("/contacts/{id}/memories")).await;
    page.assert_lacks("<img src=x");
    page.assert_lacks("<b>bold</b>");
    page.assert_contains("&#60;img src=x onerror=alert(1)&#62; &#38; &#60;b&#62;bold&#60;/b&#62;");
    let search = client
        .get(&format!("/contacts/{id}/memories?q=%3Cscript%3E"))
        .await;
    search.assert_lacks("<script>");
    search.assert_contains("&#60;script&#62;");
}

#[actix_web::test]
async fn another_contacts_memory_is_not_found_here() {
    let (app, client, id) = setup(Role::Editor).await;
    let grace = ContactBuilder::new("Grace").create(&mut app.conn());
    let theirs = memory(&mut app.conn(), grace.id, "Grace's secret");
    let base = format!("/contacts/{id}/memories/{}", theirs.id);
    assert_eq!(client.get(&format!("{base}/edit")).await.status, 404);
    let save = client
        .post_form(&base, &[("version", "1"), ("text", "Stolen")])
        .await;
    assert_eq!(save.status, 404);
    assert_eq!(
        client
            .post_form(&format!("{base}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(texts(&app, grace.id), ["Grace's secret"]);
}

#[actix_web::test]
async fn memories_go_with_their_contact() {
    let (app, client, id) = setup(Role::Editor).await;
    let other = ContactBuilder::new("Grace").create(&mut app.conn());
    memory(&mut app.conn(), id, "One");
    memory(&mut app.conn(), id, "Two");
    memory(&mut app.conn(), id, "Three");
    memory(&mut app.conn(), other.id, "Grace's");
    client
        .get(&format!("/contacts/{id}/delete"))
        .await
        .assert_contains("3 memories");
    let deleted = client
        .post_form(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(texts(&app, id).len(), 3, "in Trash, kept for a restore");
    let purged = client
        .post_form(&format!("/contacts/{id}/purge"), &[])
        .await;
    assert_eq!(purged.status, 303);
    assert!(texts(&app, id).is_empty());
    assert_eq!(texts(&app, other.id), ["Grace's"]);
    // Their audit entries stay, for the record.
    let kept: i64 = audit_events::table
        .filter(audit_events::entity.eq("memory"))
        .filter(audit_events::contact_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(kept, 3);
}

/// A memory an agent wrote in a conversation of `contact` whose visitor only claimed it.
fn unconfirmed(app: &TestApp, contact: ContactId, text: &str) -> (Memory, ConversationId) {
    let (conversation, _) = ConversationBuilder::new(contact).create(&mut app.conn());
    let memory = memory_model::create_with(
        &mut app.conn(),
        contact,
        text,
        &json!({"unverified": true, "conversationId": conversation.id.to_string()}),
        Origin::Claim(conversation.id),
        &Actor::System("widget Shop chat".into()),
    )
    .unwrap();
    (memory, conversation.id)
}

fn is_confirmed(app: &TestApp, memory: &Memory) -> bool {
    memories::table
        .find(memory.id)
        .select(memories::confirmed)
        .first(&mut app.conn())
        .unwrap()
}

const MARK: &str = "from an unverified conversation";

#[actix_web::test]
async fn an_unconfirmed_memory_is_marked_until_an_editor_confirms_it() {
    let (app, client, id) = setup(Role::Editor).await;
    memory(&mut app.conn(), id, "Prefers green tea");
    let (claimed, conversation) = unconfirmed(&app, id, "Card ends 4242");
    assert!(!claimed.confirmed);
    assert_eq!(claimed.claimed_conversation_id, Some(conversation));
    let element = format!("memory-{}", claimed.id);
    let confirm_url = format!("/contacts/{id}/memories/{}/confirm", claimed.id);

    let tab = client.get(&format!("/contacts/{id}/memories")).await;
    assert_eq!(tab.status, 200);
    assert_eq!(tab.body.matches(MARK).count(), 1, "only the claimed one");
    tab.assert_contains(&format!(
        "href=\"/contacts/{id}/conversations/{conversation}\""
    ));
    tab.assert_contains(&format!("action=\"{confirm_url}\""));
    tab.assert_contains("Confirm<span class=\"visually-hidden\"> memory</span>");
    tab.assert_contains(&format!("/contacts/{id}/memories/{}/delete", claimed.id));
    // Both memories count; only the confirmed one reaches the agent.
    tab.assert_contains("2 memories");
    let context = client.get(&format!("/contacts/{id}/context")).await;
    context.assert_contains("Prefers green tea");
    context.assert_lacks("Card ends 4242");

    let confirmed = client.post_htmx(&confirm_url, &[], &element).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    confirmed.assert_lacks("<html");
    confirmed.assert_contains(&format!("id=\"{element}\""));
    confirmed.assert_contains("Card ends 4242");
    confirmed.assert_lacks(MARK);
    confirmed.assert_lacks("/confirm");
    assert!(is_confirmed(&app, &claimed));
    let events = app.audit_of("memory", claimed.id);
    let (action, changes) = events.last().unwrap();
    assert_eq!(action, "confirmed");
    assert_eq!(
        changes["confirmed"],
        json!({"before": false, "after": true})
    );
    // The marker in the meta goes with the mark; the conversation it came from stays.
    let row = memory_model::find(&mut app.conn(), id, claimed.id).unwrap();
    assert_eq!(
        row.meta,
        json!({"conversationId": conversation.to_string()})
    );
    client
        .get(&format!("/contacts/{id}/history"))
        .await
        .assert_contains("confirmed a memory");
    client
        .get(&format!("/contacts/{id}/context"))
        .await
        .assert_contains("Card ends 4242");
    // Confirming again changes nothing and records nothing.
    let again = client.post_htmx(&confirm_url, &[], &element).await;
    assert_eq!(again.status, 200);
    assert_eq!(app.audit_of("memory", claimed.id).len(), events.len());

    // Without JavaScript: a plain form, back to the list at the same place.
    let (other, _) = unconfirmed(&app, id, "Lives in Leeds");
    let plain = client
        .post_form(
            &format!("/contacts/{id}/memories/{}/confirm", other.id),
            &[("q", "leeds"), ("before", "")],
        )
        .await;
    assert_eq!(plain.status, 303);
    assert_eq!(
        plain.location(),
        Some(format!("/contacts/{id}/memories?q=leeds").as_str())
    );
    assert!(is_confirmed(&app, &other));
    client
        .get(&format!("/contacts/{id}/memories?q=leeds"))
        .await
        .assert_contains("Memory confirmed");
}

#[actix_web::test]
async fn an_unconfirmed_memory_can_be_deleted_instead() {
    let (app, client, id) = setup(Role::Editor).await;
    let (claimed, _) = unconfirmed(&app, id, "Card ends 4242");
    let deleted = client
        .post_htmx(
            &format!("/contacts/{id}/memories/{}/delete", claimed.id),
            &[("q", ""), ("before", "")],
            "profile-tabs",
        )
        .await;
    assert_eq!(deleted.status, 200);
    deleted.assert_lacks("Card ends 4242");
    assert!(texts(&app, id).is_empty());
}

#[actix_web::test]
async fn without_its_conversation_the_mark_stays_without_a_link() {
    let (app, client, id) = setup(Role::Editor).await;
    let (claimed, conversation) = unconfirmed(&app, id, "Card ends 4242");
    diesel::delete(rapport::models::schema::conversations::table.find(conversation))
        .execute(&mut app.conn())
        .unwrap();
    assert!(!is_confirmed(&app, &claimed));
    let tab = client.get(&format!("/contacts/{id}/memories")).await;
    tab.assert_contains(MARK);
    tab.assert_lacks(&format!("/conversations/{conversation}"));
    tab.assert_contains("/confirm");
}

#[actix_web::test]
async fn viewers_see_the_mark_but_cannot_confirm() {
    let (app, viewer, id) = setup(Role::Viewer).await;
    let (claimed, _) = unconfirmed(&app, id, "Card ends 4242");
    let tab = viewer.get(&format!("/contacts/{id}/memories")).await;
    tab.assert_contains(MARK);
    tab.assert_lacks("/confirm");
    tab.assert_lacks("/delete");
    let response = viewer
        .post_form(
            &format!("/contacts/{id}/memories/{}/confirm", claimed.id),
            &[],
        )
        .await;
    assert_eq!(response.status, 403);
    assert!(!is_confirmed(&app, &claimed));
    assert_eq!(app.audit_of("memory", claimed.id).len(), 1);

    // Another contact's memory is not confirmed through this one.
    let editor = app.signed_in(Role::Editor).await;
    editor.get("/contacts").await;
    let grace = ContactBuilder::new("Grace").create(&mut app.conn());
    let response = editor
        .post_form(
            &format!("/contacts/{}/memories/{}/confirm", grace.id, claimed.id),
            &[],
        )
        .await;
    assert_eq!(response.status, 404);
    assert!(!is_confirmed(&app, &claimed));
}
