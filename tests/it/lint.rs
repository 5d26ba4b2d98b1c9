//! `lint` through the binary: exit codes, the formats on a small tree, the config file,
//! and the corpus of `shared/` as a user would lint it.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{Scratch, assert_exit, assert_no_leak, run, stderr, stdout};

const CANARY: &str = "Canary-Pw-9f3b2c1d";

fn tree() -> Scratch {
    let s = Scratch::new();
    s.write(
        "conf/db.yml",
        format!("db:\n  password: \"{CANARY}\"\n  user: \"$<kv:kv-app/db-user>\"\n"),
    );
    s.write("conf/app.properties", "token=$<kv:kv_app/api-token>\n# old=$<kv:kv-app/old>\n");
    s
}

#[test]
fn concise_output_is_exact_and_errors_exit_1() {
    let s = tree();
    let output = run(s.path(), &["lint", "conf", "--output-format", "concise"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "conf/app.properties:1:7: error[KV002] invalid vault name `kv_app`: invalid character `_`\n\
         conf/app.properties:2:7: warning[KV102] placeholder inside a comment is never rendered\n\
         conf/db.yml:2:14: error[KV101] plaintext credential in `password`\n"
    );
    assert!(stderr(&output).contains("2 errors, 1 warning in 2 files"), "{}", stderr(&output));
}

/// Every `--output-format`.
const FORMATS: [&str; 5] = ["full", "concise", "json", "sarif", "github"];

/// Lints `conf` of `s` in each of `formats`, each run exiting `exit`, and checks that
/// none shows the canary on stdout or stderr.
fn assert_no_format_shows_the_canary(s: &Scratch, formats: &[&str], exit: i32) {
    for format in formats {
        let output = run(s.path(), &["lint", "conf", "--output-format", format]);
        assert_exit(&output, exit);
        assert_no_leak(CANARY, &format!("{}{}", stdout(&output), stderr(&output)));
    }
}

#[test]
fn no_format_shows_the_credential() {
    let s = tree();
    assert_no_format_shows_the_canary(&s, &FORMATS, 1);
}

/// A value with node properties (`!!str "..."`, `&anchor '...'`) is masked from its
/// quote on, not from the property: the mask began at the tag and left the credential
/// showing after it.
#[test]
fn a_value_after_a_tag_or_anchor_is_masked() {
    let s = Scratch::new();
    s.write(
        "conf/db.yml",
        format!("db:\n  password: !!str \"{CANARY}\"\n  token: &t '{CANARY}'\n  secret: !!str {CANARY}\n"),
    );
    assert_no_format_shows_the_canary(&s, &["full", "sarif"], 1);
    let output = run(s.path(), &["lint", "conf", "--output-format", "full"]);
    assert!(stdout(&output).contains("2 |   password: !!str \"****\"\n"), "{}", stdout(&output));
}

/// Past the point where a file's reader stopped, no credential was looked for, so every
/// line shown from there on is masked but for its placeholders; a bare JSON word under a
/// credential's key is a credential (a second fresh user's report: both were shown).
#[test]
fn lines_past_a_syntax_error_and_bare_json_words_are_masked() {
    let s = Scratch::new();
    s.write("conf/a.yaml", format!("a: b: c\npassword: {CANARY} $<kv:bad\n"));
    s.write("conf/b.yaml", format!("x: [1,\npassword: \"{CANARY} $<kv:bad\n"));
    s.write("conf/c.json", format!("{{\"password\": {CANARY}, \"b\": \"$<kv:bad\"}}\n"));
    assert_no_format_shows_the_canary(&s, &FORMATS, 2);
    let output = run(s.path(), &["lint", "conf/a.yaml", "--output-format", "full"]);
    assert!(stdout(&output).contains("2 | ****$<kv:bad"), "{}", stdout(&output));
}

/// A quoted `.env` value that runs on over line breaks (dotenvy reads it so) is masked on
/// every line it spans, not only its first: a finding on a later line showed it.
#[test]
fn a_multi_line_env_value_is_masked_on_every_line() {
    let s = Scratch::new();
    s.write(
        "conf/a.env",
        format!(
            "PASSWORD=\"{CANARY}\n{CANARY} $<KV:x>\"\nTOKEN='{CANARY}\n{CANARY} $<kv:kv-app/>'\n"
        ),
    );
    assert_no_format_shows_the_canary(&s, &FORMATS, 1);
}

/// Literal text beside a malformed placeholder or a near miss in a credential's value
/// gets no KV101 (the item gets its own finding), but is masked wherever the line is
/// shown; positions stay the finding's own (a fresh user's report).
#[test]
fn text_beside_a_malformed_placeholder_is_masked() {
    let s = Scratch::new();
    s.write(
        "conf/mixed.yml",
        format!(
            "password: \"{CANARY}$<kv:kv-app/db-pass\"\ntoken: \"{CANARY} ${{kv:kv-app/x}}\"\n"
        ),
    );
    s.write("conf/mixed.properties", format!("password={CANARY}$<kv:kv-app/\n"));
    // A credential inside a connection string or URL, beside a malformed placeholder.
    s.write(
        "conf/conn.yml",
        format!(
            "conn: \"Server=x;Password={CANARY} $<kv:kv-a/>;\"\nurl: https://u:{CANARY}$<kv:x@h\n"
        ),
    );
    s.write("conf/conn.properties", format!("conn=Server=x;Password={CANARY} $<kv:kv-a/>;\n"));
    assert_no_format_shows_the_canary(&s, &FORMATS, 1);
    let output = run(s.path(), &["lint", "conf/mixed.yml", "--output-format", "full"]);
    let shown = stdout(&output);
    assert!(shown.contains("--> conf/mixed.yml:1:30\n"), "{shown}");
    assert!(shown.contains("password: \"****$<kv:kv-app/db-pass\""), "{shown}");
}

#[test]
fn json_and_github_formats() {
    let s = tree();
    let output = run(s.path(), &["lint", "conf/db.yml", "--output-format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json[0]["code"], "KV101");
    assert_eq!((json[0]["line"].as_u64(), json[0]["column"].as_u64()), (Some(2), Some(14)));
    let output = run(s.path(), &["lint", "conf/db.yml", "--output-format", "github"]);
    assert!(
        stdout(&output).starts_with("::error file=conf/db.yml,line=2,col=14,"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn sarif_passes_microsofts_validator() {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/sarif-multitool");
    if !tool.exists() {
        assert!(std::env::var_os("CI").is_none(), "CI must install {}", tool.display());
        eprintln!("SKIPPED: SARIF not validated: {} is missing", tool.display());
        return;
    }
    let s = tree();
    let output = run(s.path(), &["lint", "conf", "--output-format", "sarif"]);
    assert_exit(&output, 1);
    let file = s.write("lint.sarif", &output.stdout);
    let validated = std::process::Command::new(&tool).arg("validate").arg(&file).output().unwrap();
    let report = String::from_utf8_lossy(&validated.stdout);
    let problems: Vec<&str> =
        report.lines().filter(|l| l.contains(": error ") || l.contains(": warning ")).collect();
    assert!(problems.is_empty(), "{report}");
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
}

/// Runs `tests/it/support/sarif_schema.py` (Python's `jsonschema`) over `logs` against the
/// SARIF 2.1.0 JSON schema that Microsoft's multitool package ships (installed by
/// `scripts/test.sh`); `None` where either is not installed.
fn check_sarif_schema(logs: &[PathBuf]) -> Option<Output> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = root.join("node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json");
    if !schema.exists() {
        // CI installs it (scripts/test.sh), so only a developer's machine may skip.
        assert!(std::env::var_os("CI").is_none(), "CI must install the multitool's schema");
        eprintln!("SKIPPED: SARIF not checked against its schema: no {}", schema.display());
        return None;
    }
    let output = std::process::Command::new("python3")
        .arg(root.join("tests/it/support/sarif_schema.py"))
        .arg(&schema)
        .args(logs)
        .output()
        .expect("python3 runs");
    if output.status.code() == Some(3) {
        let why = String::from_utf8_lossy(&output.stderr);
        // CI installs it (scripts/test.sh), so only a developer's machine may skip.
        assert!(std::env::var_os("CI").is_none(), "CI must install the schema check: {why}");
        eprintln!("SKIPPED: SARIF not checked against its schema: {why}");
        return None;
    }
    Some(output)
}

#[test]
fn sarif_matches_the_sarif_schema() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guzzle-like"));
    let s = tree();
    // A space, `%`, `#` and non-ASCII in a path must come out as a valid `uri-reference`.
    s.write("conf/odd dir/\u{fc}n\u{ef} %#.yml", "a: $<kv:kv_a/x>\n");
    let runs = [
        (corpus, vec!["lint", "."]),
        (corpus, vec!["lint", ".", "--target", "databricks", "--syntax", "spark"]),
        (s.path(), vec!["lint", "conf"]),
    ];
    let mut logs = Vec::new();
    for (i, (dir, args)) in runs.into_iter().enumerate() {
        let output = run(dir, &[args.as_slice(), &["--output-format", "sarif"]].concat());
        assert_exit(&output, 1);
        logs.push(s.write(&format!("log{i}.sarif"), &output.stdout));
    }

    // The whole corpus, mistakes folder included, gives every kind of finding.
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&logs[1]).unwrap()).unwrap();
    assert!(log["runs"][0]["results"].as_array().unwrap().len() >= 20, "{log}");

    let Some(checked) = check_sarif_schema(&logs) else { return };
    assert!(checked.status.success(), "{}{}", stdout(&checked), stderr(&checked));
    assert_eq!(stdout(&checked), "");
}

/// The schema check above can fail: each deliberately broken copy of a good log is rejected
/// at the place it was broken.
#[test]
fn the_sarif_schema_check_rejects_broken_logs() {
    let s = tree();
    let output = run(s.path(), &["lint", "conf", "--output-format", "sarif"]);
    let good: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let breaks: [(&str, serde_json::Value); 5] = [
        ("/version", "2.1".into()),
        ("/runs/0/results/0/level", "fatal".into()),
        ("/runs/0/results/0/locations/0/physicalLocation/region/startColumn", 0.into()),
        ("/runs/0/tool/driver/informationUri", "not a uri".into()),
        ("/runs/0/columnKind", "bytes".into()),
    ];
    let mut logs = Vec::new();
    for (i, (pointer, value)) in breaks.iter().enumerate() {
        let mut broken = good.clone();
        *broken.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} in {good}")) =
            value.clone();
        logs.push(s.write(&format!("broken{i}.sarif"), broken.to_string()));
    }

    let Some(checked) = check_sarif_schema(&logs) else { return };
    assert_exit(&checked, 1);
    let report = stdout(&checked);
    for (log, (pointer, _)) in logs.iter().zip(breaks) {
        let path: String =
            (pointer.split('/').skip(1))
                .map(|part| {
                    if part.parse::<u32>().is_ok() {
                        format!("[{part}]")
                    } else {
                        format!(".{part}")
                    }
                })
                .collect();
        let lines: Vec<&str> =
            report.lines().filter(|l| l.starts_with(log.to_str().unwrap())).collect();
        assert!(lines.len() == 1 && lines[0].contains(&path), "{pointer}:\n{report}");
    }
}

#[test]
fn clean_trees_exit_0_and_bad_input_exits_2() {
    let s = Scratch::new();
    s.write("ok.yml", "password: \"$<kv:kv-app/db-pass>\"\n");
    assert_exit(&run(s.path(), &["lint", "ok.yml"]), 0);
    assert_exit(&run(s.path(), &["lint", "missing.yml"]), 2);
    s.write("guzzle-kv.toml", "[vaults]\nallow = [\"kv-app\"]\nbogus = 1\n");
    let output = run(s.path(), &["lint", "ok.yml"]);
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("bogus") && stderr(&output).contains("guzzle-kv.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_config_file_sets_the_allow_list_and_ignores() {
    let s = Scratch::new();
    s.write("guzzle-kv.toml", "[vaults]\nallow = [\"kv-app\"]\n\n[[lint.ignore]]\npath = \"legacy/**\"\ncodes = [\"KV101\"]\n");
    s.write("a.yml", "a: $<kv:kv-other/x>\n");
    s.write("legacy/b.json", "{\"password\": \"hunter22\"}\n");
    let output = run(s.path(), &["lint", ".", "--output-format", "concise"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "a.yml:1:4: error[KV301] vault `kv-other` is not in the allow-list\n"
    );
    // The allow-list binds render too, before any secret is looked up.
    let secrets = s.secrets(&[("kv-other/x", "v")]);
    let output = run(s.path(), &["render", "a.yml", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&output, 3);
    assert!(stderr(&output).contains("allow-list"), "{}", stderr(&output));
}

/// `[[lint.ignore]]` globs are relative to the config file's folder (as in ruff and
/// eslint), so they hold from a subfolder, and with `--config` from elsewhere.
#[test]
fn ignore_globs_hold_from_a_subfolder() {
    let s = Scratch::new();
    s.write(
        "guzzle-kv.toml",
        "[[lint.ignore]]\npath = \"adf/legacy/**/*.json\"\ncodes = [\"KV101\"]\n",
    );
    s.write("adf/legacy/ls/b.json", "{\"password\": \"hunter22\"}\n");
    s.write("adf/new/c.json", "{\"password\": \"hunter22\"}\n");
    let lint = |dir: &str, args: &[&str]| {
        let output =
            run(&s.path().join(dir), &[&["lint", "--output-format", "concise"], args].concat());
        assert_exit(&output, 1);
        stdout(&output)
    };

    let expected = "c.json:1:15: error[KV101] plaintext credential in `password`\n";
    assert_eq!(lint("adf/new", &["c.json", "../legacy/ls/b.json"]), expected);
    assert_eq!(lint("adf/legacy", &["ls", "../new/c.json"]), format!("../new/{expected}"));
    assert_eq!(lint("adf", &["."]), format!("new/{expected}"));
    let config = s.path().join("guzzle-kv.toml");
    let config = config.to_str().unwrap();
    assert_eq!(
        lint("adf/legacy/ls", &["--config", config, "b.json", "../../new"]),
        format!("../../new/{expected}")
    );
}

#[test]
fn the_shared_corpus_yields_exactly_its_mistakes() {
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/guzzle-like"));
    let output =
        run(corpus, &["lint", ".", "--exclude", "mistakes/**", "--output-format", "concise"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "guzzle/conf/environments/dev/connections/ph_jdbc_sqlserver_erp.yml:15:16: warning[KV102] placeholder inside a comment is never rendered\n\
         guzzle/conf/environments/uat/connections/ph_jdbc_snowflake_edw.yml:13:14: error[KV101] plaintext credential in `password`\n"
    );
    let output =
        run(corpus, &["lint", "mistakes", "--target", "databricks", "--output-format", "json"]);
    assert_exit(&output, 1);
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = findings.iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "KV201").count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "KV005").count(), 3, "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| c.starts_with("KV00") && **c != "KV005").count(),
        15,
        "{codes:?}"
    );
}

#[test]
fn full_format_does_not_count_a_bom_as_a_column() {
    let s = Scratch::new();
    s.write("q.txt", "\u{feff}ab $<kv:kv-a/>\n");
    let output = run(s.path(), &["lint", "q.txt", "--color", "never"]);
    assert_exit(&output, 1);
    assert!(stdout(&output).contains("q.txt:1:4"), "{}", stdout(&output));
    assert!(!stdout(&output).contains('\u{feff}'), "{}", stdout(&output));
}

/// A comment after a quoted scalar is a comment for every command: saphyr's span of the
/// scalar runs on over it (a fresh user's report: the secret was rendered into it).
#[test]
fn a_comment_after_a_quoted_value_is_left_alone_by_every_command() {
    let s = Scratch::new();
    let text = "k: \"a\" # $<kv:kv-app/v>\nl: 'b' #$<kv:kv-app/w>\n";
    s.write("a.yaml", text);
    // No secret is known: none may be asked for.
    let secrets = s.secrets(&[]);
    let out = run(s.path(), &["render", "a.yaml", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), text);
    let out = run(s.path(), &["databricks", "a.yaml"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), text);
    let out = run(s.path(), &["refs", "a.yaml", "--output-format", "json"]);
    assert_exit(&out, 0);
    assert!(!stdout(&out).contains("kv-app"), "{}", stdout(&out));
    let out = run(s.path(), &["lint", "a.yaml", "--output-format", "concise"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "a.yaml:1:10: warning[KV102] placeholder inside a comment is never rendered\n\
         a.yaml:2:9: warning[KV102] placeholder inside a comment is never rendered\n"
    );
}

/// A YAML file its reader gives up on cannot be checked for plaintext credentials: lint
/// says so and exits 2 instead of passing it (a fresh user's report), while what the text
/// scan finds is still reported.
#[test]
fn a_yaml_file_that_does_not_parse_is_not_passed() {
    let s = Scratch::new();
    s.write("conf/comma.yaml", format!("a: \"x\", b\npassword: {CANARY}\n"));
    s.write("conf/tab.yaml", format!("password: {CANARY}\n\tk: 1\n$<kv:kv-a/>\n"));
    let output = run(s.path(), &["lint", "conf", "--output-format", "concise"]);
    assert_exit(&output, 2);
    assert_eq!(
        stdout(&output),
        "conf/tab.yaml:3:1: error[KV001] malformed placeholder: empty secret name\n"
    );
    let err = stderr(&output);
    assert!(err.contains("conf/comma.yaml:1:7: cannot read the file as yaml"), "{err}");
    assert!(err.contains("conf/tab.yaml:1:11: cannot read the file as yaml"), "{err}");
    assert!(
        err.contains("1 error, 0 warnings in 2 files; 2 files could not be read in full"),
        "{err}"
    );
    assert_no_leak(CANARY, &format!("{}{err}", stdout(&output)));
}

/// A suppression marker inside a value (a YAML `|` block's content, a quoted scalar's
/// line, a quoted HOCON or .env value) is text, not a comment, and silences nothing (a
/// fresh user's report).
#[test]
fn a_marker_inside_a_value_silences_nothing() {
    let s = Scratch::new();
    s.write(
        "a.yaml",
        format!(
            "db:\n  password13: |\n    {CANARY} # guzzle-kv: ignore KV101\n  \
             token: \"a\n    # guzzle-kv: ignore KV101\n    {CANARY}\"\n  \
             password: {CANARY} # guzzle-kv: ignore KV101\n"
        ),
    );
    s.write(
        "a.conf",
        format!("password = \"{CANARY} # guzzle-kv: ignore KV101\"\ntoken = y # guzzle-kv: ignore KV101\n"),
    );
    s.write(
        "a.env",
        format!(
            "PASSWORD=\"{CANARY} # guzzle-kv: ignore KV101\"\nTOKEN=y # guzzle-kv: ignore KV101\n"
        ),
    );
    let output = run(s.path(), &["lint", ".", "--output-format", "concise"]);
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "a.conf:1:13: error[KV101] plaintext credential in `password`\n\
         a.env:1:11: error[KV101] plaintext credential in `PASSWORD`\n\
         a.yaml:3:5: error[KV101] plaintext credential in `password13`\n\
         a.yaml:4:11: error[KV101] plaintext credential in `token`\n"
    );
}

/// A comment that names a credential, on a line a finding is shown with, is masked but
/// for its items: a commented-out password is a common leak (two fresh users' reports).
/// A comment that names none is shown as written.
#[test]
fn comments_naming_a_credential_are_masked_where_lines_are_shown() {
    let s = Scratch::new();
    s.write(
        "c.yaml",
        format!(
            "db:\n  # password: {CANARY} $<kv:kv-a/s>\n  note: $<kv:kv-app/> # password={CANARY}\n  x: $<kv:kv-app/> # see the docs\n"
        ),
    );
    s.write("c.env", format!("# DB_PASSWORD={CANARY} $<kv:kv-a/s>\n"));
    s.write("c.properties", format!("! token {CANARY} $<kv:kv-a/s>\n"));
    s.write("u.yaml", format!("u: \"$<kv:bad\" # see https://u:{CANARY}@h/x\n"));
    s.write("h.conf", format!("// password: {CANARY} $<kv:a/b>\n"));
    // A silenced KV101 is still masked on a line another finding shows.
    s.write(
        "silenced.yaml",
        format!("db: {{password: {CANARY}, url: \"$<kv:bad\"}} # guzzle-kv: ignore KV101\n"),
    );
    for format in FORMATS {
        let output = run(s.path(), &["lint", ".", "--output-format", format]);
        assert_no_leak(CANARY, &format!("{}{}", stdout(&output), stderr(&output)));
    }
    let output = run(s.path(), &["lint", "c.yaml", "--output-format", "full"]);
    let shown = stdout(&output);
    assert!(shown.contains("2 |   #****$<kv:kv-a/s>\n"), "{shown}");
    assert!(shown.contains("4 |   x: $<kv:kv-app/> # see the docs\n"), "{shown}");
    let output = run(s.path(), &["lint", "h.conf", "--output-format", "full"]);
    assert!(stdout(&output).contains("1 | //****$<kv:a/b>\n"), "{}", stdout(&output));
}

/// A file that is not UTF-8 is not passed unread (a fresh user's report): `.properties`
/// is ISO-8859-1, as Java reads it, and is linted so; YAML, JSON, HOCON and .env must be
/// UTF-8, and one that is not is an error; text and binary files are passed over.
#[test]
fn files_that_are_not_utf8_are_linted_or_refused() {
    let s = Scratch::new();
    let latin1 =
        |text: &str| text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect::<Vec<u8>>();
    s.write("t/latin.properties", latin1(&format!("password={CANARY} café\nk=é $<kv:bad\n")));
    s.write("t/latin.yaml", latin1(&format!("password: {CANARY} café\n")));
    s.write("t/notes.txt", latin1("café\n"));
    s.write("t/blob.yaml", b"password: x\x00\n");
    let output = run(s.path(), &["lint", "t", "--output-format", "concise"]);
    assert_exit(&output, 2);
    assert_eq!(
        stdout(&output),
        "t/latin.properties:1:10: error[KV101] plaintext credential in `password`\n\
         t/latin.properties:2:5: error[KV001] malformed placeholder: unterminated placeholder: expected `/` before the end of the line\n"
    );
    let err = stderr(&output);
    assert!(err.contains("`t/latin.yaml` is not valid UTF-8, so lint cannot look for"), "{err}");
    assert!(err.contains("in 3 files; 1 file could not be linted"), "{err}");
    let output = run(s.path(), &["lint", "t/latin.properties", "--output-format", "full"]);
    assert!(stdout(&output).contains("2 | k=é $<kv:bad\n"), "{}", stdout(&output));
    assert_no_leak(CANARY, &stdout(&output));
}

/// A file lint could not check in full is in every machine format, not only on stderr, so
/// that a code-scanning upload or a pull request's annotations show why the run failed:
/// JSON has an entry with no code, SARIF an error notification of a failed invocation,
/// `github` an error on the file.
#[test]
fn files_not_checked_in_full_are_in_the_machine_formats() {
    let s = Scratch::new();
    s.write("conf/comma.yaml", format!("a: \"x\", b\npassword: {CANARY}\n"));
    s.write("conf/latin.yaml", b"password: caf\xe9\n");
    s.write("conf/ok.yaml", "a: $<kv:kv_app/x>\n");

    let output = run(s.path(), &["lint", "conf", "--output-format", "json"]);
    assert_exit(&output, 2);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let entries: Vec<(&str, &str, u64, u64)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let code = e["code"].as_str().unwrap_or("null");
            let line = e["line"].as_u64().unwrap();
            (code, e["path"].as_str().unwrap(), line, e["column"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("KV002", "conf/ok.yaml", 1, 4),
            ("null", "conf/comma.yaml", 1, 7),
            ("null", "conf/latin.yaml", 1, 1)
        ]
    );
    assert_eq!(json[1]["rule"], "syntax-error");
    assert_eq!(json[2]["rule"], "unreadable-file");

    let output = run(s.path(), &["lint", "conf", "--output-format", "github"]);
    assert_exit(&output, 2);
    let out = stdout(&output);
    assert!(
        out.contains("::error file=conf/comma.yaml,line=1,col=7,title=guzzle-kv (syntax-error)::cannot read the file as yaml"),
        "{out}"
    );
    assert!(
        out.contains("::error file=conf/latin.yaml,title=guzzle-kv (unreadable-file)::"),
        "{out}"
    );

    let output = run(s.path(), &["lint", "conf", "--output-format", "sarif"]);
    assert_exit(&output, 2);
    let log = s.write("unchecked.sarif", &output.stdout);
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let uris: Vec<&str> = notes
        .iter()
        .map(|n| n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["conf/comma.yaml", "conf/latin.yaml"]);
    assert!(notes.iter().all(|n| n["level"] == "error"));
    if let Some(checked) = check_sarif_schema(&[log]) {
        assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
    }
    for format in FORMATS {
        let output = run(s.path(), &["lint", "conf", "--output-format", format]);
        assert_no_leak(CANARY, &format!("{}{}", stdout(&output), stderr(&output)));
    }
}
