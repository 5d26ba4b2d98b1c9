//! Round-trip properties: a value rendered into any context of any file type reads back,
//! with that type's real reader, as exactly the value, and nothing else in the file
//! changes; or the render refuses cleanly, and only where SPEC section 4 says the value
//! cannot be written there.

#![allow(clippy::pedantic)]

mod cases;
mod corpus;
mod oracle;
mod regressions;

use guzzle_kv::filetype::{self, EncodeProblem, FileType};
use guzzle_kv::scan::{ESCAPED, ItemKind, scan};
use proptest::prelude::*;

use cases::{CASES, Case, Query};
use oracle::PyRequest;

/// The placeholder every template holds.
const PLACEHOLDER: &str = "$<kv:kv-app/db-pass>";

/// A template with its placeholder and region marks resolved.
struct Template {
    text: String,
    /// The bytes before the region, which must come through unchanged.
    before: String,
    /// The bytes after it.
    after: String,
}

fn template(case: &Case) -> Template {
    let raw = case.template.replace("{P}", PLACEHOLDER);
    let (before, rest) = raw.split_once('«').expect("region start");
    let (region, after) = rest.split_once('»').expect("region end");
    Template {
        text: format!("{before}{region}{after}"),
        before: before.to_owned(),
        after: after.to_owned(),
    }
}

/// Renders `text` as `file_type` through the library: every data placeholder gets
/// `secret`, escapes their literal text.
pub(crate) fn render(
    file_type: FileType,
    text: &str,
    secret: &str,
) -> Result<String, Vec<EncodeProblem>> {
    let items = scan(text);
    let analysis = filetype::analyze(file_type, text, &items).expect("the template parses");
    let sites = analysis.sites(text, &items);
    let replacements: Vec<Option<&str>> = items
        .iter()
        .zip(&sites)
        .map(|(item, site)| match item.kind {
            _ if site.in_comment => None,
            ItemKind::Placeholder(_) => Some(secret),
            ItemKind::Escape => Some(ESCAPED),
            _ => None,
        })
        .collect();
    let edits = analysis.encode(text, &items, &replacements)?;
    Ok(String::from_utf8(filetype::apply(text.as_bytes(), &edits).to_vec()).expect("UTF-8"))
}

/// A YAML 1.1 check still to be done, batched into one PyYAML call.
struct Pending {
    case: &'static Case,
    secret: String,
    expected: String,
    output: String,
}

/// Checks `secret` in every case of `cases`; returns one line per failure.
pub(crate) fn check_all(cases: &[&'static Case], secrets: &[String]) -> Vec<String> {
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    for case in cases {
        for secret in secrets {
            if let Err(why) = check(case, secret, &mut pending) {
                failures.push(format!("{} with {secret:?}: {why}", case.name));
            }
        }
    }
    let requests: Vec<PyRequest> = pending
        .iter()
        .map(|p| PyRequest {
            doc: p.output.clone(),
            path: match p.case.query {
                Query::Yaml(path) => Some(path.to_vec()),
                _ => unreachable!(),
            },
        })
        .collect();
    for (p, answer) in pending.iter().zip(oracle::yaml11(&requests)) {
        let read = answer.and_then(|v| v.as_str().map(str::to_owned).ok_or(format!("{v}")));
        if read.as_deref() != Ok(p.expected.as_str()) {
            failures.push(format!(
                "{} with {:?}: YAML 1.1 (PyYAML) read {read:?}, expected {:?}; output {:?}",
                p.case.name, p.secret, p.expected, p.output
            ));
        }
    }
    failures
}

/// Renders one case and checks what it can at once; YAML 1.1 goes to `pending`.
fn check(case: &'static Case, secret: &str, pending: &mut Vec<Pending>) -> Result<(), String> {
    let t = template(case);
    let output = match render(case.file_type, &t.text, secret) {
        Ok(output) => output,
        Err(problems) => {
            let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
            if problems.is_empty() || messages.iter().any(|m| m.is_empty()) {
                return Err("refused without a reason".into());
            }
            if messages.iter().any(|m| m.contains(secret) && secret.len() >= 4) {
                return Err("a refusal shows the value".into());
            }
            return if (case.refusable)(secret) {
                Ok(())
            } else {
                Err(format!("refused a value this context can hold: {messages:?}"))
            };
        }
    };
    let fail = |what: String| Err(format!("{what}; output {output:?}"));
    if !output.starts_with(&t.before)
        || !output.ends_with(&t.after)
        || output.len() < t.before.len() + t.after.len()
    {
        return fail("bytes outside the placeholder's region changed".into());
    }
    let region = &output[t.before.len()..output.len() - t.after.len()];
    let mut logical = case.logical.to_owned();
    if case.file_type == (FileType::Properties { spark: true }) {
        logical = oracle::java_trim(&logical).to_owned();
    }
    let expected = logical.replace("{P}", secret);
    let read: oracle::Read = match case.query {
        Query::Yaml(path) => {
            let read = oracle::yaml12(&output, path);
            if read.as_deref() != Ok(expected.as_str()) {
                return fail(format!("YAML 1.2 (saphyr) read {read:?}, expected {expected:?}"));
            }
            pending.push(Pending { case, secret: secret.to_owned(), expected, output });
            return Ok(());
        }
        Query::Json(pointer) => serde_json::from_str::<serde_json::Value>(&output)
            .map_err(|e| e.to_string())
            .and_then(|v| match v.pointer(pointer) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                other => Err(format!("not a string: {other:?}")),
            }),
        Query::JsonKey(pointer) => serde_json::from_str::<serde_json::Value>(&output)
            .map_err(|e| e.to_string())
            .and_then(|v| match v.pointer(pointer) {
                Some(serde_json::Value::Object(m)) if m.len() == 1 => {
                    Ok(m.keys().next().unwrap().clone())
                }
                other => Err(format!("not a one-key object: {other:?}")),
            }),
        Query::JsonBare(pointer) => {
            let doc = serde_json::from_str::<serde_json::Value>(&output);
            let literal = serde_json::from_str::<serde_json::Value>(secret);
            match (doc, literal) {
                (Ok(doc), Ok(literal)) if doc.pointer(pointer) == Some(&literal) => {
                    Ok(region.to_owned())
                }
                (doc, _) => Err(format!("not the literal: {doc:?}")),
            }
        }
        Query::Props(key) => oracle::properties(&output).and_then(|map| {
            map.get(key)
                .map(|v| match case.file_type {
                    FileType::Properties { spark: true } => oracle::java_trim(v).to_owned(),
                    _ => v.clone(),
                })
                .ok_or(format!("no key {key:?} in {map:?}"))
        }),
        Query::PropsKey(marker) => oracle::properties(&output).and_then(|map| {
            let keys: Vec<&String> =
                map.iter().filter(|(_, v)| *v == marker).map(|(k, _)| k).collect();
            match keys[..] {
                [key] => Ok(key.clone()),
                _ => Err(format!("no single key for {marker:?} in {map:?}")),
            }
        }),
        Query::Env(key) => oracle::dotenv(&output).and_then(|vars| {
            vars.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .ok_or(format!("no variable {key:?} in {vars:?}"))
        }),
        Query::HoconToken => oracle::hocon_quoted(region),
        Query::HoconTriple => {
            oracle::hocon_triple(&output[t.before.len()..]).and_then(|(value, rest)| {
                if rest == t.after {
                    Ok(value)
                } else {
                    Err(format!("the string ends early, before {rest:?}"))
                }
            })
        }
        Query::Text => Ok(region.to_owned()),
    };
    if read.as_deref() == Ok(expected.as_str()) {
        Ok(())
    } else {
        fail(format!("read {read:?}, expected {expected:?}"))
    }
}

fn cases_of(pred: impl Fn(FileType) -> bool) -> Vec<&'static Case> {
    CASES.iter().filter(|c| pred(c.file_type)).collect()
}

fn assert_all(cases: &[&'static Case], secrets: &[String]) {
    let failures = check_all(cases, secrets);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

// ------------------------------------------------------------------ values

/// Pieces values are built from: every character and token that means something in
/// one of the formats.
const ATOMS: &[&str] = &[
    "\"",
    "'",
    "\\",
    "/",
    "#",
    ": ",
    " #",
    "$",
    "${X}",
    "$HOME",
    "$<kv:a/b>",
    "$$<kv:",
    "{{",
    "}}",
    "<<",
    "%",
    "@",
    "&",
    "*",
    "!",
    "|",
    ">",
    "-",
    "?",
    ",",
    "[",
    "]",
    "{",
    "}",
    "=",
    ":",
    " ",
    "  ",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\n\n",
    "\u{1}",
    "\u{7}",
    "\u{b}",
    "\u{c}",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffe}",
    "é",
    "ß",
    "中",
    "😀",
    "\u{10ffff}",
    "---",
    "...",
    "\"\"\"",
    "\\n",
    "\\u0041",
    "//",
    "/*",
    "a",
    "x",
    "Z",
    "0",
    "9",
];

/// Whole values that readers turn into something other than a string.
const WORDS: &[&str] = &[
    "",
    "true",
    "True",
    "TRUE",
    "false",
    "yes",
    "Yes",
    "no",
    "NO",
    "on",
    "off",
    "Off",
    "y",
    "n",
    "null",
    "Null",
    "NULL",
    "~",
    "1e3",
    "1E3",
    "0x1F",
    "0o17",
    "0755",
    "0b101",
    "1_000",
    "1:20",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    ".inf",
    "-.inf",
    ".NaN",
    "+1",
    "-1",
    "1.5",
    "-0",
    "<<",
    "=",
    "-",
    "?",
    ":",
    "!",
    "&a",
    "*a",
    "@x",
    "`x`",
    "%x",
    "|",
    ">",
    "#",
    "[]",
    "{}",
];

fn value() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        4 => prop::sample::select(ATOMS).prop_map(str::to_owned),
        1 => any::<char>().prop_filter("no NUL", |c| *c != '\0').prop_map(String::from),
        1 => "[a-zA-Z0-9 ]{1,6}",
    ];
    prop_oneof![
        1 => prop::sample::select(WORDS).prop_map(str::to_owned),
        1 => (prop::sample::select(WORDS), prop::sample::select(&[" ", "\n", "\t", "  "][..]))
            .prop_map(|(w, s)| if w.len() % 2 == 0 { format!("{s}{w}") } else { format!("{w}{s}") }),
        6 => prop::collection::vec(atom, 0..7).prop_map(|parts| parts.concat()),
    ]
}

/// 192 cases a property unless `PROPTEST_CASES` asks for more (a deep run).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(192);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn yaml_round_trips(secret in value()) {
        let cases = cases_of(|t| t == FileType::Yaml);
        let failures = check_all(&cases, &[secret]);
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn json_round_trips(secret in value()) {
        let failures = check_all(&cases_of(|t| t == FileType::Json), &[secret]);
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn properties_round_trip(secret in value()) {
        let failures = check_all(&cases_of(|t| matches!(t, FileType::Properties { .. })), &[secret]);
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn dotenv_round_trips(secret in value()) {
        let failures = check_all(&cases_of(|t| t == FileType::Env), &[secret]);
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn hocon_round_trips(secret in value()) {
        let failures = check_all(&cases_of(|t| t == FileType::Hocon), &[secret]);
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn text_round_trips(secret in value()) {
        let failures = check_all(&cases_of(|t| t == FileType::Text), &[secret]);
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

// ------------------------------------------------------------------ the fixed table

/// The nastiest values, each one run through every context, so a failure reads as a
/// list of (context, value) pairs.
pub(crate) const NASTY: &[&str] = &[
    "",
    " ",
    "p@ss w0rd",
    " leading",
    "trailing ",
    "\ttab\t",
    "it's",
    "say \"hi\"",
    "back\\slash\\",
    "C:\\new\\table",
    "a/b//c",
    "#hash",
    "a #b",
    "key: value",
    "ends:",
    "$dollar",
    "${X}",
    "$HOME",
    "$<kv:a/b>",
    "$$<kv:a/b>",
    "{{secrets/s/k}}",
    "<<",
    "%TAG",
    "@at",
    "&anchor",
    "*alias",
    "!tag",
    "|pipe",
    ">fold",
    "- dash",
    "? q",
    "a?b",
    "[a, b]",
    "{a: b}",
    "a,b",
    "line1\nline2",
    "line1\nline2\n",
    "trailing\n\n",
    "\nleading",
    "cr\rlf",
    "crlf\r\n",
    "\u{1}\u{7}\u{1b}\u{7f}",
    "nel\u{85}ls\u{2028}ps\u{2029}",
    "bom\u{feff}",
    "\u{feff}",
    "héllo wörld",
    "中文",
    "emoji 😀",
    "\u{10ffff}",
    "true",
    "yes",
    "Off",
    "null",
    "~",
    "1e3",
    "0x1F",
    "0755",
    "1_000",
    "1:20",
    "2024-01-01",
    ".inf",
    "-",
    "---",
    "...",
    "=",
    "\"\"\"",
    "ends with \"\"",
    "a\\",
    "\\n",
    "1433",
];

#[test]
fn nasty_values_in_every_context() {
    let cases: Vec<&'static Case> = CASES.iter().collect();
    let secrets: Vec<String> = NASTY.iter().map(|s| (*s).to_owned()).collect();
    assert_all(&cases, &secrets);
}

/// An encoder that refuses everything would pass the properties: ordinary values must
/// go through in every context.
#[test]
fn ordinary_values_are_never_refused() {
    for case in CASES {
        let secret = match case.query {
            Query::JsonBare(_) => "1433",
            _ => "s3cr3t-Value_42",
        };
        let t = template(case);
        assert!(
            render(case.file_type, &t.text, secret).is_ok(),
            "{} refused {secret:?}",
            case.name
        );
    }
}
