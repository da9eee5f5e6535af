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

/// `message` (which names what is unknown) followed by the closest of
/// `options` to `word` and the whole list: the one way ponte words an
/// unknown key, choice or name, wherever it was written.
pub fn with_options(mut message: String, word: &str, options: &[&str]) -> String {
    if let Some(best) = closest(word, options.iter().copied()) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    if !options.is_empty() {
        message.push_str(&format!(" (expected one of: {})", options.join(", ")));
    }
    message
}

/// The value `word` stands for among `options` (each a word and its value),
/// or the message saying `word` is not a `what` and which ones are.
pub fn choice<T: Copy>(word: &str, what: &str, options: &[(&str, T)]) -> Result<T, String> {
    match options.iter().find(|(w, _)| *w == word) {
        Some((_, value)) => Ok(*value),
        None => {
            let words: Vec<&str> = options.iter().map(|(w, _)| *w).collect();
            Err(with_options(format!("unknown {what} `{}`", shorten(word, 64)), word, &words))
        }
    }
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
