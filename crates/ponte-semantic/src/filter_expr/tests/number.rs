use crate::filter_expr::{FilterError, Number, NumberFilter, NumberRange, NumberTerm, RangeBound, parse_number};

fn n(text: &str) -> Number {
    Number { text: text.to_owned(), value: text.parse().unwrap() }
}

fn eq(text: &str) -> NumberTerm {
    NumberTerm::Equals(n(text))
}

fn bound(text: &str, inclusive: bool) -> Option<RangeBound> {
    Some(RangeBound { value: n(text), inclusive })
}

/// A range from `(`/`[` low to high `)`/`]`; `""` leaves an end open.
fn range(open: char, low: &str, high: &str, close: char) -> NumberTerm {
    NumberTerm::Range(NumberRange {
        low: (!low.is_empty()).then(|| bound(low, open == '[')).flatten(),
        high: (!high.is_empty()).then(|| bound(high, close == ']')).flatten(),
    })
}

fn parts(expr: &str) -> (Vec<NumberTerm>, Vec<NumberTerm>) {
    match parse_number(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}")) {
        NumberFilter::Match { any_of, none_of } => (any_of, none_of),
        NumberFilter::Any => panic!("{expr:?} parsed as Any"),
    }
}

fn only(expr: &str) -> NumberTerm {
    let (any_of, none_of) = parts(expr);
    assert!(none_of.is_empty(), "{expr:?}");
    assert_eq!(any_of.len(), 1, "{expr:?}");
    any_of.into_iter().next().unwrap()
}

fn only_not(expr: &str) -> NumberTerm {
    let (any_of, none_of) = parts(expr);
    assert!(any_of.is_empty(), "{expr:?}");
    assert_eq!(none_of.len(), 1, "{expr:?}");
    none_of.into_iter().next().unwrap()
}

fn err(expr: &str) -> FilterError {
    parse_number(expr).expect_err(expr)
}

#[test]
fn empty_is_any_value() {
    assert_eq!(parse_number(""), Ok(NumberFilter::Any));
    assert_eq!(parse_number(" \t"), Ok(NumberFilter::Any));
}

#[test]
fn single_value() {
    assert_eq!(only("5"), eq("5"));
    assert_eq!(only("  5  "), eq("5"));
}

#[test]
fn negative_decimal_and_exponent_numbers_keep_their_text() {
    assert_eq!(only("-1.5"), eq("-1.5"));
    assert_eq!(only(".75"), eq(".75"));
    assert_eq!(only("+2"), eq("+2"));
    assert_eq!(only("1e3"), NumberTerm::Equals(Number { text: "1e3".into(), value: 1000.0 }));
    assert_eq!(only("0.1"), NumberTerm::Equals(Number { text: "0.1".into(), value: 0.1 }));
}

#[test]
fn list_is_any_of() {
    assert_eq!(parts("5,7").0, vec![eq("5"), eq("7")]);
    assert_eq!(parts("1, 3, 5, 7").0, vec![eq("1"), eq("3"), eq("5"), eq("7")]);
}

#[test]
fn not_equal_three_ways() {
    assert_eq!(only_not("NOT 5"), eq("5"));
    assert_eq!(only_not("not 5"), eq("5"));
    assert_eq!(only_not("<>5"), eq("5"));
    assert_eq!(only_not("<> 5"), eq("5"));
    assert_eq!(only_not("!=5"), eq("5"));
}

#[test]
fn comparisons() {
    assert_eq!(only(">5"), range('(', "5", "", ')'));
    assert_eq!(only(">=5"), range('[', "5", "", ')'));
    assert_eq!(only("<5"), range('(', "", "5", ')'));
    assert_eq!(only("<=5"), range('(', "", "5", ']'));
    assert_eq!(only("> -2.5"), range('(', "-2.5", "", ')'));
}

#[test]
fn intervals_all_four_brackets() {
    assert_eq!(only("[0,100]"), range('[', "0", "100", ']'));
    assert_eq!(only("(0,100]"), range('(', "0", "100", ']'));
    assert_eq!(only("[0,100)"), range('[', "0", "100", ')'));
    assert_eq!(only("(0, 100)"), range('(', "0", "100", ')'));
}

#[test]
fn intervals_with_open_ends() {
    assert_eq!(only("(1,)"), range('(', "1", "", ')'));
    assert_eq!(only("(1, inf)"), range('(', "1", "", ')'));
    assert_eq!(only("(-inf,100]"), range('(', "", "100", ']'));
    assert_eq!(only("[,10]"), range('(', "", "10", ']'));
    assert_eq!(only("[2000,)"), range('[', "2000", "", ')'));
}

#[test]
fn to_ranges_are_inclusive() {
    assert_eq!(only("5 to 10"), range('[', "5", "10", ']'));
    assert_eq!(only("5.5 TO 10"), range('[', "5.5", "10", ']'));
    assert_eq!(only("1 to"), range('[', "1", "", ')'));
    assert_eq!(only("to 10"), range('(', "", "10", ']'));
}

#[test]
fn and_joins_two_comparisons_into_a_range() {
    assert_eq!(only(">=5 AND <=10"), range('[', "5", "10", ']'));
    assert_eq!(only(">1 and <100"), range('(', "1", "100", ')'));
    assert_eq!(only("<=80.44  AND    >.1"), range('(', ".1", "80.44", ']'));
}

#[test]
fn or_is_a_list_separator() {
    assert_eq!(parts("<5 OR >10").0, vec![range('(', "", "5", ')'), range('(', "10", "", ')')]);
    assert_eq!(parts(">10 AND <=20 OR 90").0, vec![range('(', "10", "20", ']'), eq("90")]);
    assert_eq!(
        parts(">=50 AND <=100 OR >=500 AND <=1000").0,
        vec![range('[', "50", "100", ']'), range('[', "500", "1000", ']')]
    );
}

#[test]
fn null_and_not_null() {
    assert_eq!(only("NULL"), NumberTerm::Null);
    assert_eq!(only("null"), NumberTerm::Null);
    assert_eq!(only_not("NOT NULL"), NumberTerm::Null);
}

#[test]
fn not_of_a_range() {
    assert_eq!(only_not("NOT 3 to 80.44"), range('[', "3", "80.44", ']'));
    assert_eq!(only_not("NOT [2, 4]"), range('[', "2", "4", ']'));
    assert_eq!(only_not("NOT(0.1, .11111)"), range('(', "0.1", ".11111", ')'));
    assert_eq!(only_not("NOT >1"), range('(', "1", "", ')'));
}

#[test]
fn leading_not_covers_the_whole_list() {
    assert_eq!(parts("NOT 66, 99, 4"), (vec![], vec![eq("66"), eq("99"), eq("4")]));
    assert_eq!(parts("NOT >1, 2, <100"), (vec![], vec![range('(', "1", "", ')'), eq("2"), range('(', "", "100", ')')]));
}

#[test]
fn per_item_not_when_several_items_are_negated() {
    assert_eq!(parts("5, NOT 6, NOT 7"), (vec![eq("5")], vec![eq("6"), eq("7")]));
    assert_eq!(parts(">1 AND <100, NOT 2"), (vec![range('(', "1", "100", ')')], vec![eq("2")]));
}

#[test]
fn mixed_intervals_and_values() {
    assert_eq!(parts("[0,9],[20,29]").0, vec![range('[', "0", "9", ']'), range('[', "20", "29", ']')]);
    assert_eq!(parts("[0,10],20").0, vec![range('[', "0", "10", ']'), eq("20")]);
}

#[test]
fn error_expected_number_after_comparison() {
    let e = err(">=abc");
    assert_eq!(e.offset(), 2);
    assert_eq!(e.to_string(), "expected a number at column 3, found \"abc\" in \">=abc\"");
    assert_eq!(err(">").to_string(), "expected a number at column 2, found the end of the expression in \">\"");
}

#[test]
fn error_not_a_number() {
    assert_eq!(
        err("abc").to_string(),
        "expected a number, a comparison (>, >=, <, <=), an interval, \"to\" or NULL at column 1, found \"abc\" in \"abc\""
    );
    assert_eq!(err("5abc").offset(), 1);
}

#[test]
fn error_unclosed_interval() {
    assert_eq!(
        err("[0,100").to_string(),
        "unclosed interval \"[0,100\" (expected \"]\" or \")\") at column 1 in \"[0,100\""
    );
    assert!(
        matches!(err("5, (0,100, 7"), FilterError::UnclosedInterval { offset: 3, ref interval, .. } if interval == "(0,100")
    );
    assert!(matches!(err("["), FilterError::UnclosedInterval { .. }));
}

#[test]
fn error_malformed_interval() {
    assert_eq!(
        err("[0 100]").to_string(),
        "expected \",\" between the ends of the interval at column 4, found \"100\" in \"[0 100]\""
    );
    assert_eq!(err("[0,x]").offset(), 3);
    assert_eq!(err("[0,100}").offset(), 6);
    assert!(matches!(err("[,]"), FilterError::EmptyRange { .. }));
}

#[test]
fn error_empty_ranges() {
    assert_eq!(
        err("[10,5]").to_string(),
        "empty range \"[10,5]\" at column 1 in \"[10,5]\": no number is both above 10 and below 5"
    );
    assert!(matches!(err("(5,5]"), FilterError::EmptyRange { .. }));
    assert!(matches!(err("10 to 5"), FilterError::EmptyRange { .. }));
    assert!(matches!(err(">10 AND <5"), FilterError::EmptyRange { .. }));
    assert_eq!(only("[5,5]"), range('[', "5", "5", ']'));
}

#[test]
fn error_and_needs_a_lower_and_an_upper_bound() {
    let e = err(">5 AND >6");
    assert_eq!(e.offset(), 7);
    assert_eq!(
        e.to_string(),
        "expected AND to join a lower bound (> or >=) with an upper bound (< or <=) at column 8, found \">6\" in \">5 AND >6\""
    );
    assert_eq!(err(">5 AND 6").offset(), 7);
}

#[test]
fn error_junk_after_an_item() {
    assert_eq!(
        err("5 6").to_string(),
        "expected \",\", \"OR\" or the end of the expression at column 3, found \"6\" in \"5 6\""
    );
    assert_eq!(err("5 AND 6").offset(), 2);
}

#[test]
fn error_empty_items_and_dangling_words() {
    assert_eq!(err("5,").offset(), 2);
    assert_eq!(err("5,,6").offset(), 2);
    assert_eq!(err("to").offset(), 2);
    assert_eq!(err("NOT").offset(), 3);
    assert_eq!(err("<>NULL").offset(), 2);
}

#[test]
fn error_number_too_large() {
    assert_eq!(err("1e999").to_string(), "expected a finite number at column 1, found \"1e999\" in \"1e999\"");
}
