//! The table of the staff's calendar feeds.

use super::users;

diesel::table! {
    calendar_feeds (user_id) {
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(calendar_feeds -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(calendar_feeds, users);
