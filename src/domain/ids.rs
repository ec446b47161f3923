//! Newtype ids, so a staff user's id can never be passed where a contact's id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies a row of `contacts`.
    ContactId
);
id_type!(
    /// Identifies a row of `staff_users`.
    StaffUserId
);
id_type!(
    /// Identifies a row of `spaces`.
    SpaceId
);
id_type!(
    /// Identifies a row of `space_files`.
    SpaceFileId
);
id_type!(
    /// Identifies a row of `conversations`.
    ConversationId
);
id_type!(
    /// Identifies a row of `messages`.
    MessageId
);
id_type!(
    /// Identifies a row of `ratings`.
    RatingId
);
