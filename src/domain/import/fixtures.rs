//! The real files under `tests/fixtures/import/`, read end to end.
