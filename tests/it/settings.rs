//! SPEC section 10: flags override environment variables, which override the config
//! file. One test per setting that has a `GUZZLE_KV_*` variable.

use std::process::Output;

use crate::support::{Scratch, assert_exit, guzzle_kv, stderr, stdout};

/// `render -v` of a file without placeholders through the Key Vault source: it builds the
/// credential and the vault URLs, logs which credential, and makes no request. The client
/// secret credential points at a closed port on 127.0.0.1.
fn render_key_vault(s: &Scratch, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = guzzle_kv(s.path());
    command
        .env("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000000")
        .env("AZURE_CLIENT_ID", "11111111-1111-1111-1111-111111111111")
        .env("AZURE_CLIENT_SECRET", "not-a-real-secret")
        .env("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/")
        .env_remove("AZURE_FEDERATED_TOKEN_FILE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.args(["-v", "render", "plain.txt"]).args(args).output().unwrap()
}

#[test]
fn secrets_file_flag_overrides_the_environment() {
    let s = Scratch::new();
    s.write("a.txt", "$<kv:kv-app/a>\n");
    s.write("env.json", r#"{"kv-app/a": "from-env"}"#);
    s.write("flag.json", r#"{"kv-app/a": "from-flag"}"#);
    let run = |args: &[&str]| {
        guzzle_kv(s.path())
            .env("GUZZLE_KV_SECRETS_FILE", "env.json")
            .args(["render", "a.txt"])
            .args(args)
            .output()
            .unwrap()
    };

    let from_env = run(&[]);
    assert_exit(&from_env, 0);
    assert_eq!(stdout(&from_env), "from-env\n");
    let from_flag = run(&["--secrets-file", "flag.json"]);
    assert_exit(&from_flag, 0);
    assert_eq!(stdout(&from_flag), "from-flag\n");
}

/// The config file's vault URL must be on a Key Vault domain of the cloud finally
/// chosen, so which cloud won shows in whether the URL is accepted.
#[test]
fn cloud_flag_overrides_the_environment_which_overrides_the_file() {
    let s = Scratch::new();
    s.write("plain.txt", "no placeholder\n");
    s.write(
        "guzzle-kv.toml",
        "[vaults]\ncloud = \"usgov\"\n\n[vaults.urls]\nkv-app = \"https://kv-app.vault.usgovcloudapi.net/\"\n",
    );
    let file = render_key_vault(&s, &[], &["--auth", "client-secret"]);
    assert_exit(&file, 0);

    let env = render_key_vault(&s, &[("GUZZLE_KV_CLOUD", "public")], &["--auth", "client-secret"]);
    assert_exit(&env, 2);
    assert!(stderr(&env).contains("vault.azure.net"), "{}", stderr(&env));

    let flag = render_key_vault(
        &s,
        &[("GUZZLE_KV_CLOUD", "public")],
        &["--auth", "client-secret", "--cloud", "usgov"],
    );
    assert_exit(&flag, 0);
}

/// The file's URLs are checked against the cloud the environment or a flag chooses, not
/// only against the file's own `cloud`.
#[test]
fn config_urls_are_checked_against_the_cloud_that_wins() {
    let s = Scratch::new();
    s.write("plain.txt", "no placeholder\n");
    s.write("guzzle-kv.toml", "[vaults.urls]\nkv-app = \"https://kv-app.vault.azure.cn/\"\n");

    let env = render_key_vault(&s, &[("GUZZLE_KV_CLOUD", "china")], &["--auth", "client-secret"]);
    assert_exit(&env, 0);
    let flag = render_key_vault(&s, &[], &["--auth", "client-secret", "--cloud", "china"]);
    assert_exit(&flag, 0);
    let overridden = render_key_vault(
        &s,
        &[("GUZZLE_KV_CLOUD", "china")],
        &["--auth", "client-secret", "--cloud", "public"],
    );
    assert_exit(&overridden, 2);
    assert!(stderr(&overridden).contains("kv-app.vault.azure.cn"), "{}", stderr(&overridden));

    // `lint` reads the same file and never looks at the cloud's URLs.
    s.write("a.yml", "a: 1\n");
    let lint = guzzle_kv(s.path()).args(["lint", "a.yml"]).output().unwrap();
    assert_exit(&lint, 0);
}

#[test]
fn auth_flag_overrides_the_environment() {
    let s = Scratch::new();
    s.write("plain.txt", "no placeholder\n");
    let env = render_key_vault(&s, &[("GUZZLE_KV_AUTH", "client-secret")], &[]);
    assert_exit(&env, 0);
    assert!(stderr(&env).contains("credential=client-secret"), "{}", stderr(&env));
    assert!(!stderr(&env).contains("managed-identity"), "{}", stderr(&env));

    let flag = render_key_vault(
        &s,
        &[("GUZZLE_KV_AUTH", "client-secret"), ("IDENTITY_ENDPOINT", "http://127.0.0.1:9/")],
        &["--auth", "managed-identity"],
    );
    let err = stderr(&flag);
    assert!(err.contains("credential=managed-identity"), "{err}");
    assert!(!err.contains("credential=client-secret"), "{err}");
}
