-- A widget's verified user id is scoped to its widget (issue 10). The site's signed `userId`
-- used to be the contact's fingerprint as is, so user "42" of widget B found the contact of
-- user "42" of widget A. Fingerprints of widget users are now `widget:<integration id>:<userId>`
-- (see src/models/widget_session.rs); this rewrites the contacts verified in the bare form.
--
-- A user id may have 200 characters, so with its prefix ("widget:", up to 19 digits, ":")
-- a fingerprint may have up to 227: the check allows 240.
ALTER TABLE contacts DROP CONSTRAINT contacts_fingerprint_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_fingerprint_check
    CHECK (char_length(fingerprint) BETWEEN 1 AND 240);

-- Which contacts hold a widget user id, and whose. Widget intake recorded how each
-- conversation got its contact:
-- - `verified`: found by the signed id, so the contact's fingerprint was that id;
-- - `created` with the contact verified at its creation: a visitor with a signed id made it
--   (a visitor who only typed details makes an unverified contact with ChatBotKit's uuid
--   fingerprint; a contact verified later, by the API or by mail, is not a widget user's).
--   `verified_at` is set a moment after `created_at` in the same transaction; a minute
--   leaves room for a slow transaction and none for a later verification by hand.
-- A contact matched through more than one widget gets the namespace of its earliest such
-- conversation: that widget's user is the one the contact was made for (or first found as);
-- the other widgets' users matched it only because the ids were not scoped — exactly the
-- mix-up this fixes — and they get contacts of their own next time.
-- Contacts already in the new form are left alone (the migration can run on a database that
-- has some), and so is one whose new fingerprint another contact already has (an API caller
-- chose it), rather than failing the whole migration on the unique index.
WITH widget_users AS (
    SELECT DISTINCT ON (m.contact_id)
           m.contact_id,
           'widget:' || c.integration_id || ':' || k.fingerprint AS scoped,
           k.fingerprint AS bare
      FROM conversation_contact_matches m
      JOIN conversations c ON c.id = m.conversation_id
      JOIN integrations i ON i.id = c.integration_id AND i.kind = 'widget'
      JOIN contacts k ON k.id = m.contact_id
     WHERE k.fingerprint NOT LIKE 'widget:%'
       AND (m.how = 'verified'
            OR (m.how = 'created'
                AND k.verified_at BETWEEN k.created_at AND k.created_at + interval '1 minute'))
     ORDER BY m.contact_id, c.created_at, c.id
),
rewritten AS (
    UPDATE contacts k
       SET fingerprint = w.scoped
      FROM widget_users w
     WHERE k.id = w.contact_id
       AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.fingerprint = w.scoped)
 RETURNING k.id, w.bare, w.scoped
)
INSERT INTO audit_events (actor_kind, actor_name, action, entity, entity_id, contact_id, changes)
SELECT 'system', 'migration widget_identity_scope', 'update', 'contact', r.id, r.id,
       jsonb_build_object('fingerprint', jsonb_build_object('before', r.bare, 'after', r.scoped))
  FROM rewritten r;
