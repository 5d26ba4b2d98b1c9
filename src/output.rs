//! The safe writer shared by every command that writes. Each output is first written to
//! a temporary file beside its destination (mode 0600 from the moment it exists); only
//! when every file of the run is staged are they renamed over their destinations, so a
//! failure leaves every destination as it was, and a crash leaves each one old or new.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use crate::walk::{TEMP_PREFIX, TEMP_SUFFIX};

/// Why a destination cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The destination is a symbolic link.
    #[error("refusing to write `{}`: it is a symbolic link", path.display())]
    Link {
        /// The destination.
        path: PathBuf,
    },
    /// The destination is read-only.
    #[error("refusing to write `{}`: it is read-only", path.display())]
    ReadOnly {
        /// The destination.
        path: PathBuf,
    },
    /// The destination belongs to another user.
    #[error("refusing to write `{}`: it is owned by another user (uid {owner})", path.display())]
    Foreign {
        /// The destination.
        path: PathBuf,
        /// Its owner.
        owner: u32,
    },
    /// The destination is a folder.
    #[error("refusing to write `{}`: it is a folder", path.display())]
    Folder {
        /// The destination.
        path: PathBuf,
    },
    /// An I/O error.
    #[error("cannot write `{}`", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io { path: path.to_owned(), source }
}

/// Checks that `path` may be written: not a link, not a folder, and if it exists,
/// writable by its owner and owned by us. Returns the mode of an existing file.
pub fn check_destination(path: &Path) -> Result<Option<u32>, OutputError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(OutputError::Link { path: path.to_owned() });
    }
    if meta.is_dir() {
        return Err(OutputError::Folder { path: path.to_owned() });
    }
    if meta.mode() & 0o200 == 0 {
        return Err(OutputError::ReadOnly { path: path.to_owned() });
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(OutputError::Foreign { path: path.to_owned(), owner: meta.uid() });
    }
    Ok(Some(meta.mode() & 0o7777))
}

/// Temporary files waiting to be renamed over their destinations. Dropping a `Stage`
/// without [`Stage::commit`] removes every temporary file and every folder it created.
#[derive(Debug, Default)]
pub struct Stage {
    staged: Vec<(TempPath, PathBuf)>,
    created_dirs: Vec<PathBuf>,
}

impl Stage {
    /// An empty stage.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `bytes` to a temporary file beside `destination`. The file keeps the mode
    /// of an existing destination, or gets `new_mode` (0600 when it holds a secret).
    pub fn add(
        &mut self,
        destination: &Path,
        bytes: &[u8],
        new_mode: u32,
    ) -> Result<(), OutputError> {
        let existing = check_destination(destination)?;
        let dir = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        self.create_dir(&dir)?;

        let mut file = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(&dir)
            .map_err(io(&dir))?;
        file.write_all(bytes).map_err(io(destination))?;
        file.as_file().sync_all().map_err(io(destination))?;
        let mode = existing.unwrap_or(new_mode);
        fs::set_permissions(file.path(), fs::Permissions::from_mode(mode))
            .map_err(io(destination))?;
        self.staged.push((file.into_temp_path(), destination.to_owned()));
        Ok(())
    }

    fn create_dir(&mut self, dir: &Path) -> Result<(), OutputError> {
        let mut missing = Vec::new();
        let mut current = Some(dir);
        while let Some(d) = current.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_owned());
            current = d.parent();
        }
        for d in missing.into_iter().rev() {
            fs::create_dir(&d).map_err(io(&d))?;
            self.created_dirs.push(d);
        }
        Ok(())
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        self.staged.len()
    }

    /// Whether nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Renames every temporary file over its destination.
    pub fn commit(mut self) -> Result<usize, OutputError> {
        let staged = std::mem::take(&mut self.staged);
        self.created_dirs.clear();
        let count = staged.len();
        for (temp, destination) in staged {
            temp.persist(&destination).map_err(|e| io(&destination)(e.error))?;
        }
        Ok(count)
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        // Temporary files remove themselves when their `TempPath` drops.
        self.staged.clear();
        for dir in self.created_dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap().path().strip_prefix(dir).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn nothing_lands_until_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut stage = Stage::new();
        stage.add(&dir.path().join("new/deep/a.yml"), b"x", 0o600).unwrap();
        assert_eq!(names(dir.path()).len(), 3, "the folders and one temporary file");
        drop(stage);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[test]
    fn new_files_get_the_mode_asked_and_existing_ones_keep_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.conf");
        fs::write(&old, "old\n").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o640)).unwrap();
        let mut stage = Stage::new();
        stage.add(&old, b"new\n", 0o600).unwrap();
        stage.add(&dir.path().join("fresh.conf"), b"new\n", 0o600).unwrap();
        stage.commit().unwrap();
        let mode = |p: &str| fs::metadata(dir.path().join(p)).unwrap().mode() & 0o777;
        assert_eq!((mode("old.conf"), mode("fresh.conf")), (0o640, 0o600));
        assert_eq!(fs::read_to_string(&old).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["fresh.conf", "old.conf"]);
    }

    #[test]
    fn links_and_read_only_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        fs::write(&target, "t").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("link")).unwrap();
        assert!(matches!(
            check_destination(&dir.path().join("link")),
            Err(OutputError::Link { .. })
        ));
        fs::set_permissions(&target, fs::Permissions::from_mode(0o440)).unwrap();
        assert!(matches!(check_destination(&target), Err(OutputError::ReadOnly { .. })));
        assert_eq!(fs::read_to_string(&target).unwrap(), "t");
    }
}
