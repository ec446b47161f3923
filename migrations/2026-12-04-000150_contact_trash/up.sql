-- Trash (DESIGN.md §10): deleting a contact sets deleted_at; the contact disappears from
-- lists, search, the API, agent contexts and intake matching, can be restored, and is purged
-- for good after RAPPORT_TRASH_DAYS. deleted_by is the actor's name as History shows it
-- (a staff member, an API token); History keeps the exact actor.
ALTER TABLE contacts
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by text CHECK (char_length(deleted_by) <= 300),
    ADD CONSTRAINT contacts_deleted_by_with_deleted_at CHECK ((deleted_at IS NULL) = (deleted_by IS NULL));

-- A contact in Trash no longer holds its email or fingerprint: a new contact (by hand, by
-- intake) may take them. Restoring then refuses, naming the contact that has them.
DROP INDEX contacts_fingerprint_key;
DROP INDEX contacts_email_key;
CREATE UNIQUE INDEX contacts_fingerprint_key ON contacts (fingerprint) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email)) WHERE deleted_at IS NULL;

-- The Trash page (newest first) and the purge (oldest first).
CREATE INDEX contacts_trash_idx ON contacts (deleted_at, id) WHERE deleted_at IS NOT NULL;
