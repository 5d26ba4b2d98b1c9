use std::path::Path;
use std::process::Command;

use super::super::test_support::render;
use super::*;

#[test]
#[allow(clippy::too_many_lines, reason = "one inline snapshot of the whole log")]
fn log_with_rules_and_sorted_results() {
    insta::assert_snapshot!(render(&Sarif), @r#"
        {
          "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
          "version": "2.1.0",
          "runs": [
            {
              "tool": {
                "driver": {
                  "name": "guzzle-kv",
                  "version": "0.1.0",
                  "semanticVersion": "0.1.0",
                  "informationUri": "https://github.com/guzzle-kv/guzzle-kv",
                  "rules": [
                    {
                      "id": "KV001",
                      "name": "MalformedPlaceholder",
                      "shortDescription": {
                        "text": "Malformed placeholder: text starts with `$<kv:` but is not a complete placeholder."
                      },
                      "fullDescription": {
                        "text": "`render` and `databricks` refuse a file with a malformed placeholder, and a placeholder that never resolves would otherwise reach a job as literal text."
                      },
                      "help": {
                        "text": "`render` and `databricks` refuse a file with a malformed placeholder, and a placeholder that never resolves would otherwise reach a job as literal text.\n\nExample: password: \"$<kv:kv-app/db-pass\"   # no closing `>`\n\nFix: Write `$<kv:VAULT/SECRET>` or `$<kv:VAULT/SECRET/VERSION>` on one line; to mean the literal text `$<kv:`, write `$$<kv:`.",
                        "markdown": "`render` and `databricks` refuse a file with a malformed placeholder, and a placeholder that never resolves would otherwise reach a job as literal text.\n\nExample:\n\n```\npassword: \"$<kv:kv-app/db-pass\"   # no closing `>`\n```\n\nFix: Write `$<kv:VAULT/SECRET>` or `$<kv:VAULT/SECRET/VERSION>` on one line; to mean the literal text `$<kv:`, write `$$<kv:`."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    },
                    {
                      "id": "KV002",
                      "name": "InvalidVaultName",
                      "shortDescription": {
                        "text": "Invalid vault name: the vault segment breaks Azure's Key Vault naming rules."
                      },
                      "fullDescription": {
                        "text": "No vault can have this name, so the placeholder can never be resolved."
                      },
                      "help": {
                        "text": "No vault can have this name, so the placeholder can never be resolved.\n\nExample: password: \"$<kv:kv_app/db-pass>\"\n\nFix: Use the vault's real name: 3-24 letters, digits and `-`, starting with a letter, ending with a letter or digit, no `--`.",
                        "markdown": "No vault can have this name, so the placeholder can never be resolved.\n\nExample:\n\n```\npassword: \"$<kv:kv_app/db-pass>\"\n```\n\nFix: Use the vault's real name: 3-24 letters, digits and `-`, starting with a letter, ending with a letter or digit, no `--`."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    },
                    {
                      "id": "KV003",
                      "name": "InvalidSecretName",
                      "shortDescription": {
                        "text": "Invalid secret name: the secret segment breaks Key Vault's naming rules."
                      },
                      "fullDescription": {
                        "text": "Key Vault cannot store a secret with this name (only letters, digits and `-`), so the placeholder can never be resolved."
                      },
                      "help": {
                        "text": "Key Vault cannot store a secret with this name (only letters, digits and `-`), so the placeholder can never be resolved.\n\nExample: cosmos.key=$<kv:kv-app/COSMOSDB_PRIMARY_KEY>\n\nFix: Rename the secret to 1-127 letters, digits and `-` (e.g. `COSMOSDB-PRIMARY-KEY`).",
                        "markdown": "Key Vault cannot store a secret with this name (only letters, digits and `-`), so the placeholder can never be resolved.\n\nExample:\n\n```\ncosmos.key=$<kv:kv-app/COSMOSDB_PRIMARY_KEY>\n```\n\nFix: Rename the secret to 1-127 letters, digits and `-` (e.g. `COSMOSDB-PRIMARY-KEY`)."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    },
                    {
                      "id": "KV004",
                      "name": "InvalidVersion",
                      "shortDescription": {
                        "text": "Invalid version: the version segment is not 32 hexadecimal digits."
                      },
                      "fullDescription": {
                        "text": "Key Vault secret versions are 32 hexadecimal digits; any other version is never found."
                      },
                      "help": {
                        "text": "Key Vault secret versions are 32 hexadecimal digits; any other version is never found.\n\nExample: password: \"$<kv:kv-app/db-pass/v2>\"\n\nFix: Copy the version from Key Vault, or drop the segment to use the latest version.",
                        "markdown": "Key Vault secret versions are 32 hexadecimal digits; any other version is never found.\n\nExample:\n\n```\npassword: \"$<kv:kv-app/db-pass/v2>\"\n```\n\nFix: Copy the version from Key Vault, or drop the segment to use the latest version."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    },
                    {
                      "id": "KV005",
                      "name": "NearMiss",
                      "shortDescription": {
                        "text": "Near miss: text that looks like a placeholder but is not one."
                      },
                      "fullDescription": {
                        "text": "`render` copies near misses as they are, so a typo such as `$<KV:` or `${kv:` would reach a job as a literal password."
                      },
                      "help": {
                        "text": "`render` copies near misses as they are, so a typo such as `$<KV:` or `${kv:` would reach a job as a literal password.\n\nExample: password: \"${kv:kv-app/db-pass}\"\n\nFix: Write the placeholder as `$<kv:VAULT/SECRET>`, with `kv` in lower case.",
                        "markdown": "`render` copies near misses as they are, so a typo such as `$<KV:` or `${kv:` would reach a job as a literal password.\n\nExample:\n\n```\npassword: \"${kv:kv-app/db-pass}\"\n```\n\nFix: Write the placeholder as `$<kv:VAULT/SECRET>`, with `kv` in lower case."
                      },
                      "defaultConfiguration": {
                        "level": "warning"
                      }
                    },
                    {
                      "id": "KV101",
                      "name": "PlaintextCredential",
                      "shortDescription": {
                        "text": "Plaintext credential: a credential-named key with a literal value, or a credential inside a connection string or URL."
                      },
                      "fullDescription": {
                        "text": "A password committed to a configuration repository is readable by everyone with access to it, forever (it stays in the history); it belongs in Key Vault."
                      },
                      "help": {
                        "text": "A password committed to a configuration repository is readable by everyone with access to it, forever (it stays in the history); it belongs in Key Vault.\n\nExample: password: \"hunter2\"\n\nFix: Store the value in Key Vault, rotate it, and write `$<kv:VAULT/SECRET>` in its place; if the value is not a secret, silence the finding with a `guzzle-kv: ignore KV101` comment or a `[[lint.ignore]]` entry.",
                        "markdown": "A password committed to a configuration repository is readable by everyone with access to it, forever (it stays in the history); it belongs in Key Vault.\n\nExample:\n\n```\npassword: \"hunter2\"\n```\n\nFix: Store the value in Key Vault, rotate it, and write `$<kv:VAULT/SECRET>` in its place; if the value is not a secret, silence the finding with a `guzzle-kv: ignore KV101` comment or a `[[lint.ignore]]` entry."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    },
                    {
                      "id": "KV102",
                      "name": "PlaceholderInComment",
                      "shortDescription": {
                        "text": "Placeholder inside a comment: it is never fetched or rewritten."
                      },
                      "fullDescription": {
                        "text": "A commented-out placeholder looks like configuration but does nothing; it often marks an old secret that should be deleted from the file and from the vault."
                      },
                      "help": {
                        "text": "A commented-out placeholder looks like configuration but does nothing; it often marks an old secret that should be deleted from the file and from the vault.\n\nExample: # password: \"$<kv:kv-guzzle-dev/erp-sql-password-2023>\"\n\nFix: Delete the comment, or move the placeholder into a value if it is meant to be used.",
                        "markdown": "A commented-out placeholder looks like configuration but does nothing; it often marks an old secret that should be deleted from the file and from the vault.\n\nExample:\n\n```\n# password: \"$<kv:kv-guzzle-dev/erp-sql-password-2023>\"\n```\n\nFix: Delete the comment, or move the placeholder into a value if it is meant to be used."
                      },
                      "defaultConfiguration": {
                        "level": "warning"
                      }
                    },
                    {
                      "id": "KV201",
                      "name": "VersionPinOnDatabricks",
                      "shortDescription": {
                        "text": "Version pin under `--target databricks`: a secret scope cannot read a version."
                      },
                      "fullDescription": {
                        "text": "`databricks` rewrites placeholders to `<<secrets/SCOPE/KEY>>`, which always reads the latest version, so it refuses a pinned placeholder."
                      },
                      "help": {
                        "text": "`databricks` rewrites placeholders to `<<secrets/SCOPE/KEY>>`, which always reads the latest version, so it refuses a pinned placeholder.\n\nExample: password: \"$<kv:kv-app/db-pass/5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0>\"\n\nFix: Drop the version segment, or keep this file for `render` on the VM.",
                        "markdown": "`databricks` rewrites placeholders to `<<secrets/SCOPE/KEY>>`, which always reads the latest version, so it refuses a pinned placeholder.\n\nExample:\n\n```\npassword: \"$<kv:kv-app/db-pass/5f0c1e2d3b4a49d8a7c6b5e4d3c2b1a0>\"\n```\n\nFix: Drop the version segment, or keep this file for `render` on the VM."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    },
                    {
                      "id": "KV202",
                      "name": "EmbeddedSparkReference",
                      "shortDescription": {
                        "text": "Placeholder embedded in a larger value under `--syntax spark`."
                      },
                      "fullDescription": {
                        "text": "Databricks replaces `{{secrets/SCOPE/KEY}}` in Spark config and environment variables only when the reference is the whole value; inside a longer string it stays literal text."
                      },
                      "help": {
                        "text": "Databricks replaces `{{secrets/SCOPE/KEY}}` in Spark config and environment variables only when the reference is the whole value; inside a longer string it stays literal text.\n\nExample: jdbc_url: \"jdbc:sqlserver://h;password=$<kv:kv-app/db-pass>\"\n\nFix: Make the placeholder a value of its own, or use `--syntax guzzle`, which Guzzle resolves anywhere in a value.",
                        "markdown": "Databricks replaces `{{secrets/SCOPE/KEY}}` in Spark config and environment variables only when the reference is the whole value; inside a longer string it stays literal text.\n\nExample:\n\n```\njdbc_url: \"jdbc:sqlserver://h;password=$<kv:kv-app/db-pass>\"\n```\n\nFix: Make the placeholder a value of its own, or use `--syntax guzzle`, which Guzzle resolves anywhere in a value."
                      },
                      "defaultConfiguration": {
                        "level": "warning"
                      }
                    },
                    {
                      "id": "KV301",
                      "name": "VaultNotAllowed",
                      "shortDescription": {
                        "text": "Vault not in the configured allow-list."
                      },
                      "fullDescription": {
                        "text": "An allow-list keeps configuration from reading secrets out of vaults that belong to another environment or team; `render` and `check` refuse such placeholders too."
                      },
                      "help": {
                        "text": "An allow-list keeps configuration from reading secrets out of vaults that belong to another environment or team; `render` and `check` refuse such placeholders too.\n\nExample: password: \"$<kv:kv-someone-else/db-pass>\"   # allow = [\"kv-guzzle-prod\"]\n\nFix: Use a vault from the allow-list, or add the vault to `[vaults] allow` in `guzzle-kv.toml` (or pass `--allow-vault`).",
                        "markdown": "An allow-list keeps configuration from reading secrets out of vaults that belong to another environment or team; `render` and `check` refuse such placeholders too.\n\nExample:\n\n```\npassword: \"$<kv:kv-someone-else/db-pass>\"   # allow = [\"kv-guzzle-prod\"]\n```\n\nFix: Use a vault from the allow-list, or add the vault to `[vaults] allow` in `guzzle-kv.toml` (or pass `--allow-vault`)."
                      },
                      "defaultConfiguration": {
                        "level": "error"
                      }
                    }
                  ]
                }
              },
              "invocations": [
                {
                  "executionSuccessful": true
                }
              ],
              "columnKind": "unicodeCodePoints",
              "results": [
                {
                  "ruleId": "KV005",
                  "ruleIndex": 4,
                  "level": "warning",
                  "message": {
                    "text": "`${kv:` looks like a placeholder but is not one, 100%."
                  },
                  "locations": [
                    {
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "conf/app.properties"
                        },
                        "region": {
                          "startLine": 1,
                          "startColumn": 11,
                          "endLine": 1,
                          "endColumn": 16,
                          "snippet": {
                            "text": "${kv:"
                          }
                        },
                        "contextRegion": {
                          "startLine": 1,
                          "startColumn": 1,
                          "endLine": 1,
                          "endColumn": 25,
                          "snippet": {
                            "text": "a=100%, b:${kv:kv-app/x}"
                          }
                        }
                      }
                    }
                  ]
                },
                {
                  "ruleId": "KV101",
                  "ruleIndex": 5,
                  "level": "error",
                  "message": {
                    "text": "Plaintext credential in `password`."
                  },
                  "locations": [
                    {
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "conf/db.yml"
                        },
                        "region": {
                          "startLine": 2,
                          "startColumn": 14,
                          "endLine": 2,
                          "endColumn": 32,
                          "snippet": {
                            "text": "****"
                          }
                        },
                        "contextRegion": {
                          "startLine": 2,
                          "startColumn": 1,
                          "endLine": 2,
                          "endColumn": 42,
                          "snippet": {
                            "text": "  password: \"****\" # was: ü"
                          }
                        }
                      }
                    }
                  ]
                },
                {
                  "ruleId": "KV002",
                  "ruleIndex": 1,
                  "level": "error",
                  "message": {
                    "text": "Invalid vault name `kv_app`: invalid character `_`."
                  },
                  "locations": [
                    {
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "conf/db.yml"
                        },
                        "region": {
                          "startLine": 3,
                          "startColumn": 11,
                          "endLine": 3,
                          "endColumn": 32,
                          "snippet": {
                            "text": "$<kv:kv_app/db-token>"
                          }
                        },
                        "contextRegion": {
                          "startLine": 3,
                          "startColumn": 1,
                          "endLine": 3,
                          "endColumn": 33,
                          "snippet": {
                            "text": "  token: \"$<kv:kv_app/db-token>\""
                          }
                        }
                      }
                    }
                  ]
                },
                {
                  "ruleId": "KV102",
                  "ruleIndex": 6,
                  "level": "warning",
                  "message": {
                    "text": "Placeholder inside a comment is never rendered."
                  },
                  "locations": [
                    {
                      "physicalLocation": {
                        "artifactLocation": {
                          "uri": "conf/db.yml"
                        },
                        "region": {
                          "startLine": 4,
                          "startColumn": 10,
                          "endLine": 4,
                          "endColumn": 24,
                          "snippet": {
                            "text": "$<kv:kv-app/x>"
                          }
                        },
                        "contextRegion": {
                          "startLine": 4,
                          "startColumn": 1,
                          "endLine": 4,
                          "endColumn": 24,
                          "snippet": {
                            "text": "  # old: $<kv:kv-app/x>"
                          }
                        }
                      }
                    }
                  ]
                }
              ]
            }
          ]
        }
    "#);
}

#[test]
fn every_code_has_a_rule_in_code_order() {
    let log: serde_json::Value = serde_json::from_str(&render(&Sarif)).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, Code::ALL.map(Code::as_str));
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

/// A file lint could not check in full is an error notification of a failed invocation,
/// which names the file (and where its reader stopped) but has no rule.
#[test]
fn files_not_checked_are_notifications() {
    let out =
        super::super::test_support::render_with(&Sarif, super::super::test_support::unchecked());
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    insta::assert_snapshot!(serde_json::to_string_pretty(invocation).unwrap(), @r#"
        {
          "executionSuccessful": false,
          "toolExecutionNotifications": [
            {
              "level": "error",
              "locations": [
                {
                  "physicalLocation": {
                    "artifactLocation": {
                      "uri": "conf/broken.yml"
                    },
                    "region": {
                      "startColumn": 7,
                      "startLine": 3
                    }
                  }
                }
              ],
              "message": {
                "text": "Cannot read the file as yaml: did not find expected ',' or ']'."
              }
            },
            {
              "level": "error",
              "locations": [
                {
                  "physicalLocation": {
                    "artifactLocation": {
                      "uri": "conf/latin1%2C%20100%25.yml"
                    }
                  }
                }
              ],
              "message": {
                "text": "Not valid UTF-8, so lint cannot look for plaintext credentials in it."
              }
            }
          ]
        }
    "#);
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
    validate(&out);
}

#[test]
fn uris_are_relative_and_encoded() {
    assert_eq!(uri("conf/a b/x%.yml"), "conf/a%20b/x%25.yml");
    assert_eq!(uri("/abs/x.yml"), "file:///abs/x.yml");
}

/// Validates the fixture's SARIF with Microsoft's SARIF multitool, which checks the JSON
/// schema and SARIF's own rules. CI installs it with
/// `npm install @microsoft/sarif-multitool@5.7.0` into the crate folder.
#[test]
fn multitool_finds_no_errors_or_warnings() {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/sarif-multitool");
    if !tool.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install sarif-multitool at {}",
            tool.display()
        );
        eprintln!(
            "SKIPPED: SARIF NOT VALIDATED: {} is missing (npm install @microsoft/sarif-multitool@5.7.0)",
            tool.display()
        );
        return;
    }
    validate(&render(&Sarif));
}

/// Checks `log` with Microsoft's SARIF multitool, if it is installed (CI installs it).
fn validate(log: &str) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/sarif-multitool");
    if !tool.exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lint.sarif");
    std::fs::write(&file, log).unwrap();
    let output = Command::new(&tool).arg("validate").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let problems: Vec<&str> =
        stdout.lines().filter(|l| l.contains(": error ") || l.contains(": warning ")).collect();
    assert!(problems.is_empty(), "sarif-multitool:\n{stdout}");
}
