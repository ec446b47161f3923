-- Website widget sessions (issue 5): one per visitor chat. The browser holds the token; only
-- its SHA-256 is kept here. A session ends when it expires, or with its conversation or widget.
CREATE TABLE widget_sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    integration_id bigint NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX widget_sessions_integration_idx ON widget_sessions (integration_id);
CREATE INDEX widget_sessions_conversation_idx ON widget_sessions (conversation_id);
CREATE INDEX widget_sessions_contact_idx ON widget_sessions (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX widget_sessions_expires_idx ON widget_sessions (expires_at);
