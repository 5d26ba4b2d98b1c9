//! The cases of `shared/cases/bug-report-cases.md`, each a class of fault seen in a tool
//! that does this job, run through the real binary. The source of each is linked above it.

use std::os::unix::fs::PermissionsExt as _;

use crate::support::{Scratch, assert_exit, assert_no_leak, run, stderr, stdout};

// https://github.com/helmfile/vals/issues/154
#[test]
fn br01_multiline_pem_keeps_its_newlines() {
    let s = Scratch::new();
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKfake\nZmFrZWtleQ==\n-----END RSA PRIVATE KEY-----\n";
    let secrets = s.secrets(&[("kv-prod/tls-key", pem)]);
    s.write("app.yaml", "tls:\n  key: $<kv:kv-prod/tls-key>\n");
    let out = run(s.path(), &["render", "app.yaml", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "tls:\n  key: \"-----BEGIN RSA PRIVATE KEY-----\\nMIIBOgIBAAJBAKfake\\nZmFrZWtleQ==\\n-----END RSA PRIVATE KEY-----\\n\"\n"
    );

    s.write("block.yaml", "tls:\n  key: |\n    $<kv:kv-prod/tls-key>\n");
    let out = run(s.path(), &["render", "block.yaml", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    let expected = "tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIBOgIBAAJBAKfake\n    ZmFrZWtleQ==\n    -----END RSA PRIVATE KEY-----\n";
    assert_eq!(stdout(&out), expected);
}

// https://github.com/helmfile/vals/issues/142
#[test]
fn br03_no_extra_layer_of_quotes() {
    let s = Scratch::new();
    let secrets = s.secrets(&[
        ("kv-prod/ca-cert", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
        ("kv-prod/db-user", "etl_reader"),
        ("kv-prod/api-token", "tok_9f8e7d"),
    ]);
    s.write(
        "secret.yaml",
        "stringData:\n  ca.crt: \"$<kv:kv-prod/ca-cert>\"\n  user: '$<kv:kv-prod/db-user>'\n  token: $<kv:kv-prod/api-token>\n",
    );
    let out =
        run(s.path(), &["render", "secret.yaml", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "stringData:\n  ca.crt: \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"\n  user: 'etl_reader'\n  token: tok_9f8e7d\n"
    );
}

// https://github.com/getsops/sops/issues/1271
#[test]
fn br04_hash_in_dotenv_value_is_quoted() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/client-id", "123#567")]);
    s.write(".env", "ID=$<kv:kv-app/client-id>\nQUOTED=\"$<kv:kv-app/client-id>\"\n");
    let out = run(s.path(), &["render", ".env", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "ID=\"123#567\"\nQUOTED=\"123#567\"\n");
    let parsed: Vec<(String, String)> =
        dotenvy::from_read_iter(out.stdout.as_slice()).map(Result::unwrap).collect();
    assert_eq!(parsed[0], ("ID".into(), "123#567".into()));
}

// https://github.com/getsops/sops/issues/1157
#[test]
fn br06_crlf_endings_survive_and_positions_count_lines() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-db/pass", "pw-42")]);
    s.write(".env", "DB_HOST=db.internal\r\n\r\nDB_PASS=$<kv:kv-db/pass>\r\n");
    let out = run(s.path(), &["render", ".env", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(out.stdout, b"DB_HOST=db.internal\r\n\r\nDB_PASS=pw-42\r\n");

    s.write("bad/.env", "DB_HOST=db.internal\r\n\r\nDB_PASS=$<kv:kv-db/>\r\n");
    let out = run(s.path(), &["databricks", "bad/.env"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("bad/.env:3:9:"), "{}", stderr(&out));
}

// https://github.com/motdotla/dotenv-expand/issues/101
#[test]
fn br08_values_are_never_expanded_again() {
    let s = Scratch::new();
    let secrets = s
        .secrets(&[("kv-db/pg-pass", "ab$defgh@jk"), ("kv-db/pg-note", "see $<kv:kv-db/pg-pass>")]);
    s.write("creds.txt", "password=$<kv:kv-db/pg-pass>\nnote=$<kv:kv-db/pg-note>\n");
    let out = run(s.path(), &["render", "creds.txt", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "password=ab$defgh@jk\nnote=see $<kv:kv-db/pg-pass>\n");
}

// https://github.com/motdotla/dotenv-expand/issues/20
#[test]
fn br09_every_escape_is_unescaped() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-doc/example", "v1")]);
    s.write(
        "doc.txt",
        "literal: $$<kv:kv-doc/example> and $$<kv:kv-doc/example>\nreal: $<kv:kv-doc/example>\nprice: US$5 $$ done\n",
    );
    let out = run(s.path(), &["render", "doc.txt", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "literal: $<kv:kv-doc/example> and $<kv:kv-doc/example>\nreal: v1\nprice: US$5 $$ done\n"
    );
}

// https://github.com/a8m/envsubst/issues/8
#[test]
fn br12_malformed_placeholders_are_reported_at_their_positions() {
    let s = Scratch::new();
    s.write(
        "bad.conf",
        "url = \"$<kv:kv-app/endpoint:http://localhost:8080>\"\na = \"$<kv:kv-app/>\"\nb = \"$<kv:kv-app/db-\npass>\"\nd = \"$<kv:kv-app/db-pass\"\n",
    );
    let secrets = s.secrets(&[]);
    let out = run(
        s.path(),
        &["render", "bad.conf", "--secrets-file", secrets.to_str().unwrap(), "-o", "out.conf"],
    );
    assert_exit(&out, 2);
    let err = stderr(&out);
    let positions: Vec<&str> = err
        .lines()
        .filter_map(|l| l.split(": ").next())
        .filter(|p| p.starts_with("bad.conf"))
        .collect();
    assert_eq!(
        positions,
        ["bad.conf:1:8", "bad.conf:2:6", "bad.conf:3:6", "bad.conf:5:6"],
        "{err}"
    );
    assert!(err.contains("empty secret name"), "{err}");
    assert!(err.contains("before the end of the line"), "{err}");
    // Line 1 leads with what was written wrong, not with what the parser met after it.
    let line1 = err.lines().find(|l| l.starts_with("bad.conf:1:8")).unwrap();
    assert!(
        line1.contains("malformed placeholder: invalid character `:` in secret name"),
        "{line1}"
    );
    assert!(!line1.contains("version"), "{line1}");
    assert!(!s.path().join("out.conf").exists());
}

// https://github.com/hashicorp/consul-template/issues/972
#[test]
fn br13_missing_secret_fails_loudly() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-etl/db-user", "etl"), ("kv-etl/db-password", "Xy7!q")]);
    s.write(
        "jdbc.properties",
        "db.user=$<kv:kv-etl/db-user>\ndb.password=$<kv:kv-etl/db-pasword>\n",
    );
    let out = run(
        s.path(),
        &["render", "jdbc.properties", "--secrets-file", secrets.to_str().unwrap(), "-o", "out/"],
    );
    assert_exit(&out, 3);
    let err = stderr(&out);
    assert!(err.contains("jdbc.properties:2:13"), "{err}");
    assert!(err.contains("kv-etl/db-pasword"), "{err}");
    assert!(err.contains("not found"), "{err}");
    assert!(!err.contains("etl\n") && !err.contains("Xy7!q"), "{err}");
    assert!(stdout(&out).is_empty());
    assert!(!s.path().join("out").exists());
}

// https://github.com/hairyhenderson/gomplate/issues/578
#[test]
fn br15_failed_render_leaves_no_output() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-etl/src-user", "reader")]);
    s.write(
        "src.yaml",
        "source:\n  user: $<kv:kv-etl/src-user>\n  password: $<kv:kv-etl/src-pass>\n",
    );
    let args =
        ["render", "src.yaml", "--secrets-file", secrets.to_str().unwrap(), "-o", "out/src.yaml"];

    let out = run(s.path(), &args);
    assert_exit(&out, 3);
    assert!(stderr(&out).contains("src.yaml:3:13") && stderr(&out).contains("kv-etl/src-pass"));
    assert!(!s.path().join("out").exists(), "case A: nothing created");

    let old = s.write("out/src.yaml", "old\n");
    let before = std::fs::metadata(&old).unwrap().modified().unwrap();
    let out = run(s.path(), &args);
    assert_exit(&out, 3);
    assert_eq!(s.read("out/src.yaml"), "old\n");
    assert_eq!(std::fs::metadata(&old).unwrap().modified().unwrap(), before);
    assert_eq!(s.files("out"), ["src.yaml"], "no temporary files left");
    assert!(!stderr(&out).contains("reader") && !stdout(&out).contains("reader"));
}

// https://github.com/1Password/load-secrets-action/issues/9
#[test]
fn br17_no_secret_in_logs_at_any_verbosity() {
    let s = Scratch::new();
    let value = "tok-7c1e0d52-fake-0000-aaaa-000000000001";
    let secrets = s.secrets(&[("kv-ci/build-token", value)]);
    s.write("token.txt", "token=$<kv:kv-ci/build-token>\n");
    let output = crate::support::guzzle_kv(s.path())
        .args([
            "-vvv",
            "render",
            "token.txt",
            "--secrets-file",
            secrets.to_str().unwrap(),
            "-o",
            "out.txt",
        ])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    assert_eq!(s.read("out.txt"), format!("token={value}\n"));
    assert_no_leak(value, &format!("{}{}", stdout(&output), stderr(&output)));
}

// https://github.com/hashicorp/consul-template/issues/1037
#[test]
fn br18_rendered_files_keep_or_get_restrictive_modes() {
    let s = Scratch::new();
    let secrets = s.secrets(&[("kv-app/db-pass", "pw1")]);
    s.write("app.conf.tpl", "password = \"$<kv:kv-app/db-pass>\"\n");
    let args = [
        "render",
        "app.conf.tpl",
        "--file-type",
        "hocon",
        "--secrets-file",
        secrets.to_str().unwrap(),
        "-o",
        "out/app.conf",
    ];
    let mode = |s: &Scratch| {
        std::fs::metadata(s.path().join("out/app.conf")).unwrap().permissions().mode() & 0o777
    };

    // Case B: a new file is created 0600.
    assert_exit(&run(s.path(), &args), 0);
    assert_eq!(s.read("out/app.conf"), "password = \"pw1\"\n");
    assert_eq!(mode(&s), 0o600);

    // Case A, with an owner-writable mode: the mode is kept. (A read-only 0440 file is
    // refused, as SPEC section 4 says; see the README.)
    std::fs::set_permissions(s.path().join("out/app.conf"), std::fs::Permissions::from_mode(0o640))
        .unwrap();
    assert_exit(&run(s.path(), &args), 0);
    assert_eq!(mode(&s), 0o640);
    std::fs::set_permissions(s.path().join("out/app.conf"), std::fs::Permissions::from_mode(0o440))
        .unwrap();
    let out = run(s.path(), &args);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
}

// https://github.com/MicrosoftDocs/azure-docs/issues/73013
#[test]
fn br23_databricks_references_are_written_in_full() {
    let s = Scratch::new();
    s.write(
        "spark-conf.txt",
        "fs.azure.account.oauth2.client.id.acme.dfs.core.windows.net $<kv:kv-lake/sp-client-id>\nfs.azure.account.oauth2.client.secret.acme.dfs.core.windows.net $<kv:kv-lake/sp-secret>\nfs.azure.account.auth.type.acme.dfs.core.windows.net OAuth\n",
    );
    let out = run(s.path(), &["databricks", "spark-conf.txt"]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "fs.azure.account.oauth2.client.id.acme.dfs.core.windows.net <<secrets/kv-lake/sp-client-id>>\nfs.azure.account.oauth2.client.secret.acme.dfs.core.windows.net <<secrets/kv-lake/sp-secret>>\nfs.azure.account.auth.type.acme.dfs.core.windows.net OAuth\n"
    );
}

// https://github.com/microsoft/WebTemplateStudio/issues/1839
#[test]
fn br26_names_the_vault_cannot_store() {
    let s = Scratch::new();
    s.write(
        "app.properties",
        "cosmos.key=$<kv:kv-app/COSMOSDB_PRIMARY_KEY>\ncosmos.uri=$<kv:kv-app/cosmosdb-uri>\nname=$<kv:kv-app/schlüssel>\nstorage=$<kv:kv_app/storage-key>\n",
    );
    let secrets = s.secrets(&[]);
    let out =
        run(s.path(), &["render", "app.properties", "--secrets-file", secrets.to_str().unwrap()]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    let found: Vec<&str> = err.lines().filter(|l| l.starts_with("app.properties")).collect();
    assert_eq!(found.len(), 3, "{err}");
    assert!(
        found[0].starts_with("app.properties:1:12: error[KV003]") && found[0].contains("`_`"),
        "{err}"
    );
    assert!(
        found[1].starts_with("app.properties:3:6: error[KV003]")
            && found[1].contains("non-ASCII character `ü`"),
        "{err}"
    );
    assert!(
        found[2].starts_with("app.properties:4:9: error[KV002]") && found[2].contains("kv_app"),
        "{err}"
    );
}

// https://github.com/sosreport/sos/issues/1836
#[test]
fn br28_one_long_line_without_final_newline() {
    let s = Scratch::new();
    let body = format!(
        "{{\"rows\":[{}{{\"pw\":\"$<kv:kv-app/pw>\"}}]}}",
        "{\"a\":\"xxxxxxxxxxxxxxxxxxxx\"},".repeat(200_000)
    );
    s.write("big.json", &body);
    let secrets = s.secrets(&[("kv-app/pw", "p")]);
    let started = std::time::Instant::now();
    let out = run(
        s.path(),
        &["render", "big.json", "--secrets-file", secrets.to_str().unwrap(), "-o", "out.json"],
    );
    assert_exit(&out, 0);
    // A generous bound for a debug build on a noisy machine; the benchmark measures speed.
    assert!(started.elapsed().as_secs() < 30, "took {:?}", started.elapsed());
    assert_eq!(s.read("out.json"), body.replace("$<kv:kv-app/pw>", "p"));
}
