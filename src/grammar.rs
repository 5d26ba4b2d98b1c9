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
            Self::near_miss => "a near miss",
            Self::near_bracket => "`<`",
            Self::near_source => "`kv`",
            Self::near_separator => "`:`",
            Self::segment_char => "a name character",
        }
    }
}
