//! Small SQL pieces diesel's DSL does not have: `lower()`, counting a subquery (as a statement
//! or as a column of another), and asking the planner for its row estimate.

use diesel::expression::is_aggregate;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

#[diesel::declare_sql_function]
extern "SQL" {
    /// SQL `lower(text)`.
    fn lower(x: Nullable<Text>) -> Nullable<Text>;
}

/// `SELECT count(*) FROM (<query>) AS counted`: counts the rows of a (limited) query.
#[derive(Debug, Clone)]
pub struct CountRows<Q>(pub Q);

impl<Q> QueryId for CountRows<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for CountRows<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT count(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS counted");
        Ok(())
    }
}

impl<Q> Query for CountRows<Q> {
    type SqlType = BigInt;
}

impl<Q> RunQueryDsl<PgConnection> for CountRows<Q> {}

/// `(SELECT count(*) FROM (<query>) AS counted)` as an expression: counts a (limited) subquery
/// inside the statement that selects it, so rows and their count cost one round trip.
/// Uncorrelated, so PostgreSQL runs it once per statement (an InitPlan), when the first row
/// needs it: a statement that returns no rows never runs it.
#[derive(Debug, Clone)]
pub struct CountOf<Q>(pub Q);

impl<Q> Expression for CountOf<Q> {
    type SqlType = BigInt;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for CountOf<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("(SELECT count(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS counted)");
        Ok(())
    }
}

impl<Q> QueryId for CountOf<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// A scalar subquery is one value whatever the outer query groups by.
impl<Q, GroupBy> ValidGrouping<GroupBy> for CountOf<Q> {
    type IsAggregate = is_aggregate::Never;
}

/// The subquery names its own tables, so it may appear in a query over any.
impl<Q, QuerySource> AppearsOnTable<QuerySource> for CountOf<Q> {}

impl<Q, QuerySource> SelectableExpression<QuerySource> for CountOf<Q> {}

/// `EXPLAIN (FORMAT JSON) <query>`: the planner's plan, whose top "Plan Rows" estimates how
/// many rows the query returns, at the cost of planning only.
#[derive(Debug, Clone)]
pub struct Explain<Q>(pub Q);

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN (FORMAT JSON) ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for Explain<Q> {
    type SqlType = Text;
}

impl<Q> RunQueryDsl<PgConnection> for Explain<Q> {}

/// The planner's row estimate for `query`.
pub fn estimate_rows<Q>(connection: &mut PgConnection, query: Q) -> QueryResult<i64>
where
    Q: QueryFragment<Pg>,
{
    let plan: String = Explain(query).get_result(connection)?;
    Ok(plan_rows(&plan).unwrap_or(0))
}

fn plan_rows(plan_json: &str) -> Option<i64> {
    let plan: serde_json::Value = serde_json::from_str(plan_json).ok()?;
    let rows = plan.get(0)?.get("Plan")?.get("Plan Rows")?;
    rows.as_i64().or_else(|| rows.as_f64().map(|f| f as i64))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_top_plan_rows() {
        let plan = r#"[{"Plan": {"Node Type": "Seq Scan", "Plan Rows": 1234}}]"#;
        assert_eq!(super::plan_rows(plan), Some(1234));
        assert_eq!(super::plan_rows("[]"), None);
    }
}
