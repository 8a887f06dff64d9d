//! Key expressions: which header columns make the key, and how they are joined.
//!
//! `--key tenant_id` takes one column's bytes. `--key tenant_id,order_id` joins several columns with
//! [`DEFAULT_JOIN`] (`tenant:order`), and `--key-template '{tenant_id}/{order_id}'` spells the join out
//! the way the producer builds its key. Key encodings apply to the composed key.

use crate::error::Result;

/// What joins the columns of a compound `--key` when no `--key-template` is given. A colon is what
/// most producers put between a tenant and an entity id (`acme:42`).
pub const DEFAULT_JOIN: &str = ":";

/// A validated key expression, before any header is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyExpr {
    /// The columns the key is made of, in `--key` order.
    columns: Vec<String>,
    /// The template, as literal text and column references.
    pieces: Vec<Piece<String>>,
}

/// One part of a template: literal bytes, or a column (by name before resolution, by index after).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<C> {
    Literal(Vec<u8>),
    Column(C),
}

impl KeyExpr {
    /// Builds the expression from `--key` (comma-separated columns) and `--key-template`.
    ///
    /// Without a template, the columns are joined with [`DEFAULT_JOIN`]. With only a template, the
    /// columns are the ones it names. With both, the template must use every `--key` column and no
    /// other.
    pub fn parse(key: Option<&str>, template: Option<&str>) -> Result<Option<KeyExpr>, String> {
        let columns: Option<Vec<String>> = match key {
            Some(text) => {
                let cols: Vec<String> = text.split(',').map(|c| c.trim().to_string()).collect();
                if cols.iter().any(String::is_empty) {
                    return Err(format!(
                        "--key '{text}' has an empty column name (expected e.g. tenant_id,order_id)"
                    ));
                }
                Some(cols)
            }
            None => None,
        };
        let pieces = match template {
            Some(t) => Some(parse_template(t)?),
            None => None,
        };
        let (columns, pieces) = match (columns, pieces) {
            (None, None) => return Ok(None),
            (Some(columns), None) => {
                let mut pieces = Vec::new();
                for (i, c) in columns.iter().enumerate() {
                    if i > 0 {
                        pieces.push(Piece::Literal(DEFAULT_JOIN.as_bytes().to_vec()));
                    }
                    pieces.push(Piece::Column(c.clone()));
                }
                (columns, pieces)
            }
            (None, Some(pieces)) => {
                let mut columns: Vec<String> = Vec::new();
                for p in &pieces {
                    if let Piece::Column(c) = p {
                        if !columns.contains(c) {
                            columns.push(c.clone());
                        }
                    }
                }
                (columns, pieces)
            }
            (Some(columns), Some(pieces)) => {
                for p in &pieces {
                    if let Piece::Column(c) = p {
                        if !columns.contains(c) {
                            return Err(format!(
                                "--key-template uses {{{c}}}, which is not one of the --key columns ({})",
                                columns.join(", ")
                            ));
                        }
                    }
                }
                for c in &columns {
                    if !pieces.contains(&Piece::Column(c.clone())) {
                        return Err(format!(
                            "--key column '{c}' is not used by --key-template; add {{{c}}} to it"
                        ));
                    }
                }
                (columns, pieces)
            }
        };
        if columns.is_empty() {
            return Err("--key-template names no column; use e.g. '{tenant_id}:{order_id}'".into());
        }
        Ok(Some(KeyExpr { columns, pieces }))
    }

    /// A single-column expression.
    pub fn column(name: &str) -> KeyExpr {
        KeyExpr {
            columns: vec![name.to_string()],
            pieces: vec![Piece::Column(name.to_string())],
        }
    }

    /// The expression as the user would write it, for messages.
    pub fn text(&self) -> String {
        self.columns.join(",")
    }

    /// Resolves the column names to field indices with `find` (a header lookup, whose error is
    /// passed through).
    pub(crate) fn resolve<E>(
        &self,
        mut find: impl FnMut(&str) -> std::result::Result<usize, E>,
    ) -> std::result::Result<ResolvedKey, E> {
        let mut pieces = Vec::with_capacity(self.pieces.len());
        for p in &self.pieces {
            pieces.push(match p {
                Piece::Literal(l) => Piece::Literal(l.clone()),
                Piece::Column(c) => Piece::Column(find(c)?),
            });
        }
        let single = match pieces.as_slice() {
            [Piece::Column(i)] => Some(*i),
            _ => None,
        };
        let first = pieces
            .iter()
            .find_map(|p| match p {
                Piece::Column(i) => Some(*i),
                Piece::Literal(_) => None,
            })
            .expect("a key expression names at least one column");
        Ok(ResolvedKey {
            pieces,
            single,
            first,
            text: self.text(),
        })
    }
}

/// Splits a template into literals and `{column}` references; `{{` and `}}` are literal braces.
fn parse_template(template: &str) -> Result<Vec<Piece<String>>, String> {
    let mut pieces = Vec::new();
    let mut literal = Vec::new();
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                chars.next();
                literal.push(b'{');
            }
            '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                chars.next();
                literal.push(b'}');
            }
            '{' => {
                let rest = &template[i + 1..];
                let end = rest.find('}').ok_or_else(|| {
                    format!("--key-template '{template}' has a '{{' without a closing '}}'")
                })?;
                let name = rest[..end].trim();
                if name.is_empty() || name.contains('{') {
                    return Err(format!(
                        "--key-template '{template}' has an empty or malformed {{column}} reference"
                    ));
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Column(name.to_string()));
                for _ in 0..rest[..=end].chars().count() {
                    chars.next();
                }
            }
            '}' => {
                return Err(format!(
                    "--key-template '{template}' has a '}}' without an opening '{{' (write '}}}}' for a brace)"
                ))
            }
            c => {
                let mut buf = [0u8; 4];
                literal.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

/// A key expression bound to header indices, ready to compose keys from rows.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedKey {
    pieces: Vec<Piece<usize>>,
    /// The field index when the key is exactly one column: no copy needed.
    single: Option<usize>,
    /// The first column, named in messages about the key.
    first: usize,
    text: String,
}

impl ResolvedKey {
    /// The key bytes of a row: a borrowed field for a single column, else joined into `scratch`.
    #[inline]
    pub(crate) fn compose<'a>(
        &self,
        field: impl Fn(usize) -> &'a [u8],
        scratch: &'a mut Vec<u8>,
    ) -> &'a [u8] {
        if let Some(i) = self.single {
            return field(i);
        }
        scratch.clear();
        for p in &self.pieces {
            match p {
                Piece::Literal(l) => scratch.extend_from_slice(l),
                Piece::Column(i) => scratch.extend_from_slice(field(*i)),
            }
        }
        scratch
    }

    /// The field index when the key is exactly one column.
    pub(crate) fn single_column(&self) -> Option<usize> {
        self.single
    }

    /// The column index named in messages about the key (its first column).
    pub(crate) fn first_column(&self) -> usize {
        self.first
    }

    /// The expression text (`tenant_id,order_id`).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compose(expr: &KeyExpr, header: &[&str], row: &[&[u8]]) -> Vec<u8> {
        let key = expr
            .resolve(|c| header.iter().position(|h| *h == c).ok_or(()))
            .unwrap();
        let mut scratch = Vec::new();
        key.compose(|i| row[i], &mut scratch).to_vec()
    }

    #[test]
    fn default_join_and_templates() {
        let e = KeyExpr::parse(Some("a, b"), None).unwrap().unwrap();
        assert_eq!(compose(&e, &["b", "a"], &[b"2", b"1"]), b"1:2");
        let e = KeyExpr::parse(None, Some("{a}/{{x}}/{b}"))
            .unwrap()
            .unwrap();
        assert_eq!(compose(&e, &["a", "b"], &[b"1", b"\xff"]), b"1/{x}/\xff");
        let e = KeyExpr::parse(Some("a,b"), Some("t-{b}-{a}"))
            .unwrap()
            .unwrap();
        assert_eq!(compose(&e, &["a", "b"], &[b"1", b"2"]), b"t-2-1");
        let e = KeyExpr::parse(Some("a"), None).unwrap().unwrap();
        assert_eq!(compose(&e, &["a"], &[b"x"]), b"x");
        assert_eq!(KeyExpr::parse(None, None), Ok(None));
    }

    #[test]
    fn bad_expressions() {
        for (key, template) in [
            (Some("a,,b"), None),
            (Some("a"), Some("{b}")),
            (Some("a,b"), Some("{a}")),
            (None, Some("{a")),
            (None, Some("a}")),
            (None, Some("{}")),
            (None, Some("no columns")),
        ] {
            assert!(
                KeyExpr::parse(key, template).is_err(),
                "{key:?} {template:?}"
            );
        }
    }
}
