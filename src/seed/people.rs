//! Makes one demo contact at a time: a person (or now and then an organisation) whose name,
//! phone, locale and language agree, with the optional fields filled as often as in a real
//! contact base.

use super::contacts::SeedContact;
use super::countries::Country;
use super::names::{CULTURES, Culture};
use super::phones;
use super::pick::{any, chance, common, familiar, weighted};
use super::text;
use super::words::{COMPANIES, PERSONAL_DOMAINS, ROLE_MAILBOXES, STAFF};
use crate::domain::ContactSource;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

/// How far back `created_at` reaches.
const HISTORY_SECONDS: i64 = 3 * 365 * 24 * 3600;

/// Who a contact is, beyond the row: what the activity generators need to invent plausible
/// earlier values (another phone in the same country, a nick from the same name).
#[derive(Debug, Clone)]
pub struct Profile {
    pub given: Option<&'static str>,
    pub family: Option<String>,
    pub country: Country,
    pub language: Option<&'static str>,
    pub company: Option<(&'static str, &'static str)>,
    pub source: ContactSource,
}

/// A generated contact: the row, who it describes, and how often it was edited since it was
/// created (`version` is one more than that).
#[derive(Debug, Clone)]
pub struct SeedPerson {
    pub contact: SeedContact,
    pub profile: Profile,
    pub edits: u8,
}

/// A reproducible stream of contacts.
pub struct People {
    rng: StdRng,
    now: DateTime<Utc>,
}

impl People {
    /// The same `seed` and `now` give the same contacts.
    pub fn new(seed: u64, now: DateTime<Utc>) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            now,
        }
    }

    /// The contact numbered `number`; the number goes into the email address, so it must be
    /// unique across every seed run against the database (see `mod.rs`).
    pub fn person(&mut self, number: u64) -> SeedPerson {
        let rng = &mut self.rng;
        let source = weighted(
            rng,
            &[
                (ContactSource::Import, 30),
                (ContactSource::Widget, 25),
                (ContactSource::Email, 20),
                (ContactSource::Manual, 15),
                (ContactSource::Api, 10),
            ],
        );
        let culture = weighted(rng, CULTURES);
        let country = weighted(rng, culture.countries);
        let company = chance(rng, 45).then(|| any(rng, COMPANIES));
        let is_organisation = company.is_some() && chance(rng, 5);
        let named = is_organisation || chance(rng, 95);
        let given = (named && !is_organisation).then(|| familiar(rng, culture.given));
        let family = (named && !is_organisation).then(|| family_name(rng, culture));
        let profile = Profile {
            given,
            family,
            country,
            language: culture.language,
            company,
            source,
        };

        let name = if is_organisation {
            company.map(|(company, _)| company.to_string())
        } else {
            person_name(rng, &profile)
        };
        // The email integration only ever creates contacts from a sender address; a contact
        // with no name needs an email or a nick to be recognisable at all.
        let has_email = source == ContactSource::Email || chance(rng, if named { 89 } else { 70 });
        let email = has_email.then(|| email(rng, &profile, is_organisation, number));
        let has_nick = !is_organisation && (chance(rng, 60) || (!named && !has_email));
        let nick = has_nick.then(|| text::nick(rng, &profile));
        let phone = chance(rng, 85).then(|| phones::phone(rng, country));
        let description = chance(rng, 50).then(|| text::description(rng, &profile));
        let preferences = chance(rng, 70).then(|| text::preferences(rng, &profile));
        let meta = if chance(rng, 70) {
            meta(rng, &profile)
        } else {
            Map::new()
        };

        let edits = weighted(rng, &[(0u8, 45), (1, 25), (2, 15), (3, 10), (4, 5)]);
        let times = Times::new(rng, self.now, edits, verified_percent(source));
        let fingerprint = format!("seed-{:032x}", rng.random::<u128>());

        SeedPerson {
            contact: SeedContact {
                name,
                description,
                email,
                phone,
                nick,
                preferences,
                meta: Value::Object(meta),
                fingerprint,
                verified_at: times.verified_at,
                source: source.as_str(),
                version: 1 + i32::from(edits),
                created_at: times.created_at,
                updated_at: times.updated_at,
            },
            profile,
            edits,
        }
    }
}

fn family_name<R: Rng>(rng: &mut R, culture: &Culture) -> String {
    let first = common(rng, culture.family);
    if chance(rng, culture.double_family_percent) {
        format!("{first} {}", common(rng, culture.family))
    } else {
        first.to_string()
    }
}

/// The name as someone typed it: usually "Given Family", sometimes with a middle initial, now
/// and then all lower case (widget visitors rarely bother with capitals).
fn person_name<R: Rng>(rng: &mut R, profile: &Profile) -> Option<String> {
    let (given, family) = (profile.given?, profile.family.as_deref()?);
    let name = if profile.language.is_none() && chance(rng, 6) {
        let initial = char::from(b'A' + rng.random_range(0..26u8));
        format!("{given} {initial}. {family}")
    } else {
        format!("{given} {family}")
    };
    Some(if chance(rng, 1) {
        name.to_lowercase()
    } else {
        name
    })
}

/// An address made from the name and `number`. Local parts never end in a digit, so the digits
/// after them are exactly `number`, and two contacts with different numbers can never share an
/// address, whatever their names.
pub fn email<R: Rng>(rng: &mut R, profile: &Profile, organisation: bool, number: u64) -> String {
    let work_domain = profile.company.map(|(_, domain)| domain);
    let domain = match work_domain {
        Some(domain) if organisation || chance(rng, 50) => domain,
        _ => weighted(rng, PERSONAL_DOMAINS),
    };
    let local = match (profile.given, profile.family.as_deref()) {
        _ if organisation => any(rng, ROLE_MAILBOXES).to_string(),
        (Some(given), Some(family)) => name_local_part(rng, given, family),
        _ => text::handle_words(rng),
    };
    let local = text::trim_to_letters(&local);
    format!("{local}{number}@{domain}")
}

fn name_local_part<R: Rng>(rng: &mut R, given: &str, family: &str) -> String {
    let (g, f) = (text::ascii_fold(given), text::ascii_fold(family));
    let g0 = g.get(..1).unwrap_or_default();
    let f0 = f.get(..1).unwrap_or_default();
    let local = match rng.random_range(0..100) {
        0..40 => format!("{g}.{f}"),
        40..55 => format!("{g}{f}"),
        55..70 => format!("{g0}{f}"),
        70..80 => format!("{g}_{f}"),
        80..90 => g.clone(),
        90..95 => format!("{f}.{g}"),
        _ => format!("{g}.{f0}"),
    };
    // A few people capitalise their address; the unique index ignores case, so this also
    // exercises case-insensitive lookups.
    if chance(rng, 5) {
        capitalise_parts(&local)
    } else {
        local
    }
}

fn capitalise_parts(local: &str) -> String {
    let mut out = String::with_capacity(local.len());
    let mut start = true;
    for c in local.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = c == '.' || c == '_';
    }
    out
}

/// Custom fields as an integration or CRM sync would leave them; always string values.
fn meta<R: Rng>(rng: &mut R, profile: &Profile) -> Map<String, Value> {
    use super::words::{PLANS, SEGMENTS, SIGNUP_CHANNELS, TEAMS, TIERS};
    let mut meta = Map::new();
    let mut put = |key: &str, value: String| {
        meta.insert(key.to_string(), Value::String(value));
    };
    if chance(rng, 60) {
        put("plan", weighted(rng, PLANS).to_string());
    }
    if let Some((company, _)) = profile.company.filter(|_| chance(rng, 60)) {
        put("company", company.to_string());
    }
    if chance(rng, 40) {
        put("locale", profile.country.locale().to_string());
    }
    if chance(rng, 30) {
        put(
            "crm_id",
            format!("CRM-{:07}", rng.random_range(0..10_000_000)),
        );
    }
    if chance(rng, 20) {
        put("team", any(rng, TEAMS).to_string());
    }
    if chance(rng, 20) {
        put("tier", any(rng, TIERS).to_string());
    }
    if chance(rng, 20) {
        put("timezone", profile.country.timezone().to_string());
    }
    if chance(rng, 15) {
        put("country", profile.country.code().to_string());
    }
    if chance(rng, 15) {
        put("signup_channel", any(rng, SIGNUP_CHANNELS).to_string());
    }
    if chance(rng, 10) {
        let manager = any(rng, STAFF);
        put(
            "account_manager",
            manager.split(' ').next().unwrap_or(manager).to_string(),
        );
    }
    if chance(rng, 10) {
        put("segment", any(rng, SEGMENTS).to_string());
    }
    if meta.is_empty() {
        meta.insert(
            "plan".to_string(),
            Value::String(weighted(rng, PLANS).to_string()),
        );
    }
    meta
}

/// How often a contact from this source is verified, in percent: a sender address is
/// verified by definition, a widget visitor much less often.
fn verified_percent(source: ContactSource) -> u32 {
    match source {
        ContactSource::Email => 100,
        ContactSource::Import | ContactSource::Api => 85,
        ContactSource::Manual => 75,
        ContactSource::Widget => 60,
    }
}

/// When a contact was created, last changed and verified.
struct Times {
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
}

impl Times {
    fn new<R: Rng>(rng: &mut R, now: DateTime<Utc>, edits: u8, verified_percent: u32) -> Self {
        // Skewed towards the recent past: a contact base grows over time.
        let age = (rng.random::<f64>().powf(1.3) * HISTORY_SECONDS as f64) as i64;
        let created_at = now - Duration::seconds(age + 60);
        let updated_at = if edits == 0 {
            created_at
        } else {
            let span = (now - created_at).num_seconds().max(60);
            created_at + Duration::seconds(rng.random_range(60..=span))
        };
        // Verified on intake, or (for edited contacts) somewhere before the last edit.
        let verified_at = chance(rng, verified_percent).then(|| {
            let span = (updated_at - created_at).num_seconds();
            created_at + Duration::seconds((span as f64 * rng.random::<f64>() * 0.3) as i64)
        });
        Self {
            created_at,
            updated_at,
            verified_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::meta::check_key;
    use crate::domain::{EmailAddress, PhoneNumber, PhoneRegion};
    use std::collections::HashSet;

    fn sample(n: u64) -> Vec<SeedPerson> {
        let mut people = People::new(42, Utc::now());
        (1..=n).map(|number| people.person(number)).collect()
    }

    #[test]
    fn emails_are_valid_and_unique_ignoring_case() {
        let mut seen = HashSet::new();
        for person in sample(50_000) {
            if let Some(email) = &person.contact.email {
                assert!(EmailAddress::parse(email).is_ok(), "{email}");
                assert!(email.ends_with(".example") || email.contains("@example."));
                assert!(seen.insert(email.to_lowercase()), "duplicate {email}");
            }
        }
        let share = seen.len() as f64 / 50_000.0;
        assert!((0.85..0.95).contains(&share), "{share}");
    }

    #[test]
    fn numbers_keep_emails_apart_even_for_equal_names() {
        let profile = Profile {
            given: Some("Ada"),
            family: Some("Lovelace".into()),
            country: Country::Gb,
            language: None,
            company: None,
            source: ContactSource::Manual,
        };
        let mut rng = StdRng::seed_from_u64(3);
        let a = email(&mut rng, &profile, false, 12);
        let b = email(&mut rng, &profile, false, 123);
        assert_ne!(a.to_lowercase(), b.to_lowercase());
        assert!(a.split('@').next().unwrap().ends_with("12"));
    }

    #[test]
    fn rows_fit_the_table_constraints() {
        let mut fingerprints = HashSet::new();
        let people = sample(20_000);
        for person in &people {
            let c = &person.contact;
            for key in c.meta.as_object().unwrap().keys() {
                check_key(key).unwrap();
            }
            assert!(c.meta.as_object().unwrap().values().all(Value::is_string));
            assert!(c.name.is_some() || c.email.is_some() || c.nick.is_some());
            assert!(c.name.as_ref().is_none_or(|n| n.chars().count() <= 200));
            assert!(c.nick.as_ref().is_none_or(|n| n.chars().count() <= 100));
            assert!(
                c.description
                    .as_ref()
                    .is_none_or(|d| d.chars().count() <= 2000)
            );
            assert!(c.updated_at >= c.created_at);
            assert!(
                c.verified_at
                    .is_none_or(|v| v >= c.created_at && v <= c.updated_at)
            );
            assert!(c.source.parse::<ContactSource>().is_ok());
            assert!(fingerprints.insert(c.fingerprint.clone()));
        }
        // Sorted, so numbers of one country are parsed one after another: the phone crate
        // is ~30x slower (measured, debug build) when every number is from another country.
        let mut phones: Vec<&str> = people
            .iter()
            .filter_map(|p| p.contact.phone.as_deref())
            .collect();
        phones.sort_unstable();
        phones.dedup();
        let region = PhoneRegion::default();
        for phone in phones {
            assert_eq!(PhoneNumber::parse(phone, region).unwrap().e164(), phone);
        }
        let share = |f: &dyn Fn(&SeedContact) -> bool| {
            people.iter().filter(|p| f(&p.contact)).count() as f64 / people.len() as f64
        };
        assert!((0.93..0.97).contains(&share(&|c| c.name.is_some())));
        assert!((0.82..0.88).contains(&share(&|c| c.phone.is_some())));
        assert!((0.55..0.70).contains(&share(&|c| c.nick.is_some())));
        assert!((0.45..0.55).contains(&share(&|c| c.description.is_some())));
        assert!((0.65..0.75).contains(&share(&|c| c.preferences.is_some())));
        assert!(share(&|c| c.verified_at.is_some()) > 0.75);
        let smiths = share(&|c| c.name.as_ref().is_some_and(|n| n.contains("Smith")));
        assert!(smiths > 0.01, "{smiths}");
    }

    #[test]
    fn same_seed_same_people() {
        let now = Utc::now();
        let a = People::new(9, now).person(1);
        let b = People::new(9, now).person(1);
        assert_eq!(a.contact.fingerprint, b.contact.fingerprint);
        assert_eq!(a.contact.email, b.contact.email);
    }
}
