use crate::filter_expr::{FilterError, LikeToken, StringFilter, StringPattern, parse_string};

use StringPattern::{Contains, Empty, EndsWith, Equals, Like, Null, StartsWith};

fn s(text: &str) -> String {
    text.to_owned()
}

/// Parses and splits into (any_of, none_of).
fn parts(expr: &str) -> (Vec<StringPattern>, Vec<StringPattern>) {
    match parse_string(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}")) {
        StringFilter::Match { any_of, none_of } => (any_of, none_of),
        StringFilter::Any => panic!("{expr:?} parsed as Any"),
    }
}

fn only(expr: &str) -> StringPattern {
    let (any_of, none_of) = parts(expr);
    assert!(none_of.is_empty(), "{expr:?}");
    assert_eq!(any_of.len(), 1, "{expr:?}");
    any_of.into_iter().next().unwrap()
}

fn only_not(expr: &str) -> StringPattern {
    let (any_of, none_of) = parts(expr);
    assert!(any_of.is_empty(), "{expr:?}");
    assert_eq!(none_of.len(), 1, "{expr:?}");
    none_of.into_iter().next().unwrap()
}

fn err(expr: &str) -> FilterError {
    parse_string(expr).expect_err(expr)
}

#[test]
fn empty_is_any_value() {
    assert_eq!(parse_string(""), Ok(StringFilter::Any));
    assert_eq!(parse_string("   "), Ok(StringFilter::Any));
}

#[test]
fn plain_value_is_equals() {
    assert_eq!(only("FOO"), Equals(s("FOO")));
    assert_eq!(only("t-shirt"), Equals(s("t-shirt")), "an inner dash is literal");
    assert_eq!(only("São Paulo"), Equals(s("São Paulo")));
}

#[test]
fn comma_list_is_any_of() {
    assert_eq!(parts("FOO,BAR").0, vec![Equals(s("FOO")), Equals(s("BAR"))]);
}

#[test]
fn blanks_around_items_are_dropped_and_escaped_blanks_kept() {
    assert_eq!(parts(" foo , bar ").0, vec![Equals(s("foo")), Equals(s("bar"))]);
    assert_eq!(only("^ hello^ "), Equals(s(" hello ")));
}

#[test]
fn comma_escapes() {
    assert_eq!(only("Santa Cruz\\, CA"), Equals(s("Santa Cruz, CA")));
    assert_eq!(only("Santa Cruz^, CA"), Equals(s("Santa Cruz, CA")));
}

#[test]
fn percent_and_underscore_escapes_are_literal() {
    assert_eq!(only("100^%"), Equals(s("100%")));
    assert_eq!(only("100\\%"), Equals(s("100%")));
    assert_eq!(only("sub^_region"), Equals(s("sub_region")));
    assert_eq!(only("sub\\_region"), Equals(s("sub_region")));
    assert_eq!(only("%100^%%"), Contains(s("100%")));
}

#[test]
fn caret_escapes_caret_dash_and_quote() {
    assert_eq!(only("a^^b"), Equals(s("a^b")));
    assert_eq!(only("^-FOO"), Equals(s("-FOO")), "an escaped leading dash is not a negation");
    assert_eq!(only("say ^\"hi^\""), Equals(s("say \"hi\"")));
}

#[test]
fn other_backslashes_are_literal() {
    assert_eq!(only("C:\\temp"), Equals(s("C:\\temp")));
}

#[test]
fn not_equal() {
    assert_eq!(only_not("-FOO"), Equals(s("FOO")));
}

#[test]
fn not_any_of() {
    assert_eq!(parts("-FOO,-BAR").1, vec![Equals(s("FOO")), Equals(s("BAR"))]);
}

#[test]
fn contains_starts_ends() {
    assert_eq!(only("%FOO%"), Contains(s("FOO")));
    assert_eq!(only("FOO%"), StartsWith(s("FOO")));
    assert_eq!(only("%FOO"), EndsWith(s("FOO")));
}

#[test]
fn negated_contains_starts_ends() {
    assert_eq!(only_not("-%FOO%"), Contains(s("FOO")));
    assert_eq!(only_not("-FOO%"), StartsWith(s("FOO")));
    assert_eq!(only_not("-%FOO"), EndsWith(s("FOO")));
}

#[test]
fn general_like_patterns() {
    assert_eq!(only("F%OD"), Like(vec![LikeToken::Literal(s("F")), LikeToken::AnyChars, LikeToken::Literal(s("OD"))]));
    assert_eq!(only("_UF"), Like(vec![LikeToken::OneChar, LikeToken::Literal(s("UF"))]));
    assert_eq!(only("%"), Like(vec![LikeToken::AnyChars]));
}

#[test]
fn null_and_empty_keywords_any_case() {
    assert_eq!(only("NULL"), Null);
    assert_eq!(only("null"), Null);
    assert_eq!(only_not("-NULL"), Null);
    assert_eq!(only("EMPTY"), Empty);
    assert_eq!(only("Empty"), Empty);
    assert_eq!(only_not("-EMPTY"), Empty);
}

#[test]
fn escaped_keywords_are_text() {
    assert_eq!(only("^NULL"), Equals(s("NULL")));
    assert_eq!(only("EMPT^Y"), Equals(s("EMPTY")));
    assert_eq!(only("NULLS"), Equals(s("NULLS")));
}

#[test]
fn mixed_list_ors_positives_and_ands_negatives() {
    assert_eq!(parts("FOO%,-FOOD"), (vec![StartsWith(s("FOO"))], vec![Equals(s("FOOD"))]));
    assert_eq!(parts("foo,-bar"), (vec![Equals(s("foo"))], vec![Equals(s("bar"))]));
    assert_eq!(parts("FOO%,BAR").0, vec![StartsWith(s("FOO")), Equals(s("BAR"))]);
}

#[test]
fn like_pattern_escapes_literal_wildcards() {
    assert_eq!(Contains(s("50%_off!")).like_pattern('!').as_deref(), Some("%50!%!_off!!%"));
    assert_eq!(StartsWith(s("a")).like_pattern('\\').as_deref(), Some("a%"));
    assert_eq!(EndsWith(s("a")).like_pattern('\\').as_deref(), Some("%a"));
    assert_eq!(only("F%O_D").like_pattern('\\').as_deref(), Some("F%O_D"));
    assert_eq!(Equals(s("a")).like_pattern('\\'), None);
    assert_eq!(Null.like_pattern('\\'), None);
}

#[test]
fn error_empty_item_between_commas() {
    let e = err("foo,,bar");
    assert_eq!(e.offset(), 4);
    assert_eq!(e.to_string(), "expected a value at column 5, found \",\" in \"foo,,bar\"");
}

#[test]
fn error_trailing_comma() {
    assert_eq!(err("foo,").to_string(), "expected a value at column 5, found the end of the expression in \"foo,\"");
    assert_eq!(err("foo, ").offset(), 5);
}

#[test]
fn error_lone_dash() {
    assert_eq!(
        err("-").to_string(),
        "expected a value after \"-\" at column 2, found the end of the expression in \"-\""
    );
    assert_eq!(err("-,foo").offset(), 1);
}

#[test]
fn error_dangling_escape() {
    assert_eq!(
        err("foo^").to_string(),
        "expected a character after the escape \"^\" at column 5, found the end of the expression in \"foo^\""
    );
}
