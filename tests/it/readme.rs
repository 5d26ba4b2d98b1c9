//! The README's CI snippets as a user would copy them: every `guzzle-kv` command of the
//! GitHub Actions workflow and the Azure Pipelines steps runs on the corpus, and the
//! pre-commit example names hooks that `.pre-commit-hooks.yaml` has.

use std::path::Path;
use std::process::Command;

use crate::support::{Scratch, assert_exit, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The fenced YAML blocks of the README section that starts with `heading`.
fn yaml_blocks(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split(heading).nth(1).unwrap_or_else(|| panic!("no {heading}"));
    let section = section.split("\n### ").next().unwrap();
    section.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap().into()).collect()
}

/// The `run:` or `script:` lines that call `guzzle-kv` (not its install), comments cut.
fn commands(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter_map(|l| l.split_once("run: ").or_else(|| l.split_once("script: ")))
        .map(|(_, command)| command.split(" # ").next().unwrap().trim().to_owned())
        .filter(|c| c.starts_with("guzzle-kv "))
        .collect()
}

/// Runs `command` with `sh` in the corpus, the CI variables pointing into `s`.
fn run_in_corpus(command: &str, s: &Scratch) -> std::process::Output {
    let temp = s.path().to_str().unwrap();
    let command = command
        .replace("${{ runner.temp }}", temp)
        .replace("$(Build.ArtifactStagingDirectory)", temp);
    let bin = Path::new(env!("CARGO_BIN_EXE_guzzle-kv")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_owned())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    Command::new("sh")
        .args(["-c", &command])
        .current_dir(root().join("fixtures/guzzle-like"))
        .env("PATH", path)
        .env("GUZZLE_KV_NO_IMDS", "1")
        .output()
        .unwrap()
}

fn sarif_results(file: &Path) -> usize {
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    log["runs"][0]["results"].as_array().unwrap().len()
}

#[test]
fn the_github_actions_workflow_runs_as_shown() {
    let workflow = &yaml_blocks("### GitHub Actions")[0];
    assert!(workflow.contains("github/codeql-action/upload-sarif@v4"), "{workflow}");
    assert!(workflow.contains("security-events: write"), "{workflow}");
    assert!(workflow.contains("sarif_file: ${{ runner.temp }}/guzzle-kv.sarif"), "{workflow}");
    let commands = commands(workflow);
    assert_eq!(commands.len(), 2, "{commands:?}");

    let s = Scratch::new();
    for command in &commands {
        let output = run_in_corpus(command, &s);
        // The corpus has errors: each step exits 1 (0 is clean, 2 is a usage error).
        assert_eq!(output.status.code(), Some(1), "{command}: {}", stderr(&output));
    }
    assert!(sarif_results(&s.path().join("guzzle-kv.sarif")) >= 20);
    let annotations = stdout(&run_in_corpus(&commands[1], &s));
    assert!(annotations.lines().all(|l| l.starts_with("::")), "{annotations}");
}

#[test]
fn the_azure_pipelines_steps_run_as_shown() {
    let steps = &yaml_blocks("### Azure Pipelines")[0];
    assert!(steps.contains("artifact: CodeAnalysisLogs"), "{steps}");
    let commands = commands(steps);
    assert_eq!(commands.len(), 2, "{commands:?}");

    let s = Scratch::new();
    for command in &commands {
        assert_exit(&run_in_corpus(command, &s), 1);
    }
    assert!(sarif_results(&s.path().join("guzzle-kv.sarif")) >= 20);
    let concise = stdout(&run_in_corpus(&commands[1], &s));
    assert!(concise.contains("mistakes/ph_jdbc_postgres_crm_malformed.yml:12:22: error[KV001]"));
}

#[test]
fn the_pre_commit_example_names_the_manifests_hooks() {
    let example = &yaml_blocks("### pre-commit")[0];
    let manifest = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let ids: Vec<&str> = manifest.lines().filter_map(|l| l.strip_prefix("- id: ")).collect();
    assert_eq!(ids, ["guzzle-kv-lint", "guzzle-kv-lint-system"]);
    for id in ids {
        assert!(example.contains(&format!("id: {id} ")), "{id} not in:\n{example}");
    }
}
