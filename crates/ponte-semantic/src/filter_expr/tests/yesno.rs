use crate::filter_expr::{YesNoFilter, parse_yesno};

#[test]
fn yes_and_no_any_case() {
    assert_eq!(parse_yesno("Yes"), Ok(YesNoFilter::Is(true)));
    assert_eq!(parse_yesno(" no "), Ok(YesNoFilter::Is(false)));
    assert_eq!(parse_yesno("YES"), Ok(YesNoFilter::Is(true)));
}

#[test]
fn empty_is_any_value() {
    assert_eq!(parse_yesno(""), Ok(YesNoFilter::Any));
    assert_eq!(parse_yesno("  "), Ok(YesNoFilter::Any));
}

#[test]
fn error_anything_else() {
    let e = parse_yesno(" true").unwrap_err();
    assert_eq!(e.offset(), 1);
    assert_eq!(e.to_string(), "expected \"Yes\" or \"No\" at column 2, found \"true\" in \" true\"");
}
