//! The guzzle-like corpus (minus `mistakes/`) rendered through the library with the
//! nastiest values, every rendered file read back with its type's reader: every field
//! must equal what it was with each placeholder's text replaced by its value, or the file
//! must be refused for a reason SPEC section 4 gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use guzzle_kv::filetype::{self, FileType};
use guzzle_kv::scan::{ESCAPED, ItemKind, scan};
use serde_json::Value;

use super::oracle::{self, PyRequest};

/// The values placeholders get, in turn.
const VALUES: &[&str] = &[
    "say \"hi\" it's",
    "back\\slash\\ C:\\new",
    "line1\nline2\n",
    "a #b: c, [d] {e}",
    " leading and trailing ",
    "cr\rlf\r\n",
    "\u{1}\u{7}\u{1b}\u{7f}\t",
    "nel\u{85}ls\u{2028}bom\u{feff}",
    "héllo 中文 😀",
    "yes",
    "0755",
    "${X} $HOME $<kv:a/b> {{secrets/s/k}} <<",
    "",
    "~",
    "=:!#",
    "\"\"\"",
];

fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/guzzle-like");
    root.is_dir().then_some(root)
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "mistakes") {
                    stack.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// One rendered file: the placeholder texts and the values they got.
struct Rendered {
    path: PathBuf,
    file_type: FileType,
    template: String,
    output: String,
    values: BTreeMap<String, String>,
}

/// Renders `text`, giving the placeholder of each distinct secret the next value from
/// `round` on. `Err` holds the refusal messages.
fn render(
    file_type: FileType,
    text: &str,
    round: usize,
) -> Result<(String, BTreeMap<String, String>), Vec<String>> {
    let items = scan(text);
    let analysis = filetype::analyze(file_type, text, &items).expect("the corpus parses");
    let sites = analysis.sites(text, &items);
    let mut values = BTreeMap::new();
    for (item, site) in items.iter().zip(&sites) {
        if matches!(item.kind, ItemKind::Placeholder(_)) && !site.in_comment {
            let written = text[item.span.range()].to_owned();
            let next = VALUES[(round + values.len()) % VALUES.len()];
            values.entry(written).or_insert_with(|| next.to_owned());
        }
    }
    let replacements: Vec<Option<&str>> = items
        .iter()
        .zip(&sites)
        .map(|(item, site)| match item.kind {
            _ if site.in_comment => None,
            ItemKind::Placeholder(_) => Some(values[&text[item.span.range()]].as_str()),
            ItemKind::Escape => Some(ESCAPED),
            _ => None,
        })
        .collect();
    let edits = analysis
        .encode(text, &items, &replacements)
        .map_err(|problems| problems.into_iter().map(|p| p.message).collect::<Vec<_>>())?;
    let output = String::from_utf8(filetype::apply(text.as_bytes(), &edits).to_vec()).unwrap();
    Ok((output, values))
}

/// Replaces every placeholder text in every string of a tree by its value.
fn substitute(tree: &Value, values: &BTreeMap<String, String>) -> Value {
    match tree {
        Value::String(s) => {
            let mut s = s.clone();
            for (written, value) in values {
                s = s.replace(written, value);
            }
            Value::String(s)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, values)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let Value::String(k) = substitute(&Value::String(k.clone()), values) else {
                        unreachable!()
                    };
                    (k, substitute(v, values))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The quoted-string tokens of one HOCON line (outside comments), and the rest of it.
fn hocon_tokens(line: &str) -> (Vec<&str>, String) {
    let mut tokens = Vec::new();
    let mut rest = String::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                tokens.push(&line[start..i]);
            }
            b'#' => break,
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            b => {
                rest.push(char::from(b));
                i += 1;
            }
        }
    }
    rest.push_str(&line[i..]);
    (tokens, rest)
}

fn check_file(
    r: &Rendered,
    pending: &mut Vec<(usize, Value)>,
    requests: &mut Vec<PyRequest>,
    index: usize,
) -> Result<(), String> {
    match r.file_type {
        FileType::Json => {
            let before: Value = serde_json::from_str(&r.template).map_err(|e| e.to_string())?;
            let after: Value =
                serde_json::from_str(&r.output).map_err(|e| format!("serde_json: {e}"))?;
            (after == substitute(&before, &r.values))
                .then_some(())
                .ok_or_else(|| format!("JSON tree differs: {after}"))
        }
        FileType::Yaml => {
            let before = oracle::yaml12_tree(&r.template)?;
            let after = oracle::yaml12_tree(&r.output)?;
            let expected = substitute(&before, &r.values);
            if after != expected {
                return Err(format!("YAML 1.2 tree differs:\n{after}\nexpected\n{expected}"));
            }
            // YAML 1.1: the template read by PyYAML, substituted, against the output.
            requests.push(PyRequest { doc: r.template.clone(), path: None });
            requests.push(PyRequest { doc: r.output.clone(), path: None });
            pending.push((index, Value::Null));
            Ok(())
        }
        FileType::Properties { spark } => {
            let before = oracle::properties(&r.template)?;
            let after = oracle::properties(&r.output)?;
            let trim = |s: &str| {
                if spark { oracle::java_trim(s).to_owned() } else { s.to_owned() }
            };
            for (key, value) in &before {
                let mut expected = trim(value);
                for (written, v) in &r.values {
                    expected = expected.replace(written, v);
                }
                let read = after.get(key).map(|v| trim(v));
                if read.as_deref() != Some(expected.as_str()) {
                    return Err(format!("{key}: read {read:?}, expected {expected:?}"));
                }
            }
            (before.len() == after.len()).then_some(()).ok_or("keys changed".into())
        }
        FileType::Hocon => {
            let before: Vec<&str> = r.template.split('\n').collect();
            let after: Vec<&str> = r.output.split('\n').collect();
            if before.len() != after.len() {
                return Err("line count changed".into());
            }
            for (b, a) in before.iter().zip(&after) {
                let (b_tokens, b_rest) = hocon_tokens(b);
                let (a_tokens, a_rest) = hocon_tokens(a);
                if b_rest != a_rest || b_tokens.len() != a_tokens.len() {
                    return Err(format!("line changed outside its strings: {a:?}"));
                }
                for (bt, at) in b_tokens.iter().zip(&a_tokens) {
                    let mut expected = oracle::hocon_quoted(bt)?;
                    for (written, v) in &r.values {
                        expected = expected.replace(written, v);
                    }
                    let read = oracle::hocon_quoted(at);
                    if read.as_deref() != Ok(expected.as_str()) {
                        return Err(format!("read {read:?}, expected {expected:?}"));
                    }
                }
            }
            Ok(())
        }
        FileType::Env | FileType::Text => Ok(()),
    }
}

#[test]
fn corpus_reads_back_exactly() {
    let Some(root) = corpus() else {
        eprintln!("skipped: fixtures/guzzle-like is not there");
        return;
    };
    let mut failures = Vec::new();
    let mut refusals = Vec::new();
    let mut rendered = Vec::new();
    let mut checked_files = 0;
    for round in 0..VALUES.len() {
        for path in files(&root) {
            let file_type = FileType::detect(&path);
            let template = std::fs::read_to_string(&path).unwrap();
            match render(file_type, &template, round) {
                Ok((output, values)) => {
                    if !values.is_empty() {
                        checked_files += 1;
                    }
                    rendered.push(Rendered { path, file_type, template, output, values });
                }
                Err(messages) => refusals.push((path, round, messages)),
            }
        }
    }
    let mut pending = Vec::new();
    let mut requests = Vec::new();
    for (index, r) in rendered.iter().enumerate() {
        if let Err(why) = check_file(r, &mut pending, &mut requests, index) {
            failures.push(format!("{}: {why}", r.path.display()));
        }
    }
    let answers = oracle::yaml11(&requests);
    for ((index, _), pair) in pending.iter().zip(answers.chunks(2)) {
        let r = &rendered[*index];
        match (&pair[0], &pair[1]) {
            (Ok(before), Ok(after)) if *after == substitute(before, &r.values) => {}
            (before, after) => failures.push(format!(
                "{}: YAML 1.1 (PyYAML) tree differs: {after:?} from {before:?}",
                r.path.display()
            )),
        }
    }
    // Refusals: only Spark's trim can make a corpus value unwritable (its values are
    // whole-field values in spark-defaults.conf).
    for (path, round, messages) in &refusals {
        let spark = FileType::detect(path) == (FileType::Properties { spark: true });
        let trimmed_value = messages.iter().all(|m| m.contains("Spark trims"));
        eprintln!("refused {} (round {round}): {messages:?}", path.display());
        if !(spark && trimmed_value) {
            failures.push(format!("{}: refused: {messages:?}", path.display()));
        }
    }
    assert!(checked_files > 0);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
