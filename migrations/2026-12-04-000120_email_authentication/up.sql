-- Email sender authentication (issue 10): a From header is a claim; a contact created or
-- matched from mail is verified only when a relay the integration trusts says so in an
-- Authentication-Results header (dmarc=pass, or dkim/spf=pass aligned with the From domain).

-- The authserv-ids (RFC 8601) of the relays whose Authentication-Results this integration
-- believes, lower-cased: the MX or mail provider that hands the mail to Rapport. Empty: no
-- sender is ever authenticated.
ALTER TABLE integrations ADD COLUMN trusted_authserv_ids text[] NOT NULL DEFAULT '{}';

-- On: the allowed-senders list is checked against authenticated From addresses only, and
-- unauthenticated mail to an integration with such a list is refused. Rows that exist when
-- this migration runs get false, so current installs keep accepting the mail they accept
-- today; new integrations get true from the settings form and the command line, which
-- always name the value (hence no default once the column exists).
ALTER TABLE integrations ADD COLUMN require_authentication boolean NOT NULL DEFAULT false;
ALTER TABLE integrations ALTER COLUMN require_authentication DROP DEFAULT;
