DROP INDEX ratings_contact_unreviewed_idx;
DROP INDEX ratings_message_idx;
DROP INDEX ratings_conversation_idx;
