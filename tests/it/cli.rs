//! The commands end to end: outputs, the writer's promises, exit codes and messages.

use std::path::Path;

use crate::support::{Scratch, assert_exit, guzzle_kv, run, stderr, stdout};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

fn assert_trees_equal(actual: &Path, expected: &Path) {
    let list = |root: &Path| {
        let mut files: Vec<_> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(root).unwrap().to_owned())
            .collect();
        files.sort();
        files
    };
    let files = list(expected);
    assert_eq!(list(actual), files);
    for file in files {
        let (a, e) = (
            std::fs::read(actual.join(&file)).unwrap(),
            std::fs::read(expected.join(&file)).unwrap(),
        );
        assert!(a == e, "{} differs", file.display());
    }
}

#[test]
fn databricks_rewrites_the_fixture_tree_byte_exactly() {
    let s = Scratch::new();
    let out = s.path().join("out");
    let output = guzzle_kv(fixtures())
        .args([
            "databricks",
            "guzzle-like",
            "--exclude",
            "mistakes/**",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert_trees_equal(&out, &fixtures().join("expected/databricks"));
}

#[test]
fn render_with_the_dev_secrets_matches_the_expected_tree() {
    let s = Scratch::new();
    let out = s.path().join("out");
    let output = guzzle_kv(fixtures())
        .args([
            "render",
            "guzzle-like",
            "--exclude",
            "mistakes/**",
            "--secrets-file",
            "dev-secrets.json",
        ])
        .args(["-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert_trees_equal(&out, &fixtures().join("expected/render"));
}

#[test]
fn the_mistakes_folder_reports_every_error_and_writes_nothing() {
    let s = Scratch::new();
    let out = s.path().join("out");
    let output = guzzle_kv(&fixtures().join("guzzle-like"))
        .args(["databricks", "mistakes", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_exit(&output, 2);
    let err = stderr(&output);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(": error["))
        .map(|l| l.split(": error").next().unwrap())
        .collect();
    let bad_names = "mistakes/ph_file_s3_vendor_bad_names.yml";
    let malformed = "mistakes/ph_jdbc_postgres_crm_malformed.yml";
    let expected: Vec<String> = [
        (bad_names, "10:19"),
        (bad_names, "11:16"),
        (bad_names, "12:19"),
        (bad_names, "13:22"),
        (bad_names, "14:19"),
        (bad_names, "15:20"),
        (bad_names, "16:20"),
        (bad_names, "17:18"),
        (malformed, "12:22"),
        (malformed, "13:20"),
        (malformed, "14:24"),
        (malformed, "15:17"),
        (malformed, "16:22"),
        (malformed, "22:13"),
        (malformed, "24:12"),
    ]
    .iter()
    .map(|(f, p)| format!("{f}:{p}"))
    .collect();
    assert_eq!(errors, expected, "{err}");
    assert!(err.contains(&format!("{malformed}:17:21: [KV201]")), "{err}");
    assert_eq!(err.matches("[KV005]").count(), 3, "{err}");
    assert!(!out.exists());
}

/// A run reports problems in the order of the SPEC's passes: the files themselves, then
/// destinations (either ends the run), then missing secrets, then values that cannot be
/// encoded. `render --secrets-file` and `databricks` work in one pass over the files,
/// yet show the same messages and exit codes as a run that checks everything first.
#[test]
fn problems_are_reported_in_pass_order_whatever_the_file_order() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/a", "one")]);
    let secrets = secrets.to_str().unwrap();
    s.write("tree/a.json", "{\"z\": $<kv:kv-app/a>}\n");
    s.write("tree/b.yml", "b: $<kv:kv-app/missing>\n");
    s.write("tree/c.yml", "c: $<kv:kv-app/a>\n");
    std::fs::create_dir_all(s.path().join("out")).unwrap();
    std::os::unix::fs::symlink("elsewhere", s.path().join("out/c.yml")).unwrap();
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "tree", "--secrets-file", secrets, "-o", "out"];
        args.extend_from_slice(extra);
        run(s.path(), &args)
    };

    // A destination problem hides missing secrets and encoding problems.
    let output = render(&[]);
    assert_exit(&output, 2);
    let errors = stderr(&output);
    assert!(errors.contains("out/c.yml"), "{errors}");
    assert!(!errors.contains("missing") && !errors.contains("cannot write"), "{errors}");

    // A missing secret does not hide the encoding problem of an earlier file, which
    // comes after it and outranks it (SPEC section 9).
    std::fs::remove_file(s.path().join("out/c.yml")).unwrap();
    let output = render(&[]);
    assert_exit(&output, 2);
    let errors = stderr(&output);
    let (missing, unwritable) = (errors.find("kv-app/missing"), errors.find("cannot write"));
    assert!(missing.is_some() && missing < unwritable, "{errors}");

    // A malformed placeholder in the last file hides everything else.
    s.write("tree/d.yml", "d: $<kv:kv-app>\n");
    let output = render(&[]);
    assert_exit(&output, 2);
    let errors = stderr(&output);
    assert!(errors.contains("tree/d.yml:1:4"), "{errors}");
    assert!(!errors.contains("missing") && !errors.contains("cannot write"), "{errors}");
    assert_eq!(s.files("out"), Vec::<String>::new());
}

#[test]
fn a_failure_in_the_last_file_leaves_every_destination_untouched() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/a", "one")]);
    s.write("tree/a.yml", "a: $<kv:kv-app/a>\n");
    s.write("tree/b.json", "{\"b\": \"$<kv:kv-app/a>\"}\n");
    s.write("tree/z.json", "{\"z\": $<kv:kv-app/a>}\n");
    let output = run(
        s.path(),
        &["render", "tree", "--in-place", "--secrets-file", secrets.to_str().unwrap()],
    );
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("tree/z.json:1:7: cannot write the value of `kv-app/a` here"),
        "{}",
        stderr(&output)
    );
    assert_eq!(s.read("tree/a.yml"), "a: $<kv:kv-app/a>\n");
    assert_eq!(s.files("tree"), ["a.yml", "b.json", "z.json"]);

    s.write("tree/z.json", "{\"z\": \"$<kv:kv-app/a>\"}\n");
    assert_exit(
        &run(
            s.path(),
            &["render", "tree", "--in-place", "--secrets-file", secrets.to_str().unwrap()],
        ),
        0,
    );
    assert_eq!(s.read("tree/a.yml"), "a: one\n");
    assert_eq!(s.read("tree/z.json"), "{\"z\": \"one\"}\n");
}

#[test]
fn symbolic_link_destinations_are_refused() {
    let s = Scratch::new();
    s.write("in.yml", "a: $<kv:kv-app/a>\n");
    let target = s.write("target.yml", "keep\n");
    std::os::unix::fs::symlink(&target, s.path().join("link.yml")).unwrap();
    let output = run(s.path(), &["databricks", "in.yml", "-o", "link.yml"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("symbolic link"), "{}", stderr(&output));
    assert_eq!(s.read("target.yml"), "keep\n");
}

/// A link among the mirror's folders is refused before anything is written, and named
/// once, not once for each file below it (a fresh user's report).
#[test]
fn a_linked_folder_in_the_mirror_is_refused_once() {
    let s = Scratch::new();
    for name in ["a", "b", "c"] {
        s.write(&format!("tree/d1/{name}.yml"), "a: $<kv:kv-app/a>\n");
    }
    std::fs::create_dir_all(s.path().join("elsewhere")).unwrap();
    std::fs::create_dir_all(s.path().join("out")).unwrap();
    std::os::unix::fs::symlink(s.path().join("elsewhere"), s.path().join("out/d1")).unwrap();
    let output = run(s.path(), &["databricks", "tree", "-o", "out"]);
    assert_exit(&output, 2);
    assert_eq!(stderr(&output).matches("error:").count(), 1, "{}", stderr(&output));
    assert!(s.files("elsewhere").is_empty());
}

#[test]
fn mirror_copies_every_visited_file_and_skips_hidden_folders_and_links() {
    let s = Scratch::new();
    s.write("tree/.env", "A=$<kv:kv-app/a>\n");
    s.write("tree/.git/config", "x");
    s.write("tree/bin.dat", b"\x00\x01$<kv:kv-app/a>");
    s.write("tree/latin1.txt", b"caf\xe9\n");
    std::os::unix::fs::symlink("bin.dat", s.path().join("tree/link")).unwrap();
    let output = run(s.path(), &["databricks", "tree", "-o", "tree/out"]);
    assert_exit(&output, 0);
    assert_eq!(s.files("tree/out"), [".env", "bin.dat", "latin1.txt"]);
    assert_eq!(s.read("tree/out/.env"), "A=\"<<secrets/kv-app/a>>\"\n");
    assert_eq!(std::fs::read(s.path().join("tree/out/latin1.txt")).unwrap(), b"caf\xe9\n");
}

#[test]
fn non_utf8_files_with_placeholders_are_refused() {
    let s = Scratch::new();
    s.write("latin1.txt", b"caf\xe9 $<kv:kv-app/a>\n");
    let output = run(s.path(), &["databricks", "latin1.txt"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("not valid UTF-8"), "{}", stderr(&output));
}

/// A UTF-16 file (PowerShell's `>` writes them) looks binary; one holding a placeholder
/// is refused even inside a walked folder, where binary files are copied, since copying
/// it would pass the placeholder through (a fresh user's report).
#[test]
fn utf16_files_with_placeholders_are_refused() {
    let s = Scratch::new();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("password: $<kv:kv-app/a>\r\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    s.write("tree/job.yml", &utf16);
    let secrets = s.secrets(&[("kv-app/a", "v")]);
    let render = ["render", "tree", "--secrets-file", secrets.to_str().unwrap(), "-o", "out"];
    for command in [&render[..], &["lint", "tree"]] {
        let output = run(s.path(), command);
        assert_exit(&output, 2);
        assert!(stderr(&output).contains("is UTF-16 and holds `$<kv:`"), "{}", stderr(&output));
    }
    // The summary does not count it among the files linted.
    let output = run(s.path(), &["lint", "tree"]);
    let err = stderr(&output);
    assert!(err.contains("0 errors, 0 warnings in 0 files; 1 file could not be linted"), "{err}");
    assert!(!s.path().join("out").exists());
    let utf32: Vec<u8> =
        "\u{feff}a: $<kv:kv-app/a>\n".chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
    s.write("wide/job.yml", &utf32);
    let output = run(s.path(), &["databricks", "wide", "-o", "out"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("is UTF-32 and holds `$<kv:`"), "{}", stderr(&output));
}

#[test]
fn spark_syntax_quotes_yaml_plain_scalars_and_warns_on_embedding() {
    let s = Scratch::new();
    s.write("a.yml", "a: $<kv:kv-app/a>\nb: \"x-$<kv:kv-app/b>\"\n");
    let output = run(
        s.path(),
        &["databricks", "--syntax", "spark", "--scope", "KV-APP=team.scope", "a.yml"],
    );
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        "a: \"{{secrets/team.scope/a}}\"\nb: \"x-{{secrets/team.scope/b}}\"\n"
    );
    assert!(stderr(&output).contains("a.yml:2:7: [KV202]"), "{}", stderr(&output));
}

#[test]
fn bad_scopes_and_version_pins_are_input_errors() {
    let s = Scratch::new();
    s.write("a.txt", "$<kv:kv-app/a/0123456789abcdef0123456789abcdef>\n");
    let output = run(s.path(), &["databricks", "a.txt"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("a.txt:1:1: [KV201]"), "{}", stderr(&output));
    assert_exit(&run(s.path(), &["databricks", "--scope", "kv-app=bad scope", "a.txt"]), 2);
}

#[test]
fn near_misses_warn_and_strict_makes_them_errors() {
    let s = Scratch::new();
    s.write("a.txt", "pw=$<KV:kv-app/a>\n");
    let output = run(s.path(), &["databricks", "a.txt"]);
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "pw=$<KV:kv-app/a>\n");
    assert!(stderr(&output).contains("a.txt:1:4: warning[KV005]"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("write `$<kv:`: the prefix is case-sensitive: `kv`, not `KV`"),
        "{}",
        stderr(&output)
    );
    assert_exit(&run(s.path(), &["databricks", "--strict", "a.txt"]), 2);
}

#[test]
fn dry_run_shows_lengths_not_values_and_writes_nothing() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/a", "hunter2-canary")]);
    s.write("a.yml", "a: $<kv:kv-app/a>\n");
    let output = run(
        s.path(),
        &[
            "render",
            "a.yml",
            "--dry-run",
            "--in-place",
            "--secrets-file",
            secrets.to_str().unwrap(),
        ],
    );
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        "--- a.yml\n+++ a.yml\n@@ line 1 @@\n-a: $<kv:kv-app/a>\n+a: «kv-app/a, 14 bytes»\n"
    );
    assert_eq!(s.read("a.yml"), "a: $<kv:kv-app/a>\n");
}

#[test]
fn stdin_and_output_rules() {
    let s = Scratch::new();
    let output = guzzle_kv(s.path())
        .args(["databricks", "-", "--stdin-filename", "x.yaml"])
        .write_stdin("a: $<kv:kv-app/a>\n")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), "a: <<secrets/kv-app/a>>\n");

    assert_exit(&run(s.path(), &["databricks", "-", "-"]), 2);
    let output = guzzle_kv(s.path())
        .args(["databricks", "-", "--stdin-filename", "in/x.yaml", "-o", "piped/"])
        .write_stdin("a: $<kv:kv-app/a>\n")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert_eq!(s.read("piped/x.yaml"), "a: <<secrets/kv-app/a>>\n");
    assert_exit(&run(s.path(), &["databricks", "-", "-o", "piped/"]), 2);
    s.write("dir/a.yml", "a: 1\n");
    let output = run(s.path(), &["databricks", "dir"]);
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("--out"), "{}", stderr(&output));
    assert_exit(&run(s.path(), &["databricks", "dir/a.yml", "-o", "dir/a.yml"]), 2);
    assert_exit(&run(s.path(), &["databricks", "missing.yml"]), 2);

    let output = run(s.path(), &["databricks", "dir/a.yml", "-o", "copies/"]);
    assert_exit(&output, 0);
    assert_eq!(s.read("copies/a.yml"), "a: 1\n");
}

#[test]
fn refs_lists_each_secret_once_with_its_uses() {
    let s = Scratch::new();
    s.write("a.yml", "a: $<kv:KV-App/Db-Pass>\nb: $<kv:kv-app/db-pass>\n# c: $<kv:kv-app/other>\n");
    let output = run(s.path(), &["refs", "a.yml", "--output-format", "json"]);
    assert_exit(&output, 0);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["vault"], "KV-App");
    assert_eq!(json[0]["uses"][1]["line"], 2);
    let output = run(s.path(), &["refs", "a.yml"]);
    assert_eq!(stdout(&output), "KV-App/Db-Pass\n  a.yml:1:4\n  a.yml:2:4\n");
}

#[test]
fn help_documents_exit_codes_and_completions_work() {
    let s = Scratch::new();
    let output = run(s.path(), &["render", "--help"]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("3  a secret could not be resolved"));
    let output = run(s.path(), &["completions", "bash"]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("guzzle-kv"));
}

#[test]
fn a_closed_stdout_exits_zero() {
    let s = Scratch::new();
    s.write("a.yml", "a: $<kv:kv-app/a>\n".repeat(20_000));
    s.write("b.yml", "a: $<kv:kv_app/a>\n".repeat(20_000));
    // `lint` too, though it has findings the reader never saw (20,000 KV002).
    for command in ["databricks a.yml", "lint b.yml", "lint b.yml --output-format json"] {
        let bin = assert_cmd::cargo::cargo_bin("guzzle-kv");
        let status = std::process::Command::new("bash")
            .current_dir(s.path())
            .arg("-c")
            .arg(format!(
                "'{}' {command} 2>/dev/null | head -c 10 > /dev/null; exit ${{PIPESTATUS[0]}}",
                bin.display()
            ))
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0), "{command}");
    }
}

#[test]
fn check_with_a_secrets_file_stays_offline() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/here", "v")]);
    s.write("a.yml", "a: $<kv:kv-app/here>\nb: $<kv:kv-app/gone>\n");
    let output = run(s.path(), &["check", "a.yml", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&output, 1);
    assert_eq!(stdout(&output), "missing    kv-app/gone\npresent    kv-app/here\n");
    let output = run(
        s.path(),
        &[
            "check",
            "a.yml",
            "--secrets-file",
            secrets.to_str().unwrap(),
            "--allow-vault",
            "kv-other",
        ],
    );
    assert_exit(&output, 3);
    assert!(stderr(&output).contains("allow-list"), "{}", stderr(&output));
}

#[test]
fn a_secrets_file_key_given_twice_or_badly_named_is_an_input_error() {
    let s = Scratch::new();
    s.write("a.yml", "a: $<kv:kv-app/db-pass>\n");
    let cases = [
        (
            r#"{"kv-app/db-pass": "canary-one-value", "kv-app/db-pass": "canary-two-value"}"#,
            "`kv-app/db-pass` is given twice",
        ),
        (
            r#"{"kv-app/db-pass": "canary-one-value", "KV-APP/DB-PASS": "canary-two-value"}"#,
            "`KV-APP/DB-PASS` is given twice",
        ),
        (r#"{"kv-app/db_pass": "canary-one-value"}"#, "invalid secret name `db_pass`"),
        (r#"{"kv-app/db-pass/1": "canary-one-value"}"#, "invalid version `1`"),
    ];
    for (json, expected) in cases {
        s.write("s.json", json);
        let output =
            run(s.path(), &["render", "a.yml", "--secrets-file", "s.json", "-o", "out.yml"]);
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("canary"), "{err}");
        assert!(!s.path().join("out.yml").exists());
    }
}

/// The dry run shows the quotes the real run adds around a value (a YAML plain scalar
/// that must be double-quoted, a .env unquoted value, a HOCON unquoted value), never the
/// value itself.
#[test]
fn dry_run_shows_the_quotes_the_real_run_adds() {
    let s = Scratch::new();
    let quoted = "Canary value #1, quoted";
    let raw = "Canary-raw-2";
    s.secrets(&[("kv-app/q", quoted), ("kv-app/r", raw)]);
    s.write("a.yml", "q: $<kv:kv-app/q>\nr: $<kv:kv-app/r>\ns: '$<kv:kv-app/q>'\n");
    s.write("a.env", "Q=x-$<kv:kv-app/q>-y # note\nR=$<kv:kv-app/r>\n");
    s.write("a.conf", "q = $<kv:kv-app/r>\nr = \"$<kv:kv-app/q>\"\n");
    let cases = [
        (
            "a.yml",
            "@@ line 1 @@\n-q: $<kv:kv-app/q>\n+q: \"«kv-app/q, 23 bytes»\"\n\
             @@ line 2 @@\n-r: $<kv:kv-app/r>\n+r: «kv-app/r, 12 bytes»\n\
             @@ line 3 @@\n-s: '$<kv:kv-app/q>'\n+s: '«kv-app/q, 23 bytes»'\n",
        ),
        (
            "a.env",
            "@@ line 1 @@\n-Q=x-$<kv:kv-app/q>-y # note\n+Q=\"x-«kv-app/q, 23 bytes»-y\" # note\n\
             @@ line 2 @@\n-R=$<kv:kv-app/r>\n+R=«kv-app/r, 12 bytes»\n",
        ),
        (
            "a.conf",
            "@@ line 1 @@\n-q = $<kv:kv-app/r>\n+q = \"«kv-app/r, 12 bytes»\"\n\
             @@ line 2 @@\n-r = \"$<kv:kv-app/q>\"\n+r = \"«kv-app/q, 23 bytes»\"\n",
        ),
    ];
    for (file, hunks) in cases {
        let output = run(
            s.path(),
            &["render", file, "--dry-run", "--secrets-file", "secrets.json", "-o", "out"],
        );
        assert_exit(&output, 0);
        assert_eq!(stdout(&output), format!("--- {file}\n+++ {file}\n{hunks}"));
        let printed = format!("{}{}", stdout(&output), stderr(&output));
        crate::support::assert_no_leak(quoted, &printed);
        crate::support::assert_no_leak(raw, &printed);
    }
    assert!(!s.path().join("out").exists());
}

/// Two fresh-user reports: a mirrored file whose only change is an escape made literal
/// holds no value and keeps its mode, and a run that writes to `-o` leaves the temporary
/// files it meets among its inputs alone (only an in-place run writes there).
#[test]
fn escape_only_files_keep_their_mode_and_inputs_are_left_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = Scratch::new();
    for (name, text) in [("tree/lit.txt", "$$<kv:x/y>\n"), ("tree/val.txt", "$<kv:kv-app/a>\n")] {
        let path = s.write(name, text);
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let stale = s.write("tree/.guzzle-kv-999999999-abc.tmp", "x");
    let secrets = s.secrets(&[("kv-app/a", "v")]);
    let args = ["render", "tree", "-o", "out", "--secrets-file", secrets.to_str().unwrap()];
    assert_exit(&run(s.path(), &args), 0);
    let mode =
        |name: &str| std::fs::metadata(s.path().join(name)).unwrap().permissions().mode() & 0o777;
    assert_eq!((s.read("out/lit.txt"), mode("out/lit.txt")), ("$<kv:x/y>\n".to_owned(), 0o644));
    assert_eq!((s.read("out/val.txt"), mode("out/val.txt")), ("v\n".to_owned(), 0o600));
    assert!(stale.exists());
}
