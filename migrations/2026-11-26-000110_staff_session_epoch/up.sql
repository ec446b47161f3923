-- A staff user's session epoch: every session carries the value it was signed in at, and a
-- session whose epoch is no longer the user's is refused. Signing out, a password reset, a
-- role change, disabling the user and "Sign out everywhere" add one, ending every session
-- signed in before (session cookies are not stored server-side, so this is how they end).
ALTER TABLE staff_users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
