DROP INDEX messages_external_id_idx;
ALTER TABLE messages DROP COLUMN external_id;
DROP INDEX conversations_integration_idx;
ALTER TABLE conversations DROP COLUMN integration_id;
DROP TABLE integration_secrets;
DROP TABLE integrations;
