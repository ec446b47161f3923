-- Contacts: the people and organisations that talk to the bots (DESIGN.md §2).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text CHECK (char_length(name) <= 200),
    description text CHECK (char_length(description) <= 2000),
    email text CHECK (char_length(email) <= 254),
    -- E.164, e.g. +12125550147
    phone text CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    nick text CHECK (char_length(nick) <= 100),
    preferences text CHECK (char_length(preferences) <= 10000),
    meta jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
    -- ChatBotKit never leaves the fingerprint empty; a random one stands in until an
    -- integration supplies its own.
    fingerprint text NOT NULL DEFAULT gen_random_uuid()::text CHECK (char_length(fingerprint) BETWEEN 1 AND 200),
    verified_at timestamptz,
    source text NOT NULL CHECK (source IN ('manual', 'email', 'widget', 'api', 'import')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Sort key for "by name"; byte order (COLLATE "C") so prefix LIKE can use the index too.
    sort_name text COLLATE "C" GENERATED ALWAYS AS (lower(coalesce(name, ''))) STORED,
    -- What the search box matches besides the phone: name, email and nick, lower-cased.
    search_text text GENERATED ALWAYS AS (
        lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(nick, ''))
    ) STORED
);

CREATE UNIQUE INDEX contacts_fingerprint_key ON contacts (fingerprint);
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email));
-- Keyset pagination: one index per sort order, id breaking ties.
CREATE INDEX contacts_sort_name_idx ON contacts (sort_name, id);
CREATE INDEX contacts_updated_idx ON contacts (updated_at, id);
CREATE INDEX contacts_created_idx ON contacts (created_at, id);
-- Search: trigram indexes serve LIKE '%fragment%'.
CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (search_text gin_trgm_ops);
CREATE INDEX contacts_phone_trgm_idx ON contacts USING gin (phone gin_trgm_ops);
-- Meta filters (meta @> '{"plan":"pro"}').
CREATE INDEX contacts_meta_idx ON contacts USING gin (meta jsonb_path_ops);

CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();
