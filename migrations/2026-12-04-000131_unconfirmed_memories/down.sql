-- Unconfirmed memories become ordinary ones: going back, nothing tells them apart any more,
-- so they are removed rather than handed to agents unchecked.
DELETE FROM memories WHERE NOT confirmed;
DROP INDEX memories_claimed_conversation_idx;
ALTER TABLE memories DROP COLUMN claimed_conversation_id, DROP COLUMN confirmed;
