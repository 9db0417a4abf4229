//! MLflow's search filter and order_by grammar, parsed into a small AST.
//!
//! The grammar is MLflow's (`search_utils.py`): `<type>.<key> <op> <value>` clauses joined
//! by `AND`, keys quoted with backticks or double quotes, string values in single or double
//! quotes. [`Dialect::Extended`] (Runlens's own UI) also accepts `OR`, `NOT`-free
//! parentheses. Which entity types, operators and value types are allowed depends on what
//! is searched; that check lives in [`crate::search`], which also compiles the AST to SQL.

use std::fmt;

/// A filter that does not parse or is not allowed. The message is MLflow's where MLflow has
/// one for the same mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError(msg.into()))
}

/// Which grammar to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Exactly MLflow's: `AND` only, no parentheses.
    Mlflow,
    /// MLflow's plus `OR` and parentheses (Runlens's UI).
    Extended,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `LIKE` (case-sensitive)
    Like,
    /// `ILIKE`
    ILike,
    /// `IN (…)`
    In,
    /// `NOT IN (…)`
    NotIn,
    /// `IS NULL`
    IsNull,
    /// `IS NOT NULL`
    IsNotNull,
}

impl Op {
    /// The SQL-ish spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "LIKE",
            Op::ILike => "ILIKE",
            Op::In => "IN",
            Op::NotIn => "NOT IN",
            Op::IsNull => "IS NULL",
            Op::IsNotNull => "IS NOT NULL",
        }
    }

    /// Is it one of `= != < <= > >=`?
    pub fn is_numeric(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A quoted string.
    Str(String),
    /// An unquoted number (kept as written, for error messages).
    Number(f64, String),
    /// A parenthesised list of quoted strings.
    List(Vec<String>),
    /// Nothing (`IS [NOT] NULL`).
    None,
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "'{s}'"),
            Value::Number(_, raw) => f.write_str(raw),
            Value::List(items) => {
                write!(f, "({})", items.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", "))
            }
            Value::None => Ok(()),
        }
    }
}

/// The left-hand side: an entity type as written (e.g. `metrics`, `tag`, or empty for a
/// bare attribute) and a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The type prefix as written, lower-cased; empty for a bare name.
    pub entity: String,
    /// The key (unquoted).
    pub key: String,
}

/// One `ident op value` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Left-hand side.
    pub ident: Ident,
    /// Operator.
    pub op: Op,
    /// Right-hand side.
    pub value: Value,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All must hold.
    And(Vec<Expr>),
    /// One must hold (extension).
    Or(Vec<Expr>),
    /// A single clause.
    Cmp(Comparison),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(Ident),
    Str(String),
    Num(f64, String),
    Op(&'static str),
    Word(String),
    LParen,
    RParen,
    Comma,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ':')
}

fn read_quoted(chars: &[char], i: &mut usize, quote: char) -> Result<String, FilterError> {
    let mut out = String::new();
    *i += 1;
    while *i < chars.len() {
        let c = chars[*i];
        if c == quote {
            // A doubled quote stands for itself inside a string.
            if quote != '`' && chars.get(*i + 1) == Some(&quote) {
                out.push(quote);
                *i += 2;
                continue;
            }
            *i += 1;
            return Ok(out);
        }
        if c == '\\' && quote != '`' {
            if let Some(&next) = chars.get(*i + 1) {
                out.push(next);
                *i += 2;
                continue;
            }
        }
        out.push(c);
        *i += 1;
    }
    err(format!("Invalid filter string: unterminated {quote}-quoted text"))
}

fn tokenize(input: &str) -> Result<Vec<Tok>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            '\'' | '"' => {
                let s = read_quoted(&chars, &mut i, c)?;
                // `"metrics".accuracy`: a quoted entity type, which MLflow refuses by name.
                if chars.get(i) == Some(&'.') {
                    return err(format!(
                        "Invalid entity type '{c}{s}{c}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"
                    ));
                }
                toks.push(Tok::Str(s));
            }
            '`' => {
                let key = read_quoted(&chars, &mut i, '`')?;
                toks.push(Tok::Ident(Ident { entity: String::new(), key }));
            }
            '=' => {
                toks.push(Tok::Op("="));
                i += if chars.get(i + 1) == Some(&'=') { 2 } else { 1 };
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Op("!="));
                i += 2;
            }
            '<' | '>' => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let op = match two.as_str() {
                    "<=" => "<=",
                    ">=" => ">=",
                    "<>" => "<>",
                    "><" => "><",
                    _ if c == '<' => "<",
                    _ => ">",
                };
                i += op.len();
                toks.push(Tok::Op(op));
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+' || c == '.')
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit() || *n == '.')) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '+' | '-')) {
                    // Stop before a sign that is not part of an exponent.
                    if matches!(chars[i], '+' | '-') && !matches!(chars[i - 1], 'e' | 'E') {
                        break;
                    }
                    i += 1;
                }
                let raw: String = chars[start..i].iter().collect();
                match raw.parse::<f64>() {
                    Ok(v) => toks.push(Tok::Num(v, raw)),
                    Err(_) => return err(format!("Invalid filter string: '{raw}' is not a number")),
                }
            }
            c if is_ident_start(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // `metrics.` directly followed by a quoted key.
                if word.ends_with('.') && matches!(chars.get(i), Some('`') | Some('"')) {
                    let quote = chars[i];
                    let key = read_quoted(&chars, &mut i, quote)?;
                    toks.push(Tok::Ident(Ident { entity: word.trim_end_matches('.').to_lowercase(), key }));
                } else {
                    toks.push(Tok::Word(word));
                }
            }
            other => return err(format!("Invalid filter string: unexpected character '{other}'")),
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    dialect: Dialect,
}

fn keyword(tok: Option<&Tok>, kw: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or_expr(&mut self) -> Result<Expr, FilterError> {
        let mut parts = vec![self.and_expr()?];
        while keyword(self.peek(), "or") {
            if self.dialect == Dialect::Mlflow {
                return err("Invalid clause(s) in filter string: 'or'");
            }
            self.pos += 1;
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one part") } else { Expr::Or(parts) })
    }

    fn and_expr(&mut self) -> Result<Expr, FilterError> {
        let mut parts = vec![self.primary()?];
        while keyword(self.peek(), "and") {
            self.pos += 1;
            parts.push(self.primary()?);
        }
        Ok(if parts.len() == 1 { parts.pop().expect("one part") } else { Expr::And(parts) })
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        if self.peek() == Some(&Tok::LParen) {
            if self.dialect == Dialect::Mlflow {
                return err("Invalid filter string: parentheses are not supported; join clauses with AND");
            }
            self.pos += 1;
            let e = self.or_expr()?;
            if self.next() != Some(Tok::RParen) {
                return err("Invalid filter string: missing ')'");
            }
            return Ok(e);
        }
        self.comparison().map(Expr::Cmp)
    }

    fn ident(&mut self) -> Result<Ident, FilterError> {
        match self.next() {
            Some(Tok::Ident(id)) => Ok(id),
            Some(Tok::Word(w)) => {
                if let Some((entity, key)) = w.split_once('.') {
                    if key.is_empty() {
                        return err(format!("Invalid identifier '{w}': the key is missing"));
                    }
                    Ok(Ident { entity: entity.to_lowercase(), key: key.to_string() })
                } else {
                    Ok(Ident { entity: String::new(), key: w })
                }
            }
            Some(Tok::Str(s)) => Ok(Ident { entity: String::new(), key: s }),
            Some(other) => err(format!("Invalid filter string: expected an identifier, found {}", describe(&other))),
            None => err("Invalid filter string: expected an identifier, found the end"),
        }
    }

    fn comparison(&mut self) -> Result<Comparison, FilterError> {
        let ident = self.ident()?;
        let op = match self.next() {
            Some(Tok::Op(op)) => match op {
                "=" => Op::Eq,
                "!=" | "<>" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                other => {
                    return err(format!(
                        "Invalid comparator '{other}' not one of '{{'<=', '=', '>=', '<', '!=', '>'}}'"
                    ))
                }
            },
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => Op::Like,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("ilike") => Op::ILike,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => Op::In,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => {
                if keyword(self.peek(), "in") {
                    self.pos += 1;
                    Op::NotIn
                } else {
                    return err("Invalid filter string: expected IN after NOT");
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("is") => {
                let negated = keyword(self.peek(), "not");
                if negated {
                    self.pos += 1;
                }
                if !keyword(self.peek(), "null") {
                    return err("Invalid filter string: expected NULL after IS");
                }
                self.pos += 1;
                let op = if negated { Op::IsNotNull } else { Op::IsNull };
                return Ok(Comparison { ident, op, value: Value::None });
            }
            Some(other) => {
                return err(format!(
                    "Invalid comparator '{}' not one of '{{'<=', '=', '>=', '<', '!=', '>'}}'",
                    describe(&other)
                ))
            }
            None => return err(format!("Invalid filter string: '{}' needs a comparison", ident.key)),
        };
        let value = if matches!(op, Op::In | Op::NotIn) {
            if self.next() != Some(Tok::LParen) {
                return err("Invalid filter string: expected '(' after IN");
            }
            let mut items = Vec::new();
            loop {
                match self.next() {
                    Some(Tok::Str(s)) => items.push(s),
                    Some(Tok::RParen) if items.is_empty() => break,
                    _ => return err("While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list"),
                }
                match self.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RParen) => break,
                    _ => return err("Invalid filter string: expected ',' or ')' in the list"),
                }
            }
            Value::List(items)
        } else {
            match self.next() {
                Some(Tok::Str(s)) => Value::Str(s),
                Some(Tok::Num(v, raw)) => Value::Number(v, raw),
                Some(Tok::Word(w)) => Value::Number(f64::NAN, w),
                Some(other) => {
                    return err(format!("Invalid filter string: expected a value, found {}", describe(&other)))
                }
                None => return err("Invalid filter string: a value is missing at the end"),
            }
        };
        Ok(Comparison { ident, op, value })
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(i) => format!("'{}'", i.key),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Num(_, raw) => raw.clone(),
        Tok::Op(o) => (*o).to_string(),
        Tok::Word(w) => w.clone(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
    }
}

/// Parses a filter. An empty or blank string is `None` (everything matches).
pub fn parse(input: &str, dialect: Dialect) -> Result<Option<Expr>, FilterError> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    let toks = tokenize(input)?;
    let mut p = Parser { toks, pos: 0, dialect };
    let e = p.or_expr()?;
    if let Some(t) = p.peek() {
        let t = describe(t);
        if t.eq_ignore_ascii_case("or") {
            return err("Invalid clause(s) in filter string: 'or'");
        }
        return err(format!("Invalid clause(s) in filter string: {t}"));
    }
    Ok(Some(e))
}

/// One `order_by` entry: an identifier and a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    /// What to sort by.
    pub ident: Ident,
    /// Ascending?
    pub ascending: bool,
}

/// Parses one MLflow `order_by` string, e.g. ``metrics.`train/loss` DESC``.
pub fn parse_order(input: &str) -> Result<OrderKey, FilterError> {
    let bad = || FilterError(format!("Invalid order_by clause '{input}'. Could not be parsed."));
    let toks = tokenize(input).map_err(|_| bad())?;
    let mut p = Parser { toks, pos: 0, dialect: Dialect::Mlflow };
    let ident = p.ident().map_err(|_| bad())?;
    let ascending = match p.next() {
        None => true,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("asc") => true,
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("desc") => false,
        Some(_) => return err(format!("Invalid ordering key in order_by clause '{input}'.")),
    };
    if p.peek().is_some() {
        return err(format!("Invalid ordering key in order_by clause '{input}'."));
    }
    Ok(OrderKey { ident, ascending })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let got = match parse(input, Dialect::Extended) {
            Ok(Some(e)) => show(&e),
            Ok(None) => "<all>".to_string(),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "parsing {input:?}");
    }

    fn show(e: &Expr) -> String {
        match e {
            Expr::And(v) => format!("and({})", v.iter().map(show).collect::<Vec<_>>().join(", ")),
            Expr::Or(v) => format!("or({})", v.iter().map(show).collect::<Vec<_>>().join(", ")),
            Expr::Cmp(c) => {
                format!("{}:{} {} {}", c.ident.entity, c.ident.key, c.op.as_str(), c.value).trim_end().to_string()
            }
        }
    }

    #[test]
    fn filters() {
        check("", "<all>");
        check("metrics.rmse < 1 and params.model = 'tree'", "and(metrics:rmse < 1, params:model = 'tree')");
        check("metrics.`train/loss` <= 0.2", "metrics:train/loss <= 0.2");
        check("metrics.\"train/loss\" > -1e-3", "metrics:train/loss > -1e-3");
        check("tags.`mlflow.parentRunId` IS NOT NULL", "tags:mlflow.parentRunId IS NOT NULL");
        check("params.p is null", "params:p IS NULL");
        check("attributes.run_id IN ('a', 'b')", "attributes:run_id IN ('a', 'b')");
        check("run_id NOT IN ('a')", ":run_id NOT IN ('a')");
        check("`Run name` = 'x'", ":Run name = 'x'");
        check("params.a = \"it's\"", "params:a = 'it's'");
        check("tags.t ILIKE 'TR%'", "tags:t ILIKE 'TR%'");
        check("a = 1 or (b = 2 and c = 3)", "or(:a = 1, and(:b = 2, :c = 3))");
        check("metrics.x >< 1", "error: Invalid comparator '><' not one of '{'<=', '=', '>=', '<', '!=', '>'}'");
        check("params.x = 'open", "error: Invalid filter string: unterminated '-quoted text");
        check("metrics.x > 1 metrics.y", "error: Invalid clause(s) in filter string: metrics.y");
        check("\"metrics\".accuracy > 0.9", "error: Invalid entity type '\"metrics\"'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']");
    }

    #[test]
    fn mlflow_dialect_rejects_or() {
        let e = parse("metrics.accuracy > 0.9 or params.criterion = 'gini'", Dialect::Mlflow).unwrap_err();
        assert_eq!(e.0, "Invalid clause(s) in filter string: 'or'");
    }

    #[test]
    fn order_keys() {
        assert_eq!(
            parse_order("metrics.`train/loss` DESC").unwrap(),
            OrderKey { ident: Ident { entity: "metrics".into(), key: "train/loss".into() }, ascending: false }
        );
        assert!(parse_order("start_time").unwrap().ascending);
        assert_eq!(
            parse_order("metrics.accuracy DESCENDING").unwrap_err().0,
            "Invalid ordering key in order_by clause 'metrics.accuracy DESCENDING'."
        );
    }
}
