//! The audit trail: who changed what, written in the same transaction as the change.

use super::schema::audit_events;
use crate::domain::{ApiTokenId, AuditEventId, ContactId, StaffUserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: StaffUserId,
        name: String,
    },
    /// An API token; the name is the token's, as staff gave it ("Support bot").
    Token {
        id: ApiTokenId,
        name: String,
    },
    System(String),
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::Staff { .. } => "staff",
            Actor::Token { .. } => "token",
            Actor::System(_) => "system",
        }
    }

    /// The actor's row, in `staff_users` or `api_tokens` as [`Actor::kind`] says.
    fn id(&self) -> Option<i64> {
        match self {
            Actor::Staff { id, .. } => Some(id.0),
            Actor::Token { id, .. } => Some(id.0),
            Actor::System(_) => None,
        }
    }

    /// The staff user behind the change, if it was one (for "reviewed by", "uploaded by").
    pub fn staff_id(&self) -> Option<StaffUserId> {
        match self {
            Actor::Staff { id, .. } => Some(*id),
            Actor::Token { .. } | Actor::System(_) => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::Staff { name, .. } | Actor::Token { name, .. } | Actor::System(name) => name,
        }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub actor_kind: String,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    /// Names a row of the table `entity` says (a contact, a memory, a file…), so it stays a
    /// bare number rather than one table's id type.
    pub entity_id: i64,
    pub changes: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewAuditEvent<'a> {
    actor_kind: &'a str,
    actor_id: Option<i64>,
    actor_name: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: i64,
    contact_id: Option<ContactId>,
    changes: Value,
}

/// What an event is about: an entity, and the contact whose History tab shows it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub entity: &'a str,
    /// A row of the table `entity` names: any table's id, hence a bare number.
    pub id: i64,
    pub contact_id: Option<ContactId>,
}

impl<'a> Subject<'a> {
    /// The contact itself.
    pub fn contact(id: ContactId) -> Subject<'static> {
        Subject {
            entity: super::contact::ENTITY,
            id: id.0,
            contact_id: Some(id),
        }
    }

    /// Something that belongs to a contact (a memory, a task…), or to no contact any more.
    pub fn of_contact(entity: &'a str, id: impl Into<i64>, contact_id: Option<ContactId>) -> Self {
        Subject {
            entity,
            id: id.into(),
            contact_id,
        }
    }
}

impl Subject<'static> {
    /// Something about many rows and no one of them (an export of contacts): there is no
    /// row to name, so the id is 0, which no identity column hands out.
    pub fn without_row(entity: &'static str) -> Self {
        Subject {
            entity,
            id: 0,
            contact_id: None,
        }
    }
}

/// Field-by-field changes: `{"field": {"before": …, "after": …}}`.
#[derive(Debug, Clone, Default)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a field's change; identical values are left out.
    pub fn field(&mut self, name: &str, before: Value, after: Value) -> &mut Self {
        if before != after {
            self.0.insert(
                name.to_string(),
                serde_json::json!({ "before": before, "after": after }),
            );
        }
        self
    }

    /// Records a value that did not change but says what the event is about (a replaced
    /// file's name, the space a file is in): shown with the same value before and after.
    pub fn context(&mut self, name: &str, value: Value) -> &mut Self {
        self.0.insert(
            name.to_string(),
            serde_json::json!({ "before": value.clone(), "after": value }),
        );
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn into_json(self) -> Value {
        Value::Object(self.0)
    }
}

/// Appends one event. Call it inside the transaction of the change it describes.
pub fn record(
    connection: &mut PgConnection,
    actor: &Actor,
    action: &str,
    subject: Subject<'_>,
    changes: Changes,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            actor_kind: actor.kind(),
            actor_id: actor.id(),
            actor_name: actor.name(),
            action,
            entity: subject.entity,
            entity_id: subject.id,
            contact_id: subject.contact_id,
            changes: changes.into_json(),
        })
        .execute(connection)?;
    Ok(())
}

/// Appends one event per subject, all by `actor` with `action`, in one statement (bulk
/// work: an import's batch). Call it inside the transaction of the changes.
pub fn record_many(
    connection: &mut PgConnection,
    actor: &Actor,
    action: &str,
    events: &[(Subject<'_>, Changes)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text};
    if events.is_empty() {
        return Ok(());
    }
    let entities: Vec<&str> = events.iter().map(|(subject, _)| subject.entity).collect();
    let ids: Vec<i64> = events.iter().map(|(subject, _)| subject.id).collect();
    let contacts: Vec<Option<i64>> = events
        .iter()
        .map(|(subject, _)| subject.contact_id.map(|id| id.0))
        .collect();
    let changes: Vec<Value> = events
        .iter()
        .map(|(_, changes)| changes.clone().into_json())
        .collect();
    diesel::sql_query(
        "INSERT INTO audit_events \
             (actor_kind, actor_id, actor_name, action, entity, entity_id, contact_id, changes) \
         SELECT $1, $2, $3, $4, e, i, c, ch \
           FROM unnest($5::text[], $6::bigint[], $7::bigint[], $8::jsonb[]) AS t(e, i, c, ch)",
    )
    .bind::<Text, _>(actor.kind())
    .bind::<Nullable<BigInt>, _>(actor.id())
    .bind::<Text, _>(actor.name())
    .bind::<Text, _>(action)
    .bind::<Array<Text>, _>(&entities)
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Nullable<BigInt>>, _>(&contacts)
    .bind::<Array<Jsonb>, _>(&changes)
    .execute(connection)?;
    Ok(())
}

/// Events of a contact and of everything that belongs to it, newest first, `limit` at a
/// time, continuing below `before_id`.
pub fn for_contact(
    connection: &mut PgConnection,
    contact_id: ContactId,
    before_id: Option<AuditEventId>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(about_contact(contact_id))
        .select(AuditEvent::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before_id) = before_id {
        query = query.filter(audit_events::id.lt(before_id));
    }
    query.load(connection)
}

/// How many events a contact's History tab holds.
pub fn count_for_contact(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<i64> {
    audit_events::table
        .filter(about_contact(contact_id))
        .count()
        .get_result(connection)
}

/// [`about_contact`]'s expression, unboxed so it can also count inside another query
/// (`profile_counts`).
pub(super) type AboutContact = diesel::dsl::Or<
    diesel::dsl::AssumeNotNull<diesel::dsl::Eq<audit_events::contact_id, ContactId>>,
    diesel::dsl::And<
        diesel::dsl::Eq<audit_events::entity, &'static str>,
        diesel::dsl::Eq<audit_events::entity_id, i64>,
    >,
>;

/// Events linked to the contact, and the contact's own events from before the link existed.
pub(super) fn about_contact(contact_id: ContactId) -> AboutContact {
    audit_events::contact_id
        .eq(contact_id)
        .assume_not_null()
        .or(audit_events::entity
            .eq(super::contact::ENTITY)
            .and(audit_events::entity_id.eq(contact_id.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unchanged_fields_are_left_out() {
        let mut changes = Changes::new();
        changes.field("name", json!("Ada"), json!("Ada"));
        assert!(changes.is_empty());
        changes.field("phone", Value::Null, json!("+12125550147"));
        assert_eq!(
            changes.into_json(),
            json!({"phone": {"before": null, "after": "+12125550147"}})
        );
    }
}
