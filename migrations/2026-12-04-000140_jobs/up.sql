-- Background jobs (DESIGN.md §9): everything that outlives a request (an import, later bulk
-- actions, purges, event webhooks). Workers inside `rapport serve` claim queued rows, and
-- running rows whose lease ran out, with FOR UPDATE SKIP LOCKED; each batch of work commits
-- together with the job's cursor, so a job resumed after a crash never applies a row twice.

-- Files a job reads (an import's upload), kept under the data directory as
-- `uploads/<storage_key>`. The row is the truth; the periodic purge removes both once no
-- queued or running job needs the file and `expires_at` has passed.
CREATE TABLE uploads (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- 32 random hex digits, never derived from the file's name.
    storage_key text NOT NULL UNIQUE CHECK (storage_key ~ '^[0-9a-f]{32}$'),
    -- As the browser sent it (for format detection and for people); never a path on disk.
    file_name text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
    size bigint NOT NULL CHECK (size >= 0),
    uploaded_by bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    -- Pushed out each time a job using the file ends, so its report's downloads keep working
    -- for a while.
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_expires_idx ON uploads (expires_at);
CREATE TRIGGER uploads_touch BEFORE UPDATE ON uploads
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Which code runs it (`jobs::KINDS`), e.g. import, import_dry_run.
    kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed', 'canceled')),
    -- Who started it: a staff user, or nobody (the command line, the scheduler).
    started_by bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    -- Kept apart from the row above, so the list still names a deleted user.
    started_by_name text NOT NULL CHECK (char_length(started_by_name) BETWEEN 1 AND 200),
    -- The file the job reads, if any.
    upload_id bigint REFERENCES uploads (id) ON DELETE SET NULL,
    -- What to do, as the kind defines it (an import: file, mapping, on-match rule).
    parameters jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(parameters) = 'object'),
    -- How far it got, written in the same transaction as each batch's work.
    cursor jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(cursor) = 'object'),
    progress_done bigint NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
    -- NULL while not known yet.
    progress_total bigint CHECK (progress_total >= 0),
    -- What it did, by outcome (an import: new, updated, unchanged, skipped, invalid).
    counts jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(counts) = 'object'),
    -- Details for its report (an import: the first invalid rows).
    report jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(report) = 'object'),
    -- Why it failed, in words for people.
    error text,
    -- Times it was claimed; a job that keeps losing its worker is failed eventually.
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Set by the worker that claimed it; every batch checks it is still the holder.
    lease_token text,
    lease_until timestamptz,
    -- Not claimed before (scheduled work).
    run_after timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'running') = (lease_token IS NOT NULL)),
    CHECK ((state IN ('done', 'failed', 'canceled')) = (finished_at IS NOT NULL))
);
-- Claiming: queued jobs that are due, and running jobs whose lease ran out.
CREATE INDEX jobs_queued_idx ON jobs (run_after, id) WHERE state = 'queued';
CREATE INDEX jobs_leased_idx ON jobs (lease_until) WHERE state = 'running';
-- The import page's list, and the scheduler's "is one pending or recent?".
CREATE INDEX jobs_kind_idx ON jobs (kind, id);
CREATE INDEX jobs_upload_idx ON jobs (upload_id);
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();
