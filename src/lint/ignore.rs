//! `[[lint.ignore]]` entries of the config file: findings silenced by path glob and code,
//! for JSON and text files (which have no comments) and for whole folders.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use crate::diagnostic::Code;

/// One entry: files matching `glob` lose the findings with `codes` (all codes if empty).
#[derive(Clone, Debug)]
pub struct IgnoreRule {
    matcher: GlobMatcher,
    codes: Vec<Code>,
}

impl IgnoreRule {
    /// An entry. A glob without `/` matches a file name in any folder (as in
    /// `.gitignore`); one with `/` matches the whole path, relative to the config folder.
    pub fn new(glob: &str, codes: Vec<Code>) -> Result<Self, globset::Error> {
        let pattern = if glob.contains('/') {
            glob.trim_start_matches("./").to_owned()
        } else {
            format!("**/{glob}")
        };
        let matcher = GlobBuilder::new(&pattern).literal_separator(true).build()?.compile_matcher();
        Ok(Self { matcher, codes })
    }

    fn covers(&self, path: &Path, code: Code) -> bool {
        (self.codes.is_empty() || self.codes.contains(&code)) && self.matcher.is_match(path)
    }
}

/// All entries, with the folder their globs are relative to.
#[derive(Clone, Debug, Default)]
pub struct Ignores {
    rules: Vec<IgnoreRule>,
    base: Option<PathBuf>,
}

impl Ignores {
    /// Entries whose globs are relative to `base` (the config file's folder); paths given
    /// to [`Ignores::is_ignored`] under `base` are matched relative to it.
    pub fn new(rules: Vec<IgnoreRule>, base: Option<PathBuf>) -> Self {
        Self { rules, base }
    }

    /// Whether a finding with `code` in `path` is silenced.
    pub fn is_ignored(&self, path: &Path, code: Code) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let relative =
            self.base.as_deref().and_then(|base| path.strip_prefix(base).ok()).unwrap_or(path);
        let relative = relative.strip_prefix(".").unwrap_or(relative);
        self.rules.iter().any(|rule| rule.covers(relative, code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignores() -> Ignores {
        let rules = vec![
            IgnoreRule::new("adf/**/*.json", vec![Code::Kv101]).unwrap(),
            IgnoreRule::new("README.md", vec![]).unwrap(),
        ];
        Ignores::new(rules, Some(PathBuf::from("/repo")))
    }

    #[test]
    fn globs_and_codes() {
        let ignores = ignores();
        assert!(ignores.is_ignored(Path::new("adf/linkedService/ls.json"), Code::Kv101));
        assert!(ignores.is_ignored(Path::new("./adf/ls.json"), Code::Kv101));
        assert!(ignores.is_ignored(Path::new("/repo/adf/ls.json"), Code::Kv101));
        assert!(!ignores.is_ignored(Path::new("adf/ls.json"), Code::Kv001));
        assert!(!ignores.is_ignored(Path::new("other/adf/ls.json"), Code::Kv101));
        assert!(ignores.is_ignored(Path::new("docs/README.md"), Code::Kv005));
    }
}
