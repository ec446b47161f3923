DROP INDEX contacts_phone_idx;
