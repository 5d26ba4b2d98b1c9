//! Turning the paths on the command line into the list of files to process: folders are
//! walked in a deterministic order, hidden folders, symbolic links, excluded paths and
//! our own temporary files are skipped, and an output folder inside an input is not
//! walked into. A link named on the command line is followed, as ripgrep and `cp` do.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// The name pattern of guzzle-kv's temporary files: `.guzzle-kv-*.tmp`.
pub const TEMP_PREFIX: &str = ".guzzle-kv-";
/// See [`TEMP_PREFIX`].
pub const TEMP_SUFFIX: &str = ".tmp";

/// One file to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The path to read (`-` for stdin), and to show in messages.
    pub path: PathBuf,
    /// The path below the folder it was found in (the file name for a file argument),
    /// which is where it goes in an `--out` mirror.
    pub relative: PathBuf,
    /// Whether this is stdin.
    pub is_stdin: bool,
    /// Whether the command line names it (a file or `-`), rather than a walked folder.
    pub is_named: bool,
}

/// Something the walk passed over, for `-v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// A symbolic link met while walking (never followed).
    Link(PathBuf),
    /// A stale temporary file of an earlier run.
    Temporary(PathBuf),
    /// A FIFO, socket or device: reading one could block or never end.
    Special(PathBuf),
}

/// Why the inputs could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A path on the command line does not exist or cannot be read.
    #[error("cannot read `{}`", path.display())]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A folder could not be walked.
    #[error("cannot walk `{}`", path.display())]
    Walk {
        /// The folder or entry.
        path: PathBuf,
        /// The cause.
        #[source]
        source: walkdir::Error,
    },
    /// A glob does not parse.
    #[error("invalid glob `{glob}`")]
    Glob {
        /// The glob.
        glob: String,
        /// The cause.
        #[source]
        source: globset::Error,
    },
    /// `-` was given twice, or one file twice.
    #[error("`{}` is given twice", path.display())]
    Twice {
        /// The path.
        path: PathBuf,
    },
}

/// What to visit.
#[derive(Debug, Default)]
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// A folder not to walk into (the output folder).
    pub skip_dir: Option<PathBuf>,
}

impl Filter {
    /// Builds a filter from include and exclude globs, matched against the path below
    /// the walked folder (and, for excludes, against each folder on the way).
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, WalkError> {
        Ok(Self { include: glob_set(include)?, exclude: glob_set(exclude)?, skip_dir: None })
    }

    fn is_excluded(&self, relative: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|set| set.is_match(relative))
    }

    fn is_included(&self, relative: &Path) -> bool {
        self.include.as_ref().is_none_or(|set| set.is_match(relative))
    }
}

fn glob_set(globs: &[String]) -> Result<Option<GlobSet>, WalkError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let parsed =
            Glob::new(glob).map_err(|source| WalkError::Glob { glob: glob.clone(), source })?;
        builder.add(parsed);
    }
    builder.build().map(Some).map_err(|source| WalkError::Glob { glob: globs.join(", "), source })
}

/// Lists the files to process, in command-line order and then by name.
pub fn walk(paths: &[PathBuf], filter: &Filter) -> Result<(Vec<Input>, Vec<Skipped>), WalkError> {
    let mut inputs = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let relative = "-".into();
            inputs.push(Input { path: path.clone(), relative, is_stdin: true, is_named: true });
            continue;
        }
        // A link the user names is read through, as ripgrep and `cp` do; writing through
        // one stays refused (the writer checks each destination).
        let meta = std::fs::metadata(path)
            .map_err(|source| WalkError::Unreadable { path: path.clone(), source })?;
        if meta.is_dir() {
            walk_dir(path, filter, &mut inputs, &mut skipped)?;
        } else {
            let relative = path.file_name().map_or_else(|| path.clone(), PathBuf::from);
            inputs.push(Input { path: path.clone(), relative, is_stdin: false, is_named: true });
        }
    }
    check_unique(&inputs)?;
    Ok((inputs, skipped))
}

fn walk_dir(
    root: &Path,
    filter: &Filter,
    inputs: &mut Vec<Input>,
    skipped: &mut Vec<Skipped>,
) -> Result<(), WalkError> {
    let skip_dir = filter.skip_dir.as_deref().and_then(file_id);
    let entries = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name();
    let mut iter = entries.into_iter();
    while let Some(entry) = iter.next() {
        let entry = entry.map_err(|source| WalkError::Walk { path: root.to_owned(), source })?;
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path()).to_owned();
        let name = entry.file_name().to_string_lossy();
        let kind = entry.file_type();
        if entry.depth() == 0 {
            continue;
        }
        if kind.is_dir() {
            let is_output = skip_dir.is_some_and(|d| file_id(entry.path()) == Some(d));
            if name.starts_with('.') || is_output || filter.is_excluded(&relative) {
                iter.skip_current_dir();
            }
            continue;
        }
        if kind.is_symlink() {
            skipped.push(Skipped::Link(entry.path().to_owned()));
            continue;
        }
        if !kind.is_file() {
            skipped.push(Skipped::Special(entry.path().to_owned()));
            continue;
        }
        if crate::output::is_temporary(&name) {
            skipped.push(Skipped::Temporary(entry.path().to_owned()));
            continue;
        }
        if filter.is_excluded(&relative) || !filter.is_included(&relative) {
            continue;
        }
        // Walking `.` shows `a/b.yml`, not `./a/b.yml`.
        let path = if root == Path::new(".") { relative.clone() } else { entry.path().to_owned() };
        inputs.push(Input { path, relative, is_stdin: false, is_named: false });
    }
    Ok(())
}

/// The device and inode of the file at `path`, after links: two paths name the same file
/// when these agree. One `stat`, where resolving both paths would read every link on
/// the way.
pub(crate) fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(path).ok().map(|meta| (meta.dev(), meta.ino()))
}

fn check_unique(inputs: &[Input]) -> Result<(), WalkError> {
    let mut seen = std::collections::HashSet::new();
    for input in inputs {
        let key = if input.is_stdin {
            Err(Path::new("-"))
        } else {
            file_id(&input.path).ok_or(input.path.as_path())
        };
        if !seen.insert(key) {
            return Err(WalkError::Twice { path: input.path.clone() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in ["b.yml", "a/c.json", ".env", ".git/config", "out/x.yml", "a/.guzzle-kv-1.tmp"]
        {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        std::os::unix::fs::symlink("b.yml", dir.path().join("link.yml")).unwrap();
        dir
    }

    fn relative(inputs: &[Input]) -> Vec<String> {
        inputs.iter().map(|i| i.relative.display().to_string()).collect()
    }

    #[test]
    fn walks_sorted_skipping_hidden_dirs_links_and_temp_files() {
        let dir = tree();
        let (inputs, skipped) = walk(&[dir.path().to_owned()], &Filter::default()).unwrap();
        assert_eq!(relative(&inputs), [".env", "a/c.json", "b.yml", "out/x.yml"]);
        assert_eq!(skipped.len(), 2);
    }

    #[test]
    fn skips_the_output_folder_and_excludes() {
        let dir = tree();
        let mut filter = Filter::new(&[], &["**/*.json".into()]).unwrap();
        filter.skip_dir = Some(dir.path().join("out"));
        let (inputs, _) = walk(&[dir.path().to_owned()], &filter).unwrap();
        assert_eq!(relative(&inputs), [".env", "b.yml"]);
    }

    #[test]
    fn the_same_file_twice_is_an_error() {
        let dir = tree();
        let file = dir.path().join("b.yml");
        assert!(matches!(
            walk(&[file.clone(), file], &Filter::default()),
            Err(WalkError::Twice { .. })
        ));
        let dash = PathBuf::from("-");
        assert!(matches!(
            walk(&[dash.clone(), dash], &Filter::default()),
            Err(WalkError::Twice { .. })
        ));
    }

    #[test]
    fn links_named_on_the_command_line_are_followed() {
        let dir = tree();
        std::os::unix::fs::symlink("a", dir.path().join("linked-dir")).unwrap();
        std::os::unix::fs::symlink("gone.yml", dir.path().join("dangling.yml")).unwrap();
        let named = [dir.path().join("link.yml"), dir.path().join("linked-dir")];
        let (inputs, _) = walk(&named, &Filter::default()).unwrap();
        assert_eq!(relative(&inputs), ["link.yml", "c.json"]);
        assert_eq!(inputs[1].path, dir.path().join("linked-dir/c.json"));
        assert!(inputs[0].is_named && !inputs[1].is_named);
        assert!(matches!(
            walk(&[dir.path().join("dangling.yml")], &Filter::default()),
            Err(WalkError::Unreadable { .. })
        ));
    }
}
