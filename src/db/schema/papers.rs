//! The tables of the papers signed at a departure: the exit interview record.

use super::departures;

diesel::table! {
    exit_interviews (departure_id) {
        departure_id -> Text,
        held_by -> Text,
        held_on -> Date,
        topics -> Text,
        statement -> Text,
        signed -> Bool,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}
diesel::joinable!(exit_interviews -> departures (departure_id));
diesel::allow_tables_to_appear_in_same_query!(exit_interviews, departures);
