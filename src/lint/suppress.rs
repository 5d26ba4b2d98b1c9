//! Inline suppressions: a comment `guzzle-kv: ignore KV101` (or several codes, or none
//! for every code; a mistyped code covers none) on the finding's line, or on a comment
//! line directly above it. Files without inline comments (`.properties`) take the line
//! above only; JSON and text have no comments and use `[[lint.ignore]]` instead.

use std::ops::Range;

use crate::diagnostic::{Code, Diagnostic};
use crate::filetype::FileType;

/// The marker that starts a suppression inside a comment.
const MARKER: &str = "guzzle-kv:";

/// The inline suppressions of one file.
pub(super) struct Suppressions<'t> {
    text: &'t str,
    file_type: FileType,
    /// Text the reader took as values, where a `#` starts no comment (YAML's quoted and
    /// block scalars), sorted.
    values: &'t [Range<usize>],
    /// Whether the file holds a marker at all: most files hold none, and the search is
    /// made once per file, not once per finding.
    any: bool,
}

impl<'t> Suppressions<'t> {
    /// The suppressions of `text`, whose reader took `values` as values (sorted).
    pub(super) fn new(text: &'t str, file_type: FileType, values: &'t [Range<usize>]) -> Self {
        let any = file_type.has_comments()
            && memchr::memmem::find(text.as_bytes(), MARKER.as_bytes()).is_some();
        Self { text, file_type, values, any }
    }

    /// Whether a comment on the finding's line, or a comment line above it, silences it.
    pub(super) fn silence(&self, finding: &Diagnostic) -> bool {
        self.any && self.is_suppressed(finding)
    }

    fn is_suppressed(&self, finding: &Diagnostic) -> bool {
        let (text, file_type) = (self.text, self.file_type);
        let (line, above) = lines_at(text, finding.span.offset);
        // A `#` inside a value (`|` block content) starts no comment.
        let comment = |line: &'t str| {
            comment(line, file_type)
                .filter(|c| !self.in_value(c.as_ptr() as usize - text.as_ptr() as usize))
        };
        let on_line = has_inline_comments(file_type)
            && comment(line).is_some_and(|c| silences(c, finding.code));
        let on_line_above = above.is_some_and(|above| {
            comment(above)
                .is_some_and(|c| above.trim_start().len() == c.len() && silences(c, finding.code))
        });
        on_line || on_line_above
    }

    /// The comment on the line holding `offset`, from its comment character to the end
    /// of the line, as [`Suppressions`] reads comments (for a type that has comments).
    pub(super) fn comment_on_line(&self, offset: usize) -> Option<Range<usize>> {
        let (line, _) = lines_at(self.text, offset);
        let start = line.as_ptr() as usize - self.text.as_ptr() as usize;
        let found = comment(line, self.file_type)?;
        let at = found.as_ptr() as usize - self.text.as_ptr() as usize;
        (!self.in_value(at)).then(|| at..start + line.len())
    }

    fn in_value(&self, offset: usize) -> bool {
        let after = self.values.partition_point(|v| v.start <= offset);
        after > 0 && self.values[after - 1].contains(&offset)
    }
}

fn has_inline_comments(file_type: FileType) -> bool {
    matches!(file_type, FileType::Yaml | FileType::Hocon | FileType::Env)
}

/// The line holding `offset`, and the line before it.
fn lines_at(text: &str, offset: usize) -> (&str, Option<&str>) {
    let start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |n| offset + n);
    let above = (start > 0).then(|| {
        let above_end = start - 1;
        let above_start = text[..above_end].rfind('\n').map_or(0, |n| n + 1);
        text[above_start..above_end].trim_end_matches('\r')
    });
    (text[start..end].trim_end_matches('\r'), above)
}

/// The comment on a line, from its comment character on, as the type reads comments
/// (approximately: a `#` inside a quoted YAML value is taken for a comment too, which can
/// only silence a finding, never invent one).
fn comment(line: &str, file_type: FileType) -> Option<&str> {
    match file_type {
        FileType::Properties { .. } => {
            let body = line.trim_start();
            body.starts_with(['#', '!']).then_some(body)
        }
        FileType::Hocon => {
            let at = [line.find('#'), line.find("//")].into_iter().flatten().min()?;
            Some(&line[at..])
        }
        _ => {
            let at = line
                .char_indices()
                .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with([' ', '\t'])))?
                .0;
            Some(&line[at..])
        }
    }
}

/// Whether a comment holds a suppression that covers `code`.
fn silences(comment: &str, code: Code) -> bool {
    let Some(at) = comment.find(MARKER) else {
        return false;
    };
    let rest = comment[at + MARKER.len()..].trim_start();
    let Some(list) = rest.strip_prefix("ignore") else {
        return false;
    };
    if list.starts_with(|c: char| c.is_alphanumeric()) {
        return false;
    }
    // A bare `ignore` covers every code; otherwise the codes are the words it starts
    // with (a reason may follow). A mistyped code covers nothing, so that a typo can
    // never hide the errors of its line.
    let mut words =
        list.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()).peekable();
    words.peek().is_none() || words.map_while(Code::parse).any(|listed| listed == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;

    fn suppressed(file_type: FileType, text: &str, code: Code) -> bool {
        let offset = text.find("HERE").expect("test text marks the finding");
        let span = Span { offset, len: 4, line: 1, column: 1 };
        Suppressions::new(text, file_type, &[]).silence(&Diagnostic::new(
            code,
            "f".into(),
            span,
            String::new(),
        ))
    }

    macro_rules! suppress {
        ($($type:expr, $text:expr, $code:ident => $expected:expr;)*) => {
            $( assert_eq!(suppressed($type, $text, Code::$code), $expected, "{}", $text); )*
        };
    }

    #[test]
    fn comments_that_silence() {
        let props = FileType::Properties { spark: false };
        suppress! {
            FileType::Yaml, "password: HERE # guzzle-kv: ignore KV101\n", Kv101 => true;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore KV102, KV101\n", Kv101 => true;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore\n", Kv101 => true;
            FileType::Yaml, "# guzzle-kv: ignore KV101\npassword: HERE\n", Kv101 => true;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore KV102\n", Kv101 => false;
            FileType::Yaml, "password: HERE # guzzle-kv: ignored\n", Kv101 => false;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore KV101 legacy file\n", Kv101 => true;
            FileType::Yaml, "a: HERE # guzzle-kv: ignore KV999\n", Kv001 => false;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore KV1011\n", Kv101 => false;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore foo\n", Kv101 => false;
            FileType::Yaml, "password: HERE # guzzle-kv: ignore KV999, KV101\n", Kv101 => false;
            FileType::Yaml, "a: 1 # guzzle-kv: ignore KV101\npassword: HERE\n", Kv101 => false;
            FileType::Yaml, "password: HERE#guzzle-kv: ignore KV101\n", Kv101 => false;
            FileType::Hocon, "password = HERE // guzzle-kv: ignore KV101\n", Kv101 => true;
            FileType::Env, "TOKEN=HERE # guzzle-kv: ignore kv101\n", Kv101 => true;
            props, "! guzzle-kv: ignore KV101\r\npassword=HERE\r\n", Kv101 => true;
            props, "password=HERE # guzzle-kv: ignore KV101\n", Kv101 => false;
            FileType::Json, "{\"password\": \"HERE\"} # guzzle-kv: ignore KV101", Kv101 => false;
        }
    }
}
