//! What messages say about what users wrote: "did you mean …?", one rule
//! for every suggestion ponte makes (in config files, model files and
//! requests alike, so one typo gets the same suggestion wherever it is
//! made), and how a message quotes text that may be huge.

/// Words longer than this get no suggestion: names are short, and
/// comparing a megabyte of text with every candidate took seconds of CPU.
pub const MAX_SUGGESTED_LEN: usize = 128;

/// The candidate closest to `word`, when it is close enough to be a typo:
/// within a third of the word's length in edits (at least 2, at most 4),
/// or similar by Jaro-Winkler (at least 0.8), which favours a shared
/// prefix, so a name with something appended still finds the name. The
/// nearest wins; ties go to the first candidate.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    if word.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let edits_allowed = (word.chars().count() / 3).clamp(2, 4);
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate.len() > MAX_SUGGESTED_LEN || candidate == word {
            continue;
        }
        let edits = strsim::levenshtein(word, candidate);
        let similarity = strsim::jaro_winkler(word, candidate);
        if edits > edits_allowed && similarity < 0.8 {
            continue;
        }
        // Fewer edits first, then more similar.
        let score = edits as f64 - similarity;
        if best.is_none_or(|(s, _)| score < s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `text` as a message quotes it: whole when it has at most `max_chars`
/// characters, else its first `max_chars` and its size, so that a megabyte
/// of input is never echoed back in an error.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}… ({} bytes)", &text[..end], text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_on_a_character_and_says_its_size() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("ããããã", 2), "ãã… (10 bytes)");
        assert_eq!(shorten(&"x".repeat(1000), 3), "xxx… (1000 bytes)");
    }

    #[test]
    fn typos_find_the_name_and_strangers_find_nothing() {
        let names = ["sql_table_name", "label", "dimensions", "measures"];
        assert_eq!(closest("sql_tabel_name", names), Some("sql_table_name"));
        assert_eq!(closest("lable", names), Some("label"));
        assert_eq!(closest("measures_extra", names), Some("measures"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest(&"x".repeat(200), names), None);
        assert_eq!(closest("label", names), None, "the word itself is no suggestion");
        assert_eq!(closest("ps_dados_infomer", ["ps_dados_infomerc", "ps_faturas"]), Some("ps_dados_infomerc"));
    }
}
