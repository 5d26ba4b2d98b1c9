#!/usr/bin/env bash
# Every check CI runs: formatting, lints and the whole test suite. Installs what the tests
# use from the package registries first, so a fresh machine needs nothing by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

# Microsoft's SARIF validator, the other side of the SARIF output tests.
if [ ! -x node_modules/.bin/sarif-multitool ]; then
    npm install --no-save --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@5.7.0
fi
# PyYAML reads rendered YAML back as YAML 1.1, as the JVM's common reader does.
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
# Python's jsonschema checks the SARIF output against the SARIF 2.1.0 schema that the
# multitool package ships; the two validators make `uri` and `date-time` formats checked
# rather than skipped.
python3 -c 'import jsonschema, rfc3986_validator, rfc3339_validator' 2>/dev/null ||
    python3 -m pip install --quiet jsonschema==4.26.0 rfc3986-validator==0.1.1 rfc3339-validator==0.1.4
# pre-commit runs .pre-commit-hooks.yaml in the tests (`pre-commit try-repo`).
python3 -m pre_commit --version >/dev/null 2>&1 || python3 -m pip install --quiet pre-commit==4.7.0

cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
# The benchmark's quick mode: every case once on tiny inputs, judging no time (issue 6).
cargo test --locked --bench perf -- --quick
