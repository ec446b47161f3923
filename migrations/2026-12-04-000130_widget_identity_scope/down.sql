-- Best effort: widget users' fingerprints go back to the bare user id. Where two widgets had
-- the same user id (the reason for the scope) only one contact can have it back; the lowest
-- contact id does, the others keep the scoped form (their user ids then no longer match
-- anyone, as no widget looks for the scoped form any more). Fingerprints longer than 200
-- characters cannot be shortened without losing the id, so the old check is restored for new
-- rows only (NOT VALID).
WITH candidates AS (
    SELECT id, fingerprint AS scoped,
           regexp_replace(fingerprint, '^widget:[0-9]+:', '') AS bare
      FROM contacts
     WHERE fingerprint ~ '^widget:[0-9]+:.'
),
chosen AS (
    SELECT DISTINCT ON (bare) id, scoped, bare
      FROM candidates
     WHERE NOT EXISTS (SELECT 1 FROM contacts o WHERE o.fingerprint = candidates.bare)
     ORDER BY bare, id
),
restored AS (
    UPDATE contacts k
       SET fingerprint = c.bare
      FROM chosen c
     WHERE k.id = c.id
 RETURNING k.id, c.scoped, c.bare
)
INSERT INTO audit_events (actor_kind, actor_name, action, entity, entity_id, contact_id, changes)
SELECT 'system', 'migration widget_identity_scope (reverted)', 'update', 'contact', r.id, r.id,
       jsonb_build_object('fingerprint', jsonb_build_object('before', r.scoped, 'after', r.bare))
  FROM restored r;

ALTER TABLE contacts DROP CONSTRAINT contacts_fingerprint_check;
ALTER TABLE contacts ADD CONSTRAINT contacts_fingerprint_check
    CHECK (char_length(fingerprint) BETWEEN 1 AND 200) NOT VALID;
