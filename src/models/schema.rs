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
        session_epoch -> Int4,
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
        deleted_at -> Nullable<Timestamptz>,
        deleted_by -> Nullable<Text>,
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
        contact_id -> Nullable<Int8>,
    }
}

diesel::table! {
    conversations (id) {
        id -> Int8,
        contact_id -> Nullable<Int8>,
        channel -> Text,
        subject -> Nullable<Text>,
        meta -> Jsonb,
        message_count -> Int4,
        last_message_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        integration_id -> Nullable<Int8>,
    }
}

diesel::table! {
    messages (id) {
        id -> Int8,
        conversation_id -> Int8,
        role -> Text,
        text -> Text,
        meta -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        external_id -> Nullable<Text>,
    }
}

diesel::table! {
    tasks (id) {
        id -> Int8,
        contact_id -> Int8,
        name -> Text,
        description -> Nullable<Text>,
        schedule -> Nullable<Text>,
        timezone -> Text,
        status -> Text,
        outcome -> Text,
        last_run_at -> Nullable<Timestamptz>,
        next_run_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    memories (id) {
        id -> Int8,
        contact_id -> Int8,
        text -> Text,
        meta -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        confirmed -> Bool,
        claimed_conversation_id -> Nullable<Int8>,
    }
}

diesel::table! {
    spaces (id) {
        id -> Int8,
        contact_id -> Nullable<Int8>,
        name -> Text,
        description -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    space_files (id) {
        id -> Int8,
        space_id -> Int8,
        path -> Text,
        size -> Int8,
        content_type -> Text,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by_id -> Nullable<Int8>,
        uploaded_by_name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    ratings (id) {
        id -> Int8,
        contact_id -> Nullable<Int8>,
        conversation_id -> Nullable<Int8>,
        message_id -> Nullable<Int8>,
        value -> Int4,
        reason -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamptz>,
        reviewed_by_id -> Nullable<Int8>,
        reviewed_by_name -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    secrets (id) {
        id -> Int8,
        contact_id -> Int8,
        name -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        ciphertext -> Bytea,
        nonce -> Bytea,
        key_id -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Int8,
        name -> Text,
        token_hash -> Text,
        role -> Text,
        created_by_id -> Nullable<Int8>,
        created_by_name -> Text,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    integrations (id) {
        id -> Int8,
        kind -> Text,
        name -> Text,
        enabled -> Bool,
        collect_contacts -> Bool,
        agent_webhook_url -> Nullable<Text>,
        inbound_token_hash -> Nullable<Text>,
        allowed_senders -> Array<Text>,
        use_reply_to -> Bool,
        allowed_origins -> Array<Text>,
        ask_name -> Text,
        ask_email -> Text,
        ask_phone -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        trusted_authserv_ids -> Array<Text>,
        require_authentication -> Bool,
    }
}

diesel::table! {
    integration_secrets (integration_id, purpose) {
        integration_id -> Int8,
        purpose -> Text,
        ciphertext -> Bytea,
        nonce -> Bytea,
        key_id -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        integration_id -> Int8,
        conversation_id -> Int8,
        message_id -> Int8,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        last_status -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(conversations -> contacts (contact_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::joinable!(tasks -> contacts (contact_id));
diesel::joinable!(memories -> contacts (contact_id));
diesel::joinable!(spaces -> contacts (contact_id));
diesel::joinable!(space_files -> spaces (space_id));
diesel::joinable!(ratings -> contacts (contact_id));
diesel::joinable!(secrets -> contacts (contact_id));
diesel::joinable!(conversations -> integrations (integration_id));
diesel::joinable!(integration_secrets -> integrations (integration_id));
diesel::joinable!(webhook_deliveries -> integrations (integration_id));
diesel::joinable!(webhook_deliveries -> conversations (conversation_id));
diesel::joinable!(webhook_deliveries -> messages (message_id));

diesel::allow_tables_to_appear_in_same_query!(
    contacts,
    conversations,
    messages,
    tasks,
    memories,
    spaces,
    space_files,
    ratings,
    secrets,
    audit_events,
    staff_users,
    api_tokens,
    integrations,
    integration_secrets,
    webhook_deliveries,
);

diesel::table! {
    widget_sessions (id) {
        id -> Int8,
        integration_id -> Int8,
        conversation_id -> Int8,
        contact_id -> Nullable<Int8>,
        token_hash -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_contact_matches (conversation_id) {
        conversation_id -> Int8,
        contact_id -> Int8,
        how -> Text,
        claimed_by -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    uploads (id) {
        id -> Int8,
        storage_key -> Text,
        file_name -> Text,
        size -> Int8,
        uploaded_by -> Nullable<Int8>,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    jobs (id) {
        id -> Int8,
        kind -> Text,
        state -> Text,
        started_by -> Nullable<Int8>,
        started_by_name -> Text,
        upload_id -> Nullable<Int8>,
        parameters -> Jsonb,
        cursor -> Jsonb,
        progress_done -> Int8,
        progress_total -> Nullable<Int8>,
        counts -> Jsonb,
        report -> Jsonb,
        error -> Nullable<Text>,
        attempts -> Int4,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamptz>,
        run_after -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(jobs -> uploads (upload_id));
diesel::allow_tables_to_appear_in_same_query!(jobs, uploads);
