//! The tables of managing the period (trips, travel documents, the entry-exit filings) and of
//! the import's progress.

use super::{employees, users};

diesel::table! {
    trips (id) {
        id -> Text,
        employee_id -> Text,
        countries -> Text,
        purpose -> Text,
        starts_on -> Date,
        ends_on -> Date,
        invited_by -> Text,
        status -> Text,
        tier -> Text,
        needs_second_approval -> Bool,
        requested_by -> Nullable<Text>,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        second_by -> Nullable<Text>,
        second_at -> Nullable<Timestamp>,
        second_reason -> Nullable<Text>,
        returned_on -> Nullable<Date>,
        return_recorded_by -> Nullable<Text>,
        breach_case_id -> Nullable<Text>,
    }
}

diesel::table! {
    travel_documents (id) {
        id -> Text,
        employee_id -> Text,
        kind -> Text,
        number -> Text,
        expires_on -> Date,
        status -> Text,
        trip_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    travel_document_moves (id) {
        id -> Text,
        document_id -> Text,
        action -> Text,
        trip_id -> Nullable<Text>,
        moved_on -> Date,
        moved_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(trips -> employees (employee_id));
diesel::joinable!(travel_documents -> trips (trip_id));
diesel::allow_tables_to_appear_in_same_query!(trips, employees, travel_documents);

diesel::table! {
    entry_exit_filings (id) {
        id -> Text,
        filed_on -> Date,
        reference -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    entry_exit_filing_entries (filing_id, employee_id) {
        filing_id -> Text,
        employee_id -> Text,
        remove_on -> Nullable<Date>,
    }
}

diesel::joinable!(entry_exit_filing_entries -> entry_exit_filings (filing_id));
diesel::allow_tables_to_appear_in_same_query!(entry_exit_filings, entry_exit_filing_entries);

diesel::table! {
    imports (id) {
        id -> Text,
        started_by -> Nullable<Text>,
        state -> Text,
        total -> Integer,
        done -> Integer,
        started_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}
diesel::joinable!(imports -> users (started_by));
diesel::allow_tables_to_appear_in_same_query!(imports, users);
