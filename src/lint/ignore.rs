//! `[[lint.ignore]]` entries of the config file: findings silenced by path glob and code,
//! for JSON and text files (which have no comments) and for whole folders.

use std::path::{Component, Path, PathBuf};

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
    cwd: PathBuf,
}

impl Ignores {
    /// Entries whose globs are relative to `base` (the config file's folder), as ruff and
    /// eslint read theirs: a path is matched by where it is below `base`, whichever
    /// folder guzzle-kv runs in.
    pub fn new(rules: Vec<IgnoreRule>, base: Option<PathBuf>) -> Self {
        Self::relative_to(rules, base, std::env::current_dir().unwrap_or_default())
    }

    /// [`Ignores::new`] with relative paths (and `base`) taken from `cwd`.
    fn relative_to(rules: Vec<IgnoreRule>, base: Option<PathBuf>, cwd: PathBuf) -> Self {
        let base = base.map(|base| absolute(&cwd, &base));
        Self { rules, base, cwd }
    }

    /// Whether a finding with `code` in `path` (as given on the command line or found by
    /// the walk) is silenced.
    pub fn is_ignored(&self, path: &Path, code: Code) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let full = absolute(&self.cwd, path);
        let below_base = self.base.as_deref().and_then(|base| full.strip_prefix(base).ok());
        // A file outside the config's folder is matched by its full path, which only a
        // glob without `/` (a file name in any folder) can match.
        let relative = below_base.unwrap_or(&full);
        self.rules.iter().any(|rule| rule.covers(relative, code))
    }
}

/// `path` from `cwd`, with `.` and `..` resolved by name (links are not looked at, so
/// this agrees with how the walk names files).
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignores() -> Ignores {
        let rules = vec![
            IgnoreRule::new("adf/**/*.json", vec![Code::Kv101]).unwrap(),
            IgnoreRule::new("README.md", vec![]).unwrap(),
        ];
        Ignores::relative_to(rules, Some(PathBuf::from("/repo")), PathBuf::from("/repo"))
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

    #[test]
    fn relative_paths_are_taken_from_the_working_folder() {
        let rules = vec![
            IgnoreRule::new("adf/**/*.json", vec![Code::Kv101]).unwrap(),
            IgnoreRule::new("README.md", vec![]).unwrap(),
        ];
        let from_adf = Ignores::relative_to(
            rules.clone(),
            Some(PathBuf::from("/repo")),
            PathBuf::from("/repo/adf"),
        );
        assert!(from_adf.is_ignored(Path::new("ls.json"), Code::Kv101));
        assert!(from_adf.is_ignored(Path::new("./linked/ls.json"), Code::Kv101));
        assert!(!from_adf.is_ignored(Path::new("../other/ls.json"), Code::Kv101));
        assert!(from_adf.is_ignored(Path::new("/elsewhere/README.md"), Code::Kv005));
        let outside =
            Ignores::relative_to(rules.clone(), Some(PathBuf::from("/repo")), PathBuf::from("/x"));
        assert!(!outside.is_ignored(Path::new("adf/ls.json"), Code::Kv101));
        let config_given_relative =
            Ignores::relative_to(rules, Some(PathBuf::from("..")), PathBuf::from("/repo/adf"));
        assert!(config_given_relative.is_ignored(Path::new("ls.json"), Code::Kv101));
        assert!(config_given_relative.is_ignored(Path::new("/repo/adf/x/y.json"), Code::Kv101));
    }
}
