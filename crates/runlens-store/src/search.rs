//! Searching runs and experiments: MLflow's rules for what a filter may compare, compiled
//! from the [`filter`](crate::filter) AST to parameterised SQL. Sorting and filtering
//! happen in SQLite, never in memory.

use std::collections::HashSet;

use rusqlite::types::Value as SqlValue;

use crate::filter::{Comparison, Expr, FilterError, Ident, Op, OrderKey, Value};
use crate::model::{Experiment, Page, Run, ViewType};
use crate::{experiments, keys, runs, Read, Result};

fn err<T>(msg: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError(msg.into()))
}

const NUMERIC_OPS: &str = "'{'<=', '=', '>=', '<', '!=', '>'}'";
const STRING_OPS: &str = "'{'!=', '=', 'LIKE', 'ILIKE'}'";

/// What a run filter clause compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunEntity {
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

fn run_entity(entity: &str) -> Result<RunEntity, FilterError> {
    Ok(match entity {
        "metric" | "metrics" => RunEntity::Metric,
        "parameter" | "parameters" | "param" | "params" => RunEntity::Param,
        "tag" | "tags" => RunEntity::Tag,
        "attribute" | "attributes" | "attr" | "run" | "" => RunEntity::Attribute,
        "dataset" | "datasets" => RunEntity::Dataset,
        other => {
            return err(format!(
                "Invalid entity type '{other}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"
            ))
        }
    })
}

/// A run attribute: its column and whether it is numeric.
pub(crate) fn run_attribute(key: &str) -> Result<(&'static str, bool), FilterError> {
    Ok(match key {
        "run_id" => ("r.run_uuid", false),
        "run_name" | "Run name" | "run name" | "Run Name" => ("r.name", false),
        "status" => ("r.status", false),
        "user_id" => ("r.user_id", false),
        "artifact_uri" => ("r.artifact_uri", false),
        "start_time" | "created" | "Created" => ("r.start_time", true),
        "end_time" => ("r.end_time", true),
        other => {
            return err(format!(
                "Invalid attribute key '{other}' specified. Valid keys are '['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time', 'created']'"
            ))
        }
    })
}

/// SQL text plus its bound values, built up clause by clause.
#[derive(Default)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<SqlValue>,
}

impl Sql {
    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    pub(crate) fn arg(&mut self, v: impl Into<SqlValue>) {
        self.text.push('?');
        self.args.push(v.into());
    }
}

fn string_cmp(sql: &mut Sql, column: &str, op: Op, value: &Value) {
    match (op, value) {
        (Op::ILike, Value::Str(s)) => {
            sql.push(&format!("lower({column}) LIKE lower("));
            sql.arg(s.clone());
            sql.push(")");
        }
        (Op::In | Op::NotIn, Value::List(items)) => {
            sql.push(&format!("{column} {} (", if op == Op::In { "IN" } else { "NOT IN" }));
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.arg(item.clone());
            }
            sql.push(")");
        }
        (_, Value::Str(s)) => {
            let op = match op {
                Op::Like => "LIKE",
                Op::Ne => "!=",
                _ => "=",
            };
            sql.push(&format!("{column} {op} "));
            sql.arg(s.clone());
        }
        _ => sql.push("0"),
    }
}

fn numeric_op(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "!=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        _ => ">=",
    }
}

fn require_string(c: &Comparison, what: &str) -> Result<(), FilterError> {
    match (&c.value, c.op) {
        (Value::Str(_), _) | (Value::None, _) | (Value::List(_), _) => Ok(()),
        (Value::Number(_, raw), _) => {
            err(format!("Expected a quoted string value for {what} (e.g. 'my-value'). Got value {raw}"))
        }
    }
}

pub(crate) fn run_clause(conn: &Read, c: &Comparison, sql: &mut Sql) -> Result<()> {
    let entity = run_entity(&c.ident.entity)?;
    let key = &c.ident.key;
    match entity {
        RunEntity::Metric => {
            if matches!(c.op, Op::IsNull | Op::IsNotNull) {
                return Err(FilterError(format!(
                    "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' '{key}'"
                ))
                .into());
            }
            if !c.op.is_numeric() {
                return Err(
                    FilterError(format!("Invalid comparator '{}' not one of {NUMERIC_OPS}", c.op.as_str())).into()
                );
            }
            let Value::Number(v, _) = &c.value else {
                return Err(FilterError(format!("Expected numeric value type for metric. Found {}", c.value)).into());
            };
            if v.is_nan() {
                return Err(FilterError(format!("Expected numeric value type for metric. Found {}", c.value)).into());
            }
            let key_id = keys::lookup(conn, key)?.unwrap_or(-1);
            // Uncorrelated: SQLite reads the key's index range once instead of probing per run.
            sql.push("r.id IN (SELECT m.run FROM latest_metrics m WHERE m.key = ");
            sql.arg(key_id);
            if c.op == Op::Ne {
                // NaN differs from every number.
                sql.push(" AND (m.kind = 1 OR m.value != ");
                sql.arg(*v);
                sql.push("))");
            } else {
                sql.push(&format!(" AND m.kind != 1 AND m.value {} ", numeric_op(c.op)));
                sql.arg(*v);
                sql.push(")");
            }
        }
        RunEntity::Param | RunEntity::Tag => {
            let what = if entity == RunEntity::Param { "parameter" } else { "tag" };
            if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::IsNull | Op::IsNotNull) {
                return Err(
                    FilterError(format!("Invalid comparator '{}' not one of {STRING_OPS}", c.op.as_str())).into()
                );
            }
            require_string(c, what)?;
            let (table, key_arg): (&str, SqlValue) = if entity == RunEntity::Param {
                ("params", keys::lookup(conn, key)?.unwrap_or(-1).into())
            } else {
                ("tags", key.clone().into())
            };
            let negate = c.op == Op::IsNull;
            sql.push(if negate { "r.id NOT IN" } else { "r.id IN" });
            sql.push(&format!(" (SELECT x.run FROM {table} x WHERE x.key = "));
            sql.arg(key_arg);
            if !matches!(c.op, Op::IsNull | Op::IsNotNull) {
                sql.push(" AND ");
                string_cmp(sql, "x.value", c.op, &c.value);
            }
            sql.push(")");
        }
        RunEntity::Attribute => {
            let (column, numeric) = run_attribute(key)?;
            if matches!(c.op, Op::IsNull | Op::IsNotNull) {
                return Err(FilterError(format!(
                    "IS NULL / IS NOT NULL is only supported for tags and params, not for 'attribute' '{key}'"
                ))
                .into());
            }
            if numeric {
                if !c.op.is_numeric() {
                    return Err(FilterError(format!(
                        "Invalid comparator '{}' not one of {NUMERIC_OPS}",
                        c.op.as_str()
                    ))
                    .into());
                }
                let Value::Number(v, raw) = &c.value else {
                    return Err(FilterError(format!(
                        "Expected numeric value type for numeric attribute: {key}. Found {}",
                        c.value
                    ))
                    .into());
                };
                if v.is_nan() {
                    return Err(FilterError(format!(
                        "Expected numeric value type for numeric attribute: {key}. Found {raw}"
                    ))
                    .into());
                }
                sql.push(&format!("{column} {} ", numeric_op(c.op)));
                sql.arg(*v);
            } else {
                if matches!(c.op, Op::In | Op::NotIn) && column != "r.run_uuid" {
                    return Err(FilterError(
                        "Only ['run_id'] attributes support comparison with a list of quoted string values.".into(),
                    )
                    .into());
                }
                if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::In | Op::NotIn) {
                    return Err(
                        FilterError(format!("Invalid comparator '{}' not one of {STRING_OPS}", c.op.as_str())).into()
                    );
                }
                require_string(c, "attribute")?;
                string_cmp(sql, column, c.op, &c.value);
            }
        }
        RunEntity::Dataset => {
            let column = match key.as_str() {
                "name" => "d.name",
                "digest" => "d.digest",
                "context" => "t.value",
                other => {
                    return Err(FilterError(format!(
                        "Invalid dataset key '{other}' specified. Valid keys are '['name', 'digest', 'context']'"
                    ))
                    .into())
                }
            };
            if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::In | Op::NotIn) {
                return Err(FilterError(format!(
                    "Invalid comparator '{}' not one of '{{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}}'",
                    c.op.as_str()
                ))
                .into());
            }
            require_string(c, "dataset")?;
            sql.push(
                "EXISTS (SELECT 1 FROM run_inputs i JOIN datasets d ON d.id = i.dataset \
                 LEFT JOIN input_tags t ON t.run = i.run AND t.dataset = i.dataset AND t.key = 'mlflow.data.context' \
                 WHERE i.run = r.id AND ",
            );
            string_cmp(sql, column, c.op, &c.value);
            sql.push(")");
        }
    }
    Ok(())
}

pub(crate) fn compile(
    conn: &Read,
    e: &Expr,
    sql: &mut Sql,
    clause: &dyn Fn(&Read, &Comparison, &mut Sql) -> Result<()>,
) -> Result<()> {
    match e {
        Expr::Cmp(c) => clause(conn, c, sql),
        Expr::And(parts) | Expr::Or(parts) => {
            let joiner = if matches!(e, Expr::And(_)) { " AND " } else { " OR " };
            sql.push("(");
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                compile(conn, p, sql, clause)?;
            }
            sql.push(")");
            Ok(())
        }
    }
}

/// A run search.
#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    /// Experiments to search (at least one).
    pub experiment_ids: Vec<i64>,
    /// The parsed filter, if any.
    pub filter: Option<Expr>,
    /// Sort keys, most significant first.
    pub order_by: Vec<OrderKey>,
    /// Active, deleted or all runs.
    pub view: ViewType,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

fn order_clauses(conn: &Read, order: &[OrderKey], joins: &mut Sql, out: &mut Vec<String>) -> Result<()> {
    let mut seen = HashSet::new();
    for (n, o) in order.iter().enumerate() {
        let dir = if o.ascending { "ASC" } else { "DESC" };
        let entity = run_entity(&o.ident.entity)?;
        let key = &o.ident.key;
        if !seen.insert((entity as u8, key.clone())) {
            return Err(FilterError(format!("`order_by` contains duplicate fields: {key}")).into());
        }
        match entity {
            RunEntity::Metric => {
                let id = keys::lookup(conn, key)?.unwrap_or(-1);
                joins.push(&format!(" LEFT JOIN latest_metrics o{n} ON o{n}.run = r.id AND o{n}.key = {id}"));
                out.push(format!(
                    "CASE WHEN o{n}.run IS NULL THEN 2 WHEN o{n}.kind = 1 THEN 1 ELSE 0 END, o{n}.value {dir}"
                ));
            }
            RunEntity::Param => {
                let id = keys::lookup(conn, key)?.unwrap_or(-1);
                joins.push(&format!(" LEFT JOIN params o{n} ON o{n}.run = r.id AND o{n}.key = {id}"));
                out.push(format!("o{n}.value IS NULL, o{n}.value {dir}"));
            }
            RunEntity::Tag => {
                joins.push(&format!(" LEFT JOIN tags o{n} ON o{n}.run = r.id AND o{n}.key = "));
                joins.arg(key.clone());
                out.push(format!("o{n}.value IS NULL, o{n}.value {dir}"));
            }
            RunEntity::Attribute => {
                let (column, _) = run_attribute(key).map_err(|_| {
                    FilterError(format!(
                        "Invalid order_by entity `{key}`. Valid attributes are ['artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created']"
                    ))
                })?;
                out.push(format!("{column} IS NULL, {column} {dir}"));
            }
            RunEntity::Dataset => {
                return Err(FilterError(format!("Invalid order_by entity '{}'", o.ident.entity)).into());
            }
        }
    }
    Ok(())
}

/// Searches runs: filter, sort and page in SQLite, then loads each run on the page.
pub fn runs(conn: &Read, q: &RunQuery) -> Result<Page<Run>> {
    let handles = run_handles(conn, q)?;
    Ok(Page { items: runs::load_many(conn, &handles.items)?, next_offset: handles.next_offset })
}

/// Like [`runs`], but only the integer handles of the matching page (for compact views).
pub fn run_handles(conn: &Read, q: &RunQuery) -> Result<Page<i64>> {
    let mut joins = Sql::default();
    let mut order = Vec::new();
    order_clauses(conn, &q.order_by, &mut joins, &mut order)?;
    let mut where_ = Sql::default();
    where_.push("r.experiment_id IN (");
    for (i, id) in q.experiment_ids.iter().enumerate() {
        if i > 0 {
            where_.push(", ");
        }
        where_.arg(*id);
    }
    where_.push(&format!(") AND {}", q.view.sql("r.lifecycle_stage")));
    if let Some(f) = &q.filter {
        where_.push(" AND ");
        compile(conn, f, &mut where_, &run_clause)?;
    }
    let sorts_by_start = q.order_by.iter().any(|o| {
        run_entity(&o.ident.entity) == Ok(RunEntity::Attribute)
            && matches!(o.ident.key.as_str(), "start_time" | "created" | "Created")
    });
    if !sorts_by_start {
        order.push("r.start_time IS NULL, r.start_time DESC".into());
    }
    order.push("r.run_uuid ASC".into());
    let text = format!(
        "SELECT r.id FROM runs r{} WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
        joins.text,
        where_.text,
        order.join(", ")
    );
    let mut args = joins.args;
    args.extend(where_.args);
    page_query(conn, &text, args, q.offset, q.limit, |r| r.get::<_, i64>(0))
}

/// An experiment search.
#[derive(Debug, Clone, Default)]
pub struct ExperimentQuery {
    /// The parsed filter, if any.
    pub filter: Option<Expr>,
    /// Sort keys.
    pub order_by: Vec<OrderKey>,
    /// Active, deleted or all.
    pub view: ViewType,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

fn experiment_attribute(key: &str) -> Result<(&'static str, bool), FilterError> {
    Ok(match key {
        "name" => ("e.name", false),
        "experiment_id" => ("e.experiment_id", true),
        "creation_time" => ("e.creation_time", true),
        "last_update_time" => ("e.last_update_time", true),
        other => {
            return err(format!(
            "Invalid attribute key '{other}' specified. Valid keys are '['name', 'creation_time', 'last_update_time']'"
        ))
        }
    })
}

fn experiment_clause(_conn: &Read, c: &Comparison, sql: &mut Sql) -> Result<()> {
    let Ident { entity, key } = &c.ident;
    match entity.as_str() {
        "tag" | "tags" => {
            if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::IsNull | Op::IsNotNull) {
                return Err(
                    FilterError(format!("Invalid comparator '{}' not one of {STRING_OPS}", c.op.as_str())).into()
                );
            }
            require_string(c, "tag")?;
            sql.push(if c.op == Op::IsNull { "NOT EXISTS" } else { "EXISTS" });
            sql.push(" (SELECT 1 FROM experiment_tags x WHERE x.experiment_id = e.experiment_id AND x.key = ");
            sql.arg(key.clone());
            if !matches!(c.op, Op::IsNull | Op::IsNotNull) {
                sql.push(" AND ");
                string_cmp(sql, "x.value", c.op, &c.value);
            }
            sql.push(")");
        }
        "attribute" | "attributes" | "attr" | "" => {
            let (column, numeric) = experiment_attribute(key)?;
            if numeric {
                if !c.op.is_numeric() {
                    return Err(FilterError(format!(
                        "Invalid comparator '{}' not one of {NUMERIC_OPS}",
                        c.op.as_str()
                    ))
                    .into());
                }
                let v = match &c.value {
                    Value::Number(v, _) if !v.is_nan() => *v,
                    // Experiment ids arrive quoted too (`experiment_id = '1'`).
                    Value::Str(s) if s.parse::<f64>().is_ok() => s.parse::<f64>().unwrap_or_default(),
                    other => {
                        return Err(FilterError(format!(
                            "Expected numeric value type for numeric attribute: {key}. Found {other}"
                        ))
                        .into())
                    }
                };
                sql.push(&format!("{column} {} ", numeric_op(c.op)));
                sql.arg(v);
            } else {
                if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike) {
                    return Err(
                        FilterError(format!("Invalid comparator '{}' not one of {STRING_OPS}", c.op.as_str())).into()
                    );
                }
                require_string(c, "attribute")?;
                string_cmp(sql, column, c.op, &c.value);
            }
        }
        other => {
            return Err(
                FilterError(format!("Invalid entity type '{other}'. Valid values are ['tag', 'attribute']")).into()
            );
        }
    }
    Ok(())
}

/// Searches experiments (tags included in the result).
pub fn experiments(conn: &Read, q: &ExperimentQuery) -> Result<Page<Experiment>> {
    let mut where_ = Sql::default();
    where_.push(&q.view.sql("e.lifecycle_stage"));
    if let Some(f) = &q.filter {
        where_.push(" AND ");
        compile(conn, f, &mut where_, &experiment_clause)?;
    }
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    for o in &q.order_by {
        if !matches!(o.ident.entity.as_str(), "" | "attribute" | "attributes" | "attr") {
            return Err(FilterError(format!("Invalid order_by entity: {}", o.ident.entity)).into());
        }
        let (column, _) = experiment_attribute(&o.ident.key)?;
        if !seen.insert(column) {
            return Err(FilterError(format!("`order_by` contains duplicate fields: {}", o.ident.key)).into());
        }
        order.push(format!("{column} {}", if o.ascending { "ASC" } else { "DESC" }));
    }
    // MLflow's SQL store: by default newest first; otherwise the given keys, then id descending.
    if q.order_by.is_empty() {
        order.push("e.creation_time DESC".into());
        order.push("e.experiment_id ASC".into());
    } else if !seen.contains("e.experiment_id") {
        order.push("e.experiment_id DESC".into());
    }
    let text = format!(
        "SELECT e.experiment_id FROM experiments e WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
        where_.text,
        order.join(", ")
    );
    let args = where_.args;
    let page = page_query(conn, &text, args, q.offset, q.limit, |r| r.get::<_, i64>(0))?;
    Ok(Page { items: experiments::get_many(conn, &page.items)?, next_offset: page.next_offset })
}

/// The tag MLflow's client adds to every registry search (`… AND tag.`mlflow.prompt.is_prompt` != 'true'`):
/// models without the tag must match, so `!=` on it means "not tagged as a prompt".
const PROMPT_TAG: &str = "mlflow.prompt.is_prompt";

/// A registry tag clause over `table` (tags keyed by `on`).
fn registry_tag_clause(c: &Comparison, table: &str, on: &str, sql: &mut Sql) -> Result<()> {
    if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike) {
        return Err(FilterError(format!("Invalid comparator for tag: {}", c.op.as_str())).into());
    }
    require_string(c, "tag")?;
    if c.op == Op::Ne && c.ident.key == PROMPT_TAG {
        sql.push(&format!("NOT EXISTS (SELECT 1 FROM {table} x WHERE {on} AND x.key = "));
        sql.arg(c.ident.key.clone());
        sql.push(" AND ");
        string_cmp(sql, "x.value", Op::Eq, &c.value);
        sql.push(")");
        return Ok(());
    }
    sql.push(&format!("EXISTS (SELECT 1 FROM {table} x WHERE {on} AND x.key = "));
    sql.arg(c.ident.key.clone());
    sql.push(" AND ");
    string_cmp(sql, "x.value", c.op, &c.value);
    sql.push(")");
    Ok(())
}

/// A registered-model or model-version search.
#[derive(Debug, Clone, Default)]
pub struct RegistryQuery {
    /// The parsed filter, if any.
    pub filter: Option<Expr>,
    /// Sort keys.
    pub order_by: Vec<OrderKey>,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

fn is_tag_entity(e: &str) -> bool {
    matches!(e, "tag" | "tags")
}

fn is_attribute_entity(e: &str) -> bool {
    matches!(e, "" | "attribute" | "attributes" | "attr")
}

fn model_clause(_conn: &Read, c: &Comparison, sql: &mut Sql) -> Result<()> {
    if is_tag_entity(&c.ident.entity) {
        return registry_tag_clause(c, "registered_model_tags", "x.name = m.name", sql);
    }
    if !is_attribute_entity(&c.ident.entity) {
        return Err(FilterError(format!(
            "Invalid entity type '{}'. Valid values are ['tag', 'attribute']",
            c.ident.entity
        ))
        .into());
    }
    if c.ident.key != "name" {
        return Err(FilterError(format!("Invalid attribute name: {}", c.ident.key)).into());
    }
    if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::In | Op::NotIn) {
        return Err(FilterError(format!("Invalid comparator for attribute: {}", c.op.as_str())).into());
    }
    require_string(c, "attribute")?;
    string_cmp(sql, "m.name", c.op, &c.value);
    Ok(())
}

fn registry_order(
    order: &[OrderKey],
    columns: &dyn Fn(&str) -> Option<&'static str>,
    default: &[&str],
) -> Result<Vec<String>> {
    if order.is_empty() {
        return Ok(default.iter().map(|s| s.to_string()).collect());
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for o in order {
        let column = (is_attribute_entity(&o.ident.entity))
            .then(|| columns(&o.ident.key))
            .flatten()
            .ok_or_else(|| FilterError(format!("Invalid order by key: {}", o.ident.key)))?;
        if !seen.insert(column) {
            return Err(FilterError(format!("`order_by` contains duplicate fields: {}", o.ident.key)).into());
        }
        out.push(format!("{column} {}", if o.ascending { "ASC" } else { "DESC" }));
    }
    Ok(out)
}

/// Runs a query ending in `LIMIT ? OFFSET ?` (the two are appended to `args`), asking for one
/// row more than a page to know whether another page follows.
fn page_query<T>(
    conn: &Read,
    text: &str,
    mut args: Vec<SqlValue>,
    offset: i64,
    limit: i64,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Page<T>> {
    args.push(SqlValue::Integer(limit + 1));
    args.push(SqlValue::Integer(offset));
    let mut items: Vec<T> =
        conn.prepare(text)?.query_map(rusqlite::params_from_iter(args), row)?.collect::<rusqlite::Result<_>>()?;
    let next_offset = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        Some(offset + limit)
    } else {
        None
    };
    Ok(Page { items, next_offset })
}

/// Searches registered models (default order: name).
pub fn registered_models(conn: &Read, q: &RegistryQuery) -> Result<Page<crate::registry::RegisteredModel>> {
    let mut where_ = Sql::default();
    where_.push("1");
    if let Some(f) = &q.filter {
        where_.push(" AND ");
        compile(conn, f, &mut where_, &model_clause)?;
    }
    let mut order = registry_order(
        &q.order_by,
        &|k| match k {
            "name" => Some("m.name"),
            "creation_timestamp" | "timestamp" => Some("m.creation_time"),
            "last_updated_timestamp" => Some("m.last_updated_time"),
            _ => None,
        },
        &["m.name ASC"],
    )?;
    order.push("m.name ASC".into());
    let text = format!(
        "SELECT m.name FROM registered_models m WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
        where_.text,
        order.join(", ")
    );
    let args = where_.args;
    let page = page_query(conn, &text, args, q.offset, q.limit, |r| r.get::<_, String>(0))?;
    Ok(Page { items: crate::registry::load_models(conn, &page.items)?, next_offset: page.next_offset })
}

fn version_clause(_conn: &Read, c: &Comparison, sql: &mut Sql) -> Result<()> {
    if is_tag_entity(&c.ident.entity) {
        return registry_tag_clause(c, "model_version_tags", "x.name = v.name AND x.version = v.version", sql);
    }
    if !is_attribute_entity(&c.ident.entity) {
        return Err(FilterError(format!(
            "Invalid entity type '{}'. Valid values are ['tag', 'attribute']",
            c.ident.entity
        ))
        .into());
    }
    let key = c.ident.key.as_str();
    match key {
        "version_number" => {
            if !c.op.is_numeric() {
                return Err(FilterError(format!("Invalid comparator for attribute: {}", c.op.as_str())).into());
            }
            let v = match &c.value {
                Value::Number(v, _) if !v.is_nan() => *v,
                Value::Str(s) if s.parse::<f64>().is_ok() => s.parse::<f64>().unwrap_or_default(),
                other => {
                    return Err(FilterError(format!("Expected numeric value for version_number. Found {other}")).into())
                }
            };
            sql.push(&format!("v.version {} ", numeric_op(c.op)));
            sql.arg(v);
        }
        "name" | "run_id" | "source_path" | "source" => {
            let column = match key {
                "name" => "v.name",
                "run_id" => "v.run_id",
                _ => "v.source",
            };
            let allowed = match key {
                "run_id" => matches!(c.op, Op::Eq | Op::Ne | Op::In | Op::NotIn),
                "name" => matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::In | Op::NotIn),
                _ => matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike),
            };
            if !allowed {
                return Err(FilterError(format!("Invalid comparator for attribute: {}", c.op.as_str())).into());
            }
            require_string(c, "attribute")?;
            string_cmp(sql, column, c.op, &c.value);
        }
        other => return Err(FilterError(format!("Invalid attribute name: {other}")).into()),
    }
    Ok(())
}

/// Searches model versions (default order: last updated first, then name, then version).
pub fn model_versions(conn: &Read, q: &RegistryQuery) -> Result<Page<crate::registry::ModelVersion>> {
    let mut where_ = Sql::default();
    where_.push("1");
    if let Some(f) = &q.filter {
        where_.push(" AND ");
        compile(conn, f, &mut where_, &version_clause)?;
    }
    let mut order = registry_order(
        &q.order_by,
        &|k| match k {
            "name" => Some("v.name"),
            "version_number" => Some("v.version"),
            "creation_timestamp" | "timestamp" => Some("v.creation_time"),
            "last_updated_timestamp" => Some("v.last_updated_time"),
            _ => None,
        },
        &["v.last_updated_time DESC", "v.name ASC", "v.version DESC"],
    )?;
    order.push("v.name ASC".into());
    order.push("v.version DESC".into());
    let text = format!(
        "SELECT v.name, v.version FROM model_versions v WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
        where_.text,
        order.join(", ")
    );
    let args = where_.args;
    let page = page_query(conn, &text, args, q.offset, q.limit, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(Page { items: crate::registry::load_versions(conn, &page.items)?, next_offset: page.next_offset })
}

/// A logged-model search.
#[derive(Debug, Clone, Default)]
pub struct LoggedModelQuery {
    /// Experiments to search.
    pub experiment_ids: Vec<i64>,
    /// The parsed filter, if any.
    pub filter: Option<Expr>,
    /// `(attribute, ascending)` sort keys.
    pub order_by: Vec<(String, bool)>,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

fn logged_model_attribute(key: &str) -> Option<(&'static str, bool)> {
    Some(match key {
        "name" => ("lm.name", false),
        "model_id" => ("lm.model_id", false),
        "model_type" => ("lm.model_type", false),
        "status" => ("lm.status", false),
        "source_run_id" => ("lm.source_run_id", false),
        "creation_timestamp" | "creation_time" => ("lm.creation_time", true),
        "last_updated_timestamp" | "last_updated_time" => ("lm.last_updated_time", true),
        _ => return None,
    })
}

fn logged_model_clause(_conn: &Read, c: &Comparison, sql: &mut Sql) -> Result<()> {
    let key = &c.ident.key;
    match c.ident.entity.as_str() {
        "metric" | "metrics" => {
            let Value::Number(v, _) = &c.value else {
                return Err(FilterError(format!("Expected numeric value type for metric. Found {}", c.value)).into());
            };
            if !c.op.is_numeric() || v.is_nan() {
                return Err(
                    FilterError(format!("Invalid comparator '{}' not one of {NUMERIC_OPS}", c.op.as_str())).into()
                );
            }
            sql.push("EXISTS (SELECT 1 FROM logged_model_metrics x WHERE x.model_id = lm.model_id AND x.kind != 1 AND x.key = ");
            sql.arg(key.clone());
            sql.push(&format!(" AND x.value {} ", numeric_op(c.op)));
            sql.arg(*v);
            sql.push(")");
        }
        "param" | "params" | "parameter" | "parameters" | "tag" | "tags" => {
            let table = if c.ident.entity.starts_with("tag") { "logged_model_tags" } else { "logged_model_params" };
            if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike) {
                return Err(
                    FilterError(format!("Invalid comparator '{}' not one of {STRING_OPS}", c.op.as_str())).into()
                );
            }
            require_string(c, "tag")?;
            sql.push(&format!("EXISTS (SELECT 1 FROM {table} x WHERE x.model_id = lm.model_id AND x.key = "));
            sql.arg(key.clone());
            sql.push(" AND ");
            string_cmp(sql, "x.value", c.op, &c.value);
            sql.push(")");
        }
        e if is_attribute_entity(e) => {
            let (column, numeric) = logged_model_attribute(key)
                .ok_or_else(|| FilterError(format!("Invalid attribute key '{key}' specified.")))?;
            if numeric {
                let Value::Number(v, _) = &c.value else {
                    return Err(FilterError(format!(
                        "Expected numeric value type for numeric attribute: {key}. Found {}",
                        c.value
                    ))
                    .into());
                };
                if !c.op.is_numeric() {
                    return Err(FilterError(format!(
                        "Invalid comparator '{}' not one of {NUMERIC_OPS}",
                        c.op.as_str()
                    ))
                    .into());
                }
                sql.push(&format!("{column} {} ", numeric_op(c.op)));
                sql.arg(*v);
            } else {
                if !matches!(c.op, Op::Eq | Op::Ne | Op::Like | Op::ILike | Op::In | Op::NotIn) {
                    return Err(
                        FilterError(format!("Invalid comparator '{}' not one of {STRING_OPS}", c.op.as_str())).into()
                    );
                }
                require_string(c, "attribute")?;
                string_cmp(sql, column, c.op, &c.value);
            }
        }
        other => {
            return Err(FilterError(format!(
                "Invalid entity type '{other}'. Valid values are ['metric', 'param', 'tag', 'attribute']"
            ))
            .into())
        }
    }
    Ok(())
}

/// Searches the active logged models of some experiments (default: newest first).
pub fn logged_models(conn: &Read, q: &LoggedModelQuery) -> Result<Page<crate::logged_models::LoggedModel>> {
    let mut where_ = Sql::default();
    where_.push("lm.lifecycle_stage = 'active' AND lm.experiment_id IN (");
    for (i, id) in q.experiment_ids.iter().enumerate() {
        if i > 0 {
            where_.push(", ");
        }
        where_.arg(*id);
    }
    if q.experiment_ids.is_empty() {
        where_.push("NULL");
    }
    where_.push(")");
    if let Some(f) = &q.filter {
        where_.push(" AND ");
        compile(conn, f, &mut where_, &logged_model_clause)?;
    }
    let mut order = Vec::new();
    for (field, asc) in &q.order_by {
        let (column, _) =
            logged_model_attribute(field).ok_or_else(|| FilterError(format!("Invalid order_by field '{field}'")))?;
        order.push(format!("{column} {}", if *asc { "ASC" } else { "DESC" }));
    }
    order.push("lm.creation_time DESC".into());
    order.push("lm.model_id ASC".into());
    let text = format!(
        "SELECT lm.model_id FROM logged_models lm WHERE {} ORDER BY {} LIMIT ? OFFSET ?",
        where_.text,
        order.join(", ")
    );
    let args = where_.args;
    let page = page_query(conn, &text, args, q.offset, q.limit, |r| r.get::<_, String>(0))?;
    let items = page.items.iter().map(|id| crate::logged_models::get(conn, id)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, next_offset: page.next_offset })
}
