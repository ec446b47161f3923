//! `contact/{id}/conversation|task|space|memory|rating|secret/list` and
//! `contact/{id}/memory/search`.

use crate::common::TestApp;
use crate::common::builders::{
    ContactBuilder, ConversationBuilder, RatingBuilder, TaskBuilder, memory,
};
use crate::related_support::{Api, assert_error, ids};
use rapport::domain::SpaceId;
use rapport::domain::api_token::TokenRole;
use rapport::domain::secret::{SecretDetails, SecretValue};
use rapport::domain::space_draft::SpaceInput;
use rapport::models::Actor;
use rapport::models::{secret, space};
use serde_json::{Value, json};

fn fixture() -> Actor {
    Actor::System("test fixture".into())
}

#[actix_web::test]
async fn each_list_has_its_fields_with_nulls_and_milliseconds() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let other = ContactBuilder::new("Other").create(&mut app.conn());
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("Invoice 42")
        .message("user", "Where is my invoice?")
        .message("bot", "Here it is.")
        .create(&mut app.conn());
    ConversationBuilder::new(other.id).create(&mut app.conn());
    let task = TaskBuilder::new(ada.id, "Weekly summary")
        .schedule("0 8 * * 1")
        .timezone("Europe/London")
        .create(&mut app.conn());
    let remembered = memory(&mut app.conn(), ada.id, "Prefers email");
    let rating = RatingBuilder::down(ada.id)
        .message(&messages[1])
        .reason("Wrong invoice")
        .create(&mut app.conn());
    let space_row = space::create(
        &mut app.conn(),
        ada.id,
        &SpaceInput {
            name: "Contracts".into(),
            description: String::new(),
        }
        .validate()
        .unwrap(),
        &fixture(),
    )
    .unwrap();
    let keyring = app.settings.secrets_keyring().unwrap();
    let stored = secret::create(
        &mut app.conn(),
        ada.id,
        &SecretDetails::validate("Jira token", "For the support desk").unwrap(),
        &SecretValue::Bearer {
            token: "tok_very_secret_value".into(),
        },
        keyring.primary(),
        &fixture(),
    )
    .unwrap();
    let api = Api::new(&app, TokenRole::Viewer);

    let list = api
        .get(&format!("/contact/{}/conversation/list", ada.id))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.header("content-type"), Some("application/json"));
    let body = list.json();
    assert_eq!(body["cursor"], conversation.id.to_string());
    assert_eq!(
        body["items"],
        json!([{
            "id": conversation.id.to_string(),
            "name": "Invoice 42",
            "description": null,
            "contactId": ada.id.to_string(),
            "channel": "widget",
            "meta": {},
            "createdAt": conversation.created_at.timestamp_millis(),
            "updatedAt": conversation.updated_at.timestamp_millis(),
        }])
    );

    let tasks = api
        .get(&format!("/contact/{}/task/list", ada.id))
        .await
        .json();
    let item = &tasks["items"][0];
    assert_eq!(item["id"], task.id.to_string());
    assert_eq!(item["name"], "Weekly summary");
    assert_eq!(item["schedule"], "0 8 * * 1");
    assert_eq!(item["timezone"], "Europe/London");
    assert_eq!(item["status"], "idle");
    assert_eq!(item["outcome"], "pending");
    assert_eq!(item["lastRunAt"], Value::Null);
    assert_eq!(
        item["nextRunAt"],
        task.next_run_at.unwrap().timestamp_millis()
    );
    assert_eq!(item["description"], Value::Null);
    assert_eq!(item["contactId"], ada.id.to_string());

    let spaces = api
        .get(&format!("/contact/{}/space/list", ada.id))
        .await
        .json();
    assert_eq!(
        spaces["items"],
        json!([{
            "id": space_row.id.to_string(),
            "name": "Contracts",
            "description": null,
            "contactId": ada.id.to_string(),
            "meta": null,
            "createdAt": space_row.created_at.timestamp_millis(),
            "updatedAt": space_row.updated_at.timestamp_millis(),
        }])
    );

    let memories = api
        .get(&format!("/contact/{}/memory/list", ada.id))
        .await
        .json();
    let item = &memories["items"][0];
    assert_eq!(item["id"], remembered.id.to_string());
    assert_eq!(item["text"], "Prefers email");
    assert_eq!(item["meta"], json!({}));
    assert_eq!(item["createdAt"], remembered.created_at.timestamp_millis());
    assert!(item["updatedAt"].is_i64());

    let ratings = api
        .get(&format!("/contact/{}/rating/list", ada.id))
        .await
        .json();
    let item = &ratings["items"][0];
    assert_eq!(item["id"], rating.id.to_string());
    assert_eq!(item["value"], -100);
    assert_eq!(item["reason"], "Wrong invoice");
    assert_eq!(item["conversationId"], conversation.id.to_string());
    assert_eq!(item["messageId"], messages[1].id.to_string());
    assert_eq!(item["contactId"], ada.id.to_string());

    let secrets = api.get(&format!("/contact/{}/secret/list", ada.id)).await;
    assert!(!secrets.body.contains("tok_very_secret_value"));
    assert!(!secrets.body.contains("ciphertext"));
    let body = secrets.json();
    let item = &body["items"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "createdAt",
            "description",
            "id",
            "meta",
            "name",
            "type",
            "updatedAt"
        ]
    );
    assert_eq!(item["id"], stored.id.to_string());
    assert_eq!(item["name"], "Jira token");
    assert_eq!(item["description"], "For the support desk");
    assert_eq!(item["type"], "bearer");

    // Another contact's objects never show; an empty page has no cursor.
    let empty = api
        .get(&format!("/contact/{}/memory/list", other.id))
        .await
        .json();
    assert_eq!(empty, json!({"items": []}));
}

#[actix_web::test]
async fn unknown_contacts_wrong_methods_and_missing_tokens() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Viewer);
    for kind in [
        "conversation",
        "task",
        "space",
        "memory",
        "rating",
        "secret",
    ] {
        let missing = api.get(&format!("/contact/999999/{kind}/list")).await;
        assert_error(&missing, 404, "NOT_FOUND", None);
        let junk = api.get(&format!("/contact/abc/{kind}/list")).await;
        assert_error(&junk, 404, "NOT_FOUND", None);
        let wrong = api
            .post(&format!("/contact/{}/{kind}/list", ada.id), json!({}))
            .await;
        assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
        let anonymous = app
            .client()
            .api(
                "GET",
                &format!("/api/v1/contact/{}/{kind}/list", ada.id),
                None,
                &[],
                None,
            )
            .await;
        assert_error(&anonymous, 401, "NOT_AUTHENTICATED", None);
        // Also under /v1.
        let short = app
            .client()
            .api(
                "GET",
                &format!("/v1/contact/{}/{kind}/list", ada.id),
                Some(&api.token),
                &[],
                None,
            )
            .await;
        assert_eq!(short.status, 200, "{}", short.body);
    }
    let bad_cursor = api
        .get(&format!("/contact/{}/task/list?cursor=nope", ada.id))
        .await;
    assert_error(&bad_cursor, 400, "BAD_REQUEST", Some("cursor"));
}

#[actix_web::test]
async fn task_and_memory_lists_page_by_cursor_order_and_take_and_stream_as_lines() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let other = ContactBuilder::new("Other").create(&mut app.conn());
    let mut task_ids = Vec::new();
    let mut memory_ids = Vec::new();
    for i in 0..5 {
        task_ids.push(
            TaskBuilder::new(ada.id, &format!("Task {i}"))
                .create(&mut app.conn())
                .id
                .to_string(),
        );
        memory_ids.push(
            memory(&mut app.conn(), ada.id, &format!("Memory {i}"))
                .id
                .to_string(),
        );
        TaskBuilder::new(other.id, "Not Ada's").create(&mut app.conn());
        memory(&mut app.conn(), other.id, "Not Ada's");
    }
    let api = Api::new(&app, TokenRole::Viewer);
    for (kind, all) in [("task", &task_ids), ("memory", &memory_ids)] {
        let newest_first: Vec<String> = all.iter().rev().cloned().collect();
        let first = api
            .get(&format!("/contact/{}/{kind}/list?take=2", ada.id))
            .await
            .json();
        assert_eq!(ids(&first["items"]), newest_first[..2]);
        assert_eq!(first["cursor"], newest_first[1]);
        let second = api
            .get(&format!(
                "/contact/{}/{kind}/list?take=2&cursor={}",
                ada.id,
                first["cursor"].as_str().unwrap()
            ))
            .await
            .json();
        assert_eq!(ids(&second["items"]), newest_first[2..4]);
        let ascending = api
            .get(&format!("/contact/{}/{kind}/list?order=asc&take=3", ada.id))
            .await
            .json();
        assert_eq!(ids(&ascending["items"]), all[..3]);
        let after = api
            .get(&format!(
                "/contact/{}/{kind}/list?order=asc&cursor={}",
                ada.id, all[2]
            ))
            .await
            .json();
        assert_eq!(ids(&after["items"]), all[3..]);

        // JSON lines: every item (of this contact only), or `take` of them.
        let lines = api.lines(&format!("/contact/{}/{kind}/list", ada.id)).await;
        let streamed: Vec<String> = lines
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(streamed, newest_first);
        let limited = api
            .lines(&format!("/contact/{}/{kind}/list?take=3&order=asc", ada.id))
            .await;
        assert_eq!(limited.len(), 3);
        assert_eq!(limited[0]["id"], all[0].as_str());
    }
}

#[actix_web::test]
async fn a_long_list_streams_past_the_page_size() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO memories (contact_id, text, created_at) \
             SELECT {}, 'Bulk ' || g, now() - g * interval '1 second' FROM generate_series(1, 150) g",
            ada.id
        )),
        &mut app.conn(),
    )
    .unwrap();
    let api = Api::new(&app, TokenRole::Viewer);
    let page = api
        .get(&format!("/contact/{}/memory/list", ada.id))
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 100);
    let lines = api
        .lines(&format!("/contact/{}/memory/list?take=100", ada.id))
        .await;
    assert_eq!(lines.len(), 100);
    // take counts the whole stream; without it the default (100) applies, so ask page by
    // page with the cursor to see the rest.
    let rest = api
        .get(&format!(
            "/contact/{}/memory/list?cursor={}",
            ada.id,
            page["cursor"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 50);
    assert_eq!(rest["items"][49]["text"], "Bulk 150");
}

#[actix_web::test]
async fn meta_filters_apply_where_there_is_meta() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    for (text, tier) in [("Gold one", "gold"), ("Silver one", "silver")] {
        let created = api
            .post(
                "/memory/create",
                json!({"contactId": ada.id.to_string(), "text": text, "meta": {"tier": tier, "vip": tier == "gold"}}),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
    }
    TaskBuilder::new(ada.id, "Task").create(&mut app.conn());
    let gold = api
        .get(&format!("/contact/{}/memory/list?meta.tier=gold", ada.id))
        .await
        .json();
    assert_eq!(gold["items"].as_array().unwrap().len(), 1);
    assert_eq!(gold["items"][0]["text"], "Gold one");
    let vip = api
        .get(&format!("/contact/{}/memory/list?meta.vip=false", ada.id))
        .await
        .json();
    assert_eq!(vip["items"][0]["text"], "Silver one");
    // Tasks have no meta: a meta filter matches none.
    let tasks = api
        .get(&format!("/contact/{}/task/list?meta.tier=gold", ada.id))
        .await
        .json();
    assert_eq!(tasks, json!({"items": []}));
}

#[actix_web::test]
async fn memory_search_ranks_the_best_matches_of_that_contact() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let other = ContactBuilder::new("Other").create(&mut app.conn());
    let exact = memory(&mut app.conn(), ada.id, "Prefers email over phone calls");
    memory(
        &mut app.conn(),
        ada.id,
        "Her preferred contact is an emailed summary",
    );
    memory(&mut app.conn(), ada.id, "Has two kids and a dog");
    memory(&mut app.conn(), other.id, "Prefers email over phone calls");
    for i in 0..12 {
        memory(
            &mut app.conn(),
            ada.id,
            &format!("Email thread {i} about invoices"),
        );
    }
    let api = Api::new(&app, TokenRole::Viewer);
    let search = |q: &str| {
        let api = &api;
        let path = format!("/contact/{}/memory/search", ada.id);
        let q = q.to_string();
        async move { api.post(&path, json!({ "search": q })).await }
    };

    let found = search("prefers email").await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.header("content-type"), Some("application/json"));
    let items = found.json()["items"].clone();
    assert_eq!(
        items[0],
        json!({"id": exact.id.to_string(), "text": exact.text})
    );

    // Trigram word similarity finds words in another order; at most 10 results.
    let reordered = search("dog and kids").await.json();
    assert_eq!(reordered["items"][0]["text"], "Has two kids and a dog");
    let many = search("email").await.json();
    assert_eq!(many["items"].as_array().unwrap().len(), 10);
    assert!(
        many["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item.as_object().unwrap().len() == 2)
    );

    // Very short queries match as substrings, ignoring case.
    let short = search("DO").await.json();
    assert_eq!(ids(&short["items"]).len(), 1);
    assert_eq!(short["items"][0]["text"], "Has two kids and a dog");
    // LIKE's wildcards are literal.
    assert_eq!(search("%").await.json(), json!({"items": []}));
    let nothing = search("zebra crossing").await.json();
    assert_eq!(nothing, json!({"items": []}));

    let blank = search("  ").await;
    assert_error(&blank, 422, "UNPROCESSABLE_ENTITY", Some("search:"));
    let unknown = api
        .post(
            &format!("/contact/{}/memory/search", ada.id),
            json!({"search": "x", "limit": 3}),
        )
        .await;
    assert_error(&unknown, 400, "BAD_REQUEST", Some("limit"));
    let missing = api
        .post("/contact/999999/memory/search", json!({"search": "email"}))
        .await;
    assert_error(&missing, 404, "NOT_FOUND", None);
    let wrong = api.get(&format!("/contact/{}/memory/search", ada.id)).await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
}

#[actix_web::test]
async fn space_lists_include_spaces_created_through_the_api_for_the_contact_only() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let mine = api
        .post(
            "/space/create",
            json!({"contactId": ada.id, "name": "Mine"}),
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let loose = api.post("/space/create", json!({"name": "Nobody's"})).await;
    assert_eq!(loose.status, 200, "{}", loose.body);
    let listed = api
        .get(&format!("/contact/{}/space/list", ada.id))
        .await
        .json();
    assert_eq!(ids(&listed["items"]), [mine.json()["id"].as_str().unwrap()]);
    let loose_id: i64 = loose.json()["id"].as_str().unwrap().parse().unwrap();
    let stored = space::find(&mut app.conn(), SpaceId(loose_id)).unwrap();
    assert_eq!(stored.contact_id, None);
}
