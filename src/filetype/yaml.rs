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
    /// Inside a flow collection (`[...]`, `{...}`), where more characters end a plain
    /// scalar.
    in_flow: bool,
    /// An implicit mapping key (no `?` before it) is this many characters long, from its
    /// node properties to the `:`, less the scalar's own text: YAML caps the whole at
    /// 1024 characters.
    implicit_key: Option<usize>,
}

/// The most characters an implicit key may have, in YAML 1.2 and 1.1 alike.
const IMPLICIT_KEY_MAX: usize = 1024;

/// The scalars of a file that hold items, and for each item the scalar it is in.
#[derive(Clone, Debug)]
pub(super) struct Analysis {
    scalars: Vec<Scalar>,
    owners: Vec<Option<usize>>,
}

/// Turns saphyr's character indexes into byte offsets, walking from the last one asked
/// for (the parser's positions mostly move forward, and never far back).
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
            let back =
                self.text[..self.bytes].char_indices().rev().nth(self.chars - char_index - 1);
            (self.chars, self.bytes) = (char_index, back.map_or(0, |(i, _)| i));
            return self.bytes;
        }
        let rest = &self.text[self.bytes..];
        let mut forward = rest.char_indices().skip(char_index - self.chars);
        let step = forward.next().map_or(rest.len(), |(i, _)| i);
        // Past the end, stay at the end (and count only the characters there are).
        let reached =
            if step == rest.len() { rest.chars().count() } else { char_index - self.chars };
        (self.chars, self.bytes) = (self.chars + reached, self.bytes + step);
        self.bytes
    }
}

/// One scalar event as the reader reports it.
struct Found<'t> {
    /// Its position among all scalar events of the file.
    ordinal: usize,
    style: ScalarStyle,
    range: Range<usize>,
    value: std::borrow::Cow<'t, str>,
    in_flow: bool,
    /// Whether it is a mapping key.
    is_key: bool,
    /// Where its node starts: at its node properties, if any.
    node: usize,
}

/// Hands every event of the file, in order, to `visit` with its byte range. Stops at the
/// first syntax error, which it returns.
pub(crate) fn each_event<'t>(
    text: &'t str,
    mut visit: impl FnMut(Event<'t>, Range<usize>),
) -> Result<(), SyntaxProblem> {
    each_node(text, |event, _, range| visit(event, range))
}

/// [`each_event`], with where each node starts too: at its node properties, if any.
fn each_node<'t>(
    text: &'t str,
    mut visit: impl FnMut(Event<'t>, usize, Range<usize>),
) -> Result<(), SyntaxProblem> {
    let mut offsets = Offsets { text, ascii: text.is_ascii(), chars: 0, bytes: 0 };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let offset = offsets.byte(e.marker().index());
            SyntaxProblem { file_type: "yaml", message: e.info().to_owned(), offset }
        })?;
        let node = offsets.byte(span.start.index());
        let (mut start, mut end) = (node, offsets.byte(span.end.index()).max(node));
        // A scalar's range is its content, without the node properties (`&a`, `!!str`)
        // saphyr's span starts at: no reader of the events may take them for the value.
        if let Event::Scalar(value, style, ..) = &event {
            match style {
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                    start = skip_properties(text, start, end);
                    let single = *style == ScalarStyle::SingleQuoted;
                    end = closing_quote_end(text, start..end, single);
                }
                ScalarStyle::Plain => start = skip_properties(text, start, end),
                ScalarStyle::Literal | ScalarStyle::Folded => {
                    if text[start..].starts_with(['&', '!']) {
                        start = block_content_start(text, start..end, value);
                    }
                }
            }
        }
        visit(event, node, start..end);
    }
    Ok(())
}

/// Hands every scalar event, in order, to `visit`; every event, scalars included, goes to
/// `observe` first. Nothing is kept, so a large file costs no memory per scalar.
fn each_scalar<'t>(
    text: &'t str,
    mut observe: impl FnMut(&Event<'t>, Range<usize>),
    mut visit: impl FnMut(Found<'t>),
) -> Result<(), SyntaxProblem> {
    let mut ordinal = 0;
    // For each open collection, whether it starts with `[` or `{`; and how many do. A
    // single-pair mapping inside a flow sequence (`[a: b]`) starts with neither, so the
    // innermost collection alone does not tell.
    let mut flows: Vec<bool> = Vec::new();
    let mut open_flows = 0usize;
    let mut keys = Keys::default();
    each_node(text, |event, node, range| {
        observe(&event, range.clone());
        match event {
            Event::Scalar(value, style, _, _) => {
                let (in_flow, is_key) = (open_flows > 0, keys.node());
                visit(Found { ordinal, style, range, value, in_flow, is_key, node });
                ordinal += 1;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let flow = matches!(text.as_bytes().get(range.start), Some(b'[' | b'{'));
                open_flows += usize::from(flow);
                flows.push(flow);
                keys.open(matches!(event, Event::MappingStart(..)));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                open_flows -= usize::from(flows.pop() == Some(true));
                keys.close();
            }
            Event::Alias(_) => {
                keys.node();
            }
            _ => {}
        }
    })
}

/// For each open collection, whether it is a mapping and, if so, whether its next node
/// is a key.
#[derive(Default)]
struct Keys(Vec<(bool, bool)>);

impl Keys {
    /// A node of the innermost collection starts; returns whether it is a mapping key.
    fn node(&mut self) -> bool {
        match self.0.last_mut() {
            Some((true, next_is_key)) => std::mem::replace(next_is_key, !*next_is_key),
            _ => false,
        }
    }

    fn open(&mut self, mapping: bool) {
        self.node();
        self.0.push((mapping, true));
    }

    fn close(&mut self) {
        self.0.pop();
    }
}

/// For a mapping key whose node starts at `node` and whose scalar is `range`: unless it
/// is an explicit key (`? key`), how many characters it has besides the scalar's own
/// text (its node properties and the blanks before the `:`).
fn implicit_key_rest(text: &str, node: usize, range: &Range<usize>) -> Option<usize> {
    let before = text[..node].trim_end_matches([' ', '\t']);
    let explicit = before.ends_with('?')
        && before[..before.len() - 1].ends_with([' ', '\t', '\n', '{', '[', ',', '-'])
        || before == "?";
    if explicit {
        return None;
    }
    let after = &text[range.end..];
    let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
    Some(text[node..range.start].chars().count() + blanks)
}

/// Where a quoted scalar opening at `span.start` really ends: just after its closing
/// quote. saphyr's span of a quoted scalar in a block runs on over the blanks and comment
/// after it, where a placeholder must be read as a comment. A double-quoted scalar ends at
/// the first `"` not escaped by `\\`; a single-quoted one at the first `'` not doubled.
fn closing_quote_end(text: &str, span: Range<usize>, single: bool) -> usize {
    let bytes = &text.as_bytes()[..span.end];
    let quote = if single { b'\'' } else { b'"' };
    let mut i = span.start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !single => i += 2,
            b'\'' if single && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    span.end
}

/// Where the content of a block scalar with node properties (`k: &a |`) starts: saphyr's
/// span then begins at the properties, while without them it begins on the first content
/// line at the block's indentation, which the encoders rely on. That is the first line
/// after the header that is not blank, past its spaces but those the value keeps (an
/// indentation indicator can make some of them content).
fn block_content_start(text: &str, span: Range<usize>, value: &str) -> usize {
    let header = skip_properties(text, span.start, span.end);
    let Some(header_end) = text[header..span.end].find('\n') else {
        return span.start;
    };
    let mut line = header + header_end + 1;
    while let Some(end) = text[line..span.end].find('\n').map(|i| line + i) {
        if !text[line..end].trim().is_empty() {
            break;
        }
        line = end + 1;
    }
    let spaces = text[line..span.end].len() - text[line..span.end].trim_start_matches(' ').len();
    let first = value.trim_start_matches('\n');
    let kept = first.len() - first.trim_start_matches(' ').len();
    line + spaces - kept.min(spaces)
}

/// Where a flow or quoted scalar really starts: saphyr's span begins at its node
/// properties (`&anchor`, `!tag`), which must stay outside what the encoders rewrite.
/// Such a scalar cannot itself start with `&` or `!`.
fn skip_properties(text: &str, mut start: usize, end: usize) -> usize {
    loop {
        let rest = &text[start..end];
        if !rest.starts_with(['&', '!']) {
            return start;
        }
        let property = rest.find(char::is_whitespace).unwrap_or(rest.len());
        start += property;
        // Blanks, line breaks and comments may stand between a property and the node.
        loop {
            let rest = &text[start..end];
            let blank = rest.len() - rest.trim_start().len();
            start += blank;
            if text[start..end].starts_with('#') {
                start += text[start..end].find('\n').unwrap_or(end - start);
            } else if blank == 0 {
                break;
            }
        }
    }
}

/// Each item goes to the first scalar, from the one the previous item went to on, that
/// ends after the item's start; it is that scalar's if the scalar also starts at or
/// before it, else it is in no scalar (a comment). The start decides, not the end: a
/// malformed placeholder can run on past its scalar (`{y: "$<kv:oops"}` reads to the
/// line's end), and is still in that scalar, not a comment. Only scalars that own an
/// item are kept, with their values.
///
/// Every event of the parse goes to `observe` too, for a caller that reads more of the
/// document in the same parse.
pub(super) fn analyze<'t>(
    text: &'t str,
    items: &[Item<'_>],
    observe: impl FnMut(&Event<'t>, Range<usize>),
) -> Result<Analysis, SyntaxProblem> {
    let mut analysis = Analysis { scalars: Vec::new(), owners: Vec::with_capacity(items.len()) };
    each_scalar(text, observe, |found| {
        let mut value = Some(found.value);
        while let Some(item) = items.get(analysis.owners.len()) {
            let item_range = item.span.range();
            if found.range.end <= item_range.start {
                break;
            }
            if found.range.start > item_range.start {
                analysis.owners.push(None);
                continue;
            }
            if let Some(value) = value.take() {
                analysis.scalars.push(Scalar {
                    style: found.style,
                    range: found.range.clone(),
                    value: value.into_owned(),
                    ordinal: found.ordinal,
                    in_flow: found.in_flow,
                    implicit_key: found
                        .is_key
                        .then(|| implicit_key_rest(text, found.node, &found.range))
                        .flatten(),
                });
            }
            analysis.owners.push(Some(analysis.scalars.len() - 1));
        }
    })?;
    analysis.owners.resize(items.len(), None);
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
    // One pass groups the items by scalar; filtering every item per scalar would be
    // quadratic on a file with many placeholders.
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
        match job.encode().and_then(|encoded| job.fits_as_key(encoded)) {
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
    // For each checked scalar, what was meant and whether the reader gave it back. Values
    // are compared as they stream past; none is kept.
    let mut outcomes: std::collections::HashMap<usize, (&str, bool)> =
        checks.iter().map(|c| (c.0, (c.1.as_str(), false))).collect();
    let parsed = each_scalar(
        output,
        |_, _| {},
        |found| {
            if let Some((wanted, matched)) = outcomes.get_mut(&found.ordinal) {
                *matched = found.value == *wanted;
            }
        },
    );
    if parsed.is_err() {
        return Err(checks.iter().map(|c| problem(c.2)).collect());
    }
    let failed: Vec<EncodeProblem> =
        checks.iter().filter(|c| !outcomes[&c.0].1).map(|c| problem(c.2)).collect();
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

    /// Refuses a result that makes an implicit key longer than YAML allows (readers then
    /// reject the file: "mapping values are not allowed here").
    fn fits_as_key(&self, encoded: Encoded) -> Result<Encoded, EncodeProblem> {
        let Some(rest) = self.scalar.implicit_key else {
            return Ok(encoded);
        };
        let range = &self.scalar.range;
        let mut length = rest + self.text[range.clone()].chars().count();
        for edit in &encoded.0 {
            let start = edit.range.start.max(range.start);
            let end = edit.range.end.min(range.end).max(start);
            length = length - self.text[start..end].chars().count() + edit.text.chars().count();
        }
        if length <= IMPLICIT_KEY_MAX {
            return Ok(encoded);
        }
        Err(EncodeProblem::new(
            self.members[0],
            format!(
                "a YAML mapping key holds at most {IMPLICIT_KEY_MAX} characters, and this one would hold {length}"
            ),
        )
        .with_help("write it as an explicit key, `? \"$<kv:...>\"` with `: value` on the next line"))
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
            if self.value(i).is_empty() && (leading || trailing) {
                // Nothing would stand between the line's edge and the whitespace beside
                // the placeholder, which line folding would then eat (or the line would
                // become empty, a line feed). One line holds the value exactly.
                return self.requoted();
            }
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
                || (trailing && value.ends_with([' ', '\t']))
                || ((leading || trailing) && value.is_empty());
            if value.contains(['\n', '\r']) || !value.chars().all(is_printable) || edge_space {
                return Err(EncodeProblem::new(
                    i,
                    "a single-quoted scalar cannot hold this value here (a line break, a control character, or edge blanks that line folding drops)",
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
            if is_plain_safe(new_text, self.scalar.in_flow) {
                return Ok((raw, None));
            }
            let quoted = format!("\"{}\"", dq_escape(new_text, false, false));
            return Ok((vec![Edit::quoted(self.scalar.range.clone(), quoted)], None));
        }
        self.requoted()
    }

    /// The whole scalar rewritten as a one-line double-quoted scalar holding its new value.
    fn requoted(&self) -> Result<Encoded, EncodeProblem> {
        let expected = self.substituted(false).ok_or_else(|| self.unreadable())?;
        let quoted = format!("\"{}\"", dq_escape(&expected, false, false));
        Ok((vec![Edit::quoted(self.scalar.range.clone(), quoted)], Some(expected)))
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
        // As in a literal block, a placeholder that is the block's whole content is its
        // whole value (as is one that ends the file): the header's chomping then keeps no
        // final newline.
        let tail = self.is_whole_content() || (self.ends_the_block() && self.ends_the_file());
        let expected = self.substituted(tail).ok_or_else(|| self.unreadable())?;
        let mut edits = self.raw_edits();
        if tail {
            edits.extend(self.chomping(0, expected.is_empty()));
            edits.sort_by_key(|e| e.range.start);
        }
        Ok((edits, Some(expected)))
    }

    /// Whether only blanks follow the last item to the end of its (block) scalar.
    fn ends_the_block(&self) -> bool {
        let last = *self.members.last().expect("a scalar job has members");
        self.text[self.items[last].span.end()..self.scalar.range.end].trim().is_empty()
    }

    /// Whether one item, with only blanks around it, is all a (block) scalar holds: then
    /// the value is the secret exactly, with the final newlines it has. Beside other
    /// content, the template's own final line break stays after it.
    /// Leading blank lines, or spaces an indentation indicator keeps, are content: what
    /// decides is the value as read, not the text.
    fn is_whole_content(&self) -> bool {
        let value = &self.scalar.value;
        let found = scan(value);
        let mut data = found
            .iter()
            .filter(|item| matches!(item.kind, ItemKind::Placeholder(_) | ItemKind::Escape));
        let only = data.next().filter(|_| data.next().is_none() && self.members.len() == 1);
        only.is_some_and(|item| {
            item.span.offset == 0 && value[item.span.end()..].trim_end_matches('\n').is_empty()
        })
    }

    /// Whether the file ends after the last item with no line break: the block then has
    /// no final line break of its own to keep after the value (a reader may still report
    /// one for it).
    fn ends_the_file(&self) -> bool {
        let last = *self.members.last().expect("a scalar job has members");
        !self.text[self.items[last].span.end()..].contains('\n')
    }

    fn literal(&self) -> Result<Encoded, EncodeProblem> {
        let indent = self.content_indent();
        let last = *self.members.last().expect("a scalar job has members");
        let tail = self.ends_the_block();
        let whole = self.is_whole_content() || (tail && self.ends_the_file());
        let expected = self.substituted(whole).ok_or_else(|| self.unreadable())?;
        // The final newlines of the whole value, which the header's chomping must keep.
        let kept = expected.len() - expected.trim_end_matches('\n').len();
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
            let at_tail = i == last && tail;
            let body = if at_tail { value.trim_end_matches('\n') } else { value };
            // New lines end like the placeholder's own line (or, on the file's last line,
            // like the line above), so a CRLF file stays CRLF.
            let line_end = &self.text[self.span(i).end..];
            let own = line_end.split_once('\n').map(|(line, _)| line);
            let above = || self.text[..self.span(i).start].rsplit_once('\n').map(|(a, _)| a);
            let newline =
                if own.or_else(above).is_some_and(|l| l.ends_with('\r')) { "\r\n" } else { "\n" };
            // Text after the item on its line needs the block's indentation before it.
            let mut written = indent_lines(body, indent, !at_tail, newline);
            if at_tail {
                // The line breaks after the placeholder, up to the next content (or the
                // end of the file), are the value's final newlines too: as many more are
                // written as the whole value needs.
                let after = &self.text[self.span(i).end..];
                let blank_run = after
                    .find(|c: char| !matches!(c, ' ' | '\t' | '\r' | '\n'))
                    .map_or(after, |end| &after[..end]);
                let breaks_after = blank_run.matches('\n').count();
                // With nothing of the value on its line, the line breaks back to the
                // block's content before it end the whole value too.
                let before = if body.is_empty() {
                    let lead = &self.text[self.scalar.range.start..self.span(i).start];
                    lead[lead.trim_end().len()..].matches('\n').count()
                } else {
                    0
                };
                written.push_str(&newline.repeat(kept.saturating_sub(breaks_after + before)));
                // Chomping keeps the final newlines of the whole value: with an empty
                // value they are those of the text before the placeholder.
                let only_newlines = kept == expected.len();
                edits.extend(self.chomping(kept, only_newlines));
            }
            edits.push(Edit::new(self.span(i), written));
        }
        edits.sort_by_key(|e| e.range.start);
        Ok((edits, Some(expected)))
    }

    /// The edit that sets the block header's chomping to keep `newlines` final newlines.
    /// With `only_newlines` the block has no content line, and clipping would keep none.
    fn chomping(&self, newlines: usize, only_newlines: bool) -> Option<Edit> {
        static HEADER: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"[|>]([-+]?)([1-9]?)([-+]?)[ \t]*(?:#.*)?\r?$").expect("valid regex")
        });
        // The header is the last line before the first content line that is not blank:
        // blank lines may open the block.
        let before = &self.text[..self.scalar.range.start];
        let mut header_end = before.rfind('\n')?;
        let (header_start, header) = loop {
            let start = before[..header_end].rfind('\n').map_or(0, |i| i + 1);
            let line = &before[start..header_end];
            if start == 0 || !line.trim().is_empty() {
                break (start, line);
            }
            header_end = start - 1;
        };
        let found = HEADER.captures(header)?;
        let wanted = match newlines {
            0 => "-",
            1 if !only_newlines => "",
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

    /// The indentation of the block's content lines: saphyr's span starts at it, on the
    /// first content line (past spaces that an indentation indicator makes content).
    fn content_indent(&self) -> usize {
        let start = self.scalar.range.start;
        start - self.text[..start].rfind('\n').map_or(0, |i| i + 1)
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

/// Indents every line of `value` after the first; empty lines stay empty, except the
/// last with `pad_last` (text of the template follows it on that line).
fn indent_lines(value: &str, indent: usize, pad_last: bool, newline: &str) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(value.len());
    let count = value.split('\n').count();
    for (n, line) in value.split('\n').enumerate() {
        if n > 0 {
            out.push_str(newline);
            if !line.is_empty() || (pad_last && n + 1 == count) {
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
/// and 1.1. In a flow collection YAML 1.1 readers also end a plain scalar at `?` (`PyYAML`)
/// and at `:` (older `PyYAML` and `SnakeYAML`). Conservative: when in doubt, quote.
fn is_plain_safe(text: &str, in_flow: bool) -> bool {
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
        && !(in_flow && text.contains(['?', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, value: &str) -> Result<String, Vec<EncodeProblem>> {
        let items = scan(text);
        let analysis = analyze(text, &items, |_, _| {}).unwrap();
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

    /// YAML caps an implicit key at 1024 characters, properties and quotes included; a
    /// longer one made a file no reader takes, with exit 0 (a fresh user's report).
    #[test]
    fn implicit_keys_stay_within_1024_characters() {
        let fits = |text: &str, length: usize| render(text, &"x".repeat(length)).is_ok();
        for (text, longest) in [
            ("$<kv:kv-app/s>: v\n", 1024),
            ("\"$<kv:kv-app/s>\": v\n", 1022),
            ("{$<kv:kv-app/s>: v}\n", 1024),
            ("- &a $<kv:kv-app/s>  : v\n", 1019),
            ("a: [1, 2]\nb:\n  c: d\n$<kv:kv-app/s>: v\n", 1024),
        ] {
            assert!(fits(text, longest), "{text}");
            assert!(!fits(text, longest + 1), "{text}");
            let out = render(text, &"x".repeat(longest)).unwrap();
            assert!(Parser::new_from_str(&out).all(|e| e.is_ok()), "{text}");
        }
        let problem = render("$<kv:kv-app/s>: v\n", &"x".repeat(2000)).unwrap_err();
        assert!(problem[0].message.contains("at most 1024 characters"), "{}", problem[0].message);
        for text in ["? $<kv:kv-app/s>\n: v\n", "k: $<kv:kv-app/s>\n", "- $<kv:kv-app/s>\n"] {
            assert!(fits(text, 5000), "{text}");
        }
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
    fn offsets_walk_both_ways_over_multibyte_characters() {
        let text = "aé€😀b";
        let mut offsets = Offsets { text, ascii: false, chars: 0, bytes: 0 };
        let expected = [0, 1, 3, 6, 10, 11];
        for chars in [4, 1, 5, 0, 3, 2, 5] {
            assert_eq!(offsets.byte(chars), expected[chars], "char {chars}");
        }
        assert_eq!(offsets.byte(9), text.len());
        assert_eq!(offsets.byte(2), 3);
    }

    /// saphyr's span of a quoted scalar in a block runs on over the comment after it (a
    /// fresh user's report: `k: "a" # $<kv:...>` was rendered into the comment).
    #[test]
    fn a_comment_after_a_quoted_scalar_is_a_comment() {
        for text in [
            "k: \"a\" # $<kv:k/c>\n",
            "k: 'a' #$<kv:k/c>\n",
            "- \"a\"   # see $<kv:k/c>\n",
            "k: \"a\\\" # $<kv:k/c>\" # $<kv:k/c>\n",
            "k: 'it''s # $<kv:k/c>' # $<kv:k/c>\n",
            "k: &x \"a\" # $<kv:k/c>\n",
            "k: \"two\n  lines\" # $<kv:k/c>\n",
            "\"k\": v # $<kv:k/c>\n",
            "k: \"a\" # $<kv:kv-app/>\n",
        ] {
            let mut expected = vec![false; text.matches("$<kv:").count()];
            *expected.last_mut().unwrap() = true;
            assert_eq!(in_comments(text), expected, "{text}");
        }
        assert_eq!(
            render("k: \"$<kv:k/c>\" # $<kv:k/c>\n", "v\"").unwrap(),
            "k: \"v\\\"\" # $<kv:k/c>\n"
        );
    }

    /// For each item of `text`, whether it sits in a comment.
    fn in_comments(text: &str) -> Vec<bool> {
        let items = scan(text);
        let analysis = analyze(text, &items, |_, _| {}).unwrap();
        sites(text, &items, &analysis).iter().map(|s| s.in_comment).collect()
    }

    #[test]
    fn comments_hold_no_scalars() {
        let text = "a: 1 # $<kv:k/c>\n# $<kv:k/c>\nb: \"#$<kv:k/c>\"\n";
        assert_eq!(in_comments(text), [true, true, false]);
    }

    /// A malformed placeholder reads on past its closing quote and the flow indicator
    /// (a fresh user's report): it still sits in its scalar, so `render` refuses it
    /// instead of passing it through as a comment.
    #[test]
    fn a_malformed_placeholder_running_past_its_scalar_is_in_it() {
        for text in [
            "db: {y: \"$<kv:oops\"}\n",
            "db: [\"$<kv:oops\"]\n",
            "db: [$<kv:oops, 1]\n",
            "db: {y: '$<kv:oops'}\n",
            "{\"y\": \"$<kv:kv-app/db-pass\"}\n",
        ] {
            assert_eq!(in_comments(text), [false], "{text}");
        }
    }

    /// `name: (template, value) => rendered`, or `=> err` for a refusal.
    macro_rules! renders {
        ($($name:ident: ($text:expr, $value:expr) => $expected:tt;)*) => {$(
            #[test]
            fn $name() {
                renders!(@check render($text, $value), $expected);
            }
        )*};
        (@check $got:expr, err) => { assert!($got.is_err()) };
        (@check $got:expr, $expected:expr) => { assert_eq!($got.unwrap(), $expected) };
    }

    renders! {
        tag_stays_outside_the_value: ("a: !!str $<kv:k/c>\n", "0755") => "a: !!str \"0755\"\n";
        anchor_stays_and_alias_still_works: ("a: &x $<kv:k/c>\nb: *x\n", "yes") => "a: &x \"yes\"\nb: *x\n";
        anchor_on_its_own_line: ("a: &A\n  $<kv:k/c>\n", "yes") => "a: &A\n  \"yes\"\n";
        anchor_before_a_quoted_scalar: ("a: &x \"$<kv:k/c>\"\n", "q\"") => "a: &x \"q\\\"\"\n";
        sequence_item_with_anchor: ("- &x $<kv:k/c>\n- *x\n", "ok") => "- &x ok\n- *x\n";
        literal_lines_keep_the_files_crlf:
            ("k: |\r\n  $<kv:k/c>\r\nz: 1\r\n", "a\nb\n") => "k: |\r\n  a\r\n  b\r\nz: 1\r\n";
    }

    // Found by the round-trip properties (tests/it/roundtrip).
    renders! {
        flow_question_mark_gets_quotes: ("k: [a, $<kv:k/c>]\n", "a?b") => "k: [a, \"a?b\"]\n";
        flow_colon_gets_quotes: ("k: {x: $<kv:k/c>}\n", "a:b") => "k: {x: \"a:b\"}\n";
        block_question_mark_stays_plain: ("k: $<kv:k/c>\n", "a?b:c") => "k: a?b:c\n";
        double_quoted_empty_at_line_edge_joins_the_lines:
            ("k: \"first\n  $<kv:k/c> last\"\n", "") => "k: \"first  last\"\n";
        double_quoted_empty_alone_on_a_line:
            ("k: \"first\n  $<kv:k/c>\n  last\"\n", "") => "k: \"first  last\"\n";
        single_quoted_empty_at_line_edge_is_refused: ("k: 'a\n  $<kv:k/c>\n  b'\n", "") => err;
        literal_at_end_of_file_writes_its_newline: ("k: |\n  $<kv:k/c>", "a\nb\n") => "k: |\n  a\n  b\n";
        literal_empty_tail_keeps_the_newline_before:
            ("k: |\n  line1\n  $<kv:k/c>\nz: 1\n", "") => "k: |+\n  line1\n  \nz: 1\n";
        // A fresh user's report: beside other content, the block's own final line break
        // stays after the value (`|` became `|-`, so `a\nX\n` read `a\nX`).
        literal_after_other_lines_keeps_the_blocks_newline:
            ("k: |\n  a\n  $<kv:k/c>\nz: 1\n", "X") => "k: |\n  a\n  X\nz: 1\n";
        literal_after_other_lines_adds_the_values_newlines:
            ("k: |\n  a\n  $<kv:k/c>\nz: 1\n", "X\n") => "k: |+\n  a\n  X\n\nz: 1\n";
        literal_stripped_after_other_lines:
            ("k: |-\n  a\n  $<kv:k/c>\nz: 1\n", "X\n") => "k: |\n  a\n  X\nz: 1\n";
        literal_two_placeholders_keep_the_blocks_newline:
            ("k: |\n  $<kv:k/c>\n  $<kv:k/c>\nz: 1\n", "X") => "k: |\n  X\n  X\nz: 1\n";
        folded_after_other_text_keeps_the_blocks_newline:
            ("k: >\n  a\n  $<kv:k/c>\nz: 1\n", "X") => "k: >\n  a\n  X\nz: 1\n";
        // A second fresh user's report: at the end of a file with no final line break
        // there is no block line break to keep (the reader reported one), and leading
        // blank lines or indicator spaces are content, so the value is not the block's.
        literal_beside_content_at_the_end_of_the_file:
            ("k: |+\n  a\n  $<kv:k/c>", "x") => "k: |-\n  a\n  x";
        literal_beside_content_at_the_end_of_a_crlf_file:
            ("k: |\r\n  pre\r\n  $<kv:k/c>", "a\nb\n\n") => "k: |+\r\n  pre\r\n  a\r\n  b\r\n\r\n";
        literal_after_a_blank_line_keeps_the_blocks_newline:
            ("k: |\n\n  $<kv:k/c>\n", "x") => "k: |\n\n  x\n";
        literal_with_kept_indicator_spaces_keeps_the_blocks_newline:
            ("k: |1\n  $<kv:k/c>\n", "x") => "k: |1\n  x\n";
        // Spaces alone on a block's last line read as an empty line, not as `   `.
        literal_with_spaces_after_an_empty_value_is_refused:
            ("k: |\n  $<kv:k/c>   \n", "") => err;
        literal_with_spaces_after_the_placeholder:
            ("k: |\n  $<kv:k/c>   \n", "x") => "k: |\n  x   \n";
        folded_whole_content_is_the_value:
            ("k: >\n  $<kv:k/c>\nz: 1\n", "X") => "k: >-\n  X\nz: 1\n";
        literal_value_ending_in_newline_mid_line:
            ("k: |\n  a $<kv:k/c> b\nz: 1\n", "x\n") => "k: |\n  a x\n   b\nz: 1\n";
        literal_of_newlines_only_keeps_them:
            ("k: |2\n  $<kv:k/c>\nz: 1\n", "\n") => "k: |2+\n  \nz: 1\n";
        // A fresh user's reports: the header was looked for on the line above the first
        // content line, and the indentation taken from it.
        literal_opened_by_blank_lines_sets_its_header:
            ("k: |\n\n  $<kv:k/c>\nx: 1\n", "v") => "k: |\n\n  v\nx: 1\n";
        literal_opened_by_blank_lines_with_spaces:
            ("k: |\n  \n \n  $<kv:k/c>\nx: 1\n", "a\nb\n") => "k: |+\n  \n \n  a\n  b\n\nx: 1\n";
        literal_indentation_indicator_sets_the_indentation:
            ("k: |2\n   $<kv:k/c>\n", "a\nb") => "k: |2\n   a\n  b\n";
        nested_literal_indentation_indicator:
            ("m:\n  k: |1\n     $<kv:k/c>\n", "a\nb\n") => "m:\n  k: |1+\n     a\n   b\n\n";
        // A fresh user's report: with node properties saphyr's span starts at them.
        literal_with_an_anchor: ("k: &anc |\n  $<kv:k/c>\nb: *anc\n", "a\nb") => "k: &anc |-\n  a\n  b\nb: *anc\n";
        literal_with_a_tag: ("k: !!str |\n  $<kv:k/c>\n", "a\nb\n") => "k: !!str |\n  a\n  b\n";
        literal_with_properties_on_their_own_line:
            ("k: &a\n  |2\n\n   $<kv:k/c>\n", "x\ny") => "k: &a\n  |2\n\n   x\n  y\n";
        // A fresh user's report: `>` kept its final newline where `|` did not.
        folded_ending_in_the_placeholder_keeps_no_newline: ("k: >\n  $<kv:k/c>\nz: 1\n", "a b") => "k: >-\n  a b\nz: 1\n";
        folded_with_text_after_keeps_its_newline: ("k: >\n  $<kv:k/c> x\nz: 1\n", "a") => "k: >\n  a x\nz: 1\n";
        folded_keep_becomes_strip: ("k: >+\n  $<kv:k/c>\n\nz: 1\n", "a") => "k: >-\n  a\n\nz: 1\n";
        literal_keep_counts_blank_lines_after:
            ("k: |+\n  $<kv:k/c>\n\nz: 1\n", "t\n\n") => "k: |+\n  t\n\nz: 1\n";
    }

    #[test]
    fn multibyte_text_before_placeholders() {
        let out = render("ä: ö\nb: \"$<kv:k/c>\"\n", "v").unwrap();
        assert_eq!(out, "ä: ö\nb: \"v\"\n");
    }
}
