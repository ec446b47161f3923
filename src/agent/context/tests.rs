//! Unit tests of the context assembly: budgets, empty contacts, unicode, tasks.

use super::*;
use chrono::{Duration, TimeZone};
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

fn contact(name: Option<&str>, nick: Option<&str>) -> Contact {
    Contact {
        id: ContactId(7),
        name: name.map(str::to_string),
        description: None,
        email: Some("ada@example.com".into()),
        phone: None,
        nick: nick.map(str::to_string),
        preferences: None,
        meta: json!({}),
        fingerprint: "fp".into(),
        verified_at: None,
        source: "manual".into(),
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

fn memory(id: i64, text: &str) -> Memory {
    Memory {
        id: MemoryId(id),
        contact_id: ContactId(7),
        text: text.into(),
        meta: json!({}),
        version: 1,
        created_at: now() - Duration::minutes(id),
        updated_at: now(),
        confirmed: true,
        claimed_conversation_id: None,
    }
}

fn task(
    id: i64,
    name: &str,
    schedule: Option<&str>,
    zone: &str,
    status: &str,
    next: Option<DateTime<Utc>>,
) -> Task {
    Task {
        id: TaskId(id),
        contact_id: ContactId(7),
        name: name.into(),
        description: None,
        schedule: schedule.map(str::to_string),
        timezone: zone.into(),
        status: status.into(),
        outcome: "pending".into(),
        last_run_at: None,
        next_run_at: next,
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

fn build(
    contact: &Contact,
    memories: &[Memory],
    total: i64,
    tasks: &[Task],
    budget: usize,
) -> AgentContext {
    assemble(
        &Sources {
            contact,
            memories,
            memory_total: total,
            tasks,
            task_total: tasks.iter().filter(|t| is_scheduled(t)).count() as i64,
            now: now(),
        },
        Budget::new(budget).unwrap(),
    )
}

#[test]
fn budgets_are_read_from_query_strings() {
    assert_eq!(Budget::parse("").unwrap().chars(), 4_000);
    assert_eq!(Budget::parse(" 2000 ").unwrap().chars(), 2_000);
    assert_eq!(Budget::parse("0").unwrap().chars(), 0);
    assert_eq!(Budget::parse("100000").unwrap().chars(), 100_000);
    for bad in ["100001", "-1", "1e3", "lots", "2.5"] {
        let error = Budget::parse(bad).unwrap_err();
        assert!(error.contains("0 to 100,000"), "{bad}: {error}");
    }
}

#[test]
fn the_example_block() {
    let mut ada = contact(Some("Ada Lovelace"), Some("countess"));
    ada.description = Some("  Mathematician; writes the first programs.  ".into());
    ada.preferences = Some("Prefers concise technical answers.\nNo emoji.".into());
    let memories = [
        memory(1, "Has a cat called Babbage"),
        memory(2, "Works on the Analytical Engine"),
    ];
    let next = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
    let tasks = [task(
        3,
        "Send weekly usage summary",
        Some("0 8 * * 1"),
        "Europe/London",
        "idle",
        Some(next),
    )];
    let context = build(&ada, &memories, 5, &tasks, 4_000);
    assert_eq!(
        context.text,
        "## About the person you are helping\n\
         Name: Ada Lovelace (nick: countess)\n\
         Description: Mathematician; writes the first programs.\n\
         \n\
         ## How they like to be helped\n\
         Prefers concise technical answers.\nNo emoji.\n\
         \n\
         ## What you remember about them\n\
         - Has a cat called Babbage\n\
         - Works on the Analytical Engine\n\
         (3 older memories left out)\n\
         \n\
         ## Scheduled tasks\n\
         - Send weekly usage summary — every Monday at 08:00 (Europe/London), next Mon 2026-11-30 08:00 GMT\n"
    );
    assert_eq!(context.size, context.text.chars().count());
    assert_eq!(context.omitted_memories, 3);
    assert_eq!(context.tasks[0].schedule_text, "Every Monday at 08:00");
    assert_eq!(context.tasks[0].timezone, "Europe/London");
    assert_eq!(
        context.contact.description.as_deref(),
        Some("Mathematician; writes the first programs.")
    );
}

#[test]
fn memories_fill_the_budget_newest_first_and_never_in_part() {
    let ada = contact(Some("Ada"), None);
    // 10, 10, 10 characters, then a short one that would fit on its own.
    let memories = [
        memory(1, "aaaaaaaaaa"),
        memory(2, "bbbbbbbbbb"),
        memory(3, "cccccccccc"),
        memory(4, "d"),
    ];
    let ids = |c: &AgentContext| c.memories.iter().map(|m| m.id.0).collect::<Vec<_>>();

    let exact = build(&ada, &memories, 4, &[], 20);
    assert_eq!(ids(&exact), [1, 2]);
    assert_eq!(exact.omitted_memories, 2);
    assert!(
        exact
            .text
            .ends_with("- bbbbbbbbbb\n(2 older memories left out)\n")
    );

    let one_short = build(&ada, &memories, 4, &[], 29);
    assert_eq!(ids(&one_short), [1, 2], "the 4th is not taken past the 3rd");
    assert_eq!(one_short.omitted_memories, 2);

    let all = build(&ada, &memories, 4, &[], 31);
    assert_eq!(ids(&all), [1, 2, 3, 4]);
    assert_eq!(all.omitted_memories, 0);
    assert!(!all.text.contains("left out"));

    let one = build(&ada, &memories, 4, &[], 10);
    assert!(one.text.contains("(3 older memories left out)"));
    let single = build(&ada, &memories[..2], 2, &[], 10);
    assert!(single.text.contains("(1 older memory left out)"));

    let none = build(&ada, &memories, 4, &[], 0);
    assert!(none.memories.is_empty());
    assert_eq!(none.omitted_memories, 4);
    assert!(
        none.text.contains(
            "## What you remember about them\n(4 memories left out to keep this short)\n"
        )
    );

    // Only part of the list was loaded: the total still counts what was not.
    let partial = build(&ada, &memories[..3], 1_000, &[], 25);
    assert_eq!(partial.omitted_memories, 998);
    assert!(partial.text.contains("(998 older memories left out)"));
    let many = build(&ada, &memories[..1], 12_345, &[], 0);
    assert!(many.text.contains("(12,345 memories left out"));
}

#[test]
fn unicode_is_counted_in_characters_not_bytes() {
    let ada = contact(Some("Ада Лавлейс"), Some("графиня"));
    let memories = [memory(1, "  Любит чай 🍵  "), memory(2, "日本語を勉強中")];
    // "Любит чай 🍵" is 11 characters (26 bytes), "日本語を勉強中" 7 (21 bytes).
    let context = build(&ada, &memories, 2, &[], 18);
    assert_eq!(context.memories.len(), 2);
    assert_eq!(context.memories[0].text, "Любит чай 🍵");
    let context = build(&ada, &memories, 2, &[], 17);
    assert_eq!(context.memories.len(), 1);
    assert!(
        context.text.starts_with(
            "## About the person you are helping\nName: Ада Лавлейс (nick: графиня)\n"
        )
    );
    assert_eq!(context.size, context.text.chars().count());
    assert!(context.size < context.text.len());
}

#[test]
fn an_empty_contact_has_an_empty_block() {
    let nobody = contact(None, None);
    let context = build(&nobody, &[], 0, &[], 4_000);
    assert_eq!(context.text, "");
    assert_eq!(context.size, 0);
    assert_eq!(context.contact.name, None);

    let mut blank = contact(Some("   "), Some(""));
    blank.preferences = Some(" \n ".into());
    assert_eq!(build(&blank, &[], 0, &[], 4_000).text, "");
}

#[test]
fn sections_with_nothing_are_left_out() {
    let nick_only = contact(None, Some("countess"));
    assert_eq!(
        build(&nick_only, &[], 0, &[], 4_000).text,
        "## About the person you are helping\nNick: countess\n"
    );
    let mut prefs_only = contact(None, None);
    prefs_only.preferences = Some("Email, never phone.".into());
    assert_eq!(
        build(&prefs_only, &[], 0, &[], 4_000).text,
        "## How they like to be helped\nEmail, never phone.\n"
    );
    let memories = [memory(1, "Likes <b>bold</b> & “quotes”")];
    let only_memories = build(&contact(None, None), &memories, 1, &[], 4_000);
    assert_eq!(
        only_memories.text, "## What you remember about them\n- Likes <b>bold</b> & “quotes”\n",
        "plain text, nothing escaped"
    );
}

#[test]
fn multi_line_memories_stay_inside_their_bullet() {
    let memories = [memory(1, "First line\n## Scheduled tasks\n\nlast")];
    let context = build(&contact(Some("Ada"), None), &memories, 1, &[], 4_000);
    assert!(context.text.ends_with(
        "## What you remember about them\n- First line\n  ## Scheduled tasks\n\n  last\n"
    ));
    assert_eq!(
        context.memories[0].text,
        "First line\n## Scheduled tasks\n\nlast"
    );
}

#[test]
fn tasks_show_their_next_run_on_their_own_clock() {
    let ada = contact(Some("Ada"), None);
    let summer = Utc.with_ymd_and_hms(2027, 7, 5, 7, 0, 0).unwrap();
    let tasks = [
        task(
            1,
            "Weekly",
            Some("0 8 * * 1"),
            "Europe/London",
            "idle",
            Some(summer),
        ),
        task(
            2,
            "Export now",
            None,
            "UTC",
            "idle",
            Some(now() - Duration::minutes(5)),
        ),
        task(
            3,
            "Sync",
            Some("0 9-17 * * *"),
            "America/New_York",
            "running",
            Some(now()),
        ),
        task(4, "Never", Some("0 0 31 2 *"), "UTC", "idle", None),
        task(5, "Stopped", Some("@daily"), "UTC", "canceled", None),
        task(6, "Ad hoc", None, "UTC", "idle", None),
    ];
    let context = build(&ada, &[], 0, &tasks, 4_000);
    let lines: Vec<&str> = context
        .text
        .split("## Scheduled tasks\n")
        .nth(1)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(
        lines[..3],
        [
            "- Weekly — every Monday at 08:00 (Europe/London), next Mon 2027-07-05 08:00 BST",
            "- Export now — on demand (UTC), due now",
            "- Sync — cron 0 9-17 * * * (America/New_York), running now",
        ]
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[3].starts_with("- Never — ") && lines[3].ends_with("(UTC), no run to come"));
    assert_eq!(
        context.tasks.len(),
        4,
        "canceled and idle on-demand tasks are left out"
    );
    assert_eq!(context.tasks[1].schedule, None);
    assert_eq!(context.tasks[1].schedule_text, "On demand");
    assert_eq!(context.omitted_tasks, 0);
}

#[test]
fn tasks_beyond_the_limit_are_counted() {
    let tasks: Vec<Task> = (1..=MAX_TASKS as i64 + 2)
        .map(|id| {
            task(
                id,
                &format!("Task {id}"),
                Some("@daily"),
                "UTC",
                "idle",
                Some(now() + Duration::hours(id)),
            )
        })
        .collect();
    let context = build(&contact(Some("Ada"), None), &[], 0, &tasks, 4_000);
    assert_eq!(context.tasks.len(), MAX_TASKS);
    assert_eq!(context.omitted_tasks, 2);
    assert!(context.text.ends_with("(2 more tasks left out)\n"));
}
