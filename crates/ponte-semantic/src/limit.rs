//! A query's row limit, parsed once where it enters ponte (an API body or
//! URL, a model file's look or tile, `ponte query --limit`) and carried
//! typed to the SQL's `LIMIT`.
//!
//! The numbers follow Looker's row limits:
//!
//! - [`Limit::DEFAULT`] (500) when a query gives none, as Looker's Explore
//!   and API do.
//! - [`Limit::MAX_ROWS`] (5,000): the most rows Looker shows in a browser,
//!   for explores, looks and dashboards alike. A request asking for more is
//!   cut to it (an API client gets 5,000 rows, as from Looker); a look or
//!   tile saved in a model asking for more is refused by `validate`, so a
//!   model never promises rows that its pages would silently drop.
//! - [`Limit::All`] (`-1`, Looker's "All Results") for downloads and API
//!   runs; ponte still stops at [`Limit::ALL_ROWS_CAP`] (1,000,000) so one
//!   request cannot ask the warehouse for an unbounded result. Pages refuse
//!   it unless it is a download by a viewer with `download_without_limit`.

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many rows a query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At most this many (cut to [`Limit::MAX_ROWS`] when run).
    Rows(NonZeroU64),
    /// Every row (`-1`), up to [`Limit::ALL_ROWS_CAP`].
    All,
}

/// A limit that is neither a whole number from 1 up nor `-1`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad limit `{limit}`: expected a whole number from 1 up, or -1 for no limit")]
pub struct BadLimit {
    /// The limit as given, shortened when long.
    pub limit: String,
}

impl Limit {
    /// The rows a query without a limit returns (Looker's default).
    pub const DEFAULT: Limit = Limit::Rows(NonZeroU64::new(500).expect("500 is not zero"));
    /// The most rows a query with a numeric limit returns: Looker's row
    /// limit for anything shown in a browser (explores, looks, dashboards).
    pub const MAX_ROWS: u64 = 5000;
    /// The most rows [`Limit::All`] returns: a backstop against an
    /// unbounded result, not a Looker rule.
    pub const ALL_ROWS_CAP: u64 = 1_000_000;

    /// A limit as Looker sends it (`"500"`, `"-1"`, surrounding blanks
    /// allowed); blank text is no limit given (`None`).
    pub fn parse_optional(text: &str) -> Result<Option<Limit>, BadLimit> {
        let text = text.trim();
        if text.is_empty() { Ok(None) } else { text.parse().map(Some) }
    }

    /// The `LIMIT` the SQL gets: the rows asked for, cut to
    /// [`Limit::MAX_ROWS`]; every row up to [`Limit::ALL_ROWS_CAP`].
    pub fn rows_to_fetch(self) -> u64 {
        match self {
            Limit::Rows(n) => n.get().min(Limit::MAX_ROWS),
            Limit::All => Limit::ALL_ROWS_CAP,
        }
    }

    /// Whether a run with this limit returns every row it asks for: true
    /// for [`Limit::Rows`] up to [`Limit::MAX_ROWS`]. A saved look or tile
    /// must fit, or its pages would show fewer rows than the model says.
    pub fn fits_a_page(self) -> bool {
        matches!(self, Limit::Rows(n) if n.get() <= Limit::MAX_ROWS)
    }
}

impl FromStr for Limit {
    type Err = BadLimit;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || BadLimit { limit: ponte_config::suggest::shorten(text, 64) };
        if text == "-1" {
            return Ok(Limit::All);
        }
        // Digits only: "1e9", "+5", "0x10" and "-5" are all refused.
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        // More digits than a u64 holds is still "more than the cap".
        let n = text.parse::<u64>().unwrap_or(u64::MAX);
        NonZeroU64::new(n).map(Limit::Rows).ok_or_else(bad)
    }
}

/// As Looker writes it: the number, or `-1`.
impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Rows(n) => write!(f, "{n}"),
            Limit::All => f.write_str("-1"),
        }
    }
}

/// As text, as Looker's `Query.limit` is: saved queries and `GET
/// /queries/{id}` keep the shape clients expect.
impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `limit` of a query body: text as Looker sends it; JSON `null` and blank
/// text are absent (the default applies).
pub(crate) fn deserialize_optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Limit>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) => Limit::parse_optional(&text).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_parsed_as_looker_sends_it() {
        let rows = |n| Limit::Rows(NonZeroU64::new(n).unwrap());
        for (text, limit) in
            [("10", rows(10)), (" 7 ", rows(7)), ("-1", Limit::All), (" -1 ", Limit::All), ("20000", rows(20000))]
        {
            assert_eq!(text.parse::<Limit>(), Ok(limit), "{text}");
        }
        assert_eq!("99999999999999999999999".parse::<Limit>(), Ok(rows(u64::MAX)));
        for bad in ["0", "-5", "1e9", "+5", "0x10", "lots", ""] {
            assert_eq!(bad.parse::<Limit>(), Err(BadLimit { limit: bad.to_owned() }), "{bad:?}");
        }
        assert_eq!(Limit::parse_optional("  "), Ok(None));
    }

    #[test]
    fn rows_fetched_are_cut_to_the_page_cap_and_every_row_to_the_backstop() {
        let rows = |n| Limit::Rows(NonZeroU64::new(n).unwrap());
        assert_eq!(Limit::DEFAULT.rows_to_fetch(), 500);
        assert_eq!(rows(5000).rows_to_fetch(), 5000);
        assert_eq!(rows(5001).rows_to_fetch(), 5000);
        assert_eq!(Limit::All.rows_to_fetch(), 1_000_000);
        assert!(rows(5000).fits_a_page());
        assert!(!rows(5001).fits_a_page());
        assert!(!Limit::All.fits_a_page());
    }

    #[test]
    fn serialised_as_looker_text() {
        let rows = Limit::Rows(NonZeroU64::new(12).unwrap());
        assert_eq!(serde_json::to_string(&rows).unwrap(), r#""12""#);
        assert_eq!(serde_json::to_string(&Limit::All).unwrap(), r#""-1""#);
        assert_eq!(serde_json::from_str::<Limit>(r#""12""#).unwrap(), rows);
        assert!(serde_json::from_str::<Limit>(r#""x""#).unwrap_err().to_string().contains("bad limit `x`"));
    }
}
