#!/usr/bin/env python3
"""Writes seed inputs for the encode targets into corpus/<target>/, in the byte layout the
`arbitrary` crate reads a `(&str, &str)` from: template, value, then the template's length
as the last byte. Realistic templates get the fuzzer to well-formed files at once."""
import os

VALUES = ["p@ss w0rd", "line1\nline2\n", 'quote"back\\slash', "it's", "yes", "0755", " lead",
          "trail ", "#hash", "a: b", "$<kv:kv-app/x>", "ünï €", "cr\rhere", "{{x}}", "", "tab\there",
          "~", "null", "- x", "'", "${HOME}", "a\\nb", "\u2028"]
P = "$<kv:kv-app/a>"
TEMPLATES = {
    "encode_json": ['{"a": "%s", "b": "x %s y"}' % (P, P), '{"n": %s}' % P, '["%s"]' % P,
                    '{"%s": 1}' % P, '"%s"' % P],
    "encode_yaml": ["a: %s\n" % P, 'a: "%s"\n' % P, "a: '%s'\n" % P, "a: |\n  %s\n" % P,
                    "a: >\n  %s\n" % P, "- x %s\n" % P, "a: {b: %s}\n" % P, "a: [%s]\n" % P,
                    "# %s\nb: 1 # c\n" % P, "a: |-\n  %s\nb: 2\n" % P, "? %s\n: v\n" % P,
                    "a:\n  - %s\n  - '%s'\n" % (P, P), "a: |+\n  x\n  %s\n\n" % P],
    "encode_properties": ["a=%s\n" % P, "a = x%s\\\n  more\n" % P, "# %s\n" % P, "a:%s\n" % P,
                          "%s=v\n" % P, "a %s\r\n" % P],
    "encode_env": ["A=%s\n" % P, 'A="%s"\n' % P, "A='%s'\n" % P, "export A=%s # c\n" % P,
                   'A="x\n%s"\n' % P, "A=${B}%s\n" % P, "A=x%s\n" % P],
}
HOCON = ["a = %s\n" % P, 'a = "%s"\n' % P, 'a { b: "%s" } // c\n' % P, 'a = """%s"""\n' % P,
         "a = http://%s\n" % P, "spark.x %s\n" % P, "x %s y\n" % P]


def write(target, name, data):
    os.makedirs(os.path.join("corpus", target), exist_ok=True)
    with open(os.path.join("corpus", target, name), "wb") as f:
        f.write(data)


for target, templates in TEMPLATES.items():
    for i, template in enumerate(templates):
        for j, value in enumerate(VALUES):
            t, v = template.encode(), value.encode()
            write(target, "seed-%02d-%02d" % (i, j), t + v + bytes([len(t)]))
for kind in range(3):
    for i, template in enumerate(HOCON):
        for j, value in enumerate(VALUES):
            t, v = template.encode(), value.encode()
            data = bytes([kind]) + t + v + bytes([len(t)])
            write("encode_hocon_text", "seed-%d-%02d-%02d" % (kind, i, j), data)
