-- How intake matched a conversation's contact (issues 4–5, impostor risk). A widget visitor or
-- an email sender who only typed a known contact's email address or phone number has proved
-- nothing, so the agent webhook gets a restricted context for such a conversation.
-- Kept per conversation rather than on the widget session: sessions are purged when they
-- expire while the conversation (and webhook retries) outlive them, and email has no session.
-- The record names the contact it is about: once staff or the API move the conversation to
-- another contact, it no longer applies.
CREATE TABLE conversation_contact_matches (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- verified: the site's signed user id; created: this conversation created the contact;
    -- claimed: an existing contact, by an email address or phone number nobody proved to own.
    how text NOT NULL CHECK (how IN ('verified', 'created', 'claimed')),
    claimed_by text CHECK (claimed_by IN ('email', 'phone')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((how = 'claimed') = (claimed_by IS NOT NULL))
);
CREATE INDEX conversation_contact_matches_contact_idx ON conversation_contact_matches (contact_id);
