//! Inputs named on the command line: symbolic links are read through (as ripgrep and
//! `cp` do) but never written through.

use std::os::unix::fs::symlink;

use crate::support::{Scratch, assert_exit, run, stderr, stdout};

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
