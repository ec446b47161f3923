//! The free-text fields: nicks, descriptions and preferences, plus the ASCII folding that
//! turns "José Müller" into something an address or a handle can hold.

use super::people::Profile;
use super::pick::{any, chance, weighted};
use super::words::{
    BUSINESSES, COMPANIES, DESCRIPTIONS, EVENTS, HANDLE_NOUNS, HANDLE_WORDS, LANGUAGE_PREFERENCES,
    PREFERENCE_GROUPS, ROLES,
};
use rand::Rng;
use rand::seq::SliceRandom;

/// Lower-case ASCII letters of `input`, accents dropped ("Müller" → "muller", "Weiß" →
/// "weiss"); spaces, hyphens and apostrophes disappear.
pub fn ascii_fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' => out.push(c),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => out.push('a'),
            'æ' => out.push_str("ae"),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => out.push('o'),
            'œ' => out.push_str("oe"),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ß' => out.push_str("ss"),
            _ => {}
        }
    }
    out
}

/// Keeps ASCII letters, `.` and `_`, without separators at either end; "contact" if nothing is
/// left. Email local parts built from this never end in a digit (see `people::email`).
pub fn trim_to_letters(local: &str) -> String {
    let kept: String = local
        .chars()
        .filter(|c| c.is_ascii_alphabetic() || *c == '.' || *c == '_')
        .collect();
    let trimmed = kept.trim_matches(|c| c == '.' || c == '_');
    if trimmed.is_empty() {
        "contact".to_string()
    } else {
        trimmed.to_string()
    }
}

/// A made-up handle such as "quietfox" or "pixel_panda".
pub fn handle_words<R: Rng>(rng: &mut R) -> String {
    let separator = if chance(rng, 30) { "_" } else { "" };
    format!(
        "{}{separator}{}",
        any(rng, HANDLE_WORDS),
        any(rng, HANDLE_NOUNS)
    )
}

/// A chat handle, as Slack or Discord would show it.
pub fn nick<R: Rng>(rng: &mut R, profile: &Profile) -> String {
    let (given, family) = match (profile.given, profile.family.as_deref()) {
        (Some(given), Some(family)) if chance(rng, 80) => (ascii_fold(given), ascii_fold(family)),
        _ => {
            let handle = handle_words(rng);
            return if chance(rng, 40) {
                format!("{handle}{}", rng.random_range(1..1000))
            } else {
                handle
            };
        }
    };
    let g0 = given.get(..1).unwrap_or_default();
    let f0 = family.get(..1).unwrap_or_default();
    match rng.random_range(0..100) {
        0..20 => given,
        20..38 => format!("{given}{f0}"),
        38..56 => format!("{g0}{family}"),
        56..68 => format!("{given}.{family}"),
        68..78 => format!("{given}_{family}"),
        78..92 => format!("{given}{}", rng.random_range(1..100)),
        _ => format!(
            "{given}_{}",
            any(rng, &["dev", "ops", "design", "pm", "data"])
        ),
    }
}

/// One or two short sentences about who the contact is.
pub fn description<R: Rng>(rng: &mut R, profile: &Profile) -> String {
    let city = any(rng, profile.country.cities());
    let year = rng.random_range(2019..=2025);
    let first = match rng.random_range(0..100) {
        0..30 => {
            let (company, _) = profile.company.unwrap_or_else(|| any(rng, COMPANIES));
            format!("{} at {company}.", any(rng, ROLES))
        }
        30..40 => format!("Met at {} in {year}.", any(rng, EVENTS)),
        40..50 => format!("Customer since {year}."),
        50..58 => format!("Based in {city}; happy to meet in person."),
        58..73 => format!("Runs a small {} in {city}.", any(rng, BUSINESSES)),
        73..80 => format!("Reseller partner covering {}.", profile.country.name()),
        _ => any(rng, DESCRIPTIONS).to_string(),
    };
    if chance(rng, 25) {
        format!("{first} {}", any(rng, DESCRIPTIONS))
    } else {
        first
    }
}

/// One to three sentences for an AI agent, never two from the same group; people with a
/// language other than English often say which one they want.
pub fn preferences<R: Rng>(rng: &mut R, profile: &Profile) -> String {
    let count = weighted(rng, &[(1usize, 45), (2, 35), (3, 20)]);
    let mut sentences = Vec::with_capacity(count);
    if let Some(language) = profile.language.filter(|_| chance(rng, 35)) {
        sentences.push(any(rng, LANGUAGE_PREFERENCES).replace("{language}", language));
    }
    let mut groups: Vec<usize> = (0..PREFERENCE_GROUPS.len()).collect();
    groups.shuffle(rng);
    for group in groups {
        if sentences.len() >= count {
            break;
        }
        sentences.push(any(rng, PREFERENCE_GROUPS[group]).to_string());
    }
    sentences.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ContactSource;
    use crate::seed::countries::Country;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn profile(language: Option<&'static str>) -> Profile {
        Profile {
            given: Some("José"),
            family: Some("Muñoz Weiß".into()),
            country: Country::Es,
            language,
            company: None,
            source: ContactSource::Widget,
        }
    }

    #[test]
    fn folding_keeps_letters_only() {
        assert_eq!(ascii_fold("José Muñoz-Weiß"), "josemunozweiss");
        assert_eq!(ascii_fold("O'Brien"), "obrien");
        assert_eq!(ascii_fold("Çelik Ærø"), "celikaero");
        assert_eq!(trim_to_letters(".a1b_"), "ab");
        assert_eq!(trim_to_letters("42"), "contact");
    }

    #[test]
    fn nicks_are_ascii_handles() {
        let mut rng = StdRng::seed_from_u64(5);
        for _ in 0..2_000 {
            let nick = nick(&mut rng, &profile(None));
            assert!(!nick.is_empty() && nick.len() <= 100);
            assert!(
                nick.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_'),
                "{nick}"
            );
        }
    }

    #[test]
    fn preferences_are_sentences_without_placeholders() {
        let mut rng = StdRng::seed_from_u64(6);
        let mut spanish = 0;
        for _ in 0..2_000 {
            let text = preferences(&mut rng, &profile(Some("Spanish")));
            assert!(text.ends_with('.') && !text.contains('{'), "{text}");
            spanish += usize::from(text.contains("Spanish"));
        }
        assert!((500..900).contains(&spanish), "{spanish}");
        for _ in 0..500 {
            let text = description(&mut rng, &profile(None));
            assert!(
                text.ends_with('.') && text.chars().count() <= 2_000,
                "{text}"
            );
        }
    }
}
