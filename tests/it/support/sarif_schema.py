"""Validates SARIF logs against a JSON schema with Python's `jsonschema`, formats included.

Usage: sarif_schema.py SCHEMA LOG...

Prints one line per problem, `LOG: JSON-PATH: MESSAGE`, and exits 1 if any log has one,
0 if none has. Exits 3 if the validator cannot run here (a module is missing), so a test
can tell "not installed" from "invalid".
"""

import json
import sys

try:
    import jsonschema
    import rfc3339_validator  # noqa: F401 -- without it `date-time` is silently unchecked
    import rfc3986_validator  # noqa: F401 -- without it `uri` is silently unchecked
except ImportError as missing:
    print(f"missing Python module: {missing.name}", file=sys.stderr)
    sys.exit(3)


def main(argv):
    with open(argv[1], encoding="utf-8") as file:
        schema = json.load(file)
    # The schema's own `$schema` picks the draft (2020-12 for the multitool's copy).
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    formats = jsonschema.FormatChecker()
    for needed in ("uri", "uri-reference", "date-time"):
        if needed not in formats.checkers:
            print(f"jsonschema cannot check format `{needed}` here", file=sys.stderr)
            return 3
    validator = validator_class(schema, format_checker=formats)

    problems = 0
    for name in argv[2:]:
        with open(name, encoding="utf-8") as file:
            log = json.load(file)
        for error in sorted(validator.iter_errors(log), key=lambda e: list(map(str, e.path))):
            print(f"{name}: {error.json_path}: {error.message}")
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
