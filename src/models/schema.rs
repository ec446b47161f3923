//! Diesel's view of the tables, kept in step with `migrations/` by hand (see diesel.toml).
//! Generated columns (`sort_name`, `search_text`) are readable here but never inserted.

diesel::table! {
    staff_users (id) {
        id -> Int8,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        disabled_at -> Nullable<Timestamptz>,
        last_login_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> Int8,
        email_key -> Text,
        client_ip -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    contacts (id) {
        id -> Int8,
        name -> Nullable<Text>,
        description -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        nick -> Nullable<Text>,
        preferences -> Nullable<Text>,
        meta -> Jsonb,
        fingerprint -> Text,
        verified_at -> Nullable<Timestamptz>,
        source -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        sort_name -> Text,
        search_text -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        actor_kind -> Text,
        actor_id -> Nullable<Int8>,
        actor_name -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Int8,
        changes -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}
