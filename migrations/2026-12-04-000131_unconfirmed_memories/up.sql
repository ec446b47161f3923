-- Memories an agent wrote during a conversation whose writer only claimed the contact
-- (issue 10): kept, but unconfirmed, so they reach no agent context until staff confirm them.
--
-- `confirmed` is the state, on its own column: the conversation a memory came from may be
-- deleted (its id is then set to NULL), and that must not confirm it. Existing memories were
-- written by staff, API callers or agents of trusted conversations, so they stay confirmed.
-- `claimed_conversation_id` names the claimed conversation it came from, for the Memories tab's
-- mark and link; it is kept after confirmation, as where the memory came from.
ALTER TABLE memories
    ADD COLUMN confirmed boolean NOT NULL DEFAULT true,
    ADD COLUMN claimed_conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL;
-- Deleting a conversation looks up the memories that name it.
CREATE INDEX memories_claimed_conversation_idx ON memories (claimed_conversation_id)
    WHERE claimed_conversation_id IS NOT NULL;
