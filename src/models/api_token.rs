//! API tokens: created by admins (dashboard or CLI), looked up by hash on every API request.
//! Creating and revoking are audited (entity [`ENTITY`]); the token itself is never recorded.

use super::audit::{self, Actor, Changes, Subject};
use super::schema::api_tokens;
use crate::domain::api_token::{self, TokenRole};
use crate::domain::{ApiTokenId, StaffUserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

/// How the audit trail names these rows.
pub const ENTITY: &str = "api_token";

#[derive(Queryable, QueryableByName, Selectable, Debug, Clone)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub role: String,
    pub created_by_name: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ApiToken {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    fn subject(&self) -> Subject<'static> {
        Subject::of_contact(ENTITY, self.id, None)
    }

    /// The stored role; anything unexpected reads as the weaker one.
    pub fn role(&self) -> TokenRole {
        self.role.parse().unwrap_or(TokenRole::Viewer)
    }
}

#[derive(Insertable)]
#[diesel(table_name = api_tokens)]
struct NewApiToken<'a> {
    name: &'a str,
    token_hash: &'a str,
    role: &'a str,
    created_by_id: Option<StaffUserId>,
    created_by_name: &'a str,
}

/// Creates a token and its "create" audit entry in one transaction; returns the row and the
/// token in clear, which is never stored (only its hash) and never audited.
pub fn create(
    connection: &mut PgConnection,
    name: &str,
    role: TokenRole,
    created_by: &Actor,
) -> QueryResult<(ApiToken, String)> {
    let token = api_token::generate();
    let row = connection.transaction(|connection| {
        let row = diesel::insert_into(api_tokens::table)
            .values(NewApiToken {
                name,
                token_hash: &api_token::hash(&token),
                role: role.as_str(),
                created_by_id: created_by.staff_id(),
                created_by_name: created_by.name(),
            })
            .returning(ApiToken::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("name", Value::Null, json!(row.name));
        changes.field("role", Value::Null, json!(row.role));
        audit::record(connection, created_by, "create", row.subject(), changes)?;
        QueryResult::Ok(row)
    })?;
    Ok((row, token))
}

pub fn find(connection: &mut PgConnection, id: ApiTokenId) -> QueryResult<ApiToken> {
    api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(connection)
}

/// The live (not revoked) token with this clear text.
pub fn find_active(connection: &mut PgConnection, token: &str) -> QueryResult<Option<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(api_token::hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiToken::as_select())
        .first(connection)
        .optional()
}

/// [`find_active`] and [`touch`] in one statement, as every API request starts with it: the
/// live token with this clear text (as it was before the touch), its use noted at most once a
/// minute.
pub fn find_active_and_touch(
    connection: &mut PgConnection,
    token: &str,
) -> QueryResult<Option<ApiToken>> {
    // A data-modifying WITH runs whether or not the outer query reads it.
    diesel::sql_query(
        "WITH found AS ( \
             SELECT id, name, role, created_by_name, last_used_at, revoked_at, created_at \
             FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
         ), touched AS ( \
             UPDATE api_tokens SET last_used_at = now() FROM found \
             WHERE api_tokens.id = found.id \
               AND (api_tokens.last_used_at IS NULL \
                    OR api_tokens.last_used_at < now() - interval '1 minute') \
         ) \
         SELECT * FROM found",
    )
    .bind::<diesel::sql_types::Text, _>(api_token::hash(token))
    .get_result(connection)
    .optional()
}

/// Notes that a token was used, at most once a minute, so busy bots do not turn every read
/// into a write.
pub fn touch(connection: &mut PgConnection, id: ApiTokenId) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE api_tokens SET last_used_at = now() \
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .execute(connection)?;
    Ok(())
}

/// All tokens, newest first (the settings page).
pub fn list(connection: &mut PgConnection) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .select(ApiToken::as_select())
        .order(api_tokens::id.desc())
        .load(connection)
}

/// Revokes a live token and records a "revoke" audit entry, in one transaction. Returns the
/// revoked row, or `None` when no live token has this id (unknown or already revoked).
pub fn revoke(
    connection: &mut PgConnection,
    id: ApiTokenId,
    actor: &Actor,
) -> QueryResult<Option<ApiToken>> {
    connection.transaction(|connection| {
        let revoked = diesel::update(
            api_tokens::table
                .find(id)
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(diesel::dsl::now))
        .returning(ApiToken::as_returning())
        .get_result(connection)
        .optional()?;
        if let Some(row) = &revoked {
            let mut changes = Changes::new();
            changes
                .context("name", json!(row.name))
                .field("revoked", json!(false), json!(true));
            audit::record(connection, actor, "revoke", row.subject(), changes)?;
        }
        Ok(revoked)
    })
}
