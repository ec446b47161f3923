//! Newtype ids, one per table, so a memory's id can never be passed where a contact's id
//! belongs: row structs hold them (diesel reads and writes them as `BIGINT`), paths extract
//! them (`web::Path<(ContactId, SecretId)>`), and URLs print them.
//!
//! Every id is positive (`BIGSERIAL`). Parsing one from text (a path segment, a form field, an
//! API id string) refuses anything else, so `/contacts/0`, `/contacts/-3` and `/contacts/x`
//! are all "not found" rather than a query for a row that cannot exist.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::BigInt;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

/// Text that is not a valid id: not a number, or not positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId;

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a valid id")
    }
}

impl std::error::Error for InvalidId {}

/// The positive number `raw` spells, digits only (no sign, no spaces).
pub fn parse_positive(raw: &str) -> Result<i64, InvalidId> {
    if raw.is_empty() || !raw.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(InvalidId);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(InvalidId)
}

/// For an optional id in a query string or form (`?before=`, `?at=`): one that is not valid
/// (not a number, not positive) reads as absent rather than refusing the request, since such
/// a parameter only says where a page starts. Use with
/// `#[serde(default, deserialize_with = "ids::lenient")]`.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    let raw = Option::<String>::deserialize(deserializer)?;
    Ok(raw.and_then(|raw| raw.parse().ok()))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, AsExpression,
            FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(raw: &str) -> Result<Self, InvalidId> {
                parse_positive(raw).map($name)
            }
        }

        /// From a number (JSON) or the text of one (a path segment or query parameter),
        /// refusing anything not positive.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IdVisitor).map($name)
            }
        }

        impl ToSql<BigInt, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                <i64 as ToSql<BigInt, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<BigInt, Pg> for $name {
            fn from_sql(value: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as FromSql<BigInt, Pg>>::from_sql(value).map($name)
            }
        }

        /// A number read elsewhere (a JSON body's id), refusing anything not positive.
        impl TryFrom<i64> for $name {
            type Error = InvalidId;

            fn try_from(raw: i64) -> Result<Self, InvalidId> {
                if raw > 0 { Ok($name(raw)) } else { Err(InvalidId) }
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

/// Accepts a positive integer, or a string of one.
struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a positive integer id")
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<i64, E> {
        if value > 0 {
            Ok(value)
        } else {
            Err(E::custom(InvalidId))
        }
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value)
            .map_err(|_| E::custom(InvalidId))
            .and_then(|value| self.visit_i64(value))
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<i64, E> {
        parse_positive(value).map_err(E::custom)
    }
}

id_type!(
    /// Identifies a row of `contacts`.
    ContactId
);
id_type!(
    /// Identifies a row of `staff_users`.
    StaffUserId
);
id_type!(
    /// Identifies a row of `spaces`.
    SpaceId
);
id_type!(
    /// Identifies a row of `space_files`.
    SpaceFileId
);
id_type!(
    /// Identifies a row of `conversations`.
    ConversationId
);
id_type!(
    /// Identifies a row of `messages`.
    MessageId
);
id_type!(
    /// Identifies a row of `ratings`.
    RatingId
);
id_type!(
    /// Identifies a row of `tasks`.
    TaskId
);
id_type!(
    /// Identifies a row of `memories`.
    MemoryId
);
id_type!(
    /// Identifies a row of `secrets`.
    SecretId
);
id_type!(
    /// Identifies a row of `integrations`.
    IntegrationId
);
id_type!(
    /// Identifies a row of `api_tokens`.
    ApiTokenId
);
id_type!(
    /// Identifies a row of `webhook_deliveries`.
    WebhookDeliveryId
);
id_type!(
    /// Identifies a row of `widget_sessions`.
    WidgetSessionId
);
id_type!(
    /// Identifies a row of `audit_events`.
    AuditEventId
);
id_type!(
    /// Identifies a row of `jobs`.
    JobId
);
id_type!(
    /// Identifies a row of `uploads`.
    UploadId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_positive_ids_only() {
        assert_eq!("42".parse::<ContactId>(), Ok(ContactId(42)));
        for bad in [
            "",
            "0",
            "-3",
            "+3",
            " 3",
            "3 ",
            "x",
            "1e3",
            "99999999999999999999",
        ] {
            assert_eq!(bad.parse::<ContactId>(), Err(InvalidId), "{bad:?}");
        }
    }

    #[test]
    fn deserializes_from_numbers_and_strings() {
        let id: MemoryId = serde_json::from_str("7").expect("number");
        assert_eq!(id, MemoryId(7));
        let id: MemoryId = serde_json::from_str("\"7\"").expect("string");
        assert_eq!(id, MemoryId(7));
        for bad in ["0", "-1", "\"0\"", "\"x\"", "1.5", "null"] {
            assert!(serde_json::from_str::<MemoryId>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_read_elsewhere_are_positive_or_refused() {
        assert_eq!(TaskId::try_from(5), Ok(TaskId(5)));
        assert_eq!(TaskId::try_from(0), Err(InvalidId));
        assert_eq!(TaskId::try_from(-5), Err(InvalidId));
    }

    #[test]
    fn lenient_ids_read_as_absent_when_invalid() {
        #[derive(Deserialize)]
        struct Query {
            #[serde(default, deserialize_with = "lenient")]
            before: Option<TaskId>,
        }
        let read = |text: &str| {
            serde_json::from_str::<Query>(text)
                .expect("always readable")
                .before
        };
        assert_eq!(read(r#"{"before": "12"}"#), Some(TaskId(12)));
        for absent in [
            "{}",
            r#"{"before": null}"#,
            r#"{"before": ""}"#,
            r#"{"before": "x"}"#,
            r#"{"before": "0"}"#,
            r#"{"before": "-3"}"#,
        ] {
            assert_eq!(read(absent), None, "{absent}");
        }
    }

    #[test]
    fn serializes_as_a_number() {
        assert_eq!(
            serde_json::to_string(&SecretId(9)).expect("serializes"),
            "9"
        );
    }
}
