//! Every dashboard URL, built in one place. Handlers and view structs call these; templates
//! receive ready-made strings.

use crate::domain::{
    ApiTokenId, ContactField, ContactId, ConversationId, IntegrationId, JobId, MemoryId, MessageId,
    RatingId, SecretId, SpaceFileId, SpaceId, TaskId, UploadId,
};

pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const CONTACTS: &str = "/contacts";
pub const NEW_CONTACT: &str = "/contacts/new";
/// The download of what the contacts list shows (`?format=csv|vcard|jsonl` and its filters).
pub const CONTACTS_EXPORT: &str = "/contacts/export";
pub const TRASH: &str = "/contacts/trash";
/// The import page: upload a file (POST), and the imports so far.
pub const IMPORT: &str = "/contacts/import";
pub const SETTINGS: &str = "/settings";
/// The signed-in user's own account page (every role).
pub const ACCOUNT: &str = "/account";
/// Ends every session of the signed-in user.
pub const ACCOUNT_SIGN_OUT_EVERYWHERE: &str = "/account/sign-out-everywhere";
/// The API tokens page (admins): list and create.
pub const API_TOKENS: &str = "/settings/api-tokens";
/// The API's description, linked from the tokens page.
pub const OPENAPI: &str = "/api/v1/openapi.json";
/// The integrations settings page (admins): list, and links to create.
pub const INTEGRATIONS: &str = "/settings/integrations";
/// The widget's script, as host pages embed it (joined to the public base URL).
pub const WIDGET_SCRIPT: &str = "/static/widget.js";
/// The page to try a widget on (`?widget={id}`).
pub const WIDGET_DEMO: &str = "/static/widget-demo.html";

/// The form creating an integration of this kind (`email` or `widget`).
pub fn integration_new(kind: &str) -> String {
    format!("{INTEGRATIONS}/new/{kind}")
}

/// One integration's page.
pub fn integration(id: IntegrationId) -> String {
    format!("{INTEGRATIONS}/{id}")
}

/// An action on an integration: `edit`, `enable`, `disable`, `delete`, or
/// `regenerate/{inbound-token|identity-secret|webhook-secret}`.
pub fn integration_action(id: IntegrationId, action: &str) -> String {
    format!("{INTEGRATIONS}/{id}/{action}")
}

/// Where mail for an email integration is POSTed (relative to the public base URL).
pub fn integration_email_inbound(id: IntegrationId) -> String {
    format!("/api/v1/integration/email/{id}/inbound")
}

/// An email integration's inbound URL on the server at `base` (its public URL, no trailing
/// slash), for the settings page and the command line.
pub fn public_inbound_url(base: &str, id: IntegrationId) -> String {
    format!("{base}{}", integration_email_inbound(id))
}

/// The script tag that embeds widget `id` served from `base`.
pub fn widget_snippet(base: &str, id: IntegrationId) -> String {
    format!("<script src=\"{base}{WIDGET_SCRIPT}\" data-widget=\"{id}\" async></script>")
}

/// The widget demo page for one widget.
pub fn widget_demo(id: IntegrationId) -> String {
    format!("{WIDGET_DEMO}?widget={id}")
}

pub fn login_with_next(next: &str) -> String {
    format!("{LOGIN}?next={}", encode(next))
}

pub fn contact(id: ContactId) -> String {
    format!("/contacts/{id}")
}

/// A profile tab; the overview is the profile's own URL.
pub fn contact_tab(id: ContactId, tab_slug: &str) -> String {
    if tab_slug.is_empty() {
        contact(id)
    } else {
        format!("/contacts/{id}/{tab_slug}")
    }
}

pub fn contact_field(id: ContactId, field: ContactField) -> String {
    format!("/contacts/{id}/fields/{}", field.slug())
}

pub fn contact_field_edit(id: ContactId, field: ContactField) -> String {
    format!("/contacts/{id}/fields/{}/edit", field.slug())
}

pub fn contact_delete(id: ContactId) -> String {
    format!("/contacts/{id}/delete")
}

pub fn contact_restore(id: ContactId) -> String {
    format!("/contacts/{id}/restore")
}

pub fn contact_purge(id: ContactId) -> String {
    format!("/contacts/{id}/purge")
}

/// The personal data export (POST: the ZIP).
pub fn contact_export(id: ContactId) -> String {
    format!("/contacts/{id}/personal-data/export")
}

/// Erasing the personal data: GET asks for the typed confirmation, POST erases.
pub fn contact_erase(id: ContactId) -> String {
    format!("/contacts/{id}/personal-data/erase")
}

/// One conversation of a contact: its transcript.
pub fn contact_conversation(id: ContactId, conversation: ConversationId) -> String {
    format!("/contacts/{id}/conversations/{conversation}")
}

/// An action on a conversation: `delete`, `detach`, `move` or `messages` (add a staff message).
pub fn contact_conversation_action(
    id: ContactId,
    conversation: ConversationId,
    action: &str,
) -> String {
    format!("/contacts/{id}/conversations/{conversation}/{action}")
}

/// A message inside its transcript: the window around it, scrolled to it.
pub fn contact_conversation_message(
    id: ContactId,
    conversation: ConversationId,
    message: MessageId,
) -> String {
    format!(
        "/contacts/{id}/conversations/{conversation}?at={message}#{}",
        message_anchor(message)
    )
}

/// The element id of a message in a transcript.
pub fn message_anchor(message: MessageId) -> String {
    format!("message-{message}")
}

/// Marks one rating reviewed.
pub fn contact_rating_review(id: ContactId, rating: RatingId) -> String {
    format!("/contacts/{id}/ratings/{rating}/review")
}

/// Marks every rating shown reviewed.
pub fn contact_ratings_review(id: ContactId) -> String {
    format!("/contacts/{id}/ratings/review")
}

/// The Tasks tab, at the page that starts below task `before` (none: the newest).
pub fn contact_tasks(id: ContactId, before: Option<TaskId>) -> String {
    let before = before.map(|b| b.to_string()).unwrap_or_default();
    with_query(&contact_tab(id, "tasks"), &[("before", &before)])
}

pub fn new_task(id: ContactId) -> String {
    format!("/contacts/{id}/tasks/new")
}

/// Where the task form posts a new task.
pub fn create_task(id: ContactId) -> String {
    format!("/contacts/{id}/tasks")
}

/// The live preview of a schedule (words and next runs) while the form is filled in.
pub fn task_preview(id: ContactId) -> String {
    format!("/contacts/{id}/tasks/preview")
}

/// One task; GET shows its row, POST saves an edit.
pub fn task(id: ContactId, task_id: TaskId) -> String {
    format!("/contacts/{id}/tasks/{task_id}")
}

/// `edit`, `run`, `cancel`, `resume` or `delete` of one task.
pub fn task_action(id: ContactId, task_id: TaskId, action: &str) -> String {
    format!("/contacts/{id}/tasks/{task_id}/{action}")
}

/// The Memories tab, searched for `q` and starting below `before` (an encoded cursor).
pub fn contact_memories(id: ContactId, q: &str, before: &str) -> String {
    with_query(
        &contact_tab(id, "memories"),
        &[("q", q), ("before", before)],
    )
}

/// One memory; GET shows it, POST saves an edit.
pub fn memory(id: ContactId, memory_id: MemoryId) -> String {
    format!("/contacts/{id}/memories/{memory_id}")
}

/// `edit` or `delete` of one memory, remembering the list it was opened from.
pub fn memory_action(
    id: ContactId,
    memory_id: MemoryId,
    action: &str,
    q: &str,
    before: &str,
) -> String {
    with_query(
        &format!("/contacts/{id}/memories/{memory_id}/{action}"),
        &[("q", q), ("before", before)],
    )
}

/// The Secrets tab, optionally continuing after the secret named `after`.
pub fn contact_secrets(id: ContactId, after: Option<&str>) -> String {
    with_query(
        &format!("/contacts/{id}/secrets"),
        &[("after", after.unwrap_or(""))],
    )
}

pub fn contact_secret_new(id: ContactId) -> String {
    format!("/contacts/{id}/secrets/new")
}

/// Where a secret's name and description are saved.
pub fn contact_secret(id: ContactId, secret: SecretId) -> String {
    format!("/contacts/{id}/secrets/{secret}")
}

pub fn contact_secret_edit(id: ContactId, secret: SecretId) -> String {
    format!("/contacts/{id}/secrets/{secret}/edit")
}

pub fn contact_secret_replace(id: ContactId, secret: SecretId) -> String {
    format!("/contacts/{id}/secrets/{secret}/replace")
}

pub fn contact_secret_delete(id: ContactId, secret: SecretId) -> String {
    format!("/contacts/{id}/secrets/{secret}/delete")
}

pub fn contact_secret_reveal(id: ContactId, secret: SecretId) -> String {
    format!("/contacts/{id}/secrets/{secret}/reveal")
}

/// The Spaces tab.
pub fn contact_spaces(id: ContactId) -> String {
    contact_tab(id, "spaces")
}

/// One space: its files and upload form (GET), its rename (POST).
pub fn space(id: ContactId, space: SpaceId) -> String {
    format!("/contacts/{id}/spaces/{space}")
}

pub fn space_edit(id: ContactId, space: SpaceId) -> String {
    format!("/contacts/{id}/spaces/{space}/edit")
}

pub fn space_delete(id: ContactId, space: SpaceId) -> String {
    format!("/contacts/{id}/spaces/{space}/delete")
}

/// Where a space's uploads are posted (see [`is_space_upload`]).
pub fn space_upload(id: ContactId, space: SpaceId) -> String {
    format!("/contacts/{id}/spaces/{space}/files")
}

/// A file's download.
pub fn space_file(id: ContactId, space: SpaceId, file: SpaceFileId) -> String {
    format!("/contacts/{id}/spaces/{space}/files/{file}")
}

pub fn space_file_delete(id: ContactId, space: SpaceId, file: SpaceFileId) -> String {
    format!("/contacts/{id}/spaces/{space}/files/{file}/delete")
}

/// Whether `path` is a space's upload URL ([`space_upload`]): the one route whose handler
/// checks a multipart body's CSRF token itself (see `web::csrf`).
pub fn is_space_upload(path: &str) -> bool {
    let number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    matches!(
        path.split('/').collect::<Vec<_>>().as_slice(),
        ["", "contacts", id, "spaces", space, "files"] if number(id) && number(space)
    )
}

/// An uploaded file's mapping screen (GET); POST starts its dry run.
pub fn import_upload(id: UploadId) -> String {
    format!("{IMPORT}/uploads/{id}")
}

/// One import or dry run: its progress while it runs, its report afterwards.
pub fn import_job(id: JobId) -> String {
    format!("{IMPORT}/jobs/{id}")
}

/// `run` (the import after its dry run, or again after it failed) or `cancel` of one job.
pub fn import_job_action(id: JobId, action: &str) -> String {
    format!("{IMPORT}/jobs/{id}/{action}")
}

/// The invalid rows of a job's file as CSV, with their reasons.
pub fn import_job_invalid_rows(id: JobId) -> String {
    format!("{IMPORT}/jobs/{id}/invalid-rows.csv")
}

/// Whether `path` takes a multipart upload whose handler checks the CSRF token itself (see
/// `web::csrf`): a space's upload URL ([`space_upload`]) or the import's ([`IMPORT`]).
pub fn takes_upload(path: &str) -> bool {
    is_space_upload(path) || path == IMPORT
}

/// Revoking one API token: GET asks for confirmation, POST revokes.
pub fn api_token_revoke(id: ApiTokenId) -> String {
    format!("{API_TOKENS}/{id}/revoke")
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Builds `path?k=v&…` from the pairs whose value is not empty.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Where to go after sign-in: only paths on this site, never `//evil.example` or a scheme
/// (see [`is_local_path`]); anything else goes to the contacts list.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) && !path.starts_with(LOGIN) => path.to_string(),
        _ => CONTACTS.to_string(),
    }
}

/// Whether `next` is a path on this site however a browser reads it. Browsers drop tab, CR
/// and LF from URLs and read `\` as `/`, so `/<tab>/evil.example` is `//evil.example`, another
/// host; and a value may be percent-decoded again on its way. So `next` must start with one
/// `/`, hold no whitespace, control character or backslash, and stay so when decoded
/// (repeatedly): no control character anywhere, and a path part that does not start with
/// `//` and holds no whitespace or backslash (the query may hold encoded spaces, as searches
/// do).
fn is_local_path(next: &str) -> bool {
    let strange = |c: char| c.is_whitespace() || c.is_control() || c == '\\';
    if !next.starts_with('/') || next.starts_with("//") || next.contains(strange) {
        return false;
    }
    let mut text = next.to_string();
    // Each round undoes one layer of encoding; four is more than any honest URL carries.
    for _ in 0..4 {
        let decoded = percent_decode(&text);
        if decoded == text {
            return true;
        }
        let path = decoded.split(['?', '#']).next().unwrap_or_default();
        if decoded.contains(char::is_control) || path.starts_with("//") || path.contains(strange) {
            return false;
        }
        text = decoded;
    }
    false
}

/// One round of percent-decoding; malformed escapes stay as they are, bytes that are not
/// UTF-8 become U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits: at most 0xFF.
            out.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/contacts/7")), "/contacts/7");
        assert_eq!(safe_next(Some("//evil.example/x")), CONTACTS);
        assert_eq!(safe_next(Some("https://evil.example")), CONTACTS);
        assert_eq!(safe_next(Some("/\\evil.example")), CONTACTS);
        assert_eq!(safe_next(Some("/login")), CONTACTS);
        assert_eq!(safe_next(None), CONTACTS);
    }

    #[test]
    fn next_refuses_what_browsers_strip_or_bend_into_another_host() {
        // Browsers drop tab, CR and LF from URLs and read `\` as `/`: each of these would
        // become `//evil.example`.
        for next in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D%0A/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/\\evil.example",
            "/contacts\\..\\..",
            " //evil.example",
            "/ /evil.example",
            "/%20/evil.example",
            "/\u{0}/evil.example",
            "/%00/evil.example",
            "/\u{7f}x",
            "/\u{85}/evil.example",
            "/\u{3000}/evil.example",
            "/contacts?q=%0d%0aSet-Cookie:x",
            "/%252F/evil.example",
        ] {
            assert_eq!(safe_next(Some(next)), CONTACTS, "{next:?}");
        }
        // What the sign-in redirect itself produces stays intact.
        for next in [
            "/contacts",
            "/contacts/7/memories?q=two%20kids&before=17_4",
            "/contacts?q=a+b",
            "/contacts?q=caf%C3%A9",
            "/account",
        ] {
            assert_eq!(safe_next(Some(next)), next, "{next:?}");
        }
    }

    #[test]
    fn query_strings_are_encoded_and_skip_empty_values() {
        assert_eq!(
            with_query(
                "/contacts",
                &[("q", "a b&c"), ("source", ""), ("sort", "name")]
            ),
            "/contacts?q=a%20b%26c&sort=name"
        );
        assert_eq!(with_query("/contacts", &[]), "/contacts");
        assert_eq!(
            login_with_next("/contacts?q=x"),
            "/login?next=/contacts%3Fq%3Dx"
        );
    }

    #[test]
    fn only_upload_urls_are_upload_urls() {
        assert!(is_space_upload(&space_upload(ContactId(3), SpaceId(41))));
        assert!(!is_space_upload("/contacts/3/spaces/41/files/7"));
        assert!(!is_space_upload("/contacts/3/spaces/41/files/"));
        assert!(!is_space_upload("/contacts/3/spaces/x/files"));
        assert!(!is_space_upload("/contacts/3/delete"));
        assert!(!is_space_upload("/contacts//spaces/4/files"));
        assert!(takes_upload(IMPORT));
        assert!(takes_upload(&space_upload(ContactId(3), SpaceId(41))));
        assert!(!takes_upload("/contacts/import/uploads/3"));
        assert!(!takes_upload("/contacts/import/"));
    }

    #[test]
    fn import_urls() {
        assert_eq!(import_upload(UploadId(4)), "/contacts/import/uploads/4");
        assert_eq!(import_job(JobId(9)), "/contacts/import/jobs/9");
        assert_eq!(
            import_job_action(JobId(9), "run"),
            "/contacts/import/jobs/9/run"
        );
        assert_eq!(
            import_job_invalid_rows(JobId(9)),
            "/contacts/import/jobs/9/invalid-rows.csv"
        );
    }

    #[test]
    fn contact_urls() {
        let id = ContactId(7);
        assert_eq!(contact_tab(id, ""), "/contacts/7");
        assert_eq!(contact_tab(id, "history"), "/contacts/7/history");
        assert_eq!(
            contact_field_edit(id, ContactField::Phone),
            "/contacts/7/fields/phone/edit"
        );
        assert_eq!(contact_secrets(id, None), "/contacts/7/secrets");
        assert_eq!(
            contact_secrets(id, Some("Jira & co")),
            "/contacts/7/secrets?after=Jira%20%26%20co"
        );
        assert_eq!(
            contact_secret_reveal(id, SecretId(3)),
            "/contacts/7/secrets/3/reveal"
        );
        assert_eq!(
            contact_conversation_message(id, ConversationId(3), MessageId(9)),
            "/contacts/7/conversations/3?at=9#message-9"
        );
        assert_eq!(
            contact_conversation_action(id, ConversationId(3), "move"),
            "/contacts/7/conversations/3/move"
        );
        assert_eq!(
            contact_rating_review(id, RatingId(5)),
            "/contacts/7/ratings/5/review"
        );
        assert_eq!(
            api_token_revoke(ApiTokenId(4)),
            "/settings/api-tokens/4/revoke"
        );
    }

    #[test]
    fn task_and_memory_urls() {
        let id = ContactId(7);
        assert_eq!(contact_tasks(id, None), "/contacts/7/tasks");
        assert_eq!(
            contact_tasks(id, Some(TaskId(40))),
            "/contacts/7/tasks?before=40"
        );
        assert_eq!(task_action(id, TaskId(3), "run"), "/contacts/7/tasks/3/run");
        assert_eq!(contact_memories(id, "", ""), "/contacts/7/memories");
        assert_eq!(
            contact_memories(id, "two kids", "17_4"),
            "/contacts/7/memories?q=two%20kids&before=17_4"
        );
        assert_eq!(
            memory_action(id, MemoryId(5), "delete", "kids", ""),
            "/contacts/7/memories/5/delete?q=kids"
        );
    }
}
