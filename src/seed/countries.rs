//! The countries demo contacts live in, and what follows from that: locale, time zone, cities.

/// A country a demo contact lives in; it picks the phone number, locale and time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    Us,
    Ca,
    Gb,
    Au,
    Es,
    Mx,
    De,
    Fr,
    In,
    Cn,
    Jp,
    Br,
    Ng,
    Ae,
    Eg,
    Sa,
}

impl Country {
    #[cfg(test)]
    pub const ALL: [Country; 16] = [
        Country::Us,
        Country::Ca,
        Country::Gb,
        Country::Au,
        Country::Es,
        Country::Mx,
        Country::De,
        Country::Fr,
        Country::In,
        Country::Cn,
        Country::Jp,
        Country::Br,
        Country::Ng,
        Country::Ae,
        Country::Eg,
        Country::Sa,
    ];

    /// ISO 3166 code, as `PhoneRegion` and `meta.country` spell it.
    pub fn code(self) -> &'static str {
        match self {
            Country::Us => "US",
            Country::Ca => "CA",
            Country::Gb => "GB",
            Country::Au => "AU",
            Country::Es => "ES",
            Country::Mx => "MX",
            Country::De => "DE",
            Country::Fr => "FR",
            Country::In => "IN",
            Country::Cn => "CN",
            Country::Jp => "JP",
            Country::Br => "BR",
            Country::Ng => "NG",
            Country::Ae => "AE",
            Country::Eg => "EG",
            Country::Sa => "SA",
        }
    }

    /// The locale most people there would be served in.
    pub fn locale(self) -> &'static str {
        match self {
            Country::Us => "en-US",
            Country::Ca => "en-CA",
            Country::Gb => "en-GB",
            Country::Au => "en-AU",
            Country::Es => "es-ES",
            Country::Mx => "es-MX",
            Country::De => "de-DE",
            Country::Fr => "fr-FR",
            Country::In => "en-IN",
            Country::Cn => "zh-CN",
            Country::Jp => "ja-JP",
            Country::Br => "pt-BR",
            Country::Ng => "en-NG",
            Country::Ae => "ar-AE",
            Country::Eg => "ar-EG",
            Country::Sa => "ar-SA",
        }
    }

    /// A time zone of the country (the biggest city's, where there are several).
    pub fn timezone(self) -> &'static str {
        match self {
            Country::Us => "America/New_York",
            Country::Ca => "America/Toronto",
            Country::Gb => "Europe/London",
            Country::Au => "Australia/Sydney",
            Country::Es => "Europe/Madrid",
            Country::Mx => "America/Mexico_City",
            Country::De => "Europe/Berlin",
            Country::Fr => "Europe/Paris",
            Country::In => "Asia/Kolkata",
            Country::Cn => "Asia/Shanghai",
            Country::Jp => "Asia/Tokyo",
            Country::Br => "America/Sao_Paulo",
            Country::Ng => "Africa/Lagos",
            Country::Ae => "Asia/Dubai",
            Country::Eg => "Africa/Cairo",
            Country::Sa => "Asia/Riyadh",
        }
    }

    /// The country's name in English, for descriptions.
    pub fn name(self) -> &'static str {
        match self {
            Country::Us => "the United States",
            Country::Ca => "Canada",
            Country::Gb => "the United Kingdom",
            Country::Au => "Australia",
            Country::Es => "Spain",
            Country::Mx => "Mexico",
            Country::De => "Germany",
            Country::Fr => "France",
            Country::In => "India",
            Country::Cn => "China",
            Country::Jp => "Japan",
            Country::Br => "Brazil",
            Country::Ng => "Nigeria",
            Country::Ae => "the United Arab Emirates",
            Country::Eg => "Egypt",
            Country::Sa => "Saudi Arabia",
        }
    }

    /// A few cities, biggest first.
    pub fn cities(self) -> &'static [&'static str] {
        match self {
            Country::Us => &["New York", "San Francisco", "Chicago", "Austin", "Seattle"],
            Country::Ca => &["Toronto", "Vancouver", "Montreal"],
            Country::Gb => &["London", "Manchester", "Leeds", "Edinburgh"],
            Country::Au => &["Sydney", "Melbourne", "Brisbane"],
            Country::Es => &["Madrid", "Barcelona", "Valencia", "Seville"],
            Country::Mx => &["Mexico City", "Guadalajara", "Monterrey"],
            Country::De => &["Berlin", "Munich", "Hamburg", "Cologne"],
            Country::Fr => &["Paris", "Lyon", "Marseille", "Toulouse"],
            Country::In => &["Bengaluru", "Mumbai", "Pune", "Chennai", "Delhi"],
            Country::Cn => &["Shanghai", "Shenzhen", "Hangzhou", "Guangzhou"],
            Country::Jp => &["Tokyo", "Osaka", "Fukuoka"],
            Country::Br => &["São Paulo", "Rio de Janeiro", "Belo Horizonte"],
            Country::Ng => &["Lagos", "Abuja", "Port Harcourt"],
            Country::Ae => &["Dubai", "Abu Dhabi"],
            Country::Eg => &["Cairo", "Alexandria"],
            Country::Sa => &["Riyadh", "Jeddah"],
        }
    }
}
