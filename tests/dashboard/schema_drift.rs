//! `src/models/schema.rs` is written by hand; this holds it to the migrated database. Every
//! table (and view) of the database is declared there and nothing else is, with the same
//! columns, SQL types, nullability and primary key, or the test fails listing each
//! difference. The database side comes from the information schema (diesel's print-schema
//! needs diesel_cli); the file side from the `diesel::table!` blocks, read as text.

use crate::common::TestDb;
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::{BTreeMap, BTreeSet};

const SCHEMA_RS: &str = include_str!("../../src/models/schema.rs");

/// Columns that PostgreSQL reports as nullable but `schema.rs` declares `NOT NULL` on
/// purpose: generated from `coalesce(…)`, so never NULL, and read as plain `String`. The test
/// also fails when one of these is no longer such a column, so the list cannot go stale.
const GENERATED_NEVER_NULL: &[(&str, &str)] =
    &[("contacts", "sort_name"), ("contacts", "search_text")];

/// One column: its SQL type in diesel's spelling, and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    sql_type: String,
    nullable: bool,
}

#[derive(Debug, Default)]
struct Table {
    primary_key: Vec<String>,
    columns: BTreeMap<String, Column>,
}

type Schema = BTreeMap<String, Table>;

/// The `diesel::table!` blocks of `schema.rs`: `name (pk, …) { column -> Type, … }`, with
/// `#[sql_name = "…"]` naming a column differently in SQL, and comments and `use` lines
/// skipped.
fn declared(source: &str) -> Schema {
    let mut schema = Schema::new();
    let mut lines = source.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "diesel::table! {" {
            continue;
        }
        let mut header = None;
        for line in lines.by_ref() {
            if line.is_empty()
                || line.starts_with("//")
                || line.starts_with("use ")
                || line.starts_with("#[")
            {
                continue;
            }
            header = Some(line);
            break;
        }
        let header = header.expect("a table! block without a header");
        let (name, rest) = header
            .split_once('(')
            .unwrap_or_else(|| panic!("table! header without a primary key: {header}"));
        let name = name.trim().trim_start_matches("public.").to_string();
        let (keys, _) = rest
            .split_once(')')
            .unwrap_or_else(|| panic!("unclosed primary key in: {header}"));
        let mut table = Table::default();
        let mut renamed = BTreeMap::new();
        let mut sql_name = None;
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            if let Some(attribute) = line.strip_prefix("#[sql_name = \"") {
                sql_name = attribute.split('"').next().map(str::to_string);
                continue;
            }
            if line.starts_with("#[") {
                continue;
            }
            let (column, sql_type) = line
                .split_once("->")
                .unwrap_or_else(|| panic!("not a column of {name}: {line}"));
            let column = column.trim().to_string();
            let column = match sql_name.take() {
                Some(sql) => {
                    renamed.insert(column, sql.clone());
                    sql
                }
                None => column,
            };
            table
                .columns
                .insert(column, declared_type(sql_type.trim().trim_end_matches(',')));
        }
        // The key names Rust columns; compare their SQL names.
        table.primary_key = keys
            .split(',')
            .map(str::trim)
            .map(|key| renamed.get(key).cloned().unwrap_or_else(|| key.to_string()))
            .collect();
        assert!(
            schema.insert(name.clone(), table).is_none(),
            "{name} is declared twice"
        );
    }
    schema
}

/// A declared type in the spelling [`database_type`] produces: paths dropped, diesel's
/// aliases resolved, and array elements' nullability ignored (PostgreSQL does not record it).
fn declared_type(sql_type: &str) -> Column {
    let sql_type: String = sql_type.chars().filter(|c| !c.is_whitespace()).collect();
    match sql_type
        .strip_prefix("Nullable<")
        .and_then(|t| t.strip_suffix('>'))
    {
        Some(inner) => Column {
            sql_type: type_name(inner),
            nullable: true,
        },
        None => Column {
            sql_type: type_name(&sql_type),
            nullable: false,
        },
    }
}

fn type_name(sql_type: &str) -> String {
    let sql_type = sql_type.rsplit("::").next().unwrap_or(sql_type);
    if let Some(element) = sql_type
        .strip_prefix("Array<")
        .and_then(|t| t.strip_suffix('>'))
    {
        let element = element
            .strip_prefix("Nullable<")
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(element);
        return format!("Array<{}>", type_name(element));
    }
    match sql_type {
        "BigInt" => "Int8",
        "Integer" => "Int4",
        "SmallInt" => "Int2",
        "Float" => "Float4",
        "Double" => "Float8",
        "Binary" => "Bytea",
        // diesel's `Varchar` is `Text`.
        "Varchar" | "VarChar" => "Text",
        other => other,
    }
    .to_string()
}

/// The diesel type of a PostgreSQL `udt_name` (`_x` is an array of `x`). An unknown type
/// comes back as itself, which no declaration matches: extend the list then.
fn database_type(udt_name: &str) -> String {
    if let Some(element) = udt_name.strip_prefix('_') {
        return format!("Array<{}>", database_type(element));
    }
    match udt_name {
        "int2" => "Int2",
        "int4" => "Int4",
        "int8" => "Int8",
        "float4" => "Float4",
        "float8" => "Float8",
        "numeric" => "Numeric",
        "bool" => "Bool",
        "text" | "varchar" => "Text",
        "bpchar" => "Bpchar",
        "bytea" => "Bytea",
        "date" => "Date",
        "time" => "Time",
        "timestamp" => "Timestamp",
        "timestamptz" => "Timestamptz",
        "interval" => "Interval",
        "json" => "Json",
        "jsonb" => "Jsonb",
        "uuid" => "Uuid",
        "inet" => "Inet",
        "cidr" => "Cidr",
        "oid" => "Oid",
        other => return format!("unknown PostgreSQL type {other}"),
    }
    .to_string()
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    udt_name: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
    #[diesel(sql_type = Text)]
    is_generated: String,
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// The migrated database's tables and views, and its generated columns.
fn migrated(conn: &mut PgConnection) -> (Schema, BTreeSet<(String, String)>) {
    let columns: Vec<ColumnRow> = diesel::sql_query(
        "SELECT c.table_name::text, c.column_name::text, c.udt_name::text, \
                c.is_nullable::text, c.is_generated::text \
         FROM information_schema.columns c \
         JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE c.table_schema = 'public' AND t.table_type IN ('BASE TABLE', 'VIEW') \
           AND c.table_name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .unwrap();
    let keys: Vec<KeyRow> = diesel::sql_query(
        "SELECT k.table_name::text, k.column_name::text \
         FROM information_schema.table_constraints c \
         JOIN information_schema.key_column_usage k \
           USING (constraint_schema, constraint_name, table_schema, table_name) \
         WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = 'public' \
         ORDER BY k.table_name, k.ordinal_position",
    )
    .load(conn)
    .unwrap();
    let mut schema = Schema::new();
    let mut generated = BTreeSet::new();
    for row in columns {
        if row.is_generated == "ALWAYS" {
            generated.insert((row.table_name.clone(), row.column_name.clone()));
        }
        schema.entry(row.table_name).or_default().columns.insert(
            row.column_name,
            Column {
                sql_type: database_type(&row.udt_name),
                nullable: row.is_nullable == "YES",
            },
        );
    }
    for row in keys {
        if let Some(table) = schema.get_mut(&row.table_name) {
            table.primary_key.push(row.column_name);
        }
    }
    (schema, generated)
}

/// Every difference between the two, one line each; empty when they agree.
fn differences(
    declared: &Schema,
    migrated: &Schema,
    generated: &BTreeSet<(String, String)>,
) -> Vec<String> {
    let mut found = Vec::new();
    for name in migrated.keys().filter(|name| !declared.contains_key(*name)) {
        found.push(format!(
            "table {name} is in the database but not in schema.rs"
        ));
    }
    for name in declared.keys().filter(|name| !migrated.contains_key(*name)) {
        found.push(format!(
            "table {name} is in schema.rs but not in the database"
        ));
    }
    for (name, in_db) in migrated {
        let Some(in_rs) = declared.get(name) else {
            continue;
        };
        if in_rs.primary_key != in_db.primary_key {
            found.push(format!(
                "{name}: primary key ({}) in schema.rs, ({}) in the database",
                in_rs.primary_key.join(", "),
                in_db.primary_key.join(", ")
            ));
        }
        for (column, db) in &in_db.columns {
            let Some(rs) = in_rs.columns.get(column) else {
                found.push(format!(
                    "{name}.{column} ({}) is in the database but not in schema.rs",
                    spelled(db)
                ));
                continue;
            };
            let excused = GENERATED_NEVER_NULL.contains(&(name.as_str(), column.as_str()))
                && generated.contains(&(name.clone(), column.clone()))
                && db.nullable
                && !rs.nullable;
            if rs != db && !(excused && rs.sql_type == db.sql_type) {
                found.push(format!(
                    "{name}.{column} is {} in schema.rs, {} in the database",
                    spelled(rs),
                    spelled(db)
                ));
            }
        }
        for (column, rs) in &in_rs.columns {
            if !in_db.columns.contains_key(column) {
                found.push(format!(
                    "{name}.{column} ({}) is in schema.rs but not in the database",
                    spelled(rs)
                ));
            }
        }
    }
    for (table, column) in GENERATED_NEVER_NULL {
        let still = generated.contains(&(table.to_string(), column.to_string()))
            && migrated
                .get(*table)
                .and_then(|t| t.columns.get(*column))
                .is_some_and(|c| c.nullable);
        if !still {
            found.push(format!(
                "{table}.{column} is excused as a nullable generated column but is not one: \
                 take it out of GENERATED_NEVER_NULL"
            ));
        }
    }
    found
}

fn spelled(column: &Column) -> String {
    if column.nullable {
        format!("Nullable<{}>", column.sql_type)
    } else {
        column.sql_type.clone()
    }
}

#[test]
fn schema_rs_matches_the_migrated_database() {
    let in_rs = declared(SCHEMA_RS);
    assert_eq!(
        in_rs.len(),
        SCHEMA_RS.matches("diesel::table! {").count(),
        "a table! block was not read; the parser in this test needs to learn its shape"
    );
    let db = TestDb::create();
    let (in_db, generated) = migrated(&mut db.connect());
    assert!(!in_db.is_empty(), "the migrated database has no tables");
    let found = differences(&in_rs, &in_db, &generated);
    assert!(
        found.is_empty(),
        "src/models/schema.rs differs from the migrated database ({} difference(s)); \
         update schema.rs with the migration:\n  {}",
        found.len(),
        found.join("\n  ")
    );
}

#[test]
fn the_reader_of_schema_rs_understands_its_shapes() {
    let source = r#"
diesel::table! {
    use diesel::sql_types::*;

    things (id, type_) {
        /// A comment.
        id -> BigInt,
        kind -> diesel::sql_types::Integer,
        #[sql_name = "type"]
        type_ -> Nullable<Varchar>,
        tags -> Array<Nullable<Text>>,
    }
}
"#;
    let schema = declared(source);
    let things = &schema["things"];
    assert_eq!(things.primary_key, ["id", "type"]);
    let column = |sql_type: &str, nullable| Column {
        sql_type: sql_type.to_string(),
        nullable,
    };
    assert_eq!(things.columns["id"], column("Int8", false));
    assert_eq!(things.columns["kind"], column("Int4", false));
    assert_eq!(things.columns["type"], column("Text", true));
    assert_eq!(things.columns["tags"], column("Array<Text>", false));
    assert_eq!(database_type("_text"), "Array<Text>");
    assert_eq!(database_type("int8"), "Int8");
    assert!(database_type("citext").starts_with("unknown"));
}
