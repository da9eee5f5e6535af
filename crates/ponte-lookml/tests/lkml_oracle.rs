//! The parser against Looker's reference parser, `lkml` 1.3.7 from PyPI:
//! every file of `corpus/ok` must give exactly the tree `lkml.load` gives
//! (in its JSON shape), and every file of `corpus/bad` must be refused by
//! both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ponte_lookml::lkml_json::to_lkml_json;
use ponte_lookml::parse::{Limits, parse_file};
use serde_json::Value;

/// Loads every file of `dir` with lkml, reading it as Python's `open` does
/// (universal newlines), and prints `{file: {"ok": tree} | {"error": type}}`.
const ORACLE: &str = r#"
import json, os, sys
import lkml
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
        text = f.read()
    try:
        out[name] = {"ok": lkml.load(text)}
    except Exception as e:
        out[name] = {"error": type(e).__name__ + ": " + str(e)}
print(json.dumps(out))
"#;

fn corpus(which: &str) -> PathBuf {
    ponte_testkit::repo_root().join("crates/ponte-lookml/tests/corpus").join(which)
}

fn oracle(dir: &Path) -> BTreeMap<String, Value> {
    let out = ponte_testkit::run_python(ORACLE, &[dir.to_str().unwrap()]);
    serde_json::from_str(&out).expect("the oracle prints JSON")
}

fn ours(path: &Path) -> Result<Value, String> {
    let doc = parse_file(path, Limits::default()).map_err(|e| e.to_string())?;
    to_lkml_json(&doc).map_err(|e| e.to_string())
}

#[test]
fn every_good_file_parses_as_lkml_parses_it() {
    let dir = corpus("ok");
    let expected = oracle(&dir);
    assert!(expected.len() >= 12, "the corpus has {} files", expected.len());
    let mut disagreements = Vec::new();
    for (name, answer) in &expected {
        let lkml = answer.get("ok").unwrap_or_else(|| panic!("lkml refuses corpus/ok/{name}: {answer}"));
        match ours(&dir.join(name)) {
            Ok(tree) if &tree == lkml => {}
            Ok(tree) => disagreements.push(format!("{name}:\n  lkml: {lkml}\n  ours: {tree}")),
            Err(e) => disagreements.push(format!("{name}: we refuse it ({e}); lkml gives {lkml}")),
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn every_bad_file_is_refused_by_both() {
    let dir = corpus("bad");
    let expected = oracle(&dir);
    assert!(expected.len() >= 12, "the corpus has {} files", expected.len());
    let mut disagreements = Vec::new();
    for (name, answer) in &expected {
        if answer.get("error").is_none() {
            disagreements.push(format!("{name}: lkml accepts it: {answer}"));
        }
        if let Ok(tree) = ours(&dir.join(name)) {
            disagreements.push(format!("{name}: we accept it: {tree}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// Where ponte is stricter on purpose: lkml stops reading at a `}` that
/// closes nothing and silently drops the rest of the file; ponte refuses
/// the file, since dropping half a project unnoticed is the worse outcome.
#[test]
fn a_stray_closing_brace_is_refused_where_lkml_drops_the_rest() {
    let dir = corpus("stricter");
    let expected = oracle(&dir);
    assert_eq!(expected.len(), 2);
    for (name, answer) in &expected {
        assert!(answer.get("ok").is_some(), "{name}: lkml refuses it now: {answer}");
        let err = ours(&dir.join(name)).expect_err(name);
        assert!(err.contains(":4:") && err.contains("is there a `}` too many?"), "{name}: {err}");
    }
}

/// lkml's syntax tree keeps each key's line: walks it in document order as
/// `[key, line]`, pairs inside lists included.
const LINES: &str = r#"
import json, os, sys
import lkml
from lkml.tree import BlockNode, ListNode, PairNode
def walk(container, out):
    for item in container.items:
        out.append([item.type.value, item.line_number])
        if isinstance(item, BlockNode):
            walk(item.container, out)
        elif isinstance(item, ListNode):
            out.extend([p.type.value, p.line_number] for p in item.items if isinstance(p, PairNode))
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
        keys = []
        walk(lkml.parse(f.read()).container, keys)
        out[name] = keys
print(json.dumps(out))
"#;

fn lines_of(pairs: &[ponte_lookml::tree::Pair], out: &mut Vec<(String, u32)>) {
    use ponte_lookml::tree::{List, Value as V};
    for pair in pairs {
        out.push((pair.key.clone(), pair.pos.line));
        match &pair.value {
            V::Block(block) => lines_of(&block.pairs, out),
            V::List(List::Pairs(items)) => out.extend(items.iter().map(|p| (p.key.clone(), p.pos.line))),
            _ => {}
        }
    }
}

#[test]
fn every_key_is_on_the_line_lkml_puts_it() {
    let dir = corpus("ok");
    let out = ponte_testkit::run_python(LINES, &[dir.to_str().unwrap()]);
    let expected: BTreeMap<String, Vec<(String, u32)>> = serde_json::from_str(&out).unwrap();
    let mut total = 0;
    for (name, keys) in &expected {
        let doc = parse_file(&dir.join(name), Limits::default()).unwrap();
        let mut ours = Vec::new();
        lines_of(&doc.pairs, &mut ours);
        assert_eq!(&ours, keys, "{name}");
        total += keys.len();
    }
    assert!(total >= 250, "only {total} keys compared");
}

/// The same comparison over any folder of LookML (a real project), run by
/// hand: `PONTE_LKML_CORPUS=/path/to/project cargo test -p ponte-lookml
/// --test lkml_oracle -- --ignored`. Files lkml refuses must be refused by
/// ponte too; the rest must give lkml's tree.
#[test]
#[ignore = "needs PONTE_LKML_CORPUS, a folder of LookML files"]
fn agrees_with_lkml_on_an_outside_corpus() {
    let dir = std::env::var("PONTE_LKML_CORPUS").expect("set PONTE_LKML_CORPUS to a folder of LookML files");
    let script = r#"
import json, os, sys
import lkml
out = {}
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".lkml"):
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8", errors="replace").read()
            try:
                out[path] = {"ok": lkml.load(text)}
            except Exception as e:
                out[path] = {"error": type(e).__name__ + ": " + str(e)}
print(json.dumps(out))
"#;
    let expected: BTreeMap<String, Value> = serde_json::from_str(&ponte_testkit::run_python(script, &[&dir])).unwrap();
    let (mut same, mut both_refuse, mut differ) = (0, 0, Vec::new());
    for (path, answer) in &expected {
        match (answer.get("ok"), ours(Path::new(path))) {
            (Some(lkml), Ok(tree)) if *lkml == tree => same += 1,
            (None, Err(_)) => both_refuse += 1,
            (lkml, ours) => differ.push(format!("{path}:\n  lkml: {lkml:?}\n  ours: {ours:?}")),
        }
    }
    println!("{} files: {same} same tree, {both_refuse} refused by both, {} differ", expected.len(), differ.len());
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// Differential fuzzing against lkml: the good corpus with 1–3 random
/// edits per file (deleted characters, inserted braces, brackets, colons,
/// `;;`, quotes, comments), seeded so failures reproduce. Both parsers must
/// agree on every file, except where lkml accepts a `}` that closes
/// nothing, which ponte refuses on purpose (see above). lkml loops forever
/// on a lone `;`; such files are skipped by a one-second alarm.
#[test]
fn randomly_edited_files_are_read_as_lkml_reads_them() {
    let script = r##"
import json, os, random, signal, sys
import lkml
random.seed(20261206)
src, out_dir = sys.argv[1], sys.argv[2]
files = [open(os.path.join(src, f), encoding="utf-8").read() for f in sorted(os.listdir(src))]
files = [f for f in files if f]
pieces = list('{}[]:,;"#\n -_ab') + [";;", "${x}", "sql:", "dimension: d {", "}"]
def alarm(*_):
    raise TimeoutError()
signal.signal(signal.SIGALRM, alarm)
out, skipped = {}, 0
while len(out) < 400:
    t = random.choice(files)
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(t)) if t else 0
        op = random.random()
        if op < 0.4:
            t = t[:i] + t[i + 1:]
        elif op < 0.8:
            t = t[:i] + random.choice(pieces) + t[i:]
        else:
            t = t[:i] + t[i + random.randint(1, 20):]
    signal.alarm(1)
    try:
        answer = {"ok": lkml.load(t)}
    except TimeoutError:
        skipped += 1
        continue
    except Exception as e:
        answer = {"error": type(e).__name__}
    finally:
        signal.alarm(0)
    name = f"m{len(out):03}.view.lkml"
    open(os.path.join(out_dir, name), "w", encoding="utf-8").write(t)
    out[name] = answer
print(json.dumps({"files": out, "skipped": skipped}))
"##;
    let dir = tempfile::tempdir().unwrap();
    let out = ponte_testkit::run_python(script, &[corpus("ok").to_str().unwrap(), dir.path().to_str().unwrap()]);
    let answer: Value = serde_json::from_str(&out).unwrap();
    let (mut same, mut refused, mut stray_brace, mut differ) = (0, 0, 0, Vec::new());
    for (name, lkml) in answer["files"].as_object().unwrap() {
        match (lkml.get("ok"), ours(&dir.path().join(name))) {
            (Some(tree), Ok(mine)) if *tree == mine => same += 1,
            (None, Err(_)) => refused += 1,
            (Some(_), Err(e)) if e.contains("is there a `}` too many?") => stray_brace += 1,
            (lkml, mine) => differ.push(format!(
                "{name}:\n{}\n  lkml: {lkml:?}\n  ours: {mine:?}",
                std::fs::read_to_string(dir.path().join(name)).unwrap()
            )),
        }
    }
    println!(
        "{same} same tree, {refused} refused by both, {stray_brace} stray `}}` refused by ponte only, {} skipped",
        answer["skipped"]
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // The edits must exercise both outcomes, or the test proves little.
    assert!(same >= 100 && refused >= 100, "{same} same, {refused} refused, {stray_brace} stray braces");
}
