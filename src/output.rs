//! The safe writer shared by every command that writes. Each output is first written to
//! a temporary file beside its destination (mode 0600 from the moment it exists); only
//! when every file of the run is staged are they renamed over their destinations, so a
//! failure leaves every destination as it was, and a crash leaves each one old or new.
//! Every temporary file is made durable before the first rename (see [`Stage::commit`]).

use std::fs;
use std::io::Write;
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
    /// The destination is a FIFO, socket or device.
    #[error("refusing to write `{}`: it is not a regular file", path.display())]
    Special {
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
    // Renaming over a device or FIFO would replace it with a file.
    if !meta.is_file() {
        return Err(OutputError::Special { path: path.to_owned() });
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

/// Checks that no folder between `root` and `root/relative` is a symbolic link (`root`
/// itself may be one: the user named it).
pub fn check_folders_below(root: &Path, relative: &Path) -> Result<(), OutputError> {
    for folder in relative.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()) {
        let path = root.join(folder);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(OutputError::Link { path });
        }
    }
    Ok(())
}

/// Temporary files waiting to be renamed over their destinations. Dropping a `Stage`
/// without [`Stage::commit`] removes every temporary file and every folder it created.
#[derive(Debug, Default)]
pub struct Stage {
    staged: Vec<(TempPath, PathBuf)>,
    created_dirs: Vec<PathBuf>,
}

/// One temporary file beside its destination, written but not yet taken into a
/// [`Stage`]; dropping it removes the file.
#[derive(Debug)]
pub struct Staged {
    temp: TempPath,
    destination: PathBuf,
}

impl Staged {
    /// Writes a temporary file beside `destination`, whose folder must exist: `write`
    /// writes it piece by piece (buffered). The file keeps the mode of an existing
    /// destination, or gets `new_mode` (0600 when it holds a secret). Files can be
    /// written so on several threads at once.
    pub fn write(
        destination: &Path,
        new_mode: u32,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<Staged, OutputError> {
        let existing = check_destination(destination)?;
        let dir = folder_of(destination);
        // The process id in the name tells a later run whether the writer is still alive.
        let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
        let mut file = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(TEMP_SUFFIX)
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(&dir)
            .map_err(io(&dir))?;
        let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, file.as_file_mut());
        write(&mut buffered).and_then(|()| buffered.flush()).map_err(io(destination))?;
        drop(buffered);
        let mode = existing.unwrap_or(new_mode);
        file.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .map_err(io(destination))?;
        Ok(Staged { temp: file.into_temp_path(), destination: destination.to_owned() })
    }
}

fn folder_of(destination: &Path) -> PathBuf {
    match destination.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
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
        self.add_with(destination, new_mode, |out| out.write_all(bytes))
    }

    /// [`Stage::add`] for a file that `write` writes piece by piece (buffered), so that
    /// a large result need not be held in memory.
    pub fn add_with(
        &mut self,
        destination: &Path,
        new_mode: u32,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), OutputError> {
        self.make_folder_for(destination)?;
        let staged = Staged::write(destination, new_mode, write)?;
        self.push(staged);
        Ok(())
    }

    /// Creates the missing folders above `destination`, which [`Stage::commit`] keeps
    /// and dropping the stage removes. Files are staged there by [`Staged::write`].
    pub fn make_folder_for(&mut self, destination: &Path) -> Result<(), OutputError> {
        self.create_dir(&folder_of(destination))
    }

    /// Takes a file written by [`Staged::write`] into the stage.
    pub fn push(&mut self, staged: Staged) {
        self.staged.push((staged.temp, staged.destination));
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

    /// Makes every temporary file durable, then renames each over its destination.
    pub fn commit(mut self) -> Result<usize, OutputError> {
        self.sync()?;
        let staged = std::mem::take(&mut self.staged);
        self.created_dirs.clear();
        let count = staged.len();
        for (temp, destination) in staged {
            temp.persist(&destination).map_err(|e| io(&destination)(e.error))?;
        }
        Ok(count)
    }
}

/// Whether a file name has the pattern of guzzle-kv's temporary files, `.guzzle-kv-*.tmp`.
pub fn is_temporary(name: &str) -> bool {
    name.len() >= TEMP_PREFIX.len() + TEMP_SUFFIX.len()
        && name.starts_with(TEMP_PREFIX)
        && name.ends_with(TEMP_SUFFIX)
}

/// Removes the temporary files that runs killed before their rename left behind: the
/// files given, and those in each folder given (not below it). A file whose name holds
/// the id of a process still running belongs to a run in progress and is kept. Returns
/// the files removed.
pub fn remove_stale<'a>(
    files: impl IntoIterator<Item = &'a Path>,
    dirs: impl IntoIterator<Item = &'a Path>,
) -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = files.into_iter().map(Path::to_owned).collect();
    for dir in dirs {
        let Ok(entries) = fs::read_dir(dir) else { continue };
        candidates.extend(
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_str().is_some_and(is_temporary))
                .map(|e| e.path()),
        );
    }
    candidates.sort();
    candidates.dedup();
    candidates.retain(|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let is_file = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
        is_file && is_temporary(name) && !is_writer_alive(name) && fs::remove_file(path).is_ok()
    });
    candidates
}

/// Whether the process named in a temporary file's name is running (and is not a run
/// that died and whose id was reused by us).
fn is_writer_alive(name: &str) -> bool {
    let pid = name[TEMP_PREFIX.len()..].split('-').next().and_then(|p| p.parse::<i32>().ok());
    let Some(pid) = pid.and_then(rustix::process::Pid::from_raw) else { return false };
    if pid.as_raw_nonzero().get().unsigned_abs() == std::process::id() {
        return false;
    }
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}

/// Up to this many staged files are synced one by one; more are synced with one
/// `syncfs` per file system.
const SYNC_EACH_UP_TO: usize = 16;

impl Stage {
    /// Flushes every staged file to disk, so that after a crash each destination holds
    /// its old or its new bytes, never a renamed file whose data was lost. A few files
    /// get an `fsync` each, which flushes nothing else; a tree gets one `syncfs` per file
    /// system, since an `fsync` per file costs a journal commit each (20,000 files took
    /// over a minute that way, against two seconds for `cp -r`).
    fn sync(&self) -> Result<(), OutputError> {
        if self.staged.len() <= SYNC_EACH_UP_TO {
            for (temp, destination) in &self.staged {
                let file = fs::File::open(temp).map_err(io(destination))?;
                file.sync_all().map_err(io(destination))?;
            }
            return Ok(());
        }
        let mut devices = std::collections::HashSet::new();
        let mut previous = None;
        for (temp, destination) in &self.staged {
            let dir = temp.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if previous == Some(dir) {
                continue;
            }
            previous = Some(dir);
            let device = fs::metadata(dir).map_err(io(destination))?.dev();
            if devices.insert(device) {
                let handle = fs::File::open(dir).map_err(io(dir))?;
                rustix::fs::syncfs(&handle).map_err(|e| io(dir)(e.into()))?;
            }
        }
        Ok(())
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
        fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("sub")).unwrap();
        assert!(matches!(
            check_folders_below(dir.path(), Path::new("sub/a.yml")),
            Err(OutputError::Link { .. })
        ));
        assert!(check_folders_below(&dir.path().join("sub"), Path::new("a.yml")).is_ok());
        assert_eq!(fs::read_to_string(&target).unwrap(), "t");
    }
}
