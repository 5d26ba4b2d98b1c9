//! `render` and `check` through the real binary against the Key Vault emulator: managed
//! identity over the App Service endpoint, one emulator per vault, loopback only.

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;

use crate::support::emulator::{Emulator, Fault, IDENTITY_HEADER, Kind};
use crate::support::{Scratch, assert_exit, assert_no_leak, guzzle_kv, stderr, stdout};

/// Emulators for `secrets` (`vault/name` → value), one per vault.
fn emulators(secrets: &[(&str, &str)]) -> BTreeMap<String, Emulator> {
    let mut emulators: BTreeMap<String, Emulator> = BTreeMap::new();
    for (key, value) in secrets {
        let (vault, name) = key.split_once('/').unwrap();
        emulators
            .entry(vault.to_ascii_lowercase())
            .or_insert_with(Emulator::start)
            .add_secret(name, value);
    }
    emulators
}

/// Runs `args` (a subcommand and its inputs) in `dir` against the emulators: managed
/// identity over the App Service endpoint, the test CAs trusted, `--timeout SECS`.
fn run_kv(
    dir: &Path,
    scratch: &Scratch,
    emulators: &BTreeMap<String, Emulator>,
    args: &[&str],
    timeout: &str,
) -> std::process::Output {
    let cas: String = emulators.values().map(|e| e.ca_pem.clone()).collect();
    let ca_file = scratch.write("test-ca.pem", cas);
    let first = emulators.values().next().unwrap();
    let mut command: Command = guzzle_kv(dir);
    command
        .env("SSL_CERT_FILE", ca_file)
        .env_remove("SSL_CERT_DIR")
        .env("IDENTITY_ENDPOINT", first.identity_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env_remove("AZURE_CLIENT_ID")
        .args(args)
        .args(["--auth", "managed-identity", "--timeout", timeout, "--retries", "1"]);
    for (vault, emulator) in emulators {
        command.arg("--vault-url").arg(format!("{vault}={}", emulator.vault_url()));
    }
    command.output().unwrap()
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

#[test]
fn rendering_the_fixtures_from_key_vault_matches_the_secrets_file() {
    let text = std::fs::read_to_string(fixtures().join("dev-secrets.json")).unwrap();
    let map: BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
    let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let emulators = emulators(&pairs);
    let scratch = Scratch::new();
    let out = scratch.path().join("out");

    let out_arg = out.to_str().unwrap();
    let args = ["render", "guzzle-like", "--exclude", "mistakes/**", "-o", out_arg];
    let output = run_kv(fixtures(), &scratch, &emulators, &args, "5");
    assert_exit(&output, 0);

    for entry in
        walkdir::WalkDir::new(fixtures().join("expected/render")).into_iter().filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(fixtures().join("expected/render")).unwrap();
            let got = std::fs::read(out.join(relative)).unwrap();
            assert!(got == std::fs::read(entry.path()).unwrap(), "{} differs", relative.display());
        }
    }
    for (vault, emulator) in &emulators {
        let names: Vec<&str> = map
            .keys()
            .filter_map(|k| k.split_once('/'))
            .filter(|(v, _)| v.eq_ignore_ascii_case(vault))
            .map(|(_, n)| n)
            .collect();
        for name in names {
            assert_eq!(
                emulator.gets_of(name).iter().filter(|r| r.value_returned).count(),
                1,
                "{vault}/{name}"
            );
        }
        assert_eq!(emulator.challenges(), 1, "{vault}");
        assert!(emulator.token_requests().iter().all(|r| r.kind == Kind::ManagedIdentityToken));
    }
    assert_no_leak("dev-repo-p@ss$word", &stderr(&output));
}

// https://github.com/MicrosoftDocs/azure-docs/issues/27555
#[test]
fn br14_access_denied_fails_and_is_not_cached() {
    let emulators = emulators(&[
        ("kv-app/api-key", "ak_live_123"),
        ("kv-app/db-url", "Server=db;Pwd=canary-db-url-77"),
    ]);
    let emulator = &emulators["kv-app"];
    emulator.fault("db-url", Fault::Status(403, "Forbidden"), Some(1));
    let s = Scratch::new();
    s.write(".env", "API_KEY=$<kv:kv-app/api-key>\nDB_URL=$<kv:kv-app/db-url>\n");

    let output = run_kv(s.path(), &s, &emulators, &["render", ".env", "-o", "out.env"], "5");
    assert_exit(&output, 3);
    let err = stderr(&output);
    assert!(err.contains(".env:2:8") && err.contains("kv-app/db-url"), "{err}");
    assert!(err.to_lowercase().contains("denied") || err.contains("403"), "{err}");
    assert!(err.contains("managed"), "names the credential: {err}");
    assert_no_leak("ak_live_123", &format!("{err}{}", stdout(&output)));
    assert!(!s.path().join("out.env").exists());

    let output = run_kv(s.path(), &s, &emulators, &["render", ".env", "-o", "out.env"], "5");
    assert_exit(&output, 0);
    assert_eq!(
        s.read("out.env"),
        "API_KEY=ak_live_123\nDB_URL=\"Server=db;Pwd=canary-db-url-77\"\n"
    );
}

// https://github.com/Azure/azure-sdk-for-rust/issues/1632
#[test]
fn br21_a_hanging_vault_times_out_with_exit_4() {
    let emulators = emulators(&[("kv-app/k1", "v1")]);
    emulators["kv-app"].fault("k1", Fault::Hang, None);
    let s = Scratch::new();
    s.write("a.txt", "$<kv:kv-app/k1>\n");
    let started = std::time::Instant::now();
    let output = run_kv(s.path(), &s, &emulators, &["render", "a.txt", "-o", "out.txt"], "1");
    assert_exit(&output, 4);
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    assert!(
        stderr(&output).contains("kv-app/k1") && stderr(&output).contains("timed out"),
        "{}",
        stderr(&output)
    );
    assert!(!s.path().join("out.txt").exists());
}

#[test]
fn check_reports_missing_secrets_without_reading_values() {
    let emulators = emulators(&[("kv-app/present", "never-read-value-Q1")]);
    let s = Scratch::new();
    s.write("a.yml", "a: $<kv:kv-app/present>\nb: $<kv:kv-app/absent>\n");
    let output = run_kv(s.path(), &s, &emulators, &["check", "a.yml"], "5");
    assert_exit(&output, 1);
    assert_eq!(stdout(&output), "missing    kv-app/absent\npresent    kv-app/present\n");
    assert!(
        stderr(&output).contains("a.yml:2:4: `kv-app/absent` is missing"),
        "{}",
        stderr(&output)
    );
    assert!(emulators["kv-app"].records().iter().all(|r| !r.value_returned));
}

#[test]
fn a_slow_fetch_shows_progress_on_a_terminal_only() {
    let emulators = emulators(&[("kv-app/slow", "slow-value-Zq7")]);
    let emulator = &emulators["kv-app"];
    emulator.fault("slow", Fault::Latency(std::time::Duration::from_millis(1800)), None);
    let s = Scratch::new();
    s.write("a.txt", "$<kv:kv-app/slow>\n");
    let ca_file = s.write("test-ca.pem", &emulator.ca_pem);
    let bin = assert_cmd::cargo::cargo_bin("guzzle-kv");
    let command = format!(
        "'{}' render a.txt -o out.txt --auth managed-identity --vault-url kv-app={}",
        bin.display(),
        emulator.vault_url()
    );
    // `script` gives the binary a terminal for stderr, as an interactive shell would.
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(s.path())
        .env("GUZZLE_KV_NO_IMDS", "1")
        .env("SSL_CERT_FILE", &ca_file)
        .env_remove("SSL_CERT_DIR")
        .env("IDENTITY_ENDPOINT", emulator.identity_endpoint())
        .env("IDENTITY_HEADER", IDENTITY_HEADER)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("fetching secrets"), "{shown}");
    assert_no_leak("slow-value-Zq7", &shown);
    assert_eq!(s.read("out.txt"), "slow-value-Zq7\n");

    let output = run_kv(s.path(), &s, &emulators, &["render", "a.txt", "-o", "out2.txt"], "5");
    assert_exit(&output, 0);
    assert!(!stderr(&output).contains("fetching secrets"), "{}", stderr(&output));
}

/// A secret that cannot be had (3) does not hide a value that cannot be written (2),
/// which outranks it (SPEC section 9), from Key Vault as from a secrets file; nothing is
/// written and a missing value never turns into an encoding error of its own.
#[test]
fn a_value_that_cannot_be_written_outranks_a_missing_secret() {
    let s = Scratch::new();
    let text = "a: $<kv:kv-app/missing>\nc: '$<kv:kv-app/nl>'\n";
    s.write("one.yaml", text);
    s.write("bare.json", "{\"a\": $<kv:kv-app/missing>, \"b\": \"$<kv:kv-app/nl>\"}\n");
    let expect = |output: &std::process::Output, code: i32| {
        assert_exit(output, code);
        let err = stderr(output);
        assert!(err.contains("one.yaml:1:4: cannot resolve `kv-app/missing`"), "{err}");
        let written = "one.yaml:2:5: cannot write the value of `kv-app/nl`";
        assert_eq!(err.contains(written), code == 2, "{err}");
        assert!(!err.contains("bare.json"), "a missing value is no encoding error: {err}");
        assert_no_leak("canary-line", &format!("{err}{}", stdout(output)));
        assert!(!s.path().join("out").exists());
    };
    let emulators = emulators(&[("kv-app/nl", "canary-line\nnext")]);
    let args = ["render", "one.yaml", "bare.json", "-o", "out/"];
    expect(&run_kv(s.path(), &s, &emulators, &args, "5"), 2);
    let secrets = s.secrets(&[("kv-app/nl", "canary-line\nnext")]);
    let mut local = guzzle_kv(s.path());
    local.args(args).arg("--secrets-file").arg(&secrets);
    expect(&local.output().unwrap(), 2);
    // With the value writable, the missing secret decides.
    s.write("one.yaml", text.replace("'$<kv:kv-app/nl>'", "\"$<kv:kv-app/nl>\""));
    expect(&run_kv(s.path(), &s, &emulators, &args, "5"), 3);
    expect(&local.output().unwrap(), 3);
}

/// Files are written as their secrets arrive, whatever order the vault answers in: the
/// files, and the messages of a failed run, are those of a run that waited for all.
#[test]
fn answers_in_any_order_give_the_same_files_and_messages() {
    let pairs: Vec<(String, String)> =
        (0..12).map(|i| (format!("kv-app/s{i}"), format!("value-{i} #'\"$"))).collect();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let emulators = emulators(&pairs);
    let emulator = &emulators["kv-app"];
    // The first secret used answers last.
    for i in 0..12u64 {
        let delay = std::time::Duration::from_millis(20 * (12 - i));
        emulator.fault(&format!("s{i}"), Fault::Latency(delay), None);
    }
    let s = Scratch::new();
    for f in 0..6 {
        let text = format!("a: \"$<kv:kv-app/s{f}>\"\nb: '$<kv:kv-app/s{}>'\n", 11 - f);
        s.write(&format!("tree/f{f}.yaml"), text);
    }
    s.write("tree/plain.txt", "no placeholders\n");
    let args = ["render", "tree", "-o", "out", "--concurrency", "4"];
    let output = run_kv(s.path(), &s, &emulators, &args, "5");
    assert_exit(&output, 0);
    let secrets = s.secrets(&pairs);
    let mut local = guzzle_kv(s.path());
    local.args(["render", "tree", "-o", "local", "--secrets-file"]).arg(&secrets);
    assert_exit(&local.output().unwrap(), 0);
    assert_eq!(s.files("out"), s.files("local"));
    for name in s.files("out") {
        assert_eq!(s.read(&format!("out/{name}")), s.read(&format!("local/{name}")), "{name}");
    }

    // Two missing secrets, the later-used one answered first: reported in order of use,
    // and nothing is written or left behind.
    emulator.fault("gone-first", Fault::Latency(std::time::Duration::from_millis(300)), None);
    s.write("tree/f0.yaml", "a: $<kv:kv-app/gone-first>\n");
    s.write("tree/f1.yaml", "a: $<kv:kv-app/gone-later>\n");
    let args = ["render", "tree", "-o", "again", "--concurrency", "4"];
    let output = run_kv(s.path(), &s, &emulators, &args, "5");
    assert_exit(&output, 3);
    let err = stderr(&output);
    let (first, later) = (err.find("kv-app/gone-first"), err.find("kv-app/gone-later"));
    assert!(first.is_some() && first < later, "{err}");
    assert!(!s.path().join("again").exists());
    assert!(s.files("tree").iter().all(|f| !f.contains(".guzzle-kv-")), "{:?}", s.files("tree"));
}
