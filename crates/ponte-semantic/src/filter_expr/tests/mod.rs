//! Unit tests for every form and every error of the filter expressions.

mod date;
mod number;
mod string;
mod yesno;
