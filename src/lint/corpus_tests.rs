//! Lint of the Guzzle-like corpus (the copy in `fixtures/guzzle-like`): the mistakes
//! folder yields exactly its errors, the rest exactly its one plaintext password and its
//! comment warning.

use std::path::{Path, PathBuf};

use super::test_support::shown;
use super::{LintOptions, check_file};
use crate::filetype::FileType;

fn corpus() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/guzzle-like");
    assert!(root.is_dir(), "the corpus is missing at {}", root.display());
    root
}

/// `relative/path:line:col CODE message` for every finding of every file under `dir`.
fn lint_tree(root: &Path, dir: &str) -> Vec<String> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root.join(dir))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("corpus files are UTF-8");
        let relative = file.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let diagnostics =
            check_file(&file, &text, FileType::detect(&file), &LintOptions::default());
        found.extend(diagnostics.iter().map(|d| format!("{relative}:{}", shown(d))));
    }
    found
}

const MISTAKES_BAD_NAMES: &str = "mistakes/ph_file_s3_vendor_bad_names.yml";
const MISTAKES_MALFORMED: &str = "mistakes/ph_jdbc_postgres_crm_malformed.yml";

#[test]
fn mistakes_yield_their_errors_at_exact_positions() {
    let root = corpus();
    let found = lint_tree(&root, "mistakes");
    let at: Vec<String> =
        found.iter().map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect();
    let expected: Vec<String> = [
        (MISTAKES_BAD_NAMES, "10:19 KV002"),
        (MISTAKES_BAD_NAMES, "11:16 KV002"),
        (MISTAKES_BAD_NAMES, "12:19 KV002"),
        (MISTAKES_BAD_NAMES, "13:22 KV002"),
        (MISTAKES_BAD_NAMES, "14:19 KV002"),
        (MISTAKES_BAD_NAMES, "15:20 KV002"),
        (MISTAKES_BAD_NAMES, "16:20 KV002"),
        (MISTAKES_BAD_NAMES, "17:18 KV003"),
        (MISTAKES_MALFORMED, "12:22 KV001"),
        (MISTAKES_MALFORMED, "13:20 KV001"),
        (MISTAKES_MALFORMED, "14:24 KV001"),
        (MISTAKES_MALFORMED, "15:17 KV001"),
        (MISTAKES_MALFORMED, "16:22 KV001"),
        (MISTAKES_MALFORMED, "18:20 KV005"),
        (MISTAKES_MALFORMED, "19:21 KV005"),
        (MISTAKES_MALFORMED, "20:18 KV005"),
        (MISTAKES_MALFORMED, "22:13 KV003"),
        (MISTAKES_MALFORMED, "24:12 KV001"),
    ]
    .iter()
    .map(|(file, at)| format!("{file}:{at}"))
    .collect();
    assert_eq!(at, expected, "{found:#?}");
}

#[test]
fn the_rest_yields_one_password_and_one_comment_warning() {
    let root = corpus();
    let found: Vec<String> = ["adf", "databricks", "dbt", "guzzle", "spark"]
        .iter()
        .flat_map(|dir| lint_tree(&root, dir))
        .collect();
    assert_eq!(
        found,
        [
            "guzzle/conf/environments/dev/connections/ph_jdbc_sqlserver_erp.yml:15:16 KV102 \
             placeholder inside a comment is never rendered",
            "guzzle/conf/environments/uat/connections/ph_jdbc_snowflake_edw.yml:13:14 KV101 \
             plaintext credential in `password`",
        ]
    );
}

#[test]
fn the_password_is_in_no_message() {
    let root = corpus();
    let file = root.join("guzzle/conf/environments/uat/connections/ph_jdbc_snowflake_edw.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    let found = check_file(&file, &text, FileType::Yaml, &LintOptions::default());
    assert_eq!(&text[found[0].span.range()], "Uat-Snowfl4ke!2024");
    assert!(found.iter().all(|d| !format!("{d:?}").contains("Snowfl4ke")));
}

#[test]
fn databricks_target_adds_the_version_pin() {
    let root = corpus();
    let file = root.join(MISTAKES_MALFORMED);
    let text = std::fs::read_to_string(&file).unwrap();
    let options = LintOptions { target: crate::cli::Target::Databricks, ..LintOptions::default() };
    let pins: Vec<String> = check_file(&file, &text, FileType::Yaml, &options)
        .iter()
        .filter(|d| d.code == crate::diagnostic::Code::Kv201)
        .map(shown)
        .collect();
    assert_eq!(pins.len(), 1);
    assert!(pins[0].starts_with("17:21 KV201"), "{pins:?}");
}
