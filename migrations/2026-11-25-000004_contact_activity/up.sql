-- Everything that happens with a contact (DESIGN.md §2): conversations and their messages,
-- tasks, memories, spaces and their files, ratings and secrets.
--
-- Delete rules follow ChatBotKit: deleting a contact deletes its tasks, memories and secrets;
-- its conversations, spaces and ratings stay, detached (contact_id set to NULL).

-- History of a contact includes writes to its activity, not only to the contact row.
ALTER TABLE audit_events ADD COLUMN contact_id bigint;
UPDATE audit_events SET contact_id = entity_id WHERE entity = 'contact';
CREATE INDEX audit_events_contact_idx ON audit_events (contact_id, id) WHERE contact_id IS NOT NULL;

CREATE TABLE conversations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'widget', 'api', 'manual')),
    subject text CHECK (char_length(subject) <= 500),
    meta jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
    -- Kept by the triggers below, so lists never count messages.
    message_count integer NOT NULL DEFAULT 0,
    last_message_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The Conversations tab: newest activity first.
CREATE INDEX conversations_contact_idx ON conversations (contact_id, (coalesce(last_message_at, created_at)) DESC, id DESC);
CREATE TRIGGER conversations_touch BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('user', 'bot', 'staff', 'context')),
    text text NOT NULL CHECK (char_length(text) <= 100000),
    meta jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, id);
CREATE TRIGGER messages_touch BEFORE UPDATE ON messages
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE FUNCTION rapport_count_messages() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE conversations
           SET message_count = message_count + 1,
               last_message_at = greatest(last_message_at, NEW.created_at)
         WHERE id = NEW.conversation_id;
        RETURN NEW;
    ELSE
        UPDATE conversations
           SET message_count = message_count - 1,
               last_message_at = (SELECT max(created_at) FROM messages
                                   WHERE conversation_id = OLD.conversation_id AND id <> OLD.id)
         WHERE id = OLD.conversation_id;
        RETURN OLD;
    END IF;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER messages_count AFTER INSERT OR DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION rapport_count_messages();

CREATE TABLE tasks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text CHECK (char_length(description) <= 2000),
    -- A cron expression; NULL means the task runs on demand only.
    schedule text CHECK (char_length(schedule) <= 200),
    timezone text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) <= 64),
    status text NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'running', 'canceled')),
    outcome text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'success', 'failure')),
    last_run_at timestamptz,
    next_run_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_contact_idx ON tasks (contact_id, id DESC);
-- What a scheduler asks: which idle tasks are due.
CREATE INDEX tasks_due_idx ON tasks (next_run_at) WHERE status = 'idle' AND next_run_at IS NOT NULL;
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE memories (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 10000),
    meta jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX memories_contact_idx ON memories (contact_id, created_at DESC, id DESC);
-- Searching a contact's memories (and, later, the API's memory/search).
CREATE INDEX memories_text_trgm_idx ON memories USING gin (lower(text) gin_trgm_ops);
CREATE TRIGGER memories_touch BEFORE UPDATE ON memories
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE spaces (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text CHECK (char_length(description) <= 2000),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spaces_contact_idx ON spaces (contact_id, id DESC);
CREATE TRIGGER spaces_touch BEFORE UPDATE ON spaces
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE space_files (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    space_id bigint NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    -- The file's name as shown and downloaded, already sanitised.
    path text NOT NULL CHECK (char_length(path) BETWEEN 1 AND 255),
    size bigint NOT NULL CHECK (size >= 0),
    content_type text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- Where the bytes are under the data directory; never derived from the user's file name.
    storage_key text NOT NULL UNIQUE,
    uploaded_by_id bigint,
    uploaded_by_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (space_id, path)
);
CREATE TRIGGER space_files_touch BEFORE UPDATE ON space_files
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE ratings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
    message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
    -- +100 thumbs up, -100 thumbs down; any integer is accepted, as in ChatBotKit.
    value integer NOT NULL,
    reason text CHECK (char_length(reason) <= 2000),
    reviewed_at timestamptz,
    reviewed_by_id bigint,
    reviewed_by_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ratings_contact_idx ON ratings (contact_id, created_at DESC, id DESC);
CREATE TRIGGER ratings_touch BEFORE UPDATE ON ratings
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE secrets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text CHECK (char_length(description) <= 2000),
    kind text NOT NULL CHECK (kind IN ('plain', 'basic', 'bearer', 'oauth')),
    -- AEAD ciphertext of the value; never the value itself.
    ciphertext bytea NOT NULL,
    nonce bytea NOT NULL,
    -- Which secrets key encrypted it, so the key can be rotated.
    key_id text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (contact_id, name)
);
CREATE TRIGGER secrets_touch BEFORE UPDATE ON secrets
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();
