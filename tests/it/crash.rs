//! Crash safety (SPEC section 4, "Writing"): `render --in-place` over 1,000 files killed
//! with SIGKILL at random moments leaves every file old or new, and only temporary files
//! of the one pattern, which the walker skips and the next run removes.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Scratch, assert_exit, guzzle_kv, run};

const FILES: usize = 1000;
const KILLS: usize = 20;
const OLD: &str = "endpoint=$<kv:kv-app/a>\n";
const NEW: &str = "endpoint=crash-Canary-value\n";

fn write_old(s: &Scratch) {
    for i in 0..FILES {
        s.write(&format!("tree/d{}/f{i:04}.properties", i % 10), OLD);
    }
}

/// The temporary files below `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".guzzle-kv-"))
        .collect()
}

/// Every file is old or new; returns how many are new.
fn check_old_or_new(s: &Scratch) -> usize {
    let mut new = 0;
    for i in 0..FILES {
        let text = s.read(&format!("tree/d{}/f{i:04}.properties", i % 10));
        assert!(text == OLD || text == NEW, "file {i} is neither old nor new: {text:?}");
        new += usize::from(text == NEW);
    }
    new
}

/// A small deterministic generator, so that a failure can be replayed from its seed.
fn next(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[test]
fn sigkill_at_random_moments_leaves_every_file_old_or_new() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/a", "crash-Canary-value")]);
    let args = ["render", "tree", "--in-place", "--secrets-file", secrets.to_str().unwrap()];

    // One full run gives the window in which to kill.
    write_old(&s);
    let started = Instant::now();
    assert_exit(&run(s.path(), &args), 0);
    let full = started.elapsed();
    assert_eq!(check_old_or_new(&s), FILES);

    let mut seed = u64::from(std::process::id()) ^ 0x9e37_79b9_7f4a_7c15;
    eprintln!("seed {seed}, a full run takes {full:?}");
    let budget = Instant::now();
    let mut seen_temporaries = 0;
    for _ in 0..KILLS {
        write_old(&s);
        let window = u64::try_from(full.as_micros()).unwrap().max(1000) * 11 / 10;
        let delay = Duration::from_micros(next(&mut seed) % window);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("guzzle-kv"))
            .current_dir(s.path())
            .env("GUZZLE_KV_NO_IMDS", "1")
            .env_remove("RUST_LOG")
            .args(args)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();

        check_old_or_new(&s);
        let temps = temporaries(&s.path().join("tree"));
        assert!(
            temps.iter().all(|n| Path::new(n).extension().is_some_and(|e| e == "tmp")),
            "{temps:?}"
        );
        seen_temporaries += temps.len();
        if budget.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    eprintln!("temporary files seen after kills: {seen_temporaries}");

    // The walker skips what the kills left behind, and commands that do not write keep it...
    let output = guzzle_kv(s.path()).args(["lint", "tree", "-v"]).output().unwrap();
    assert_exit(&output, 0);
    let left = temporaries(&s.path().join("tree"));
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(err.matches("stale temporary file skipped").count(), left.len(), "{err}");

    // ...and the next run that writes removes it.
    let output = guzzle_kv(s.path()).args(args).arg("-v").output().unwrap();
    assert_exit(&output, 0);
    assert_eq!(check_old_or_new(&s), FILES);
    assert!(temporaries(&s.path().join("tree")).is_empty());
    if !left.is_empty() {
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("stale temporary file removed"), "{err}");
    }
}

#[test]
fn temporary_files_of_a_running_writer_are_kept() {
    let s = Scratch::new();
    s.write("a.txt", "$<kv:kv-app/a>\n");
    let secrets = s.secrets(&[("kv-app/a", "v")]);
    // Process 1 is always alive; a dead writer's file goes, and so does one not ours.
    let alive = s.write(".guzzle-kv-1-abc.tmp", "x");
    let dead = s.write(".guzzle-kv-999999999-abc.tmp", "x");
    let odd = s.write(".guzzle-kv-nopid.tmp", "x");
    let args = ["render", "a.txt", "--in-place", "--secrets-file", secrets.to_str().unwrap()];
    assert_exit(&run(s.path(), &args), 0);
    assert!(alive.exists() && !dead.exists() && !odd.exists());

    // Commands that do not write leave them alone.
    let dead = s.write(".guzzle-kv-999999999-abc.tmp", "x");
    assert_exit(&run(s.path(), &["lint", "."]), 0);
    assert_exit(&run(s.path(), &["refs", "."]), 0);
    let dry = ["render", "a.txt", "--dry-run", "--secrets-file", secrets.to_str().unwrap()];
    assert_exit(&run(s.path(), &dry), 0);
    assert!(dead.exists());
}
