//! The SMTP listener under abuse (issue 10), over real TCP connections: a per-address
//! connection cap, a maximum number of messages and a maximum length per session, slow
//! senders cut off with 421, and recipients that need their secret part
//! (`<id>+<token>@domain`) unless the connection comes from a configured relay.

use crate::email_support::*;
use rapport::domain::network::IpNet;
use rapport::models::Actor;
use rapport::models::integration;
use std::time::{Duration, Instant};

const SOON: Duration = Duration::from_secs(5);

#[actix_web::test]
async fn connections_over_the_per_address_cap_are_refused_with_421() {
    let app = spawn_app_with(|settings| settings.smtp_limits.max_connections_per_address = 3);
    let mut open = Vec::new();
    for _ in 0..3 {
        let (smtp, greeting) = Smtp::connect(&app).await;
        assert_eq!(greeting.code, 220, "{greeting:?}");
        open.push(smtp);
    }
    let (mut fourth, greeting) = Smtp::connect(&app).await;
    assert_eq!(greeting.code, 421, "{greeting:?}");
    assert!(
        greeting.text.contains("Too many connections"),
        "{greeting:?}"
    );
    assert!(fourth.closed_within(SOON).await, "closed after the 421");

    // The open ones still work; once one ends, its place is free again.
    assert_eq!(open[0].command("NOOP").await.code, 250);
    assert_eq!(open[0].command("QUIT").await.code, 221);
    let mut first = open.remove(0);
    assert!(first.closed_within(SOON).await);
    let mut waited = Duration::ZERO;
    loop {
        let (mut again, greeting) = Smtp::connect(&app).await;
        if greeting.code == 220 {
            assert_eq!(again.command("QUIT").await.code, 221);
            break;
        }
        // The server notices the closed connection a moment after the client does.
        assert!(
            waited < SOON,
            "the freed place was not given back: {greeting:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
}

#[actix_web::test]
async fn a_session_sends_at_most_its_message_limit() {
    let app = spawn_app_with(|settings| settings.smtp_limits.max_messages_per_session = 2);
    let inbox = create_inbox(&app, Options::default());
    let (mut smtp, _) = Smtp::connect(&app).await;
    assert_eq!(smtp.command("EHLO client.example.com").await.code, 250);
    for file in ["plain", "latin1"] {
        assert_eq!(
            smtp.command("MAIL FROM:<x@client.example.com>").await.code,
            250
        );
        let rcpt = smtp
            .command(&format!("RCPT TO:<{}>", mailbox(&inbox)))
            .await;
        assert_eq!(rcpt.code, 250, "{rcpt:?}");
        assert_eq!(smtp.command("DATA").await.code, 354);
        assert_eq!(smtp.data(&corpus(file)).await.code, 250, "{file}");
    }
    let before = census(&app);
    let third = smtp.command("MAIL FROM:<x@client.example.com>").await;
    assert_eq!(third.code, 421, "{third:?}");
    assert!(third.text.contains("Too many messages"), "{third:?}");
    assert!(smtp.closed_within(SOON).await, "closed after the 421");
    assert_eq!(census(&app), before);
    // A new connection may send again.
    let reply = Smtp::send(&app, &mailbox(&inbox), &corpus("reply")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
}

#[actix_web::test]
async fn a_sender_that_trickles_a_command_is_cut_off_with_421() {
    let app = spawn_app_with(|settings| {
        settings.smtp_limits.idle_timeout = Duration::from_millis(700);
    });
    let (mut smtp, _) = Smtp::connect(&app).await;
    assert_eq!(smtp.command("EHLO client.example.com").await.code, 250);
    // Half a command, then nothing: the line never completes.
    let started = Instant::now();
    smtp.send_raw(b"MAIL FROM:<slow@client.exa").await;
    let reply = smtp.reply_within(SOON).await.expect("a 421 in time");
    assert_eq!(reply.code, 421, "{reply:?}");
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(smtp.closed_within(SOON).await, "closed after the 421");

    // A byte at a time, each within the idle time, still has to finish the line in time.
    let (mut smtp, _) = Smtp::connect(&app).await;
    let started = Instant::now();
    let reply = loop {
        smtp.send_raw(b"N").await;
        if let Some(reply) = smtp.reply_within(Duration::from_millis(200)).await {
            break reply;
        }
        assert!(started.elapsed() < SOON, "never cut off");
    };
    assert_eq!(reply.code, 421, "{reply:?}");
    assert!(smtp.closed_within(SOON).await);
}

/// EHLO, MAIL and RCPT to `to`, then DATA: the server now waits for the message.
async fn open_data(smtp: &mut Smtp, to: &str) {
    assert_eq!(smtp.command("EHLO client.example.com").await.code, 250);
    assert_eq!(
        smtp.command("MAIL FROM:<x@client.example.com>").await.code,
        250
    );
    assert_eq!(smtp.command(&format!("RCPT TO:<{to}>")).await.code, 250);
    assert_eq!(smtp.command("DATA").await.code, 354);
}

#[actix_web::test]
async fn a_sender_that_stalls_or_drags_out_a_message_is_cut_off_with_421() {
    let app = spawn_app_with(|settings| {
        settings.smtp_limits.idle_timeout = Duration::from_millis(700);
        settings.smtp_limits.data_timeout = Duration::from_millis(1500);
    });
    let inbox = create_inbox(&app, Options::default());
    let before = census(&app);

    // Stalls inside the message: one line, then half of one, then nothing.
    let (mut smtp, _) = Smtp::connect(&app).await;
    open_data(&mut smtp, &mailbox(&inbox)).await;
    smtp.send_raw(b"From: Ada <ada@example.com>\r\nSubject: sl")
        .await;
    let reply = smtp.reply_within(SOON).await.expect("a 421 in time");
    assert_eq!(reply.code, 421, "{reply:?}");
    assert!(smtp.closed_within(SOON).await);

    // Sends a line well within the idle time, but never finishes: the whole message has a
    // time limit.
    let (mut smtp, _) = Smtp::connect(&app).await;
    open_data(&mut smtp, &mailbox(&inbox)).await;
    let started = Instant::now();
    smtp.send_raw(b"From: Ada <ada@example.com>\r\nSubject: slow\r\n\r\n")
        .await;
    let reply = loop {
        smtp.send_raw(b"more text\r\n").await;
        if let Some(reply) = smtp.reply_within(Duration::from_millis(300)).await {
            break reply;
        }
        assert!(started.elapsed() < SOON, "never cut off");
    };
    assert_eq!(reply.code, 421, "{reply:?}");
    assert!(started.elapsed() >= Duration::from_millis(1400));
    assert!(smtp.closed_within(SOON).await);
    assert_eq!(census(&app), before, "nothing stored from either");
}

#[actix_web::test]
async fn a_session_has_a_maximum_length() {
    let app = spawn_app_with(|settings| {
        settings.smtp_limits.max_session = Duration::from_millis(1500);
    });
    let (mut smtp, _) = Smtp::connect(&app).await;
    let started = Instant::now();
    // Busy, never idle, but too long.
    let reply = loop {
        let reply = smtp.command("NOOP").await;
        if reply.code != 250 {
            break reply;
        }
        assert!(started.elapsed() < SOON, "never cut off");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(reply.code, 421, "{reply:?}");
    assert!(started.elapsed() >= Duration::from_millis(1400));
    assert!(smtp.closed_within(SOON).await);
}

#[actix_web::test]
async fn a_guessed_recipient_without_its_token_is_refused() {
    let app = spawn_app(None).await;
    let inbox = create_inbox(&app, Options::default());
    let wrong_token = format!("{}+{}@{SMTP_DOMAIN}", inbox.id, "0".repeat(20));
    let other_inbox_token = {
        let other = create_inbox(
            &app,
            Options {
                name: "Other",
                ..Options::default()
            },
        );
        format!("{}+{}@{SMTP_DOMAIN}", inbox.id, other.smtp_token)
    };
    let before = census(&app);
    for recipient in [plain_mailbox(&inbox), wrong_token, other_inbox_token] {
        let reply = Smtp::send(&app, &recipient, &corpus("plain")).await;
        assert_eq!(reply.code, 550, "{recipient}: {reply:?}");
        assert_eq!(census(&app), before, "{recipient}");
    }
    let plain = Smtp::send(&app, &plain_mailbox(&inbox), &corpus("plain")).await;
    assert!(
        plain.text.contains("+<token>"),
        "the reply says what is missing: {plain:?}"
    );

    // With its token: accepted and stored, whatever the case of the token.
    let reply = Smtp::send(&app, &mailbox(&inbox), &corpus("plain")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let upper = format!(
        "{}+{}@{SMTP_DOMAIN}",
        inbox.id,
        inbox.smtp_token.to_ascii_uppercase()
    );
    assert_eq!(Smtp::send(&app, &upper, &corpus("reply")).await.code, 250);

    // Regenerating the inbound token changes the address: the old one stops working.
    let actor = Actor::System("test".into());
    integration::regenerate_inbound_token(&mut app.conn(), inbox.id, &actor).unwrap();
    let refused = Smtp::send(&app, &mailbox(&inbox), &corpus("latin1")).await;
    assert_eq!(refused.code, 550, "{refused:?}");
    let row = integration::find(&mut app.conn(), inbox.id).unwrap();
    let new_address = format!("{}+{}@{SMTP_DOMAIN}", inbox.id, row.smtp_token().unwrap());
    assert_eq!(
        Smtp::send(&app, &new_address, &corpus("latin1")).await.code,
        250
    );
}

#[actix_web::test]
async fn a_configured_relay_may_use_the_plain_address() {
    // The tests connect from 127.0.0.1.
    let app = spawn_app_with(|settings| {
        settings.smtp_limits.relays = vec!["127.0.0.0/8".parse::<IpNet>().unwrap()];
    });
    let inbox = create_inbox(&app, Options::default());
    let reply = Smtp::send(&app, &plain_mailbox(&inbox), &corpus("plain")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    // The token form works from a relay too, and a wrong token is still refused.
    assert_eq!(
        Smtp::send(&app, &mailbox(&inbox), &corpus("reply"))
            .await
            .code,
        250
    );
    let wrong = format!("{}+{}@{SMTP_DOMAIN}", inbox.id, "0".repeat(20));
    assert_eq!(Smtp::send(&app, &wrong, &corpus("latin1")).await.code, 550);
}
