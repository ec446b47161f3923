-- Contacts still in Trash are deleted for good first: the full unique indexes could not
-- hold them next to a live contact with the same email.
DELETE FROM contacts WHERE deleted_at IS NOT NULL;
DROP INDEX contacts_trash_idx;
DROP INDEX contacts_fingerprint_key;
DROP INDEX contacts_email_key;
CREATE UNIQUE INDEX contacts_fingerprint_key ON contacts (fingerprint);
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email));
ALTER TABLE contacts
    DROP CONSTRAINT contacts_deleted_by_with_deleted_at,
    DROP COLUMN deleted_by,
    DROP COLUMN deleted_at;
