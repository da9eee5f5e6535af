//! The typed tree of one LookML file: pairs in file order, each with the
//! place it was written, so that every later message (a converter's report
//! entry, a duplicate key) can point at a line.
//!
//! The tree keeps what the file says and nothing more: values stay text
//! (LookML has no typed literals; `yes`, `500` and `"x"` are all strings to
//! Looker's parser too), repeated keys stay repeated (the converter decides
//! which ones may repeat), and a quoted value keeps its backslash escapes
//! as written (`"a \"b\""` holds `a \"b\"`, as the reference parser does).

/// A place in a file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: u32,
    /// Column in characters, counting from 1.
    pub column: u32,
}

/// One parsed file: its top-level pairs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    /// The pairs at the top of the file, in order.
    pub pairs: Vec<Pair>,
}

/// `key: value`, wherever it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The key as written (`dimension`, `sql_on`, `type`).
    pub key: String,
    /// Where the key starts.
    pub pos: Pos,
    /// What follows the colon.
    pub value: Value,
}

/// The right-hand side of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A bare word, a quoted string or a `;;`-terminated SQL block.
    Scalar(Scalar),
    /// `[a, "b"]` or `[key: value, …]`.
    List(List),
    /// `{ … }`, with an optional name before the brace (`dimension: id { … }`).
    Block(Block),
}

/// How a scalar was written; the text alone does not tell a quoted `"yes"`
/// from a bare `yes`, and a converter may care (a label is quoted, a
/// boolean is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    /// A bare word: `yes`, `number`, `500`, `orders.id`.
    Bare,
    /// A double-quoted string, escapes kept as written.
    Quoted,
    /// The text of a `sql: … ;;` block (or `html`, `sql_on`, …), trimmed.
    Sql,
}

/// A single value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The text: the word, the string between the quotes, or the trimmed
    /// SQL before `;;`.
    pub text: String,
    /// How it was written.
    pub kind: ScalarKind,
    /// Where the value starts.
    pub pos: Pos,
}

/// A list's items: LookML lists hold either plain values or `key: value`
/// pairs (a measure's `filters: [status: "done"]`), never a mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum List {
    /// `[a, "b", c]` (also the empty list).
    Values(Vec<Scalar>),
    /// `[a: "x", b: "y"]`.
    Pairs(Vec<Pair>),
}

/// `{ … }` with its optional name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The word before the brace: `orders` in `view: orders {`.
    pub name: Option<Scalar>,
    /// The pairs inside, in order.
    pub pairs: Vec<Pair>,
}

impl Block {
    /// Every pair named `key`, in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Pair> + 'a {
        self.pairs.iter().filter(move |p| p.key == key)
    }

    /// The first pair named `key`.
    pub fn get(&self, key: &str) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.key == key)
    }

    /// The block's name, or "" for an anonymous block.
    pub fn name_text(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.text.as_str())
    }
}

impl Value {
    /// The scalar, if this is one.
    pub fn scalar(&self) -> Option<&Scalar> {
        match self {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The block, if this is one.
    pub fn block(&self) -> Option<&Block> {
        match self {
            Value::Block(b) => Some(b),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn list(&self) -> Option<&List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
}
