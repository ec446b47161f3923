-- Staff who sign in to the dashboard, and the failed sign-ins that throttle guessing.

-- Keeps updated_at honest on every UPDATE, whichever code path runs it.
CREATE FUNCTION rapport_touch_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TABLE staff_users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    disabled_at timestamptz,
    last_login_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email));
CREATE TRIGGER staff_users_touch BEFORE UPDATE ON staff_users
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- One row per failed attempt; counted over a sliding window per email and per client address.
-- Kept in the database (not process memory) so throttling holds across app processes.
CREATE TABLE sign_in_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_key text NOT NULL,
    client_ip text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email_key, created_at);
CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (client_ip, created_at);
