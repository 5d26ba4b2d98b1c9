//! Every (context, value) pair the properties found wrong, kept as a named case. Each
//! was a wrong value or a needless refusal before the fix named in its comment.

use super::cases::CASES;
use super::check_all;

macro_rules! regressions {
    ($($name:ident: $case:literal, $value:expr;)*) => {$(
        #[test]
        fn $name() {
            let case = CASES
                .iter()
                .find(|c| c.name == $case)
                .expect("a case of that name");
            let failures = check_all(&[case], &[String::from($value)]);
            assert!(failures.is_empty(), "{}", failures.join("\n"));
        }
    )*};
}

regressions! {
    // yaml.rs is_plain_safe: `?` ends a plain scalar in flow context for PyYAML.
    yaml_flow_question_mark: "yaml_flow_seq", "a?b";
    yaml_flow_key_question_mark: "yaml_flow_map_key", "a?b";
    yaml_flow_part_question_mark: "yaml_flow_seq_part", "? q";
    // yaml.rs double_quoted: an empty value at a line edge let folding eat a blank.
    yaml_double_empty_at_line_start: "yaml_double_multiline_start", "";
    yaml_double_empty_at_line_end: "yaml_double_multiline_end", "";
    yaml_double_empty_alone_on_line: "yaml_double_multiline_alone", "";
    yaml_double_empty_between_blank_lines: "yaml_double_multiline_blank", "";
    // yaml.rs single_quoted: the same, refused.
    yaml_single_empty_alone_on_line: "yaml_single_multiline_alone", "";
    yaml_single_empty_at_line_start: "yaml_single_multiline_start", "";
    // yaml.rs literal: final newline at the end of the file (PyYAML dropped it).
    yaml_literal_at_eof: "yaml_literal_eof", "line1\nline2\n";
    yaml_literal_at_eof_two_newlines: "yaml_literal_eof", "trailing\n\n";
    // yaml.rs literal: chomping from the whole value (was refused).
    yaml_literal_empty_tail: "yaml_literal_end", "";
    yaml_literal_empty_tail_crlf: "yaml_literal_crlf", "";
    // yaml.rs literal: beside other lines, the block's own final newline stays after the
    // value, and the value's own are added to it (`|` became `|-`: a fresh user's report).
    yaml_literal_end_keeps_the_blocks_newline: "yaml_literal_end", "X";
    yaml_literal_end_adds_the_values_newlines: "yaml_literal_end", "X\n\n";
    yaml_folded_end_keeps_the_blocks_newline: "yaml_folded_end", "X";
    // yaml.rs indent_lines: text after a value ending in a newline (was refused).
    yaml_literal_newline_mid_line: "yaml_literal_in_line", "line1\nline2\n";
    // yaml.rs literal: blank lines after the placeholder are kept by `|+` (was refused).
    yaml_literal_keep_blank_lines_after: "yaml_literal_keep_blank_after", "trailing\n\n";
    // yaml.rs chomping: a value of newlines only needs `+` (clip keeps none; was refused).
    yaml_literal_newline_only: "yaml_literal_indicator", "\n";
    // properties.rs escape: a first `=` after a blank separator was taken as the separator.
    props_first_equals: "props_blank_separator", "=";
    spark_first_equals: "spark_whole", "=";
    spark_first_equals_before_text: "spark_start", "=";
    // properties.rs encode: an empty value let the blanks after it be skipped.
    props_empty_before_blanks: "props_trailing_blanks", "";
    // properties.rs trims: Spark trimmed into the value past template blanks.
    spark_trailing_template_blanks: "spark_trailing_blanks", "trailing ";
    spark_trailing_template_blanks_newline: "spark_trailing_blanks", "line1\nline2\n";
    // properties.rs trims: edge blanks inside the value are kept (was refused).
    spark_leading_blank_on_continuation: "spark_continuation", " leading";
    // properties.rs encode: an empty key before a blank vanished.
    spark_empty_key: "spark_key", "";
    // dotenv.rs Lexer: blanks after `=` (was refused).
    env_blanks_after_equals: "env_spaced", "p@ss w0rd";
    // hocon.rs keeps_triple_end: `""` before a `"` closed the string.
    hocon_triple_closed_early: "hocon_triple_before_quote", "ends with \"\"";
}
