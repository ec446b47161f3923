-- Bearer tokens for the JSON API (bots, agents, integrations). Only a SHA-256 of each token
-- is stored: the token is 256 random bits, so a fast hash is enough (argon2 is for passwords).
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    role text NOT NULL CHECK (role IN ('viewer', 'editor')),
    created_by_id bigint,
    created_by_name text NOT NULL,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER api_tokens_touch BEFORE UPDATE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();
