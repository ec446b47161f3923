-- Indexes for the Conversations and Ratings tabs.

-- Deleting a conversation sets ratings.conversation_id to NULL, and deleting its messages
-- (ON DELETE CASCADE) sets ratings.message_id to NULL, one lookup per message: without these
-- indexes every message deleted would scan the whole ratings table. They also serve "the
-- ratings of this conversation" (the delete confirmation, moving a conversation) and the
-- transcript's "rated" markers.
CREATE INDEX ratings_conversation_idx ON ratings (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX ratings_message_idx ON ratings (message_id) WHERE message_id IS NOT NULL;

-- The Ratings tab's "Unreviewed" filter and the count in its summary.
CREATE INDEX ratings_contact_unreviewed_idx ON ratings (contact_id, created_at DESC, id DESC)
    WHERE reviewed_at IS NULL;
