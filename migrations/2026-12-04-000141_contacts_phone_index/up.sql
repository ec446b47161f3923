-- Exact matches on a contact's phone (an import's rows, contact/ensure, intake): the trigram
-- index serves the search box's fragments but answers `phone = ANY(...)` slowly, scanning
-- every posting of each number's trigrams (seconds for an import batch on 100,000 contacts).
CREATE INDEX contacts_phone_idx ON contacts (phone);
