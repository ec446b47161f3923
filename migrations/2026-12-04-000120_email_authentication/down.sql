ALTER TABLE integrations DROP COLUMN require_authentication;
ALTER TABLE integrations DROP COLUMN trusted_authserv_ids;
