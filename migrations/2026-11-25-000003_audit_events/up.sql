-- Who changed what, for every write (DESIGN.md §2). Rows outlive the entity they describe,
-- so a deleted contact's history can still be read.
CREATE TABLE audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_kind text NOT NULL CHECK (actor_kind IN ('staff', 'token', 'integration', 'system')),
    actor_id bigint,
    -- The actor's name at the time, so renames and deletions do not rewrite history.
    actor_name text NOT NULL,
    action text NOT NULL,
    entity text NOT NULL,
    entity_id bigint NOT NULL,
    -- {"field": {"before": ..., "after": ...}}
    changes jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, entity_id, id);
