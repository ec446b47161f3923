//! Demo phone numbers, E.164, from the ranges set aside for fiction where a country has one
//! (NANP 555-01xx, Ofcom's drama ranges, ARCEP's fiction ranges, German drama numbers, ACMA's
//! ranges), so a seeded number rings nobody when that can be avoided. Countries without such a
//! range get numbers in a plausible block.

use super::countries::Country;
use rand::Rng;
use rand::seq::IndexedRandom;

/// A phone number in E.164 for someone living in `country`.
pub fn phone<R: Rng>(rng: &mut R, country: Country) -> String {
    // Every country has templates, so the fallback only keeps this free of panics.
    let template = templates(country)
        .choose(rng)
        .copied()
        .unwrap_or("+121255501XX");
    template
        .chars()
        .map(|c| match c {
            'X' => char::from(b'0' + rng.random_range(0..10u8)),
            'N' => char::from(b'0' + rng.random_range(1..10u8)),
            other => other,
        })
        .collect()
}

/// Number templates: `X` becomes a random digit, `N` a random digit but 0, the rest is kept.
///
/// Each was checked against the `phonenumber` crate (see the tests): the app refuses numbers
/// that crate calls invalid, so a seeded number must pass it, and some fiction ranges do not
/// (Ofcom's mobile and regional drama blocks, ARCEP's 01 99 00 and 06 39 98). Nothing may
/// start with 1 after a country code other than +1: with the default US region the crate
/// strips that 1 as if it were a US trunk prefix, so German and Chinese mobiles (+49 15x,
/// +86 13x), São Paulo (+55 11) and Egyptian mobiles come back mangled.
fn templates(country: Country) -> &'static [&'static str] {
    match country {
        // 555-0100..0199 is reserved for fiction in every NANP area code.
        Country::Us => &[
            "+121255501XX",
            "+164655501XX",
            "+171855501XX",
            "+141555501XX",
            "+165055501XX",
            "+131255501XX",
            "+161755501XX",
            "+120655501XX",
            "+151255501XX",
            "+130355501XX",
            "+140455501XX",
            "+130555501XX",
            "+120255501XX",
            "+121355501XX",
            "+131055501XX",
            "+170255501XX",
            "+150355501XX",
            "+161555501XX",
        ],
        Country::Ca => &[
            "+141655501XX",
            "+160455501XX",
            "+151455501XX",
            "+140355501XX",
            "+161355501XX",
        ],
        // Ofcom's drama ranges: London, Manchester, Birmingham, Leeds, Bristol, mobiles.
        Country::Gb => &["+442079460XXX", "+442890180XXX", "+442920180XXX"],
        // ACMA: 02 5550 xxxx, 03 7010 xxxx, mobiles 0491 570 1xx.
        Country::Au => &["+6125550XXXX", "+6137010XXXX", "+614915701XX"],
        Country::Es => &["+346NXXXXXXX", "+3491NXXXXXX", "+3493NXXXXXX"],
        Country::Mx => &["+5255NXXXXXXX", "+5233NXXXXXXX", "+5281NXXXXXXX"],
        // Bundesnetzagentur drama numbers: Berlin, Frankfurt, Hamburg, Cologne, Munich.
        Country::De => &[
            "+493023125XXX",
            "+496990009XXX",
            "+494066969XXX",
            "+492214710XXX",
            "+498999998XXX",
        ],
        // ARCEP's ranges for fiction, one per region plus mobiles.
        Country::Fr => &[
            "+3326191XXXX",
            "+3335301XXXX",
            "+3346571XXXX",
            "+3353649XXXX",
            "+3361NXXXXXX",
            "+3367NXXXXXX",
            "+3375NXXXXXX",
        ],
        Country::In => &["+9198NXXXXXXX", "+9197NXXXXXXX", "+9199NXXXXXXX"],
        Country::Cn => &["+86755NXXXXXXX", "+86571NXXXXXXX", "+8620NXXXXXXX"],
        Country::Jp => &[
            "+8190NXXXXXXX",
            "+8180NXXXXXXX",
            "+813NXXXXXXX",
            "+816NXXXXXXX",
        ],
        Country::Br => &["+55219XXXXXXXX", "+55319XXXXXXXX", "+55419XXXXXXXX"],
        Country::Ng => &["+234803NXXXXXX", "+234806NXXXXXX", "+234810NXXXXXX"],
        Country::Ae => &["+97150NXXXXXX", "+97155NXXXXXX"],
        Country::Eg => &["+202NXXXXXXX", "+203NXXXXXXX"],
        Country::Sa => &["+96650NXXXXXX", "+96655NXXXXXX"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PhoneNumber, PhoneRegion};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn every_generated_number_is_valid_e164() {
        let mut rng = StdRng::seed_from_u64(7);
        let region = PhoneRegion::default();
        let mut failures = Vec::new();
        for country in Country::ALL {
            for _ in 0..500 {
                let number = phone(&mut rng, country);
                match PhoneNumber::parse(&number, region) {
                    // Stored as generated, so it must already be the crate's E.164 form.
                    Ok(parsed) if parsed.e164() == number => {}
                    Ok(parsed) => failures.push(format!("{number} became {parsed}")),
                    Err(error) => failures.push(format!("{number}: {error}")),
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn regions_are_known_to_the_phone_crate() {
        for country in Country::ALL {
            assert!(country.code().parse::<PhoneRegion>().is_ok());
        }
    }
}
