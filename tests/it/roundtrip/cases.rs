//! Every context a placeholder can sit in, one template each. In a template `{P}` is the
//! placeholder and `«...»` marks the region the render may change; every byte outside it
//! must come through unchanged. `logical` is the value the reader must yield, with `{P}`
//! standing for the secret.

use guzzle_kv::filetype::FileType;

use super::oracle::Seg::{self, Index, Key, OnlyKey};

/// How to find the value in the rendered file.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Query {
    /// A YAML scalar, read by saphyr and by PyYAML.
    Yaml(&'static [Seg]),
    /// A JSON string at a JSON pointer.
    Json(&'static str),
    /// The only key of the JSON object at a pointer.
    JsonKey(&'static str),
    /// A bare JSON literal at a pointer: the region is the secret's own text.
    JsonBare(&'static str),
    /// The value of a properties key (trimmed like Spark does for spark-defaults.conf).
    Props(&'static str),
    /// The key whose value is this marker.
    PropsKey(&'static str),
    /// A `.env` variable.
    Env(&'static str),
    /// The region is one HOCON quoted string token.
    HoconToken,
    /// The region is one HOCON triple-quoted string.
    HoconTriple,
    /// Text: the region is the value.
    Text,
}

/// When a refusal is acceptable: the value truly cannot be written in this context.
pub(crate) type Refusable = fn(&str) -> bool;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) file_type: FileType,
    pub(crate) template: &'static str,
    pub(crate) logical: &'static str,
    pub(crate) query: Query,
    pub(crate) refusable: Refusable,
}

// ------------------------------------------------------------------ refusal rules

pub(crate) fn never(_: &str) -> bool {
    false
}

/// YAML c-printable, minus what YAML 1.1 readers take for line breaks (NEL, LS, PS) and
/// the BOM.
pub(crate) fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

fn yaml_unprintable(v: &str) -> bool {
    !v.chars().all(yaml_printable)
}

fn edge_blank(v: &str) -> bool {
    v.starts_with([' ', '\t']) || v.ends_with([' ', '\t'])
}

/// Single-quoted: no escapes, so no line break and nothing unprintable.
fn yaml_single(v: &str) -> bool {
    yaml_unprintable(v)
}

/// Single-quoted, the placeholder at the edge of a line of a multi-line scalar: folding
/// also eats edge blanks, and an empty value would turn the line into a line break.
fn yaml_single_edge(v: &str) -> bool {
    yaml_unprintable(v) || edge_blank(v) || v.is_empty()
}

/// Literal block: no CR, nothing unprintable but `\n`.
fn yaml_literal(v: &str) -> bool {
    v.chars().any(|c| c != '\n' && !yaml_printable(c))
}

/// Literal block, the placeholder first in the block: also a first line that starts
/// with a blank (the indentation would be misread) or is empty.
fn yaml_literal_first(v: &str) -> bool {
    yaml_literal(v) || v.starts_with([' ', '\t', '\n']) || v.is_empty()
}

/// Folded block: raw only, one line, no edge blanks (SPEC).
fn yaml_folded(v: &str) -> bool {
    yaml_unprintable(v) || edge_blank(v) || v.is_empty()
}

fn json_bare(v: &str) -> bool {
    !(v.trim() == v
        && !v.is_empty()
        && matches!(
            serde_json::from_str::<serde_json::Value>(v),
            Ok(serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null)
        ))
}

/// Spark trims values: a value that starts or ends the field cannot start or end with
/// a character Java's `trim` removes.
fn spark_both(v: &str) -> bool {
    v.starts_with(|c: char| c <= ' ') || v.ends_with(|c: char| c <= ' ')
}

fn spark_start(v: &str) -> bool {
    v.starts_with(|c: char| c <= ' ')
}

fn spark_end(v: &str) -> bool {
    v.ends_with(|c: char| c <= ' ')
}

/// dotenvy has no escape for CR.
fn env_any(v: &str) -> bool {
    v.contains('\r')
}

/// Single-quoted .env: no `'`, no line break; a final `\` would escape the closing
/// quote for dotenvy's line joiner.
fn env_single(v: &str) -> bool {
    v.contains(['\'', '\n', '\r']) || v.ends_with('\\')
}

fn hocon_triple(v: &str) -> bool {
    v.contains("\"\"\"")
}

/// Triple-quoted, followed by a `"`: a value ending in `""` would close the string.
fn hocon_triple_before_quote(v: &str) -> bool {
    v.contains("\"\"\"") || v.ends_with("\"\"")
}

// ------------------------------------------------------------------ the table

const YAML: FileType = FileType::Yaml;
const JSON: FileType = FileType::Json;
const PROPS: FileType = FileType::Properties { spark: false };
const SPARK: FileType = FileType::Properties { spark: true };
const ENV: FileType = FileType::Env;
const HOCON: FileType = FileType::Hocon;
const TEXT: FileType = FileType::Text;

macro_rules! cases {
    ($($name:ident: $ft:expr, $template:expr => $logical:expr, $query:expr, $refusable:expr;)*) => {
        &[$(Case {
            name: stringify!($name),
            file_type: $ft,
            template: $template,
            logical: $logical,
            query: $query,
            refusable: $refusable,
        }),*]
    };
}

const K: &[Seg] = &[Key("k")];

#[rustfmt::skip]
pub(crate) const CASES: &[Case] = cases! {
    // --- YAML plain
    yaml_plain_whole: YAML, "a: 1\nk: «{P}»\nz: 2\n" => "{P}", Query::Yaml(K), never;
    yaml_plain_comment_after: YAML, "k: «{P}» # note\nz: 2\n" => "{P}", Query::Yaml(K), never;
    yaml_plain_eof: YAML, "k: «{P}»" => "{P}", Query::Yaml(K), never;
    yaml_plain_part: YAML, "k: «pre {P} post»\n" => "pre {P} post", Query::Yaml(K), never;
    yaml_plain_glued: YAML, "k: «x{P}y»\n" => "x{P}y", Query::Yaml(K), never;
    yaml_plain_part_start: YAML, "k: «{P}/tail»\n" => "{P}/tail", Query::Yaml(K), never;
    yaml_plain_key: YAML, "m:\n  «{P}»: v\n" => "{P}", Query::Yaml(&[Key("m"), OnlyKey]), never;
    yaml_plain_key_part: YAML, "m:\n  «k_{P}»: v\n" => "k_{P}", Query::Yaml(&[Key("m"), OnlyKey]), never;
    yaml_plain_seq_item: YAML, "l:\n  - «{P}»\n  - x\n" => "{P}", Query::Yaml(&[Key("l"), Index(0)]), never;
    yaml_flow_seq: YAML, "k: [a, «{P}», c]\n" => "{P}", Query::Yaml(&[Key("k"), Index(1)]), never;
    yaml_flow_seq_last: YAML, "k: [a, «{P}»]\n" => "{P}", Query::Yaml(&[Key("k"), Index(1)]), never;
    yaml_flow_seq_part: YAML, "k: [«a {P} b»]\n" => "a {P} b", Query::Yaml(&[Key("k"), Index(0)]), never;
    yaml_flow_map_value: YAML, "k: {x: «{P}», y: 2}\n" => "{P}", Query::Yaml(&[Key("k"), Key("x")]), never;
    yaml_flow_map_key: YAML, "k: {«{P}»: v}\n" => "{P}", Query::Yaml(&[Key("k"), OnlyKey]), never;
    yaml_flow_nested: YAML, "k: [{x: «{P}»}]\n" => "{P}", Query::Yaml(&[Key("k"), Index(0), Key("x")]), never;
    yaml_plain_multiline: YAML, "k: «first\n  {P} mid\n  last»\nz: 1\n" => "first {P} mid last", Query::Yaml(K), never;
    yaml_plain_multiline_alone: YAML, "k: «first\n  {P}\n  last»\nz: 1\n" => "first {P} last", Query::Yaml(K), never;
    yaml_plain_crlf: YAML, "a: 1\r\nk: «{P}»\r\nz: 2\r\n" => "{P}", Query::Yaml(K), never;
    // --- YAML single-quoted
    yaml_single_whole: YAML, "k: «'{P}'»\n" => "{P}", Query::Yaml(K), yaml_single;
    yaml_single_part: YAML, "k: «'it''s {P} #x'»\n" => "it's {P} #x", Query::Yaml(K), yaml_single;
    yaml_single_flow: YAML, "k: [«'{P}'»]\n" => "{P}", Query::Yaml(&[Key("k"), Index(0)]), yaml_single;
    yaml_single_multiline_alone: YAML, "k: «'a\n  {P}\n  b'»\n" => "a {P} b", Query::Yaml(K), yaml_single_edge;
    yaml_single_multiline_start: YAML, "k: «'a\n  {P} b'»\n" => "a {P} b", Query::Yaml(K), yaml_single_edge;
    yaml_single_multiline_mid: YAML, "k: «'a\n  x{P}y\n  b'»\n" => "a x{P}y b", Query::Yaml(K), yaml_single;
    // --- YAML double-quoted
    yaml_double_whole: YAML, "k: «\"{P}\"»\n" => "{P}", Query::Yaml(K), never;
    yaml_double_part: YAML, "k: «\"a\\\"b {P} c\\\\\"»\n" => "a\"b {P} c\\", Query::Yaml(K), never;
    yaml_double_key: YAML, "«\"{P}\"»: v\n" => "{P}", Query::Yaml(&[OnlyKey]), never;
    yaml_double_flow: YAML, "k: {a: «\"{P}\"»}\n" => "{P}", Query::Yaml(&[Key("k"), Key("a")]), never;
    yaml_double_multiline_alone: YAML, "k: «\"first\n  {P}\n  last\"»\n" => "first {P} last", Query::Yaml(K), never;
    yaml_double_multiline_start: YAML, "k: «\"first\n  {P} last\"»\n" => "first {P} last", Query::Yaml(K), never;
    yaml_double_multiline_end: YAML, "k: «\"first {P}\n  last\"»\n" => "first {P} last", Query::Yaml(K), never;
    yaml_double_multiline_blank: YAML, "k: «\"first\n\n  {P}\n\n  last\"»\n" => "first\n{P}\nlast", Query::Yaml(K), never;
    // --- YAML literal
    yaml_literal_alone: YAML, "k: «|\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_literal_first;
    yaml_literal_strip_alone: YAML, "k: «|-\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_literal_first;
    yaml_literal_keep_alone: YAML, "k: «|+\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_literal_first;
    yaml_literal_keep_blank_after: YAML, "k: «|+\n  {P}\n\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_literal_first;
    yaml_literal_indicator: YAML, "k: «|2\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_literal;
    yaml_literal_eof: YAML, "k: «|\n  {P}»" => "{P}", Query::Yaml(K), yaml_literal_first;
    yaml_literal_comment: YAML, "k: «| # note\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_literal_first;
    yaml_literal_end: YAML, "k: «|\n  line1\n  {P}\n»z: 1\n" => "line1\n{P}\n", Query::Yaml(K), yaml_literal;
    yaml_literal_strip_end: YAML, "k: «|-\n  line1\n  {P}\n»z: 1\n" => "line1\n{P}", Query::Yaml(K), yaml_literal;
    yaml_literal_middle: YAML, "k: «|\n  line1\n  {P}\n  line3\n»z: 1\n" => "line1\n{P}\nline3\n", Query::Yaml(K), yaml_literal;
    yaml_literal_strip_middle: YAML, "k: «|-\n  line1\n  {P}\n  line3\n»z: 1\n" => "line1\n{P}\nline3", Query::Yaml(K), yaml_literal;
    yaml_literal_keep_middle: YAML, "k: «|+\n  line1\n  {P}\n  line3\n\n»z: 1\n" => "line1\n{P}\nline3\n\n", Query::Yaml(K), yaml_literal;
    yaml_literal_in_line: YAML, "k: «|\n  a {P} b\n»z: 1\n" => "a {P} b\n", Query::Yaml(K), yaml_literal;
    yaml_literal_seq: YAML, "l:\n  - «|\n    {P}\n»  - x\n" => "{P}", Query::Yaml(&[Key("l"), Index(0)]), yaml_literal_first;
    yaml_literal_crlf: YAML, "k: «|\r\n  line1\r\n  {P}\r\n»z: 1\r\n" => "line1\n{P}\n", Query::Yaml(K), yaml_literal;
    // --- YAML folded
    // A placeholder that is a block's whole content is its whole value, as in a literal
    // block; beside other content the block's own final line break stays after it.
    yaml_folded_alone: YAML, "k: «>\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_folded;
    yaml_folded_keep_alone: YAML, "k: «>+\n  {P}\n\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_folded;
    yaml_folded_end: YAML, "k: «>\n  line1\n  {P}\n»z: 1\n" => "line1 {P}\n", Query::Yaml(K), yaml_folded;
    yaml_folded_strip: YAML, "k: «>-\n  {P}\n»z: 1\n" => "{P}", Query::Yaml(K), yaml_folded;
    yaml_folded_part: YAML, "k: «>\n  a {P} b\n  c\n»z: 1\n" => "a {P} b c\n", Query::Yaml(K), yaml_folded;

    // --- JSON
    json_string: JSON, "{\"a\": 1, \"k\": «\"{P}\"», \"z\": [2]}" => "{P}", Query::Json("/k"), never;
    json_string_part: JSON, "{\"k\": «\"a\\\"b {P} \\u00e9\"»}\n" => "a\"b {P} \u{e9}", Query::Json("/k"), never;
    json_string_array: JSON, "[\"x\", «\"{P}\"»]" => "{P}", Query::Json("/1"), never;
    json_key: JSON, "{«\"{P}\"»: 1}" => "{P}", Query::JsonKey(""), never;
    json_bare: JSON, "{\"port\": «{P}», \"z\": 2}" => "{P}", Query::JsonBare("/port"), json_bare;
    json_bare_array: JSON, "[«{P}»]" => "{P}", Query::JsonBare("/0"), json_bare;

    // --- .properties
    props_start: PROPS, "a=1\nk=«{P}»\nz=2\n" => "{P}", Query::Props("k"), never;
    props_spaced: PROPS, "k = «{P}»\n" => "{P}", Query::Props("k"), never;
    props_colon: PROPS, "k:«{P}»\n" => "{P}", Query::Props("k"), never;
    props_blank_separator: PROPS, "k   «{P}»\n" => "{P}", Query::Props("k"), never;
    props_middle: PROPS, "k=pre«{P}»post\n" => "pre{P}post", Query::Props("k"), never;
    props_middle_spaced: PROPS, "k=pre «{P}» post\n" => "pre {P} post", Query::Props("k"), never;
    props_trailing_blanks: PROPS, "k=«{P}»   \n" => "{P}   ", Query::Props("k"), never;
    props_continuation: PROPS, "k=a\\\n    «{P}»\nz=1\n" => "a{P}", Query::Props("k"), never;
    props_before_continuation: PROPS, "k=«{P}»\\\n    b\n" => "{P}b", Query::Props("k"), never;
    props_key: PROPS, "«{P}»=marker\n" => "{P}", Query::PropsKey("marker"), never;
    props_key_part: PROPS, "«pre.{P}» = marker\n" => "pre.{P}", Query::PropsKey("marker"), never;
    props_crlf: PROPS, "#c\r\nk=«{P}»\r\nz=1\r\n" => "{P}", Query::Props("k"), never;
    props_eof: PROPS, "k=«{P}»" => "{P}", Query::Props("k"), never;
    spark_whole: SPARK, "spark.a 1\nspark.k   «{P}»\nspark.z 2\n" => "{P}", Query::Props("spark.k"), spark_both;
    spark_trailing_blanks: SPARK, "spark.k   «{P}»   \n" => "{P}", Query::Props("spark.k"), spark_both;
    spark_middle: SPARK, "spark.k a«{P}»b\n" => "a{P}b", Query::Props("spark.k"), never;
    spark_start: SPARK, "spark.k «{P}»;b\n" => "{P};b", Query::Props("spark.k"), spark_start;
    spark_end: SPARK, "spark.k a;«{P}»\n" => "a;{P}", Query::Props("spark.k"), spark_end;
    spark_continuation: SPARK, "spark.k a\\\n  «{P}»\\\n  b\n" => "a{P}b", Query::Props("spark.k"), never;
    spark_key: SPARK, "«{P}» marker\n" => "{P}", Query::PropsKey("marker"), str::is_empty;

    // --- .env
    env_unquoted: ENV, "A=1\nK=«{P}»\nZ=2\n" => "{P}", Query::Env("K"), env_any;
    env_unquoted_comment: ENV, "K=«{P}» # note\n" => "{P}", Query::Env("K"), env_any;
    env_unquoted_part: ENV, "K=«pre{P}post»\n" => "pre{P}post", Query::Env("K"), env_any;
    env_unquoted_escape: ENV, "K=«a\\ b{P}»\n" => "a b{P}", Query::Env("K"), env_any;
    env_export: ENV, "export K=«{P}»\n" => "{P}", Query::Env("K"), env_any;
    env_spaced: ENV, "K = «{P}»\n" => "{P}", Query::Env("K"), env_any;
    env_after_quote: ENV, "K='x y'«{P}»\n" => "x y{P}", Query::Env("K"), env_any;
    env_crlf: ENV, "A=1\r\nK=«{P}»\r\nZ=2\r\n" => "{P}", Query::Env("K"), env_any;
    env_single: ENV, "K=«'{P}'»\n" => "{P}", Query::Env("K"), env_single;
    env_single_part: ENV, "K=«'a b {P} \"c'»\n" => "a b {P} \"c", Query::Env("K"), env_single;
    env_double: ENV, "K=«\"{P}\"»\n" => "{P}", Query::Env("K"), env_any;
    env_double_part: ENV, "K=«\"a'b {P} \\\"c\"»\n" => "a'b {P} \"c", Query::Env("K"), env_any;
    env_double_multiline: ENV, "K=«\"line1\n{P}\nline3\"»\nZ=1\n" => "line1\n{P}\nline3", Query::Env("K"), env_any;

    // --- HOCON
    hocon_quoted: HOCON, "a = 1\nk = «\"{P}\"»\n" => "{P}", Query::HoconToken, never;
    hocon_quoted_part: HOCON, "k = «\"pre {P} # post\"» # note\n" => "pre {P} # post", Query::HoconToken, never;
    hocon_quoted_object: HOCON, "o { k: «\"{P}\"», z: 1 }\n" => "{P}", Query::HoconToken, never;
    hocon_quoted_array: HOCON, "l = [«\"{P}\"», 2]\n" => "{P}", Query::HoconToken, never;
    hocon_quoted_key: HOCON, "«\"{P}\"» = 1\n" => "{P}", Query::HoconToken, never;
    hocon_unquoted: HOCON, "k = «{P}»\n" => "{P}", Query::HoconToken, never;
    hocon_unquoted_array: HOCON, "l = [«{P}», 2]\n" => "{P}", Query::HoconToken, never;
    hocon_unquoted_key: HOCON, "«{P}» = 1\n" => "{P}", Query::HoconToken, never;
    hocon_unquoted_concat: HOCON, "k = pre«{P}»post\n" => "{P}", Query::HoconToken, never;
    hocon_triple: HOCON, "k = «\"\"\"{P}\"\"\"»\n" => "{P}", Query::HoconTriple, hocon_triple;
    hocon_triple_part: HOCON, "k = «\"\"\"line1\n{P} \\n \"x\"\"\"»\n" => "line1\n{P} \\n \"x", Query::HoconTriple, hocon_triple;
    hocon_triple_before_quote: HOCON, "k = «\"\"\"{P}\"x\"\"\"»\n" => "{P}\"x", Query::HoconTriple, hocon_triple_before_quote;

    // --- text
    text_line: TEXT, "hello «{P}» world\n" => "{P}", Query::Text, never;
    text_crlf: TEXT, "a\r\n«{P}»\r\n" => "{P}", Query::Text, never;
};
