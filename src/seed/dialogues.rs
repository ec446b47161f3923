//! Scripts for demo conversations: what customers ask a support bot, how it answers, and
//! where staff step in. Each turn has a few interchangeable wordings; `{placeholders}` are
//! filled per conversation (see `conversations::Fill`): `{day}` is a few days before it
//! started, `{due}` a few days after.

/// Who speaks a turn, as the `role` column stores it.
pub const USER: &str = "user";
pub const BOT: &str = "bot";
pub const STAFF: &str = "staff";

pub struct Turn {
    pub role: &'static str,
    /// Interchangeable wordings; one is picked.
    pub texts: &'static [&'static str],
}

pub struct Dialogue {
    /// The subject when the conversation arrives by email.
    pub subject: &'static str,
    /// Background the platform gave the bot, for widget and API conversations.
    pub context: &'static str,
    pub turns: &'static [Turn],
}

const fn user(texts: &'static [&'static str]) -> Turn {
    Turn { role: USER, texts }
}

const fn bot(texts: &'static [&'static str]) -> Turn {
    Turn { role: BOT, texts }
}

const fn staff(texts: &'static [&'static str]) -> Turn {
    Turn { role: STAFF, texts }
}

/// What a thumbs up says, when it says anything.
pub const GOOD_REASONS: &[&str] = &[
    "Quick and clear answer.",
    "Solved my problem, thanks!",
    "Exactly what I needed.",
    "Friendly and to the point.",
    "The step-by-step instructions worked first time.",
];

/// What a thumbs down says, when it says anything.
pub const BAD_REASONS: &[&str] = &[
    "Didn't answer my question.",
    "Too generic, I had already tried that.",
    "I wanted to talk to a person.",
    "The link in the answer didn't work.",
    "Wrong information about the price.",
    "Took three tries to understand what I meant.",
];

pub const DIALOGUES: &[Dialogue] = &[
    Dialogue {
        subject: "Can't log in",
        context: "Page: /login\nBrowser: Firefox 132 on Windows 11\nPlan: {plan}",
        turns: &[
            user(&[
                "Hi, I can't log in. It says my password is wrong but I'm sure it's right.",
                "I forgot my password and the reset email never arrived.",
                "hello?? my login stopped working this morning",
            ]),
            bot(&[
                "Sorry about that, {name}. I've sent a new password reset link to the email address on your account. It stays valid for 30 minutes; please check your spam folder too.",
                "I can help with that. I've just sent a reset link to your email address. If it doesn't show up within a few minutes, look in your spam or promotions folder.",
            ]),
            user(&[
                "Got it, thanks! That worked.",
                "Found it in spam. All good now.",
                "Still nothing in my inbox...",
            ]),
            bot(&[
                "Glad to hear it! If you'd like, you can turn on two-factor authentication under Settings → Security so this is less likely to happen again.",
                "Thanks for your patience. I've flagged this for our support team; someone will check the email delivery for your account today.",
            ]),
        ],
    },
    Dialogue {
        subject: "Where is my order #{order}?",
        context: "Page: /account/orders/{order}\nOrder #{order}: shipped {day}, carrier DHL",
        turns: &[
            user(&[
                "Where is my order #{order}? It was supposed to arrive on {day}.",
                "Hi, my parcel (order {order}) still hasn't arrived. Can you check?",
            ]),
            bot(&[
                "Order #{order} left our warehouse on {day} with DHL. The latest tracking update says it is at the regional depot, and delivery usually follows within 1–2 working days.",
                "Let me look that up. Order #{order} was shipped on {day}; the carrier shows it in transit to your local depot.",
            ]),
            user(&[
                "The tracking page hasn't updated in three days though.",
                "That's what it said yesterday too.",
            ]),
            bot(&[
                "I understand that's frustrating. I've opened a trace request with the carrier and asked our team to follow up; you'll get an email as soon as we hear back.",
            ]),
            staff(&[
                "Carrier confirmed the parcel was damaged at the depot. Re-shipped order #{order} by express; new tracking number sent to the customer. — {staff}",
                "Called DHL: parcel misrouted, now back on its way. Told {name} to expect it by Friday. — {staff}",
            ]),
            user(&[
                "Thank you, the new one arrived today!",
                "Great, thanks for sorting this out.",
            ]),
        ],
    },
    Dialogue {
        subject: "Invoice for {month} shows the wrong VAT number",
        context: "Customer of {company}; billing contact; plan: {plan}",
        turns: &[
            user(&[
                "Hello,\n\nthe invoice we received for {month} shows our old VAT number. Could you issue a corrected one?\n\nBest regards,\n{name}",
                "Hi,\nour accounting department noticed that the {month} invoice still has the previous company address. Can you send a corrected invoice?\nThanks,\n{name}",
            ]),
            bot(&[
                "Thanks for letting us know. I can regenerate the invoice once the details on your account are updated. Could you reply with the correct VAT number and address?",
                "Happy to help! Please reply with the billing details as they should appear, and I'll issue a corrected invoice.",
            ]),
            user(&[
                "Sure: {company}, VAT DE{vat}, Hauptstraße 12, 10115 Berlin.",
                "Here you go: {company}, VAT number GB{vat}.",
            ]),
            bot(&[
                "Thank you! I've updated your billing details. A corrected invoice for {month} is on its way to this address, and future invoices will use the new details.",
            ]),
        ],
    },
    Dialogue {
        subject: "Question about the Business plan",
        context: "Page: /pricing\nCurrent plan: {plan}\nSeats in use: 4",
        turns: &[
            user(&[
                "What's the difference between Pro and Business?",
                "Is SSO included in the Pro plan?",
            ]),
            bot(&[
                "Business adds single sign-on, audit logs and priority support, and includes 25 seats instead of 5. Pro is $29 a month and Business $99 a month, billed yearly.",
                "Single sign-on comes with the Business plan. Business also adds audit logs and priority support, and includes 25 seats.",
            ]),
            user(&[
                "Can I try Business before paying?",
                "Do we keep our data if we downgrade later?",
            ]),
            bot(&[
                "Yes: start a 14-day trial from Settings → Billing. Nothing is charged until the trial ends, and you keep all your data if you switch back.",
                "You do. Switching plans never deletes data; features of the higher plan simply become read-only.",
            ]),
            user(&["Perfect, thanks.", "ok thx"]),
        ],
    },
    Dialogue {
        subject: "Charged twice this month",
        context: "Page: /account/billing\nPlan: {plan}\nLast payment: {day}",
        turns: &[
            user(&[
                "I was charged twice this month. I'd like a refund for the duplicate payment.",
                "Why do I see two payments on my card for {month}??",
            ]),
            bot(&[
                "I'm sorry about that. I can see two charges on {day}. Refunds are handled by our billing team; I've passed this on and you'll hear back within two working days.",
                "Thanks for flagging this. The second charge looks like a duplicate; I've asked our billing team to refund it.",
            ]),
            staff(&[
                "Refunded the duplicate charge; it should show on the card within 5–10 days. — {staff}",
                "Duplicate payment caused by a retry during the card provider's outage. Refunded. — {staff}",
            ]),
            user(&[
                "Thanks, I see the refund now.",
                "Appreciated, thank you {staff_first}!",
            ]),
        ],
    },
    Dialogue {
        subject: "API key for the contacts API",
        context: "Conversation started from the developer portal\nPlan: {plan}",
        turns: &[
            user(&[
                "How do I get an API key for the contacts API?",
                "Where can I create an API token?",
            ]),
            bot(&[
                "Go to Settings → API tokens and click “Create token”. Copy it straight away: it is shown only once. Send it as `Authorization: Bearer <token>`.",
            ]),
            user(&[
                "Is there a rate limit?",
                "How many requests per minute can I make?",
            ]),
            bot(&[
                "Yes: 60 requests per minute per token. Every response carries headers that tell you how many requests remain in the current window.",
                "The limit is 60 requests a minute per token; beyond that the API answers 429 with a Retry-After header.",
            ]),
        ],
    },
    Dialogue {
        subject: "CSV export breaks accented names",
        context: "Page: /contacts/export\nBrowser: Edge 131 on Windows 10",
        turns: &[
            user(&[
                "The CSV export cuts off names with accents, e.g. “José” becomes “Jos”.",
                "When I export contacts, names like Zoë and François come out garbled.",
            ]),
            bot(&["Thanks for the report! Which program are you opening the CSV file in?"]),
            user(&["Excel on Windows.", "Excel, the 2019 version."]),
            bot(&[
                "Excel assumes an old encoding for CSV files. Use Data → From Text/CSV and choose “65001: Unicode (UTF-8)”, and the accents will be kept.",
                "That's Excel guessing the wrong encoding. Import the file through Data → From Text/CSV and pick UTF-8 as the file origin.",
            ]),
        ],
    },
    Dialogue {
        subject: "Cancel my subscription",
        context: "Page: /account/subscription\nPlan: {plan}\nCustomer since: 2024",
        turns: &[
            user(&["I'd like to cancel my subscription.", "How do I cancel?"]),
            bot(&[
                "I'm sorry to see you go. May I ask why you're cancelling? It helps us improve.",
            ]),
            user(&[
                "It's too expensive for our small team.",
                "We're moving to a different tool.",
            ]),
            bot(&[
                "I understand. There is also a Starter plan at $9 a month for up to 3 people. Would that help, or shall I go ahead and cancel?",
                "Understood. Before you go: you can export all your data from Settings → Export. Shall I cancel now?",
            ]),
            user(&["Please just cancel.", "Cancel, please."]),
            bot(&[
                "Done: your subscription ends on {due}, and you can keep using everything until then. We'd be glad to have you back any time.",
            ]),
        ],
    },
    Dialogue {
        subject: "Inviting colleagues",
        context: "Page: /settings/team\nSeats in use: 2 of 5",
        turns: &[
            user(&[
                "How do I invite my colleagues?",
                "can I add my team to the account?",
            ]),
            bot(&[
                "Open Settings → Team and click “Invite”. Enter their email addresses, one per line, and choose a role for them.",
            ]),
            user(&[
                "Can they have read-only access?",
                "Can I stop them from deleting things?",
            ]),
            bot(&[
                "Yes: give them the Viewer role. Viewers can see everything but change nothing, and you can change their role later.",
            ]),
        ],
    },
    Dialogue {
        subject: "Moving our onboarding call",
        context: "Onboarding session booked for {due}",
        turns: &[
            user(&[
                "Hi, could we move our onboarding call to next week? Something came up on {due}.",
                "Is it possible to reschedule the onboarding session?",
            ]),
            bot(&[
                "Of course. I've let your onboarding manager know; they'll send you new times by email today.",
            ]),
            staff(&[
                "Rescheduled to Tuesday 10:00 CET; calendar invite sent. — {staff}",
                "Moved the session to Thursday afternoon as requested. — {staff}",
            ]),
            user(&["Thanks, Tuesday works.", "Got the invite, see you then."]),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialogue_starts_with_the_user_and_gives_the_bot_a_say() {
        for dialogue in DIALOGUES {
            assert_eq!(dialogue.turns[0].role, USER, "{}", dialogue.subject);
            assert!(dialogue.turns.iter().any(|t| t.role == BOT));
            assert!(dialogue.turns.iter().all(|t| !t.texts.is_empty()));
        }
        assert!(!GOOD_REASONS.is_empty() && !BAD_REASONS.is_empty());
    }
}
