//! `Verifier::verify` on request targets derived from correctly signed URLs.
//!
//! Properties: never panics; a refusal has a 4xx status and a message; an
//! accepted URL grants exactly what one of the signed originals grants
//! (same encoded target, same signed fields: only unsigned parameters,
//! unknown parameters, parameter order and equivalent percent-encodings
//! of values may differ), its target is an `/embed/` path, and it works
//! once; the same URL 10 minutes later is refused as expired.
//!
//! The corpus starts from the signed originals of `ponte_fuzz::embed`;
//! with `PONTE_FUZZ_WRITE_SEEDS=<dir>` set, the target writes them there.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ponte_embed::{EmbedError, EmbedLogin};
use ponte_fuzz::embed::{NOW, encoded_target, originals, signed_part, verifier};

fn accepted() -> &'static [(String, EmbedLogin)] {
    static ACCEPTED: OnceLock<Vec<(String, EmbedLogin)>> = OnceLock::new();
    ACCEPTED.get_or_init(|| {
        let originals = originals();
        if let Some(dir) = std::env::var_os("PONTE_FUZZ_WRITE_SEEDS") {
            for (i, url) in originals.iter().enumerate() {
                let file = std::path::Path::new(&dir).join(format!("original-{i}"));
                std::fs::write(&file, url).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            }
        }
        originals
            .into_iter()
            .map(|url| {
                let login = verifier().verify(&url, NOW).unwrap_or_else(|e| panic!("original {url} refused: {e}"));
                (url, signed_part(&login))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(url) = ponte_fuzz::text(data) else { return };
    let originals = accepted();
    let verifier = verifier();
    match verifier.verify(url, NOW) {
        Err(e) => {
            assert!(matches!(e.status(), 400 | 401 | 403), "{e:?} has status {}", e.status());
            assert!(!e.to_string().is_empty());
        }
        Ok(login) => {
            let granted = signed_part(&login);
            assert!(
                originals.iter().any(|(o, l)| encoded_target(o) == encoded_target(url) && *l == granted),
                "accepted a URL that no original signs: {url}\ngranting {granted:?}"
            );
            assert!(login.target.starts_with("/embed/"), "target {:?}", login.target);
            let again = verifier.verify(url, NOW).expect_err("a signed URL works once");
            assert!(matches!(again, EmbedError::UrlReused | EmbedError::NonceReused), "{again:?}");
            let late = ponte_fuzz::embed::verifier().verify(url, NOW + 600).expect_err("10 minutes late");
            assert!(matches!(late, EmbedError::Expired { .. }), "{late:?}");
        }
    }
});
