//! A [`Document`] in the JSON shape of the reference parser's `lkml.load`,
//! so that the test suite can compare the two parsers file by file.
//!
//! lkml folds repeatable keys into plural lists (`dimension` ×3 becomes
//! `dimensions: [...]`, `filters` becomes `filters__all`), puts a block's
//! name under `name`, keeps the last of a repeated top-level key and
//! refuses a repeated key inside a block. Those are its rules, reproduced
//! here from its documentation and behaviour; ponte's converter does not
//! use this shape.

use serde_json::{Map, Value as Json};

use crate::tree::{Block, Document, List, Pair, Value};

/// Keys that may repeat in a block; lkml gathers them under a plural key.
const REPEATABLE: &[&str] = &[
    "access_filter",
    "access_grant",
    "action",
    "aggregate_table",
    "allowed_value",
    "assert",
    "bind_filters",
    "column",
    "constant",
    "datagroup",
    "remote_dependency",
    "local_dependency",
    "derived_column",
    "dimension",
    "dimension_group",
    "explore",
    "extends",
    "filter",
    "filters",
    "form_param",
    "include",
    "join",
    "link",
    "map_layer",
    "measure",
    "named_value_format",
    "option",
    "override_constant",
    "param",
    "parameter",
    "query",
    "set",
    "sql_step",
    "test",
    "user_attribute_param",
    "view",
    "when",
];

fn plural(key: &str) -> String {
    match key {
        "filters" | "bind_filters" | "extends" => format!("{key}__all"),
        "query" => "queries".into(),
        "remote_dependency" => "remote_dependencies".into(),
        "local_dependency" => "local_dependencies".into(),
        _ => format!("{key}s"),
    }
}

/// A key written twice in one block, which lkml refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: `{key}` is written twice in one block")]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// Line of the second one.
    pub line: u32,
}

/// The document as `lkml.load` returns it.
pub fn to_lkml_json(doc: &Document) -> Result<Json, DuplicateKey> {
    container(&doc.pairs, true).map(Json::Object)
}

fn container(pairs: &[Pair], top: bool) -> Result<Map<String, Json>, DuplicateKey> {
    let mut map = Map::new();
    for pair in pairs {
        let value = value(&pair.value)?;
        if REPEATABLE.contains(&pair.key.as_str()) {
            match map.entry(plural(&pair.key)).or_insert_with(|| Json::Array(Vec::new())) {
                Json::Array(items) => items.push(value),
                _ => return Err(DuplicateKey { key: pair.key.clone(), line: pair.pos.line }),
            }
        } else if map.contains_key(&pair.key) && !top {
            return Err(DuplicateKey { key: pair.key.clone(), line: pair.pos.line });
        } else {
            map.insert(pair.key.clone(), value);
        }
    }
    Ok(map)
}

fn value(value: &Value) -> Result<Json, DuplicateKey> {
    Ok(match value {
        Value::Scalar(s) => Json::String(s.text.clone()),
        Value::List(List::Values(items)) => Json::Array(items.iter().map(|s| Json::String(s.text.clone())).collect()),
        Value::List(List::Pairs(pairs)) => Json::Array(
            pairs
                .iter()
                .map(|p| value_of_pair(p).map(|v| Json::Object(Map::from_iter([(p.key.clone(), v)]))))
                .collect::<Result<_, _>>()?,
        ),
        Value::Block(block) => Json::Object(block_map(block)?),
    })
}

fn value_of_pair(pair: &Pair) -> Result<Json, DuplicateKey> {
    value(&pair.value)
}

fn block_map(block: &Block) -> Result<Map<String, Json>, DuplicateKey> {
    let mut map = container(&block.pairs, false)?;
    if let Some(name) = &block.name {
        map.insert("name".into(), Json::String(name.text.clone()));
    }
    Ok(map)
}
