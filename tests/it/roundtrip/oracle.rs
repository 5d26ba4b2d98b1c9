//! The real readers each file type is checked against: saphyr (YAML 1.2), PyYAML (YAML
//! 1.1, through one long-lived `python3` process), serde_json, dotenvy, the
//! `java-properties` crate (Java's `Properties.load`), and for HOCON the JSON subset.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use saphyr::{LoadableYamlNode as _, ScalarOwned, YamlOwned};
use serde_json::{Value, json};

/// One step of a path into a YAML document.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seg {
    /// A mapping value by its string key.
    Key(&'static str),
    /// A sequence item.
    Index(usize),
    /// The key of a mapping that has exactly one entry.
    OnlyKey,
}

/// What a reader made of a scalar: a string, or something else described in words.
pub(crate) type Read = Result<String, String>;

// ---------------------------------------------------------------- YAML 1.2: saphyr

/// Reads `doc` with saphyr and follows `path` to a string scalar.
pub(crate) fn yaml12(doc: &str, path: &[Seg]) -> Read {
    let docs = YamlOwned::load_from_str(doc).map_err(|e| format!("saphyr: {e}"))?;
    let mut node = docs.first().ok_or("saphyr: no document")?;
    for seg in path {
        node = match (seg, node) {
            (Seg::Key(k), YamlOwned::Mapping(m)) => m
                .iter()
                .find(|(key, _)| yaml12_str(key) == Some(k))
                .map(|(_, v)| v)
                .ok_or_else(|| format!("saphyr: no key {k:?} in {node:?}"))?,
            (Seg::Index(i), YamlOwned::Sequence(s)) => {
                s.get(*i).ok_or_else(|| format!("saphyr: no item {i}"))?
            }
            (Seg::OnlyKey, YamlOwned::Mapping(m)) if m.len() == 1 => m.keys().next().unwrap(),
            _ => return Err(format!("saphyr: cannot take {seg:?} of {node:?}")),
        };
    }
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => Ok(s.clone()),
        other => Err(format!("saphyr: not a string: {other:?}")),
    }
}

fn yaml12_str(node: &YamlOwned) -> Option<&str> {
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => Some(s),
        _ => None,
    }
}

/// A whole saphyr document as JSON (scalars by type), for comparing trees.
pub(crate) fn yaml12_tree(doc: &str) -> Result<Value, String> {
    let docs = YamlOwned::load_from_str(doc).map_err(|e| format!("saphyr: {e}"))?;
    let node = docs.first().ok_or("saphyr: no document")?;
    Ok(saphyr_json(node))
}

fn saphyr_json(node: &YamlOwned) -> Value {
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => json!(s),
        YamlOwned::Value(ScalarOwned::Integer(i)) => json!({ "int": i }),
        YamlOwned::Value(ScalarOwned::Boolean(b)) => json!({ "bool": b }),
        YamlOwned::Value(ScalarOwned::Null) => json!({ "null": null }),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => json!({ "float": f.to_string() }),
        YamlOwned::Sequence(s) => Value::Array(s.iter().map(saphyr_json).collect()),
        YamlOwned::Mapping(m) => {
            Value::Array(m.iter().map(|(k, v)| json!([saphyr_json(k), saphyr_json(v)])).collect())
        }
        other => json!({ "other": format!("{other:?}") }),
    }
}

// ---------------------------------------------------------------- YAML 1.1: PyYAML

/// A request to PyYAML: read `doc`, then either follow `path` to a string, or (no path)
/// return the whole tree.
pub(crate) struct PyRequest {
    pub(crate) doc: String,
    pub(crate) path: Option<Vec<Seg>>,
}

const PY_SERVER: &str = r#"
import sys, json, yaml

def conv(v):
    if isinstance(v, str): return v
    if isinstance(v, bool): return {"bool": v}
    if isinstance(v, int): return {"int": v}
    if v is None: return {"null": None}
    if isinstance(v, float): return {"float": repr(v)}
    if isinstance(v, list): return [conv(x) for x in v]
    if isinstance(v, dict): return [[conv(k), conv(x)] for k, x in v.items()]
    return {"other": repr(v)}

def follow(doc, path):
    for seg in path:
        if seg == "@key":
            keys = list(doc.keys())
            if len(keys) != 1: raise ValueError("not a one-entry mapping")
            doc = keys[0]
        else:
            doc = doc[seg]
    return doc

for line in sys.stdin:
    out = []
    for req in json.loads(line):
        try:
            doc = yaml.safe_load(req["doc"])
            if req["path"] is None:
                out.append({"ok": conv(doc)})
            else:
                v = follow(doc, req["path"])
                if isinstance(v, str): out.append({"ok": v})
                else: out.append({"err": "not a string: " + type(v).__name__ + " " + repr(v)})
        except Exception as e:
            out.append({"err": "pyyaml: " + type(e).__name__ + ": " + str(e).replace("\n", " ")})
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
"#;

struct Python {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn python() -> &'static Mutex<Python> {
    static PY: OnceLock<Mutex<Python>> = OnceLock::new();
    PY.get_or_init(|| {
        let mut child = Command::new("python3")
            .args(["-c", PY_SERVER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with PyYAML (pip install pyyaml)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Mutex::new(Python { _child: child, stdin, stdout })
    })
}

/// Reads every request with `yaml.safe_load`, in one round trip.
pub(crate) fn yaml11(requests: &[PyRequest]) -> Vec<Result<Value, String>> {
    if requests.is_empty() {
        return Vec::new();
    }
    let batch: Vec<Value> = requests
        .iter()
        .map(|r| {
            let path = r.path.as_ref().map(|p| {
                p.iter()
                    .map(|s| match s {
                        Seg::Key(k) => json!(k),
                        Seg::Index(i) => json!(i),
                        Seg::OnlyKey => json!("@key"),
                    })
                    .collect::<Vec<_>>()
            });
            json!({ "doc": r.doc, "path": path })
        })
        .collect();
    let mut py = python().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut line = serde_json::to_string(&batch).unwrap();
    line.push('\n');
    py.stdin.write_all(line.as_bytes()).unwrap();
    py.stdin.flush().unwrap();
    let mut answer = String::new();
    py.stdout.read_line(&mut answer).unwrap();
    let answers: Vec<Value> = serde_json::from_str(&answer).expect("PyYAML server answered");
    assert_eq!(answers.len(), requests.len());
    answers
        .into_iter()
        .map(|a| match a.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(a["err"].as_str().unwrap_or("?").to_owned()),
        })
        .collect()
}

// ---------------------------------------------------------------- .properties

/// Reads a properties file as Java's `Properties.load(InputStream)` does, through the
/// `java-properties` crate. The crate rejects a `\uXXXX` escape that is half of a
/// surrogate pair, which Java joins into one character; pairs are joined here first
/// (only in escapes the reader will see: `\\uD83D` is a backslash and text).
pub(crate) fn properties(text: &str) -> Result<std::collections::HashMap<String, String>, String> {
    if !text.is_ascii() {
        return Err("not ASCII: Properties.load reads ISO-8859-1".into());
    }
    let joined = join_surrogate_escapes(text);
    java_properties::PropertiesIter::new_with_encoding(joined.as_bytes(), encoding_rs::UTF_8)
        .collect::<Result<Vec<_>, _>>()
        .map(|lines| {
            lines
                .into_iter()
                .filter_map(|line| match line.consume_content() {
                    java_properties::LineContent::KVPair(k, v) => Some((k, v)),
                    java_properties::LineContent::Comment(_) => None,
                })
                .collect()
        })
        .map_err(|e| format!("java-properties: {e}"))
}

fn join_surrogate_escapes(text: &str) -> String {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let high = rest.get(2..6).filter(|_| rest.as_bytes().get(1) == Some(&b'u')).and_then(hex);
        let low = rest.get(8..12).filter(|_| rest.get(6..8) == Some("\\u")).and_then(hex);
        match (high, low) {
            (Some(h @ 0xD800..=0xDBFF), Some(l @ 0xDC00..=0xDFFF)) => {
                let c = char::from_u32(0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00)).unwrap();
                out.push(c);
                rest = &rest[12..];
            }
            _ => {
                // Copy the backslash and the character it escapes.
                let len = 1 + rest[1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&rest[..len]);
                rest = &rest[len..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Java's `String.trim`, which Spark applies to spark-defaults.conf values.
pub(crate) fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

// ---------------------------------------------------------------- .env

/// Reads a `.env` file with `dotenvy::from_read_iter`.
pub(crate) fn dotenv(text: &str) -> Result<Vec<(String, String)>, String> {
    dotenvy::from_read_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("dotenvy: {e}"))
}

// ---------------------------------------------------------------- HOCON

/// A HOCON quoted string is a JSON string: reads the token `token` (nothing else).
pub(crate) fn hocon_quoted(token: &str) -> Read {
    if !token.starts_with('"') || token.starts_with("\"\"\"") {
        return Err(format!("not a quoted string token: {token:?}"));
    }
    serde_json::from_str::<String>(token).map_err(|e| format!("serde_json: {e}"))
}

/// A HOCON triple-quoted string at the start of `rest`: its raw content and what
/// follows it. The string ends at the first `"""`; quotes beyond three in that run
/// belong to the string.
pub(crate) fn hocon_triple(rest: &str) -> Result<(String, &str), String> {
    let body = rest.strip_prefix("\"\"\"").ok_or("no opening triple quote")?;
    let close = body.find("\"\"\"").ok_or("no closing triple quote")?;
    let run = body[close..].bytes().take_while(|&b| b == b'"').count();
    let end = close + run - 3;
    Ok((body[..end].to_owned(), &body[close + run..]))
}
