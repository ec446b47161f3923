-- Intake integrations (issue 5): email integrations (an inbound URL with a token) and website
-- widgets. Their secrets (the widget's identity secret, the agent webhook's signing secret)
-- live encrypted in integration_secrets, like contact secrets.
CREATE TABLE integrations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('email', 'widget')),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    enabled boolean NOT NULL DEFAULT true,
    -- Off: conversations are recorded without creating or updating contacts.
    collect_contacts boolean NOT NULL DEFAULT true,
    agent_webhook_url text CHECK (char_length(agent_webhook_url) <= 2000),
    -- Email: SHA-256 hex of the inbound token (the token is shown once, like API tokens).
    inbound_token_hash text UNIQUE CHECK (inbound_token_hash ~ '^[0-9a-f]{64}$'),
    -- Email: sender patterns (ada@x.com, *@example.com, *@*.example.com); empty = everyone.
    allowed_senders text[] NOT NULL DEFAULT '{}',
    -- Email: the sender is Reply-To (when present) instead of From.
    use_reply_to boolean NOT NULL DEFAULT false,
    -- Widget: origins allowed to embed it (scheme://host[:port], normalised).
    allowed_origins text[] NOT NULL DEFAULT '{}',
    ask_name text NOT NULL DEFAULT 'optional' CHECK (ask_name IN ('off', 'optional', 'required')),
    ask_email text NOT NULL DEFAULT 'optional' CHECK (ask_email IN ('off', 'optional', 'required')),
    ask_phone text NOT NULL DEFAULT 'off' CHECK (ask_phone IN ('off', 'optional', 'required')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'email' OR inbound_token_hash IS NULL)
);
CREATE TRIGGER integrations_touch BEFORE UPDATE ON integrations
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- Encrypted with the secrets keyring (src/domain/secret_box), bound to
-- "rapport-integration:v1:{integration_id}:{purpose}"; re-encrypted by
-- `rapport secrets rotate-key`.
CREATE TABLE integration_secrets (
    integration_id bigint NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('identity', 'webhook')),
    ciphertext bytea NOT NULL,
    nonce bytea NOT NULL,
    key_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (integration_id, purpose)
);
CREATE TRIGGER integration_secrets_touch BEFORE UPDATE ON integration_secrets
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- Which integration a conversation came through; kept (detached) when the integration goes.
ALTER TABLE conversations
    ADD COLUMN integration_id bigint REFERENCES integrations (id) ON DELETE SET NULL;
CREATE INDEX conversations_integration_idx ON conversations (integration_id)
    WHERE integration_id IS NOT NULL;

-- An email's Message-ID: threading (In-Reply-To / References) and de-duplication.
ALTER TABLE messages ADD COLUMN external_id text CHECK (char_length(external_id) <= 1000);
CREATE INDEX messages_external_id_idx ON messages (external_id) WHERE external_id IS NOT NULL;
