//! A small fixed set of findings for the reporter tests: two files, every severity, a
//! KV101 whose value is a canary that no format may print, and characters that need
//! escaping in some format.

use std::path::Path;

use super::{FileFindings, Findings, Unchecked, UncheckedKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::LineIndex;

/// The plaintext value in the fixture; no report may contain it.
pub(crate) const CANARY: &str = "CANARY-s3cr3t-9b1e";

/// The first file: a YAML connection with a plaintext password and a bad vault name.
pub(crate) const YAML: &str = "db:\n  password: \"CANARY-s3cr3t-9b1e\" # was: ü\n  \
                               token: \"$<kv:kv_app/db-token>\"\n  # old: $<kv:kv-app/x>\n";

/// The second file: a properties file with a near miss whose text has `%`, `,` and `:`.
pub(crate) const PROPS: &str = "a=100%, b:${kv:kv-app/x}\n";

/// The fixture's findings, per file.
pub(crate) fn diagnostics() -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let yaml = Path::new("conf/db.yml");
    let props = Path::new("conf/app.properties");
    let mut index = LineIndex::new(YAML.as_bytes());
    let password = YAML.find(CANARY).unwrap();
    let vault = YAML.find("$<kv:kv_app").unwrap();
    let vault_len = "$<kv:kv_app/db-token>".len();
    let comment = YAML.find("$<kv:kv-app/x>").unwrap();
    let first = vec![
        Diagnostic::new(
            Code::Kv101,
            yaml.into(),
            index.span(password, CANARY.len()),
            "plaintext credential in `password`".into(),
        )
        .with_help("store the value in Key Vault and write `$<kv:VAULT/SECRET>` here"),
        Diagnostic::new(
            Code::Kv002,
            yaml.into(),
            index.span(vault, vault_len),
            "invalid vault name `kv_app`: invalid character `_`".into(),
        )
        .with_help(crate::names::VAULT_RULE),
        Diagnostic::new(
            Code::Kv102,
            yaml.into(),
            index.span(comment, 14),
            "placeholder inside a comment is never rendered".into(),
        ),
    ];
    let near = PROPS.find("${kv:").unwrap();
    let second = vec![Diagnostic::new(
        Code::Kv005,
        props.into(),
        LineIndex::new(PROPS.as_bytes()).span(near, 5),
        "`${kv:` looks like a placeholder but is not one, 100%".into(),
    )];
    (first, second)
}

/// Runs `format` over the fixture.
pub(crate) fn render(reporter: &dyn super::Reporter) -> String {
    render_with(reporter, Vec::new())
}

/// Two files lint could not check in full: one its reader stopped in, one not UTF-8.
pub(crate) fn unchecked() -> Vec<Unchecked<'static>> {
    vec![
        Unchecked {
            path: Path::new("conf/broken.yml"),
            kind: UncheckedKind::SyntaxError,
            position: Some((3, 7)),
            message: "cannot read the file as yaml: did not find expected ',' or ']'".into(),
        },
        Unchecked {
            path: Path::new("conf/latin1, 100%.yml"),
            kind: UncheckedKind::Unreadable,
            position: None,
            message: "not valid UTF-8, so lint cannot look for plaintext credentials in it".into(),
        },
    ]
}

/// Runs `format` over the fixture, with `unchecked` files beside its findings.
pub(crate) fn render_with(reporter: &dyn super::Reporter, unchecked: Vec<Unchecked<'_>>) -> String {
    let (first, second) = diagnostics();
    let findings = Findings {
        files: vec![
            FileFindings {
                path: Path::new("conf/db.yml"),
                text: YAML,
                diagnostics: &first,
                masks: &[],
            },
            FileFindings {
                path: Path::new("conf/app.properties"),
                text: PROPS,
                diagnostics: &second,
                masks: &[],
            },
        ],
        unchecked,
        files_checked: 3,
    };
    let mut out = Vec::new();
    reporter.report(&findings, &mut out).unwrap();
    reporter.summary(&findings, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains(CANARY), "the canary leaked:\n{out}");
    out
}
