//! Running the binary in a scratch folder and reading what it left behind.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A scratch folder that is removed at the end of the test.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Writes a secrets file from `(key, value)` pairs.
    pub fn secrets(&self, pairs: &[(&str, &str)]) -> PathBuf {
        let map: serde_json::Map<String, serde_json::Value> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
        self.write("secrets.json", serde_json::to_vec(&map).unwrap())
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap()
    }

    /// Every file below the folder, as relative paths, sorted.
    pub fn files(&self, below: &str) -> Vec<String> {
        let root = self.dir.path().join(below);
        let mut names: Vec<String> = walkdir::WalkDir::new(&root)
            .min_depth(1)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .map(|e| e.path().strip_prefix(&root).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    }
}

/// The binary, run in `dir`, with no way to reach IMDS and no inherited log settings.
pub fn guzzle_kv(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("guzzle-kv").expect("binary built");
    command
        .current_dir(dir)
        .env("GUZZLE_KV_NO_IMDS", "1")
        .env_remove("RUST_LOG")
        .env_remove("GUZZLE_KV_SECRETS_FILE")
        .env_remove("GUZZLE_KV_CLOUD")
        .env_remove("GUZZLE_KV_AUTH")
        .env_remove("IDENTITY_ENDPOINT")
        .env_remove("IDENTITY_HEADER");
    command
}

/// Runs the binary in `dir` with `args`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    guzzle_kv(dir).args(args).output().expect("binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing stderr when it differs.
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "stderr:\n{}", stderr(output));
}

/// Every 8-character piece of `value`, its JSON-escaped and base64 forms: none of them
/// may appear in anything the tool prints.
pub fn assert_no_leak(value: &str, printed: &str) {
    assert!(!printed.contains(value), "the value leaked:\n{printed}");
    let chars: Vec<char> = value.chars().collect();
    for window in chars.windows(8) {
        let piece: String = window.iter().collect();
        assert!(!printed.contains(&piece), "`{piece}` leaked:\n{printed}");
    }
    let json = serde_json::to_string(value).unwrap();
    assert!(!printed.contains(json.trim_matches('"')), "JSON form leaked:\n{printed}");
    let base64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, value);
    assert!(!printed.contains(&base64[..base64.len().min(12)]), "base64 form leaked:\n{printed}");
}
