DROP TABLE sign_in_failures;
DROP TABLE staff_users;
DROP FUNCTION rapport_touch_updated_at();
