//! Word lists for everything but names: companies, roles, descriptions, preferences, handles.
//!
//! Companies are invented and their domains sit under `.example` (RFC 2606), so no seeded
//! address can reach a real mailbox.

/// Invented companies and their email domains.
pub const COMPANIES: &[(&str, &str)] = &[
    ("Northwind Traders", "northwind.example"),
    ("Contoso", "contoso.example"),
    ("Fabrikam", "fabrikam.example"),
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
    ("Acme Robotics", "acme-robotics.example"),
    ("Bluebird Analytics", "bluebird.example"),
    ("Cedar & Pine Studio", "cedarpine.example"),
    ("Helios Solar", "helios-solar.example"),
    ("Kestrel Labs", "kestrel.example"),
    ("Lumen Health", "lumenhealth.example"),
    ("Marigold Foods", "marigold.example"),
    ("Nimbus Cloud", "nimbus.example"),
    ("Orchid Travel", "orchidtravel.example"),
    ("Polaris Freight", "polaris-freight.example"),
    ("Quill Publishing", "quill.example"),
    ("Riverbend Dental", "riverbend.example"),
    ("Saffron Kitchen", "saffron.example"),
    ("Tidewater Insurance", "tidewater.example"),
    ("Umber Design", "umber.example"),
    ("Vantage Retail", "vantage.example"),
    ("Willow Tree Schools", "willowtree.example"),
    ("Yellowfin Media", "yellowfin.example"),
    ("Zephyr Mobility", "zephyr.example"),
    ("Atlas Fintech", "atlasfin.example"),
    ("Bramble Games", "bramble.example"),
    ("Copperleaf Legal", "copperleaf.example"),
    ("Driftwood Hotels", "driftwood.example"),
    ("Evergreen Realty", "evergreen.example"),
    ("Foxglove Pharma", "foxglove.example"),
    ("Granite Builders", "granite.example"),
    ("Harbor Bank", "harborbank.example"),
    ("Ironclad Security", "ironclad.example"),
    ("Juniper Energy", "juniper-energy.example"),
    ("Kite Education", "kite.example"),
    ("Lighthouse Clinics", "lighthouse.example"),
    ("Meridian Consulting", "meridian.example"),
    ("Nova Telecom", "novatel.example"),
    ("Oakridge Farms", "oakridge.example"),
    ("Pixel Forge", "pixelforge.example"),
];

/// Personal mail domains, with weights; all reserved for documentation.
pub const PERSONAL_DOMAINS: &[(&str, u32)] = &[
    ("example.com", 40),
    ("example.org", 20),
    ("example.net", 20),
    ("mail.example", 10),
    ("inbox.example", 10),
];

/// Shared mailboxes, for contacts that are an organisation rather than a person.
pub const ROLE_MAILBOXES: &[&str] = &["info", "hello", "support", "contact", "office", "team"];

pub const ROLES: &[&str] = &[
    "Head of Support",
    "CTO",
    "Product Manager",
    "Operations Lead",
    "Founder",
    "Data Engineer",
    "Customer Success Manager",
    "Procurement Manager",
    "Marketing Director",
    "Office Manager",
    "Software Engineer",
    "IT Administrator",
    "Head of Sales",
    "Community Manager",
];

pub const EVENTS: &[&str] = &[
    "WebSummit",
    "a partner webinar",
    "the local SaaS meetup",
    "a customer roadshow",
    "the spring product launch",
    "a trade fair",
];

pub const BUSINESSES: &[&str] = &[
    "bakery",
    "bike shop",
    "dental practice",
    "language school",
    "design studio",
    "travel agency",
    "bookshop",
    "yoga studio",
];

/// Whole-sentence descriptions that need no context.
pub const DESCRIPTIONS: &[&str] = &[
    "Beta tester for the mobile app.",
    "Evaluating us against two competitors; decision expected next quarter.",
    "Student; uses the free plan for a thesis project.",
    "Asked about data residency in the EU.",
    "Reported the webhook retry bug; keep in the loop on the fix.",
    "Long-time customer, very happy with the widget.",
    "Interested in the on-premise option.",
    "Churned once, came back after the pricing change.",
    "Handles invoices for the whole team.",
    "Prefers to be contacted by their assistant for scheduling.",
];

/// Sentences an AI agent would read before replying, grouped so one contact never gets two
/// from the same group (which could contradict each other). `{language}` is the contact's
/// language; sentences with it are only used when there is one.
pub const PREFERENCE_GROUPS: &[&[&str]] = &[
    // Tone and length.
    &[
        "Prefers concise technical answers.",
        "Likes a friendly, informal tone.",
        "Formal tone, please; no first names.",
        "Appreciates step-by-step explanations with screenshots.",
        "Dislikes emoji in replies.",
        "Wants the short answer first, details after.",
        "Not technical; avoid jargon.",
    ],
    // Channel.
    &[
        "Prefers email over chat for anything involving billing.",
        "Reachable on WhatsApp during business hours.",
        "Do not call; text messages only.",
        "Happy to jump on a quick video call when something is urgent.",
        "Reads chat on mobile; keep messages short.",
    ],
    // Timing.
    &[
        "Usually online in the morning, local time.",
        "Avoid contacting on Fridays.",
        "Replies slowly at month end (closing the books).",
        "Travels a lot; expect delays of a day or two.",
    ],
    // Content.
    &[
        "Send code samples in Python.",
        "Send code samples in TypeScript.",
        "Interested in API and webhook features.",
        "Wants invoices as PDF attachments.",
        "Uses a screen reader; avoid tables and images without alt text.",
        "Prefers metric units.",
        "Always mention the ticket number in replies.",
    ],
    // Escalation and consent.
    &[
        "Escalate billing questions to a human.",
        "Has asked not to receive marketing emails.",
        "Loop in their manager on anything contractual.",
        "Do not share roadmap dates; refer to the public changelog.",
    ],
];

/// Language sentences, used for contacts whose culture has a language other than English.
pub const LANGUAGE_PREFERENCES: &[&str] = &[
    "Writes in {language}; reply in {language}.",
    "Prefers {language} for anything longer than a sentence.",
    "Reads English fine but answers in {language}.",
];

/// Halves of made-up handles ("quietfox", "pixel_panda").
pub const HANDLE_WORDS: &[&str] = &[
    "quiet", "pixel", "night", "lucky", "cosmic", "rusty", "swift", "sunny", "brave", "mellow",
    "neon", "silver", "tiny", "wild", "amber", "frosty",
];
pub const HANDLE_NOUNS: &[&str] = &[
    "fox", "panda", "owl", "otter", "falcon", "tiger", "koala", "wolf", "comet", "maple", "river",
    "pebble", "badger", "lynx", "heron", "byte",
];

/// `meta.plan` values, with weights.
pub const PLANS: &[(&str, u32)] = &[
    ("free", 35),
    ("starter", 25),
    ("pro", 25),
    ("business", 10),
    ("enterprise", 5),
];
pub const TEAMS: &[&str] = &["support", "sales", "success", "onboarding", "partnerships"];
pub const TIERS: &[&str] = &["bronze", "silver", "gold", "platinum"];
pub const SIGNUP_CHANNELS: &[&str] = &["organic", "referral", "paid-search", "partner", "event"];
pub const SEGMENTS: &[&str] = &["smb", "mid-market", "enterprise"];

/// Demo staff, named as the History tab shows them; first names double as account managers.
pub const STAFF: &[&str] = &[
    "Priya (demo)",
    "Tom (demo)",
    "Lucía (demo)",
    "Kenji (demo)",
    "Amara (demo)",
    "Jonas (demo)",
];
