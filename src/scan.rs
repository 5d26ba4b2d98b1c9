//! The scanner: finds every placeholder, escape, malformed placeholder and near miss in
//! one file, with its span. A byte search finds each `$`; the grammar says what starts
//! there. Linear in the input, also on one multi-megabyte line.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use pest::Parser as _;
use pest::error::{Error as PestError, ErrorVariant, InputLocation};

use crate::diagnostic::{Code, Diagnostic};
use crate::grammar::{PlaceholderParser, Rule};
use crate::names;
use crate::span::{LineIndex, Span};

/// One thing the scanner found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// Where it is; it starts at the `$`.
    pub span: Span,
    /// What it is.
    pub kind: ItemKind<'a>,
}

/// The kinds of things the scanner finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind<'a> {
    /// A complete placeholder (its names may still break Azure's rules).
    Placeholder(Placeholder<'a>),
    /// `$$<kv:`, which stands for the literal text `$<kv:`.
    Escape,
    /// Text that starts with `$<kv:` but does not complete a placeholder.
    Malformed(Malformed),
    /// Text that looks like a placeholder but is not one (`$<KV:`, `${kv:` ...).
    NearMiss,
}

/// The segments of a complete placeholder, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placeholder<'a> {
    /// The vault name.
    pub vault: &'a str,
    /// The secret name.
    pub secret: &'a str,
    /// The version, if pinned.
    pub version: Option<&'a str>,
}

/// Why a placeholder is malformed, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// What is wrong, e.g. "empty secret name".
    pub message: String,
}

/// The literal text an escape stands for.
pub const ESCAPED: &str = "$<kv:";

/// A placeholder can be longer than this only with absurd names; the grammar first sees
/// this much of the rest of the input, and all of it only when that was not enough.
const WINDOW: usize = 512;

/// Scans one file.
pub fn scan(text: &str) -> Vec<Item<'_>> {
    let bytes = text.as_bytes();
    let mut index = LineIndex::new(bytes);
    let mut items = Vec::new();
    let mut pos = 0;

    while let Some(found) = memchr::memchr(b'$', &bytes[pos..]) {
        let at = pos + found;
        match classify(&text[at..]) {
            Some((kind, len, skip)) => {
                trim_previous(&mut items, at);
                items.push(Item { span: index.span(at, len), kind });
                pos = at + skip;
            }
            None => pos = at + 1,
        }
    }
    items
}

/// A malformed item may run past the point where the scan resumed; it is cut back so
/// that items never overlap, which every encoder relies on.
fn trim_previous(items: &mut [Item<'_>], next: usize) {
    if let Some(previous) = items.last_mut() {
        if previous.span.end() > next {
            previous.span.len = next - previous.span.offset;
        }
    }
}

/// Says what starts at `rest` (which begins with `$`): the item, its length and how far
/// to move on. After a malformed placeholder the scan resumes behind `$<kv:`, so that a
/// good placeholder later on the same line is still found.
fn classify(rest: &str) -> Option<(ItemKind<'_>, usize, usize)> {
    // Only these can follow the `$` of an escape, a placeholder or a near miss.
    if !matches!(
        rest.as_bytes().get(1),
        Some(b'$' | b'<' | b'{' | b'(' | b'[' | b' ' | b'k' | b'K')
    ) {
        return None;
    }
    if let Some(known) = Known::recall(rest) {
        return Some(known);
    }
    let window = &rest[..floor_char_boundary(rest, WINDOW)];
    let parsed = parse_candidate(window);
    let truncated = window.len() < rest.len();
    let found = if truncated && matches!(&parsed, Err(e) if error_offset(e) >= window.len()) {
        interpret(rest, parse_candidate(rest))
    } else {
        interpret(window, parsed)
    };
    if let Some((ItemKind::Placeholder(placeholder), len, _)) = &found {
        Known::remember(&rest[..*len], placeholder);
    }
    found
}

/// The placeholders the grammar has already parsed on this thread, by their text: a tree
/// names the same few secrets again and again, and a lookup costs a small part of a
/// parse. The grammar still decides every placeholder: a complete placeholder's parse
/// reads nothing past its closing `>` and holds no other `>`, so text that equals a known
/// placeholder up to its first `>` parses to that placeholder.
struct Known;

/// Where the segments of a known placeholder sit in its text.
#[derive(Clone)]
struct Layout {
    vault: Range<usize>,
    secret: Range<usize>,
    version: Option<Range<usize>>,
}

/// Past this many entries the table starts again, so its memory stays small.
const KNOWN_MAX: usize = 4096;

/// Texts longer than this are parsed each time (real placeholders are much shorter).
const KNOWN_LONGEST: usize = 160;

thread_local! {
    static KNOWN: RefCell<HashMap<Box<str>, Layout>> = RefCell::new(HashMap::new());
}

impl Known {
    /// The placeholder at the start of `rest`, if its text is known.
    fn recall(rest: &str) -> Option<(ItemKind<'_>, usize, usize)> {
        #[cfg(test)]
        if tests::UNCACHED.with(std::cell::Cell::get) {
            return None;
        }
        let limit = rest.len().min(KNOWN_LONGEST);
        let len = memchr::memchr(b'>', &rest.as_bytes()[..limit])? + 1;
        let text = &rest[..len];
        let layout = KNOWN.with(|known| known.borrow().get(text).cloned())?;
        let placeholder = Placeholder {
            vault: &text[layout.vault],
            secret: &text[layout.secret],
            version: layout.version.map(|range| &text[range]),
        };
        Some((ItemKind::Placeholder(placeholder), len, len))
    }

    /// Keeps what the grammar said about the placeholder that is all of `text`.
    fn remember(text: &str, placeholder: &Placeholder<'_>) {
        if text.len() > KNOWN_LONGEST {
            return;
        }
        let at = |segment: &str| {
            let start = segment.as_ptr() as usize - text.as_ptr() as usize;
            start..start + segment.len()
        };
        let layout = Layout {
            vault: at(placeholder.vault),
            secret: at(placeholder.secret),
            version: placeholder.version.map(at),
        };
        KNOWN.with(|known| {
            let mut known = known.borrow_mut();
            if known.len() >= KNOWN_MAX {
                known.clear();
            }
            known.insert(text.into(), layout);
        });
    }
}

type Parsed<'a> = Result<pest::iterators::Pairs<'a, Rule>, Box<PestError<Rule>>>;

fn parse_candidate(text: &str) -> Parsed<'_> {
    PlaceholderParser::parse(Rule::candidate, text).map_err(Box::new)
}

fn interpret<'a>(text: &'a str, parsed: Parsed<'a>) -> Option<(ItemKind<'a>, usize, usize)> {
    match parsed {
        Ok(mut pairs) => {
            let pair = pairs.next()?;
            let len = pair.as_str().len();
            let kind = match pair.as_rule() {
                Rule::escape => ItemKind::Escape,
                Rule::placeholder => ItemKind::Placeholder(segments(pair)),
                _ => ItemKind::NearMiss,
            };
            Some((kind, len, len))
        }
        Err(error) if PlaceholderParser::parse(Rule::opening, text).is_ok() => {
            let end = error_offset(&error).clamp(ESCAPED.len(), text.len());
            // A `>` where a name was wanted (`$<kv:kv-db/>`) closes what was meant.
            let end = if text[end..].starts_with('>') { end + 1 } else { end };
            let malformed = Malformed { message: describe(&error, text) };
            Some((ItemKind::Malformed(malformed), end, ESCAPED.len()))
        }
        Err(_) => None,
    }
}

fn segments(pair: pest::iterators::Pair<'_, Rule>) -> Placeholder<'_> {
    let mut placeholder = Placeholder { vault: "", secret: "", version: None };
    for inner in pair.into_inner() {
        match inner.as_rule() {
            Rule::vault => placeholder.vault = inner.as_str(),
            Rule::secret => placeholder.secret = inner.as_str(),
            Rule::version => placeholder.version = Some(inner.as_str()),
            _ => {}
        }
    }
    placeholder
}

fn error_offset(error: &PestError<Rule>) -> usize {
    match error.location {
        InputLocation::Pos(pos) | InputLocation::Span((_, pos)) => pos,
    }
}

/// Turns a pest error into a plain sentence. Raw pest messages never reach the user.
fn describe(error: &PestError<Rule>, text: &str) -> String {
    let offset = error_offset(error);
    let found = text[offset..].chars().next();
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let segment =
        expected.iter().copied().find(|r| matches!(r, Rule::vault | Rule::secret | Rule::version));
    let wanted = phrase_list(&expected);

    let message = match (found, segment) {
        (None | Some('\n' | '\r'), _) => {
            format!("unterminated placeholder: expected {wanted} before the end of the line")
        }
        (Some(c), _) if c.is_whitespace() => {
            format!("whitespace inside a placeholder: expected {wanted}, found whitespace")
        }
        (Some('/' | '>'), Some(rule)) => format!("empty {}", segment_name(rule)),
        (Some(c), _) => format!("expected {wanted}, found `{c}`"),
    };
    // A stray character in a name is what the user wrote wrong; what the parser met
    // after it (an "empty version" behind the `//` of a URL, say) is only its echo.
    match hint(&text[ESCAPED.len()..offset]) {
        Some(hint) => format!("malformed placeholder: {hint}"),
        None => format!("malformed placeholder: {message}"),
    }
}

/// Names a problem in the segments read before the error, such as the `:` of a default
/// value that placeholders do not have.
fn hint(consumed: &str) -> Option<String> {
    let mut parts = consumed.split('/');
    let vault = parts.next().filter(|s| !s.is_empty())?;
    if let Some(problem) = names::check_vault(vault).err().filter(is_stray_character) {
        return Some(format!("{problem} in vault name `{vault}`{}", no_default(&problem)));
    }
    let secret = parts.next().filter(|s| !s.is_empty())?;
    let problem = names::check_secret(secret).err().filter(is_stray_character)?;
    Some(format!("{problem} in secret name `{secret}`{}", no_default(&problem)))
}

/// A `:` in a name is most often a default value, as in `${NAME:-default}`.
fn no_default(problem: &names::NameProblem) -> &'static str {
    match problem {
        names::NameProblem::BadCharacter(':') => " (a placeholder has no default value)",
        _ => "",
    }
}

/// The help line of a near miss: the prefix to write, and what differs from it.
fn near_miss_help(shown: &str) -> String {
    let after_dollar = &shown[1..];
    let rest = after_dollar.trim_start_matches([' ', '<', '{', '(', '[']);
    let opening = &after_dollar[..after_dollar.len() - rest.len()];
    let separator = rest.chars().last().unwrap_or(':');
    let source = &rest[..rest.len() - separator.len_utf8()];

    let mut fixes = Vec::new();
    if opening.contains(' ') {
        fixes.push("`$<` has no blank in it".to_owned());
    }
    let bracket = opening.replace(' ', "");
    match bracket.as_str() {
        "<" => {}
        "" => fixes.push("`$` is followed by `<`".to_owned()),
        _ if bracket.chars().all(|c| c == '<') => {
            fixes.push(format!("it opens with one `<`, not `{bracket}`"));
        }
        _ => fixes.push(format!("it opens with `<`, not `{bracket}`")),
    }
    if source.eq_ignore_ascii_case("kv") {
        if source != "kv" {
            fixes.push(format!("the prefix is case-sensitive: `kv`, not `{source}`"));
        }
    } else {
        fixes.push(format!("the source is always `kv`, not `{source}`"));
    }
    if separator != ':' {
        let found = match separator {
            ' ' => "a space".to_owned(),
            '\t' => "a tab".to_owned(),
            c => format!("`{c}`"),
        };
        fixes.push(format!("`kv` is followed by `:`, not {found}"));
    }
    format!("write `{ESCAPED}`: {}", fixes.join("; "))
}

/// A character worth naming in a hint: not a quote, which is most likely the end of the
/// string the placeholder was meant to sit in.
fn is_stray_character(problem: &names::NameProblem) -> bool {
    matches!(problem, names::NameProblem::BadCharacter(c) | names::NameProblem::NonAscii(c)
        if !matches!(c, '"' | '\'' | '`'))
}

fn segment_name(rule: Rule) -> &'static str {
    match rule {
        Rule::vault => "vault name",
        Rule::secret => "secret name",
        _ => "version",
    }
}

fn phrase_list(rules: &[Rule]) -> String {
    let mut phrases: Vec<&str> = rules.iter().map(|r| r.phrase()).collect();
    phrases.dedup();
    match phrases.as_slice() {
        [] => "`>`".to_owned(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn floor_char_boundary(text: &str, max: usize) -> usize {
    if max >= text.len() {
        return text.len();
    }
    (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

impl Item<'_> {
    /// The placeholder, if this item is one.
    pub fn placeholder(&self) -> Option<&Placeholder<'_>> {
        match &self.kind {
            ItemKind::Placeholder(p) => Some(p),
            _ => None,
        }
    }

    /// The findings this item gives by itself: KV001 for a malformed placeholder,
    /// KV002-KV004 for invalid names, KV005 for a near miss.
    pub fn diagnostics(&self, path: &std::path::Path, text: &str) -> Vec<Diagnostic> {
        let at = |code, message| Diagnostic::new(code, path.to_owned(), self.span, message);
        match &self.kind {
            ItemKind::Escape => Vec::new(),
            ItemKind::Malformed(m) => vec![at(Code::Kv001, m.message.clone())],
            ItemKind::NearMiss => {
                let shown = &text[self.span.range()];
                vec![
                    at(Code::Kv005, format!("`{shown}` looks like a placeholder but is not one"))
                        .with_help(near_miss_help(shown)),
                ]
            }
            ItemKind::Placeholder(p) => p.name_problems(path, self.span),
        }
    }
}

impl Placeholder<'_> {
    /// KV002-KV004 for each name that breaks Azure's rules.
    pub fn name_problems(&self, path: &std::path::Path, span: Span) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let mut check = |code, what, name: &str, result: Result<(), names::NameProblem>, rule| {
            if let Err(problem) = result {
                let message = format!("invalid {what} `{name}`: {problem}");
                found.push(Diagnostic::new(code, path.to_owned(), span, message).with_help(rule));
            }
        };
        check(
            Code::Kv002,
            "vault name",
            self.vault,
            names::check_vault(self.vault),
            names::VAULT_RULE,
        );
        check(
            Code::Kv003,
            "secret name",
            self.secret,
            names::check_secret(self.secret),
            names::SECRET_RULE,
        );
        if let Some(version) = self.version {
            check(
                Code::Kv004,
                "version",
                version,
                names::check_version(version),
                names::VERSION_RULE,
            );
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Makes the scanner parse every candidate, for comparison with the table.
        pub(super) static UNCACHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    fn uncached(text: &str) -> Vec<Item<'_>> {
        UNCACHED.with(|u| u.set(true));
        let items = scan(text);
        UNCACHED.with(|u| u.set(false));
        items
    }

    proptest::proptest! {
        /// What the table of known placeholders answers is what the grammar says, also
        /// for text that shares a known placeholder's start.
        #[test]
        fn known_placeholders_scan_as_parsed(text in "[$<>kv:ab/ \n$K{]{0,40}") {
            for warm in ["$<kv:a/b>", "$<kv:ab/ba>", "$<kv:a/b/a>", "$<kv:kv/a>", "$<kv:b/a{>", &text] {
                scan(warm);
            }
            proptest::prop_assert_eq!(scan(&text), uncached(&text));
        }
    }

    #[test]
    fn known_placeholder_followed_by_more() {
        scan("$<kv:a/b>");
        for text in ["$$<kv:a/b>", "$<kv:a/b>>", "$<kv:a/b/c>", "$<kv:a/b", "$<kv:a/b\n>"] {
            assert_eq!(scan(text), uncached(text), "{text}");
        }
    }

    fn kinds(text: &str) -> Vec<(String, String)> {
        scan(text)
            .into_iter()
            .map(|item| {
                let what = match item.kind {
                    ItemKind::Placeholder(p) => {
                        format!("ph {}/{}/{}", p.vault, p.secret, p.version.unwrap_or("-"))
                    }
                    ItemKind::Escape => "escape".into(),
                    ItemKind::Malformed(m) => m.message,
                    ItemKind::NearMiss => format!("near {}", &text[item.span.range()]),
                };
                (item.span.to_string(), what)
            })
            .collect()
    }

    #[test]
    fn items_never_overlap() {
        for text in ["$<kv:$<kv:a/b>", "A=$<kv:kv-a$$<kv:", "$<kv:$<kv:$<kv:x"] {
            let items = scan(text);
            assert!(items.windows(2).all(|w| w[0].span.end() <= w[1].span.offset), "{items:?}");
        }
        let text = "A=$<kv:kv-a$$<kv:";
        let items = scan(text);
        let analysis = crate::filetype::analyze(crate::filetype::FileType::Env, text, &items);
        let _ = analysis.unwrap().encode(text, &items, &vec![Some("it's"); items.len()]);
    }

    macro_rules! scans {
        ($($name:ident: $text:expr => [$(($pos:expr, $what:expr)),* $(,)?];)*) => {$(
            #[test]
            fn $name() {
                let expected: Vec<(String, String)> =
                    vec![$(($pos.to_string(), $what.to_string())),*];
                assert_eq!(kinds($text), expected);
            }
        )*};
    }

    scans! {
        plain_placeholder: "password: \"$<kv:kv-app/db-pass>\"" => [("1:12", "ph kv-app/db-pass/-")];
        pinned_version: "$<kv:kv/s/0123456789abcdef0123456789abcdef>" =>
            [("1:1", "ph kv/s/0123456789abcdef0123456789abcdef")];
        two_on_a_line: "$<kv:a/b>$<kv:c/d>" => [("1:1", "ph a/b/-"), ("1:10", "ph c/d/-")];
        escape_wins_leftmost: "$$$<kv:a/b>" => [("1:2", "escape")];
        // Found by the `scan` and `encode_env` fuzz targets: the scan resumes behind a
        // malformed `$<kv:`, and the malformed item reached into the next one, whose
        // encoder then sliced backwards (see `items_never_overlap`).
        malformed_then_placeholder_inside_it: "$<kv:$<kv:a/b>" =>
            [("1:1", "malformed placeholder: invalid character `$` in vault name `$`"), ("1:6", "ph a/b/-")];
        dollars_alone_are_text: "price: US$5 $$ done ${p_x} $" => [];
        unicode_columns: "schlüssel: $<kv:kv-app/x>" => [("1:12", "ph kv-app/x/-")];
        crlf_lines: "a=1\r\n\r\nb=$<kv:kv-db/>\r\n" =>
            [("3:3", "malformed placeholder: empty secret name")];
        unterminated_at_line_end: "d = \"$<kv:kv-app/db-pass\"\nnext" =>
            [("1:6", "malformed placeholder: unterminated placeholder: expected `/` or `>` before the end of the line")];
        split_across_lines: "b = \"$<kv:kv-app/db-\npass>\"" =>
            [("1:6", "malformed placeholder: unterminated placeholder: expected `/` or `>` before the end of the line")];
        missing_secret: "$<kv:kv-crm-dev>" =>
            [("1:1", "malformed placeholder: expected `/`, found `>`")];
        empty_vault: "$<kv:/x>" => [("1:1", "malformed placeholder: empty vault name")];
        whitespace_inside: "$<kv: kv/x>" =>
            [("1:1", "malformed placeholder: whitespace inside a placeholder: expected a vault name, found whitespace")];
        default_value_is_malformed: "$<kv:kv-app/endpoint:http://localhost:8080>" =>
            [("1:1", "malformed placeholder: invalid character `:` in secret name `endpoint:http:` (a placeholder has no default value)")];
        malformed_then_good: "$<kv:a $<kv:b/c>" =>
            [("1:1", "malformed placeholder: whitespace inside a placeholder: expected `/`, found whitespace"),
             ("1:8", "ph b/c/-")];
        extra_close_is_text: "$<kv:a/b>>" => [("1:1", "ph a/b/-")];
        near_misses: "$<KV:a/b> ${kv:a/b} $<vault:a/b> $<kv a/b> ${kvx}" =>
            [("1:1", "near $<KV:"), ("1:11", "near ${kv:"), ("1:21", "near $<vault:"),
             ("1:34", "near $<kv ")];
        // A fresh user's list of typos that passed unnoticed.
        more_near_misses: "$<kv;a $<kv=a $<kv.a $< kv:a $<<kv:a $kv:a $ <kv:a $<secret:a $<kv-app/x>" =>
            [("1:1", "near $<kv;"), ("1:8", "near $<kv="), ("1:15", "near $<kv."),
             ("1:22", "near $< kv:"), ("1:30", "near $<<kv:"), ("1:38", "near $kv:"),
             ("1:44", "near $ <kv:"), ("1:52", "near $<secret:"), ("1:63", "near $<kv-")];
        other_tools_parameters_are_no_near_miss:
            "${vault.url} ${kv-default} $kv $kvx: $<kvx: $kv:$port $kv: done $$kv: $$<" => [];
        end_of_input: "x $<kv:" =>
            [("1:3", "malformed placeholder: unterminated placeholder: expected a vault name before the end of the line")];
    }

    /// A fresh user's report: the span of `$<kv:kv-db/>` stopped short of its `>`.
    #[test]
    fn a_malformed_placeholder_closed_early_spans_its_close() {
        for (text, len) in [("$<kv:kv-db/>", 12), ("$<kv:>", 6), ("$<kv:a/b/>x", 10), ("$<kv:a", 6)]
        {
            let items = scan(text);
            assert!(matches!(items[0].kind, ItemKind::Malformed(_)), "{text}");
            assert_eq!(items[0].span.len, len, "{text}");
        }
    }

    #[test]
    fn long_segments_are_parsed_whole() {
        let text = format!("$<kv:kv/{}>", "s".repeat(5000));
        let items = scan(&text);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].placeholder().unwrap().secret.len(), 5000);
    }

    #[test]
    fn linear_on_one_long_line() {
        let text = "{\"a\":\"$<kv:\"},".repeat(50_000);
        assert_eq!(scan(&text).len(), 50_000);
    }

    #[test]
    fn near_miss_help_names_what_differs() {
        let cases = [
            ("${kv:", "write `$<kv:`: it opens with `<`, not `{`"),
            ("$<KV:", "write `$<kv:`: the prefix is case-sensitive: `kv`, not `KV`"),
            ("$<vault:", "write `$<kv:`: the source is always `kv`, not `vault`"),
            ("$<kv ", "write `$<kv:`: `kv` is followed by `:`, not a space"),
            ("$<kv/", "write `$<kv:`: `kv` is followed by `:`, not `/`"),
            (
                "$(Kv:",
                "write `$<kv:`: it opens with `<`, not `(`; the prefix is case-sensitive: `kv`, not `Kv`",
            ),
            ("$kv:", "write `$<kv:`: `$` is followed by `<`"),
            ("$<<kv:", "write `$<kv:`: it opens with one `<`, not `<<`"),
            ("$ <kv:", "write `$<kv:`: `$<` has no blank in it"),
            ("$<kv-", "write `$<kv:`: `kv` is followed by `:`, not `-`"),
            ("$<secret:", "write `$<kv:`: the source is always `kv`, not `secret`"),
        ];
        for (shown, expected) in cases {
            assert_eq!(near_miss_help(shown), expected, "{shown}");
        }
    }
}
