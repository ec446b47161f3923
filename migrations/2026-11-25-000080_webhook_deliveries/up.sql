-- The agent webhook's outbox: one row per user message an agent should answer, written in the
-- same transaction as the message, so a message is never stored without its delivery (nor a
-- delivery without its message). Workers claim due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE webhook_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    integration_id bigint NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- One delivery per message: queuing the same message twice is a no-op.
    message_id bigint NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Pending: when it is due (a claimed attempt pushes it out as a lease, so a crashed
    -- worker's attempt is retried by another). Otherwise: no longer used.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    -- The HTTP status of the last answer, when there was one.
    last_status integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
-- The dashboard's notice on a conversation.
CREATE INDEX webhook_deliveries_conversation_idx ON webhook_deliveries (conversation_id, id);
CREATE INDEX webhook_deliveries_integration_idx ON webhook_deliveries (integration_id);
CREATE TRIGGER webhook_deliveries_touch BEFORE UPDATE ON webhook_deliveries
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();
