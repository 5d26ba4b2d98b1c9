//! `.pre-commit-hooks.yaml` run by the real pre-commit framework (`pre-commit try-repo`)
//! against small git repositories, as a user's commit would run it.
//!
//! The `language: rust` hook is run with `cargo` on PATH replaced by a stand-in whose
//! `install` copies the binary these tests built: the real `cargo install` is a release
//! build of the whole dependency tree, minutes on CI's two cores (see README, pre-commit).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{Scratch, assert_exit, assert_no_leak, stdout};

const CANARY: &str = "Canary-Pw-5e7a0b3c";

/// A stand-in for `cargo`: pre-commit asks `cargo --version`, then runs
/// `cargo install --bins --root ENV --path .` in its clone of this repository.
const CARGO_STAND_IN: &str = r#"#!/bin/sh
[ "$1" = install ] || { echo "cargo 1.0.0 (stand-in)"; exit 0; }
[ -f Cargo.toml ] || { echo "cargo install run outside the crate: $PWD" >&2; exit 1; }
echo "$*" >> "$STAND_IN_LOG"
while [ $# -gt 0 ]; do [ "$1" = --root ] && root=$2; shift; done
mkdir -p "$root/bin" && cp "$GUZZLE_KV_BIN" "$root/bin/guzzle-kv"
"#;

/// A git repository in `s` whose staged files are `files`.
fn repo(s: &Scratch, files: &[(&str, &str)]) -> PathBuf {
    let dir = s.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "--quiet"]);
    for (name, content) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    git(&dir, &["add", "--all"]);
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git").args(args).current_dir(dir).status().expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// `pre-commit try-repo` of this checkout's hook `hook` on the staged files of `repo`, with
/// `bin` first on PATH; `None` where pre-commit is not installed.
fn try_repo(s: &Scratch, repo: &Path, hook: &str, bin: &Path) -> Option<Output> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let probe = Command::new("python3").args(["-m", "pre_commit", "--version"]).output();
    if !probe.is_ok_and(|p| p.status.success()) || !root.join(".git").exists() {
        // CI installs it (scripts/test.sh) and runs in a git clone.
        assert!(std::env::var_os("CI").is_none(), "CI must install pre-commit");
        eprintln!("SKIPPED: hooks not run: pre-commit or this checkout's .git is missing");
        return None;
    }
    let path = std::env::join_paths(
        std::iter::once(bin.to_owned()).chain(std::env::split_paths(&std::env::var_os("PATH")?)),
    )
    .unwrap();
    let output = Command::new("python3")
        .args(["-m", "pre_commit", "try-repo", "--color", "never"])
        .arg(root)
        .arg(hook)
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", s.path().join("pre-commit-home"))
        .env("STAND_IN_LOG", s.path().join("cargo.log"))
        .env("GUZZLE_KV_BIN", env!("CARGO_BIN_EXE_guzzle-kv"))
        .env("GUZZLE_KV_NO_IMDS", "1")
        .env_remove("SKIP")
        .output()
        .expect("pre-commit runs");
    Some(output)
}

/// The folder holding the `guzzle-kv` these tests built.
fn built_bin() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_guzzle-kv")).parent().unwrap().to_owned()
}

fn mistakes() -> Vec<(&'static str, String)> {
    vec![
        ("conf/db.yml", format!("db:\n  password: \"{CANARY}\"\n  user: \"$<kv:kv-app/u>\"\n")),
        ("conf/app.properties", "token=$<kv:kv_app/api-token>\n".into()),
        // Not a config file type: the hook's `files` pattern leaves it out.
        ("NOTES.md", "see $<kv:kv_app/x>\n".into()),
    ]
}

fn assert_fails_with_the_findings(output: &Output) {
    let text = stdout(output);
    assert_exit(output, 1);
    assert!(text.contains("guzzle-kv lint....") && text.contains("Failed"), "{text}");
    let findings: Vec<&str> = text.lines().filter(|l| l.contains(": error[")).collect();
    assert_eq!(
        findings,
        [
            "conf/app.properties:1:7: error[KV002] invalid vault name `kv_app`: invalid character `_`",
            "conf/db.yml:2:14: error[KV101] plaintext credential in `password`",
        ],
        "{text}"
    );
    assert_no_leak(CANARY, &text);
}

#[test]
fn the_system_hook_fails_on_mistakes_and_passes_a_clean_repo() {
    let s = Scratch::new();
    let files = mistakes();
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let bad = repo(&s, &files);
    let Some(output) = try_repo(&s, &bad, "guzzle-kv-lint-system", &built_bin()) else { return };
    assert_fails_with_the_findings(&output);

    let clean = Scratch::new();
    let good = repo(&clean, &[("conf/db.yml", "db:\n  password: \"$<kv:kv-app/db-pass>\"\n")]);
    let output = try_repo(&clean, &good, "guzzle-kv-lint-system", &built_bin()).unwrap();
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("Passed"), "{}", stdout(&output));
}

#[test]
fn the_rust_hook_installs_the_crate_and_runs_it() {
    let s = Scratch::new();
    let stand_in = s.write("bin/cargo", CARGO_STAND_IN);
    std::fs::set_permissions(&stand_in, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap();
    let files = mistakes();
    let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
    let bad = repo(&s, &files);

    let Some(output) = try_repo(&s, &bad, "guzzle-kv-lint", &s.path().join("bin")) else {
        return;
    };
    assert_fails_with_the_findings(&output);
    let installs = s.read("cargo.log");
    assert!(
        installs.starts_with("install --bins --root ") && installs.ends_with(" --path .\n"),
        "{installs}"
    );
}
