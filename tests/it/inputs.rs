//! Inputs named on the command line: symbolic links are read through (as ripgrep and
//! `cp` do) but never written through; a binary file that holds `$<kv:` is refused.

use std::os::unix::fs::symlink;

use crate::support::{Scratch, assert_exit, guzzle_kv, run, stderr, stdout};

fn scratch() -> Scratch {
    let s = Scratch::new();
    s.write("real/a.yml", "a: $<kv:kv-app/a>\n");
    s.secrets(&[("kv-app/a", "v1")]);
    symlink("real/a.yml", s.path().join("link.yml")).unwrap();
    symlink("real", s.path().join("linked")).unwrap();
    s
}

#[test]
fn a_named_link_is_read_through() {
    let s = scratch();
    let output = run(s.path(), &["render", "link.yml", "--secrets-file", "secrets.json"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "a: v1\n");

    let output = run(s.path(), &["databricks", "link.yml", "-o", "out/"]);
    assert_exit(&output, 0);
    assert_eq!(s.read("out/link.yml"), "a: <<secrets/kv-app/a>>\n");
    assert!(!std::fs::symlink_metadata(s.path().join("out/link.yml")).unwrap().is_symlink());

    let output = run(s.path(), &["databricks", "linked", "-o", "mirror"]);
    assert_exit(&output, 0);
    assert_eq!(s.files("mirror"), ["a.yml"]);
}

#[test]
fn a_named_link_is_never_written_through() {
    let s = scratch();
    let output =
        run(s.path(), &["render", "link.yml", "--in-place", "--secrets-file", "secrets.json"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("`link.yml`: it is a symbolic link"), "{}", stderr(&output));
    assert_eq!(s.read("real/a.yml"), "a: $<kv:kv-app/a>\n");

    let output = run(s.path(), &["databricks", "real/a.yml", "-o", "link.yml"]);
    assert_exit(&output, 2);
    assert_eq!(s.read("real/a.yml"), "a: $<kv:kv-app/a>\n");
}

/// A folder named through a link is the folder the user named, as with `-o`: its files
/// are regular files and are rewritten in place.
#[test]
fn a_named_linked_folder_is_rewritten_in_place() {
    let s = scratch();
    let output = run(s.path(), &["databricks", "linked", "--in-place"]);
    assert_exit(&output, 0);
    assert_eq!(s.read("real/a.yml"), "a: <<secrets/kv-app/a>>\n");
}

#[test]
fn a_dangling_named_link_is_unreadable() {
    let s = scratch();
    symlink("gone.yml", s.path().join("dangling.yml")).unwrap();
    let output = run(s.path(), &["databricks", "dangling.yml"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("cannot read `dangling.yml`"), "{}", stderr(&output));
}

#[test]
fn a_named_binary_file_with_a_placeholder_is_refused() {
    let s = scratch();
    s.write("blob.bin", b"\x00\x01a: $<kv:kv-app/a>\n");
    s.write("plain.bin", b"\x00\x01no opening here\n");

    let output =
        run(s.path(), &["render", "blob.bin", "--secrets-file", "secrets.json", "-o", "out.bin"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("`blob.bin` is a binary file"), "{}", stderr(&output));
    assert!(!s.path().join("out.bin").exists());

    let output = guzzle_kv(s.path())
        .args(["databricks", "-", "--stdin-filename", "x.txt"])
        .write_stdin(b"\x00$<kv:kv-app/a>".to_vec())
        .output()
        .unwrap();
    assert_exit(&output, 2);
    assert!(output.stdout.is_empty());

    let output = run(s.path(), &["databricks", "plain.bin"]);
    assert_exit(&output, 0);
    assert_eq!(output.stdout, b"\x00\x01no opening here\n");

    // Met while walking, the same file is copied unchanged.
    let output = run(s.path(), &["databricks", "real", "blob.bin", "-o", "walked"]);
    assert_exit(&output, 2);
    std::fs::rename(s.path().join("blob.bin"), s.path().join("real/blob.bin")).unwrap();
    let output = run(s.path(), &["databricks", "real", "-o", "walked"]);
    assert_exit(&output, 0);
    assert_eq!(
        std::fs::read(s.path().join("walked/blob.bin")).unwrap(),
        b"\x00\x01a: $<kv:kv-app/a>\n"
    );
}
