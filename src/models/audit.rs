//! The audit trail: who changed what, written in the same transaction as the change.

use super::schema::audit_events;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Map, Value};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff { id: i64, name: String },
    System(String),
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::Staff { .. } => "staff",
            Actor::System(_) => "system",
        }
    }

    fn id(&self) -> Option<i64> {
        match self {
            Actor::Staff { id, .. } => Some(*id),
            Actor::System(_) => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::Staff { name, .. } | Actor::System(name) => name,
        }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub actor_kind: String,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
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
    changes: Value,
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
    entity: &str,
    entity_id: i64,
    changes: Changes,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(NewAuditEvent {
            actor_kind: actor.kind(),
            actor_id: actor.id(),
            actor_name: actor.name(),
            action,
            entity,
            entity_id,
            changes: changes.into_json(),
        })
        .execute(connection)?;
    Ok(())
}

/// Events of one entity, newest first, `limit` at a time, continuing below `before_id`.
pub fn for_entity(
    connection: &mut PgConnection,
    entity: &str,
    entity_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(entity_id))
        .select(AuditEvent::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before_id) = before_id {
        query = query.filter(audit_events::id.lt(before_id));
    }
    query.load(connection)
}

/// How many events an entity has (for the tab label).
pub fn count_for_entity(
    connection: &mut PgConnection,
    entity: &str,
    entity_id: i64,
) -> QueryResult<i64> {
    audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(entity_id))
        .count()
        .get_result(connection)
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
