-- Indexes for the API's lists of a contact's related objects, and of a conversation's
-- messages and a space's files: every API list is ordered by (created_at, id), newest or
-- oldest first, and continues after a cursor with `(created_at, id) < (…)`. An index on
-- (owner, created_at, id) answers each page as one index range read in either direction,
-- however many rows the owner has; without it a contact with tens of thousands of tasks
-- (or a conversation with as many messages) is read and sorted whole for every page.
--
-- Memories (memories_contact_idx) and ratings (ratings_contact_idx) already have such an
-- index; the existing indexes on (contact_id, id DESC) still serve the dashboard's tabs.
CREATE INDEX tasks_contact_created_idx ON tasks (contact_id, created_at, id);
CREATE INDEX spaces_contact_created_idx ON spaces (contact_id, created_at, id);
CREATE INDEX secrets_contact_created_idx ON secrets (contact_id, created_at, id);
CREATE INDEX conversations_contact_created_idx ON conversations (contact_id, created_at, id);
CREATE INDEX messages_conversation_created_idx ON messages (conversation_id, created_at, id);
CREATE INDEX space_files_space_created_idx ON space_files (space_id, created_at, id);
