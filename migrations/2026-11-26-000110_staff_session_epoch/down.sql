ALTER TABLE staff_users DROP COLUMN session_epoch;
