//! The properties the fuzz targets check, shared by every target. Each `check_*` panics
//! (which libFuzzer reports as a crash) when a property does not hold.

use guzzle_kv::filetype::{Analysis, Edit, EncodeProblem, FileType, Site, analyze, apply};
use guzzle_kv::scan::{ESCAPED, Item, ItemKind, scan};

/// A character no input may hold: it stands in for the value in the reference render.
const MARK: &str = "\u{E000}";

/// Longer inputs teach the fuzzer nothing more and slow every run.
const MAX_LEN: usize = 4096;

/// Which reader reads the output back.
#[derive(Clone, Copy, Debug)]
pub enum ReadBack {
    /// `serde_json`.
    Json,
    /// `saphyr` (YAML 1.2 core schema).
    Yaml,
    /// `java-properties` (ISO-8859-1, as Java reads it).
    Properties,
    /// `dotenvy`.
    Env,
    /// No reader: only the structural checks.
    None,
}

/// The scanner: items come in order, do not overlap, sit on character boundaries and
/// start with `$`.
pub fn check_scan(text: &str) {
    if text.len() > MAX_LEN * 4 {
        return;
    }
    let items = scan(text);
    let mut end = 0;
    for item in &items {
        let range = item.span.range();
        assert!(range.start >= end, "items overlap or are out of order: {items:?}");
        assert!(range.end <= text.len(), "item past the end");
        assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
        assert!(text[range.clone()].starts_with('$'), "item does not start at a `$`");
        assert!(item.span.line >= 1 && item.span.column >= 1);
        assert!(!text[range.clone()].contains('\n'), "an item spans two lines");
        end = range.end;
    }
}

/// One file type's analysis and encoder: edits are sorted, disjoint, in bounds and on
/// character boundaries; every data placeholder is replaced; the output is UTF-8; a
/// refusal shows no value; and the output, read back, holds `value` exactly where the
/// reference render (with a marker for the value) holds the marker.
pub fn check_encode(file_type: FileType, template: &str, value: &str, read_back: ReadBack) {
    if template.len() > MAX_LEN || template.contains(MARK) || value.contains(MARK) {
        return;
    }
    let items = scan(template);
    let Ok(analysis) = analyze(file_type, template, &items) else { return };
    let sites = analysis.sites(template, &items);
    assert_eq!(sites.len(), items.len());

    let rendered = render(&analysis, template, &items, &sites, value);
    let out = match rendered {
        Ok(out) => out,
        Err(problems) => {
            for problem in &problems {
                assert!(problem.item < items.len(), "a problem names no item");
                let shown =
                    format!("{} {}", problem.message, problem.help.as_deref().unwrap_or(""));
                assert!(value.len() < 12 || !shown.contains(value), "a refusal shows the value");
            }
            return;
        }
    };
    let Ok(reference) = render(&analysis, template, &items, &sites, MARK) else { return };
    compare(read_back, &reference, &out, value);
}

fn render(
    analysis: &Analysis,
    template: &str,
    items: &[Item<'_>],
    sites: &[Site],
    value: &str,
) -> Result<String, Vec<EncodeProblem>> {
    let replacements: Vec<Option<&str>> = items
        .iter()
        .zip(sites)
        .map(|(item, site)| match item.kind {
            _ if site.in_comment => None,
            ItemKind::Placeholder(_) => Some(value),
            ItemKind::Escape => Some(ESCAPED),
            _ => None,
        })
        .collect();
    let edits = analysis.encode(template, items, &replacements)?;
    check_edits(template, items, &replacements, &edits);
    let bytes = apply(template.as_bytes(), &edits);
    Ok(String::from_utf8(bytes.to_vec()).expect("the output is UTF-8"))
}

fn check_edits(template: &str, items: &[Item<'_>], replacements: &[Option<&str>], edits: &[Edit]) {
    let mut end = 0;
    for edit in edits {
        assert!(edit.range.start >= end, "edits overlap or are out of order: {edits:?}");
        assert!(edit.range.start <= edit.range.end && edit.range.end <= template.len());
        assert!(template.is_char_boundary(edit.range.start));
        assert!(template.is_char_boundary(edit.range.end));
        end = edit.range.end;
    }
    for (item, replacement) in items.iter().zip(replacements) {
        if replacement.is_some() {
            let span = item.span.range();
            assert!(
                edits.iter().any(|e| e.range.start <= span.start && span.end <= e.range.end),
                "item at {span:?} is not replaced: {edits:?}"
            );
        }
    }
}

fn compare(read_back: ReadBack, reference: &str, out: &str, value: &str) {
    match read_back {
        ReadBack::Json => {
            let Ok(expected) = serde_json::from_str::<serde_json::Value>(reference) else {
                return;
            };
            let got: serde_json::Value = serde_json::from_str(out).expect("the output is JSON");
            assert_eq!(got, json_replace(expected, value), "read back:\n{out}");
        }
        ReadBack::Yaml => {
            use saphyr::LoadableYamlNode as _;
            let Ok(expected) = saphyr::YamlOwned::load_from_str(reference) else { return };
            let got = match saphyr::YamlOwned::load_from_str(out) {
                Ok(got) => got,
                // A placeholder used as a mapping key may become a key that is already
                // there: the value's doing, not the encoder's.
                Err(e) if e.info().contains("duplicated key") => return,
                Err(e) => panic!("the output is not YAML: {e}\n{out}"),
            };
            let expected: Vec<Tree> = expected.iter().map(|y| tree(y, value)).collect();
            let got: Vec<Tree> = got.iter().map(|y| tree(y, MARK)).collect();
            assert_eq!(got, expected, "read back:\n{out}");
        }
        ReadBack::Properties => {
            let Ok(expected) = java_properties::read(reference.as_bytes()) else { return };
            let got = java_properties::read(out.as_bytes()).expect("the output is .properties");
            let expected: std::collections::HashMap<String, String> = expected
                .into_iter()
                .map(|(k, v)| (k.replace(MARK, value), v.replace(MARK, value)))
                .collect();
            assert_eq!(got, expected, "read back:\n{out}");
        }
        ReadBack::Env => {
            let read = |text: &str| -> Result<Vec<(String, String)>, dotenvy::Error> {
                dotenvy::from_read_iter(text.as_bytes()).collect()
            };
            let Ok(expected) = read(reference) else { return };
            let got = read(out).expect("the output is .env");
            let expected: Vec<(String, String)> = expected
                .into_iter()
                .map(|(k, v)| (k.replace(MARK, value), v.replace(MARK, value)))
                .collect();
            assert_eq!(got, expected, "read back:\n{out}");
        }
        ReadBack::None => {}
    }
}

fn json_replace(value: serde_json::Value, with: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(s.replace(MARK, with)),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| json_replace(v, with)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter().map(|(k, v)| (k.replace(MARK, with), json_replace(v, with))).collect(),
        ),
        other => other,
    }
}

/// A YAML document reduced to what a reader sees, strings with the marker replaced.
#[derive(Debug, PartialEq)]
enum Tree {
    Scalar(String),
    Str(String),
    Seq(Vec<Tree>),
    Map(Vec<(Tree, Tree)>),
    Tagged(String, Box<Tree>),
    Other(String),
}

fn tree(yaml: &saphyr::YamlOwned, with: &str) -> Tree {
    use saphyr::{ScalarOwned, YamlOwned};
    match yaml {
        YamlOwned::Value(ScalarOwned::String(s)) => Tree::Str(s.replace(MARK, with)),
        YamlOwned::Value(other) => Tree::Scalar(format!("{other:?}")),
        YamlOwned::Sequence(seq) => Tree::Seq(seq.iter().map(|y| tree(y, with)).collect()),
        YamlOwned::Mapping(map) => {
            Tree::Map(map.iter().map(|(k, v)| (tree(k, with), tree(v, with))).collect())
        }
        YamlOwned::Tagged(tag, inner) => {
            Tree::Tagged(format!("{tag:?}"), Box::new(tree(inner, with)))
        }
        other => Tree::Other(format!("{other:?}")),
    }
}

/// The secrets-file loader: any bytes load or fail without a panic, and no error
/// message shows a string value of the file.
pub fn check_secrets_file(bytes: &[u8]) {
    let path = std::path::Path::new("secrets.json");
    let Err(error) = guzzle_kv::vault::file::FileSource::parse(path, bytes) else { return };
    let message = guzzle_kv::rewrite::error_chain(&error);
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(bytes) else { return };
    // Keys may be shown; a value that is also part of a key proves nothing.
    for value in map.values() {
        let in_key = |v: &&str| map.keys().any(|k| k.contains(*v));
        if let Some(value) = value.as_str().filter(|v| v.len() >= 8 && !in_key(v)) {
            assert!(!message.contains(value), "the error shows a value: {message}");
        }
    }
}

/// The config-file loader: any text loads or fails without a panic.
pub fn check_config_file(text: &str) {
    let path = std::path::Path::new("guzzle-kv.toml");
    if let Ok(config) = guzzle_kv::config::Config::parse(text, path) {
        let _ = config.ignores();
    }
}
