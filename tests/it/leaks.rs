//! The leak suite (SPEC section 11): canary values through every command and failure path
//! at every verbosity. Nothing printed may hold a value, an 8-character piece of one, its
//! JSON-escaped or base64 form, or the access token; stdout is exempt only where it
//! carries rendered output.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

use crate::support::emulator::{ACCESS_TOKEN, CANARY_BODY, Emulator, Fault, IDENTITY_HEADER};
use crate::support::{Scratch, assert_exit, assert_no_leak, guzzle_kv, stderr, stdout};

/// A value with characters that JSON escapes.
const VALUE: &str = "Zq7\"Lk9\\canaryWx5-tail";
/// A second value, used beside the one that fails.
const OTHER: &str = "other-Pv3m-canary-Rj8";
/// A value that a single-quoted YAML scalar cannot hold.
const MULTILINE: &str = "first-Mx8q\nsecond-Nw4z";

/// `-q`, the default, `-vvv`, and `-vvv` with `RUST_LOG=trace`.
const VERBOSITIES: [(&[&str], bool); 4] =
    [(&["-q"], false), (&[], false), (&["-vvv"], false), (&["-vvv"], true)];

fn assert_clean(output: &Output, stdout_is_rendered: bool) {
    let mut printed = stderr(output);
    if !stdout_is_rendered {
        printed.push_str(&stdout(output));
    }
    for value in [VALUE, OTHER, MULTILINE] {
        assert_no_leak(value, &printed);
    }
    assert!(!printed.contains(ACCESS_TOKEN) && !printed.contains("canary-Hx93"), "{printed}");
    assert!(!printed.contains(CANARY_BODY), "{printed}");
    assert!(!printed.contains(IDENTITY_HEADER), "{printed}");
    assert!(!printed.contains("panicked"), "{printed}");
}

fn tree(s: &Scratch) -> std::path::PathBuf {
    s.write("t/a.yml", "a: $<kv:kv-app/value>\nb: \"$<kv:kv-app/other>\"\n");
    s.write("t/b.json", "{\"a\": \"$<kv:kv-app/value>\"}\n");
    s.write("t/c.env", "A=$<kv:kv-app/value>\n");
    s.secrets(&[("kv-app/value", VALUE), ("kv-app/other", OTHER), ("kv-app/multi", MULTILINE)])
}

/// Runs `args` at each verbosity and checks the exit code and what was printed.
fn each_verbosity(dir: &Path, args: &[&str], env: &[(&str, &str)], code: i32, rendered: bool) {
    for (flags, trace) in VERBOSITIES {
        let mut command = guzzle_kv(dir);
        command.args(args).args(flags).envs(env.iter().copied());
        if trace {
            command.env("RUST_LOG", "trace");
        }
        let output = command.output().unwrap();
        assert_exit(&output, code);
        assert_clean(&output, rendered);
    }
}

#[test]
fn secrets_file_commands_and_failures_leak_nothing() {
    let s = Scratch::new();
    let secrets = tree(&s);
    let sf = secrets.to_str().unwrap();
    let dir = s.path();

    each_verbosity(dir, &["render", "t/a.yml", "--secrets-file", sf], &[], 0, true);
    each_verbosity(dir, &["render", "t", "-o", "out", "--secrets-file", sf], &[], 0, false);
    each_verbosity(
        dir,
        &["render", "t", "--dry-run", "-o", "o2", "--secrets-file", sf],
        &[],
        0,
        false,
    );
    each_verbosity(dir, &["databricks", "t", "-o", "db"], &[], 0, false);
    each_verbosity(dir, &["refs", "t"], &[], 0, false);
    // The rendered tree holds plaintext values; lint must name keys and mask values.
    for format in ["full", "concise", "json", "sarif", "github"] {
        // Single quotes hold the value's `"` and `\` as they are (valid YAML, which lint
        // reads in full).
        s.write("plain/p.yml", format!("password: {OTHER}\ntoken: '{VALUE}'\n"));
        each_verbosity(dir, &["lint", "plain", "out", "--output-format", format], &[], 1, false);
    }

    // Missing, malformed, unencodable.
    s.write("m/missing.yml", "a: $<kv:kv-app/value>\nb: $<kv:kv-app/absent>\n");
    each_verbosity(dir, &["render", "m/missing.yml", "--secrets-file", sf], &[], 3, false);
    s.write("f/bad.yml", "a: $<kv:kv-app/value>\nb: $<kv:kv-app/>\n");
    each_verbosity(dir, &["render", "f/bad.yml", "--secrets-file", sf], &[], 2, false);
    s.write("e/enc.yml", "a: $<kv:kv-app/value>\nb: '$<kv:kv-app/multi>'\n");
    each_verbosity(dir, &["render", "e/enc.yml", "--secrets-file", sf], &[], 2, false);
    each_verbosity(dir, &["render", "e", "-o", "o3", "--secrets-file", sf], &[], 2, false);
    assert!(!dir.join("o3").exists());
}

#[test]
fn write_failures_and_panics_leak_nothing() {
    let s = Scratch::new();
    let secrets = tree(&s);
    let sf = secrets.to_str().unwrap();
    let big = "y".repeat(200 * 1024);
    s.write("w/big.txt", format!("{big}$<kv:kv-app/value>\n"));

    // A file-size limit makes the write fail after every value is resolved.
    for (flags, trace) in VERBOSITIES {
        let script = r#"trap "" XFSZ; ulimit -f 64; exec "$0" "$@""#;
        let mut command = std::process::Command::new("sh");
        command
            .current_dir(s.path())
            .env("GUZZLE_KV_NO_IMDS", "1")
            .env_remove("RUST_LOG")
            .args(["-c", script])
            .arg(assert_cmd::cargo::cargo_bin("guzzle-kv"))
            .args(["render", "w", "-o", "wout", "--secrets-file", sf])
            .args(flags);
        if trace {
            command.env("RUST_LOG", "trace");
        }
        let output = command.output().unwrap();
        assert_exit(&output, 2);
        assert_clean(&output, false);
    }

    // A panic whose payload holds the value (debug builds can inject one).
    let panic = [("GUZZLE_KV_DEBUG_PANIC", "secrets-file")];
    each_verbosity(
        s.path(),
        &["render", "t", "-o", "pout", "--secrets-file", sf],
        &panic,
        2,
        false,
    );
    let output = guzzle_kv(s.path())
        .args(["render", "t/a.yml", "--secrets-file", sf])
        .env("GUZZLE_KV_DEBUG_PANIC", "secrets-file")
        .output()
        .unwrap();
    let err = stderr(&output);
    assert!(err.contains("internal error, this is a bug: src/"), "{err}");
    assert!(err.contains("https://github.com/guzzle-kv/guzzle-kv/issues"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(stdout(&output).is_empty() && !s.path().join("pout").exists());
}

/// Runs `args` against one emulator for `kv-app` at each verbosity.
fn each_verbosity_kv(
    s: &Scratch,
    emulator: &Emulator,
    args: &[&str],
    env: &[(&str, &str)],
    code: i32,
) {
    let ca_file = s.write("test-ca.pem", &emulator.ca_pem);
    for (flags, trace) in VERBOSITIES {
        let mut command: Command = guzzle_kv(s.path());
        command
            .env("SSL_CERT_FILE", &ca_file)
            .env_remove("SSL_CERT_DIR")
            .env("IDENTITY_ENDPOINT", emulator.identity_endpoint())
            .env("IDENTITY_HEADER", IDENTITY_HEADER)
            .env_remove("AZURE_CLIENT_ID")
            .envs(env.iter().copied())
            .args(args)
            .args(["--auth", "managed-identity", "--timeout", "1", "--retries", "1"])
            .arg("--vault-url")
            .arg(format!("kv-app={}", emulator.vault_url()))
            .args(flags);
        if trace {
            command.env("RUST_LOG", "trace");
        }
        let output = command.output().unwrap();
        assert_exit(&output, code);
        assert_clean(&output, code == 0 && !args.contains(&"-o") && args[0] == "render");
    }
}

fn emulator() -> Emulator {
    let emulator = Emulator::start();
    emulator.add_secret("value", VALUE);
    emulator.add_secret("other", OTHER);
    emulator
}

#[test]
fn key_vault_success_and_check_leak_nothing() {
    let s = Scratch::new();
    tree(&s);
    let emulator = emulator();
    each_verbosity_kv(&s, &emulator, &["render", "t/a.yml"], &[], 0);
    each_verbosity_kv(&s, &emulator, &["render", "t", "-o", "out"], &[], 0);
    each_verbosity_kv(&s, &emulator, &["check", "t"], &[], 0);
}

#[test]
fn key_vault_denied_and_throttled_leak_nothing() {
    let s = Scratch::new();
    tree(&s);
    let emulator = emulator();
    emulator.fault("other", Fault::Status(403, "Forbidden"), None);
    each_verbosity_kv(&s, &emulator, &["render", "t", "-o", "out"], &[], 3);
    let throttled = emulator_with(Fault::RetryAfterMs(10));
    each_verbosity_kv(&s, &throttled, &["render", "t", "-o", "out"], &[], 4);
    let failing = emulator_with(Fault::Status(500, "InternalServerError"));
    each_verbosity_kv(&s, &failing, &["render", "t", "-o", "out"], &[], 4);
    assert!(!s.path().join("out").exists());
}

fn emulator_with(fault: Fault) -> Emulator {
    let emulator = emulator();
    emulator.fault("other", fault, None);
    emulator
}

#[test]
fn key_vault_timeouts_and_panics_leak_nothing() {
    let s = Scratch::new();
    tree(&s);
    let hanging = emulator_with(Fault::Hang);
    each_verbosity_kv(&s, &hanging, &["render", "t", "-o", "out"], &[], 4);
    let healthy = emulator();
    let panic = [("GUZZLE_KV_DEBUG_PANIC", "fetch")];
    each_verbosity_kv(&s, &healthy, &["render", "t", "-o", "out"], &panic, 2);
    assert!(!s.path().join("out").exists());
}
