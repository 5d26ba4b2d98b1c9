//! YAML: `saphyr-parser` says which scalar, of which style, holds each placeholder; a
//! placeholder in no scalar is in a comment. Values are encoded for the scalar's style,
//! and a plain scalar whose new text would not read back as the same string under both
//! YAML 1.2 and 1.1 becomes a double-quoted scalar. Block scalars are checked by reading
//! the result back, since their indentation and chomping rules leave the most room for
//! surprise.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::LazyLock;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{Edit, EncodeProblem, Site, SyntaxProblem, collect, escaped_problem, is_escaped};
use crate::scan::{Item, ItemKind, scan};

/// A scalar that holds at least one item.
#[derive(Clone, Debug)]
pub(super) struct Scalar {
    style: ScalarStyle,
    range: Range<usize>,
    value: String,
    /// Its position among all scalar events, to find it again when reading back.
    ordinal: usize,
}

/// The scalars of a file that hold items, and for each item the scalar it is in.
#[derive(Clone, Debug)]
pub(super) struct Analysis {
    scalars: Vec<Scalar>,
    owners: Vec<Option<usize>>,
}

/// Turns saphyr's character indexes into byte offsets, walking forward.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl Offsets<'_> {
    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        let mut iter = self.text[self.bytes..].char_indices();
        while self.chars < char_index {
            match iter.next() {
                Some((_, c)) => {
                    self.bytes += c.len_utf8();
                    self.chars += 1;
                }
                None => break,
            }
        }
        self.bytes
    }
}

/// One scalar event: its ordinal, style, byte range and value.
type ScalarEvent = (usize, ScalarStyle, Range<usize>, String);

/// Every scalar event in order, with its byte range.
fn scalars(text: &str) -> Result<Vec<ScalarEvent>, SyntaxProblem> {
    let mut offsets = Offsets { text, ascii: text.is_ascii(), chars: 0, bytes: 0 };
    let mut found = Vec::new();
    let mut parser = Parser::new_from_str(text);
    let mut ordinal = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let offset = offsets.byte(e.marker().index());
            SyntaxProblem { file_type: "yaml", message: e.info().to_owned(), offset }
        })?;
        if let Event::Scalar(value, style, anchor, tag) = event {
            let mut start = offsets.byte(span.start.index());
            let end = offsets.byte(span.end.index());
            if anchor > 0 || tag.is_some() {
                start = skip_properties(text, start, end);
            }
            found.push((ordinal, style, start..end, value.into_owned()));
            ordinal += 1;
        }
    }
    Ok(found)
}

/// The start of a scalar's own text behind its anchor and tag (`&a !!str value`): the
/// parser's span starts at the properties, which must stay outside any quotes we add.
fn skip_properties(text: &str, mut pos: usize, end: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while pos < end && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let stop = match bytes.get(pos) {
            Some(b'!') if bytes.get(pos + 1) == Some(&b'<') => Some(b'>'),
            Some(b'&' | b'!') => None,
            Some(b'#') if pos > 0 && bytes[pos - 1].is_ascii_whitespace() => Some(b'\n'),
            _ => return pos,
        };
        while pos < end && !stop.map_or(bytes[pos].is_ascii_whitespace(), |b| bytes[pos] == b) {
            pos += 1;
        }
        pos = (pos + usize::from(stop == Some(b'>'))).min(end);
    }
}

pub(super) fn analyze(text: &str, items: &[Item<'_>]) -> Result<Analysis, SyntaxProblem> {
    let all = scalars(text)?;
    let mut analysis = Analysis { scalars: Vec::new(), owners: Vec::with_capacity(items.len()) };
    let mut next = 0;
    for item in items {
        let range = item.span.range();
        while next < all.len() && all[next].2.end < range.end {
            next += 1;
        }
        let owner = all.get(next).filter(|s| s.2.start <= range.start && range.end <= s.2.end);
        analysis.owners.push(owner.map(|(ordinal, style, range, value)| {
            let known = analysis.scalars.last().is_some_and(|s| s.ordinal == *ordinal);
            if !known {
                analysis.scalars.push(Scalar {
                    style: *style,
                    range: range.clone(),
                    value: value.clone(),
                    ordinal: *ordinal,
                });
            }
            analysis.scalars.len() - 1
        }));
    }
    Ok(analysis)
}

pub(super) fn sites(text: &str, items: &[Item<'_>], analysis: &Analysis) -> Vec<Site> {
    items
        .iter()
        .zip(&analysis.owners)
        .map(|(item, owner)| match owner {
            None => Site { in_comment: true, whole_value: false },
            Some(index) => {
                let scalar = &analysis.scalars[*index];
                let whole = scalar.value.trim_end_matches('\n') == &text[item.span.range()];
                Site { in_comment: false, whole_value: whole }
            }
        })
        .collect()
}

pub(super) fn encode(
    text: &str,
    items: &[Item<'_>],
    analysis: &Analysis,
    replacements: &[Option<&str>],
) -> Result<Vec<Edit>, Vec<EncodeProblem>> {
    let mut results = Vec::new();
    let mut checks = Vec::new();
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); analysis.scalars.len()];
    for (i, owner) in analysis.owners.iter().enumerate() {
        if let (Some(owner), Some(_)) = (owner, replacements[i]) {
            members_of[*owner].push(i);
        }
    }
    for (scalar, members) in analysis.scalars.iter().zip(members_of) {
        if members.is_empty() {
            continue;
        }
        let job = ScalarJob { text, items, replacements, scalar, members: &members };
        match job.encode() {
            Ok((edits, check)) => {
                results.extend(edits.into_iter().map(|e| Ok(Some(e))));
                checks.extend(check.map(|expected| (scalar.ordinal, expected, members[0])));
            }
            Err(problem) => results.push(Err(problem)),
        }
    }
    let edits = collect(results)?;
    verify(text, &edits, &checks)?;
    Ok(edits)
}

/// Reads the result back and compares the scalars that need it with what was meant.
fn verify(
    text: &str,
    edits: &[Edit],
    checks: &[(usize, String, usize)],
) -> Result<(), Vec<EncodeProblem>> {
    if checks.is_empty() {
        return Ok(());
    }
    let output = super::apply(text.as_bytes(), edits);
    let output = std::str::from_utf8(&output).expect("edits keep UTF-8");
    let problem = |item| {
        EncodeProblem::new(item, "the value cannot be written into this block scalar")
            .with_help("use a double-quoted scalar: key: \"$<kv:...>\"")
    };
    let Ok(read_back) = scalars(output) else {
        return Err(checks.iter().map(|c| problem(c.2)).collect());
    };
    let failed: Vec<EncodeProblem> = checks
        .iter()
        .filter(|(ordinal, expected, _)| {
            read_back.get(*ordinal).is_none_or(|(_, _, _, value)| value != expected)
        })
        .map(|c| problem(c.2))
        .collect();
    if failed.is_empty() { Ok(()) } else { Err(failed) }
}

/// Encoding the items of one scalar.
struct ScalarJob<'a> {
    text: &'a str,
    items: &'a [Item<'a>],
    replacements: &'a [Option<&'a str>],
    scalar: &'a Scalar,
    members: &'a [usize],
}

type Encoded = (Vec<Edit>, Option<String>);

impl ScalarJob<'_> {
    fn encode(&self) -> Result<Encoded, EncodeProblem> {
        match self.scalar.style {
            ScalarStyle::DoubleQuoted => self.double_quoted(),
            ScalarStyle::SingleQuoted => self.single_quoted(),
            ScalarStyle::Plain => self.plain(),
            ScalarStyle::Literal => self.literal(),
            ScalarStyle::Folded => self.folded(),
        }
    }

    fn value(&self, i: usize) -> &str {
        self.replacements[i].unwrap_or_default()
    }

    fn span(&self, i: usize) -> Range<usize> {
        self.items[i].span.range()
    }

    fn is_multiline(&self) -> bool {
        self.text[self.scalar.range.clone()].contains('\n')
    }

    fn double_quoted(&self) -> Result<Encoded, EncodeProblem> {
        let mut edits = Vec::new();
        for &i in self.members {
            if is_escaped(self.text, self.items[i].span.offset) {
                return Err(escaped_problem(i));
            }
            let (leading, trailing) = self.line_edges(i);
            edits.push(Edit::new(self.span(i), dq_escape(self.value(i), leading, trailing)));
        }
        Ok((edits, None))
    }

    fn single_quoted(&self) -> Result<Encoded, EncodeProblem> {
        let mut edits = Vec::new();
        for &i in self.members {
            let value = self.value(i);
            let (leading, trailing) = self.line_edges(i);
            let edge_space = (leading && value.starts_with([' ', '\t']))
                || (trailing && value.ends_with([' ', '\t']));
            if value.contains(['\n', '\r']) || !value.chars().all(is_printable) || edge_space {
                return Err(EncodeProblem::new(
                    i,
                    "a single-quoted scalar cannot hold this value (a line break or a control character)",
                )
                .with_help("use double quotes around the placeholder"));
            }
            edits.push(Edit::new(self.span(i), value.replace('\'', "''")));
        }
        Ok((edits, None))
    }

    fn plain(&self) -> Result<Encoded, EncodeProblem> {
        if !self.is_multiline() {
            let raw = self.raw_edits();
            let new_text =
                super::apply(self.text[self.scalar.range.clone()].as_bytes(), &self.shifted(&raw));
            let new_text = std::str::from_utf8(&new_text).expect("edits keep UTF-8");
            if is_plain_safe(new_text) {
                return Ok((raw, None));
            }
            let quoted = format!("\"{}\"", dq_escape(new_text, false, false));
            return Ok((vec![Edit::new(self.scalar.range.clone(), quoted)], None));
        }
        let expected = self.substituted(false).ok_or_else(|| self.unreadable())?;
        let quoted = format!("\"{}\"", dq_escape(&expected, false, false));
        Ok((vec![Edit::new(self.scalar.range.clone(), quoted)], Some(expected)))
    }

    fn folded(&self) -> Result<Encoded, EncodeProblem> {
        for &i in self.members {
            let value = self.value(i);
            let bad = value.contains(['\n', '\r'])
                || value.starts_with([' ', '\t'])
                || value.ends_with([' ', '\t'])
                || !value.chars().all(is_printable);
            if bad {
                return Err(EncodeProblem::new(
                    i,
                    "a folded block scalar (`>`) cannot hold a value with line breaks, edge spaces or control characters",
                )
                .with_help("use a literal block scalar (`|`) or double quotes"));
            }
        }
        let expected = self.substituted(false).ok_or_else(|| self.unreadable())?;
        Ok((self.raw_edits(), Some(expected)))
    }

    fn literal(&self) -> Result<Encoded, EncodeProblem> {
        let indent = self.content_indent();
        let last = *self.members.last().expect("a scalar job has members");
        let tail = self.text[self.items[last].span.end()..self.scalar.range.end].trim().is_empty();
        let mut edits = Vec::new();
        for &i in self.members {
            let value = self.value(i);
            if value.contains('\r') || !value.chars().all(|c| c == '\n' || is_printable(c)) {
                return Err(EncodeProblem::new(
                    i,
                    "a literal block scalar cannot hold a carriage return or control characters",
                )
                .with_help("use a double-quoted scalar: key: \"$<kv:...>\""));
            }
            let body = if i == last && tail { value.trim_end_matches('\n') } else { value };
            let mut written = indent_lines(body, indent);
            if i == last && tail {
                let newlines = value.len() - body.len();
                written.push_str(&"\n".repeat(newlines.saturating_sub(1)));
                edits.extend(self.chomping(newlines));
            }
            edits.push(Edit::new(self.span(i), written));
        }
        edits.sort_by_key(|e| e.range.start);
        let expected = self.substituted(tail).ok_or_else(|| self.unreadable())?;
        Ok((edits, Some(expected)))
    }

    /// The edit that sets the block header's chomping to keep `newlines` final newlines.
    fn chomping(&self, newlines: usize) -> Option<Edit> {
        static HEADER: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"[|>]([-+]?)([1-9]?)([-+]?)[ \t]*(?:#.*)?\r?$").expect("valid regex")
        });
        let before = &self.text[..self.scalar.range.start];
        let content_line = before.rfind('\n')?;
        let header_start = before[..content_line].rfind('\n').map_or(0, |i| i + 1);
        let header = &before[header_start..content_line];
        let found = HEADER.captures(header)?;
        let wanted = match newlines {
            0 => "-",
            1 => "",
            _ => "+",
        };
        let (first, second) = (found.get(1)?, found.get(3)?);
        let current = if first.is_empty() { second } else { first };
        (current.as_str() != wanted).then(|| {
            Edit::new(
                header_start + current.start()..header_start + current.end(),
                wanted.to_owned(),
            )
        })
    }

    /// The indentation of the block's content lines (the least among its non-blank lines).
    fn content_indent(&self) -> usize {
        let line_start = self.text[..self.scalar.range.start].rfind('\n').map_or(0, |i| i + 1);
        self.text[line_start..self.scalar.range.end]
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0)
    }

    fn raw_edits(&self) -> Vec<Edit> {
        self.members.iter().map(|&i| Edit::new(self.span(i), self.value(i).to_owned())).collect()
    }

    /// Edits moved to offsets within the scalar's own text.
    fn shifted(&self, edits: &[Edit]) -> Vec<Edit> {
        let base = self.scalar.range.start;
        edits
            .iter()
            .map(|e| Edit::new(e.range.start - base..e.range.end - base, e.text.to_string()))
            .collect()
    }

    /// Whether item `i` begins or ends a line inside a multi-line scalar, where YAML
    /// would fold away the whitespace next to it.
    fn line_edges(&self, i: usize) -> (bool, bool) {
        let span = self.span(i);
        let line_start = self.text[..span.start].rfind('\n').map_or(0, |p| p + 1);
        let leading = line_start > self.scalar.range.start
            && self.text[line_start..span.start].trim().is_empty();
        let line_end = self.text[span.end..].find('\n').map_or(self.text.len(), |p| span.end + p);
        let trailing =
            line_end < self.scalar.range.end && self.text[span.end..line_end].trim().is_empty();
        (leading, trailing)
    }

    /// The scalar's value as read, with each item's value in place; with `tail`, the
    /// value ends with the last item's value (block chomping then matches it).
    fn substituted(&self, tail: bool) -> Option<String> {
        let value = &self.scalar.value;
        let found: Vec<_> = scan(value)
            .into_iter()
            .filter(|item| matches!(item.kind, ItemKind::Placeholder(_) | ItemKind::Escape))
            .collect();
        if found.len() != self.members.len() {
            return None;
        }
        let mut out = String::with_capacity(value.len());
        let mut pos = 0;
        for (item, &i) in found.iter().zip(self.members) {
            out.push_str(&value[pos..item.span.offset]);
            out.push_str(self.value(i));
            pos = item.span.end();
        }
        if !tail {
            out.push_str(&value[pos..]);
        }
        Some(out)
    }

    fn unreadable(&self) -> EncodeProblem {
        EncodeProblem::new(
            self.members[0],
            "cannot match the placeholders of this scalar to its value",
        )
        .with_help("use a double-quoted scalar: key: \"$<kv:...>\"")
    }
}

fn indent_lines(value: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(value.len());
    for (n, line) in value.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
            }
        }
        out.push_str(line);
    }
    out
}

/// Whether YAML can hold `c` unescaped (c-printable, minus the line breaks and the BOM
/// that YAML 1.1 readers treat specially).
fn is_printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// YAML double-quoted escaping; `leading`/`trailing` protect edge whitespace that line
/// folding would otherwise drop.
fn dq_escape(value: &str, leading: bool, trailing: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    let last = value.chars().count().saturating_sub(1);
    let edge_start = value.chars().take_while(|c| matches!(c, ' ' | '\t')).count();
    let edge_end = last + 1
        - value.chars().rev().take_while(|c| matches!(c, ' ' | '\t')).count().min(last + 1);
    for (n, c) in value.chars().enumerate() {
        let at_edge = (leading && n < edge_start) || (trailing && n >= edge_end);
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            ' ' if at_edge => out.push_str("\\x20"),
            c if !is_printable(c) => {
                let code = u32::from(c);
                if code <= 0xFF {
                    let _ = write!(out, "\\x{code:02X}");
                } else if code <= 0xFFFF {
                    let _ = write!(out, "\\u{code:04X}");
                } else {
                    let _ = write!(out, "\\U{code:08X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `text`, as a plain scalar, reads back as exactly this string under YAML 1.2
/// and 1.1 (in block and flow context alike). Conservative: when in doubt, quote.
fn is_plain_safe(text: &str) -> bool {
    const INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@`";
    const TYPED_WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<",
        "=",
    ];
    let Some(first) = text.chars().next() else {
        return false;
    };
    let second = text.chars().nth(1);
    let numeric_start = first.is_ascii_digit()
        || (matches!(first, '-' | '+' | '.')
            && second.is_some_and(|c| c.is_ascii_digit() || c == '.'))
        || text.trim_start_matches(['-', '+']).starts_with('.');
    !INDICATORS.contains(first)
        && !numeric_start
        && !TYPED_WORDS.contains(&text)
        && text.chars().all(|c| is_printable(c) && c != '\t' && !",[]{}".contains(c))
        && !text.starts_with(' ')
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, value: &str) -> Result<String, Vec<EncodeProblem>> {
        let items = scan(text);
        let analysis = analyze(text, &items).unwrap();
        let replacements = vec![Some(value); items.len()];
        let edits = encode(text, &items, &analysis, &replacements)?;
        Ok(String::from_utf8(super::super::apply(text.as_bytes(), &edits).to_vec()).unwrap())
    }

    #[test]
    fn br03_styles_keep_their_quotes() {
        assert_eq!(render("a: \"$<kv:k/c>\"\n", "x\ny").unwrap(), "a: \"x\\ny\"\n");
        assert_eq!(render("a: '$<kv:k/c>'\n", "etl_reader").unwrap(), "a: 'etl_reader'\n");
        assert_eq!(render("a: $<kv:k/c>\n", "tok_9f8e7d").unwrap(), "a: tok_9f8e7d\n");
    }

    #[test]
    fn br01_multiline_plain_value_gets_double_quotes() {
        let out = render("tls:\n  key: $<kv:kv-prod/tls-key>\n", "-----BEGIN-----\nAB\n").unwrap();
        assert_eq!(out, "tls:\n  key: \"-----BEGIN-----\\nAB\\n\"\n");
    }

    #[test]
    fn br01_literal_block_keeps_indentation() {
        let text = "tls:\n  key: |\n    $<kv:kv-prod/tls-key>\nnext: 1\n";
        let out = render(text, "-----BEGIN-----\nAB\n").unwrap();
        assert_eq!(out, "tls:\n  key: |\n    -----BEGIN-----\n    AB\nnext: 1\n");
        let out = render(text, "A\nB").unwrap();
        assert_eq!(out, "tls:\n  key: |-\n    A\n    B\nnext: 1\n");
    }

    #[test]
    fn typed_looking_values_get_quotes() {
        for value in [
            "yes",
            "off",
            "0755",
            "1_000",
            "~",
            "true",
            "1e3",
            "0x1F",
            "",
            " a",
            "a: b",
            "a #b",
            "[x]",
            "-",
            "2024-01-01",
            ".inf",
            "@x",
        ] {
            let out = render("a: $<kv:k/c>\n", value).unwrap();
            assert!(out.starts_with("a: \""), "{value:?} -> {out:?}");
        }
    }

    #[test]
    fn comments_hold_no_scalars() {
        let text = "a: 1 # $<kv:k/c>\n# $<kv:k/c>\nb: \"#$<kv:k/c>\"\n";
        let items = scan(text);
        let analysis = analyze(text, &items).unwrap();
        let sites = sites(text, &items, &analysis);
        assert_eq!(sites.iter().map(|s| s.in_comment).collect::<Vec<_>>(), [true, true, false]);
    }

    // Found by the `encode_yaml` fuzz target: a plain scalar with an anchor or tag was
    // requoted from the start of its properties, which ended up inside the quotes.
    #[test]
    fn anchors_and_tags_stay_outside_added_quotes() {
        let cases = [
            ("a: !!str $<kv:kv-app/a>\n", "a: !!str \"x\\ny\"\n"),
            ("a: &x $<kv:kv-app/a>\n", "a: &x \"x\\ny\"\n"),
            ("a: &x !t $<kv:kv-app/a>\n", "a: &x !t \"x\\ny\"\n"),
            ("a: !<tag:x> $<kv:kv-app/a>\n", "a: !<tag:x> \"x\\ny\"\n"),
            ("a: !t\n  $<kv:kv-app/a>\n", "a: !t\n  \"x\\ny\"\n"),
            ("a: !t \"$<kv:kv-app/a>\"\n", "a: !t \"x\\ny\"\n"),
        ];
        for (text, expected) in cases {
            assert_eq!(render(text, "x\ny").unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn multibyte_text_before_placeholders() {
        let out = render("ä: ö\nb: \"$<kv:k/c>\"\n", "v").unwrap();
        assert_eq!(out, "ä: ö\nb: \"v\"\n");
    }
}
