//! The pest parser generated from `grammar/placeholder.pest`, and the one place that
//! turns grammar rules into words a user reads.

use pest_derive::Parser;

/// Parses the text that starts at a `$` (see the grammar file for the rules). The
/// generated `Rule` enum is documented by the grammar's `///` comments.
#[derive(Parser)]
#[grammar = "grammar/placeholder.pest"]
pub struct PlaceholderParser;

impl Rule {
    /// What the rule stands for, as a phrase in "expected …" messages.
    pub fn phrase(self) -> &'static str {
        match self {
            Self::candidate | Self::placeholder => "a placeholder",
            Self::escape => "an escaped placeholder `$$<kv:`",
            Self::opening => "`$<kv:`",
            Self::vault => "a vault name",
            Self::secret => "a secret name",
            Self::version => "a version",
            Self::slash => "`/`",
            Self::close => "`>`",
            Self::near_miss | Self::near_angle | Self::near_other => "a near miss",
            Self::near_bracket => "`<`",
            Self::near_source => "`kv`",
            Self::near_separator => "`:`",
            Self::segment_char => "a name character",
        }
    }
}

#[cfg(test)]
mod tests {
    use pest::{consumes_to, fails_with, parses_to};

    use super::{PlaceholderParser, Rule};

    #[test]
    fn placeholder_with_and_without_version() {
        parses_to! {
            parser: PlaceholderParser,
            input: "$<kv:kv-app/db-pass>",
            rule: Rule::placeholder,
            tokens: [placeholder(0, 20, [
                opening(0, 5), vault(5, 11), slash(11, 12), secret(12, 19), close(19, 20)
            ])]
        };
        parses_to! {
            parser: PlaceholderParser,
            input: "$<kv:a/b/c>",
            rule: Rule::placeholder,
            tokens: [placeholder(0, 11, [
                opening(0, 5), vault(5, 6), slash(6, 7), secret(7, 8), slash(8, 9),
                version(9, 10), close(10, 11)
            ])]
        };
    }

    #[test]
    fn escape_and_near_miss() {
        parses_to! {
            parser: PlaceholderParser,
            input: "$$<kv:a/b>",
            rule: Rule::escape,
            tokens: [escape(0, 6)]
        };
        parses_to! {
            parser: PlaceholderParser,
            input: "${KV:a/b}",
            rule: Rule::near_miss,
            tokens: [near_miss(0, 5)]
        };
    }

    #[test]
    fn segments_stop_at_whitespace_and_brackets() {
        fails_with! {
            parser: PlaceholderParser,
            input: "$<kv:a b/c>",
            rule: Rule::placeholder,
            positives: vec![Rule::slash],
            negatives: vec![],
            pos: 6
        };
        fails_with! {
            parser: PlaceholderParser,
            input: "$<kv:a/>",
            rule: Rule::placeholder,
            positives: vec![Rule::secret],
            negatives: vec![],
            pos: 7
        };
        fails_with! {
            parser: PlaceholderParser,
            input: "$<kv:a/b\n>",
            rule: Rule::placeholder,
            positives: vec![Rule::slash, Rule::close],
            negatives: vec![],
            pos: 8
        };
    }

    #[test]
    fn the_exact_opening_is_never_a_near_miss() {
        fails_with! {
            parser: PlaceholderParser,
            input: "$<kv:a/>",
            rule: Rule::near_miss,
            positives: vec![Rule::near_miss],
            negatives: vec![],
            pos: 0
        };
    }
}
