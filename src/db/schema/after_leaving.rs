//! The tables of where former employees work now: the competitor list and the records.

use super::employees;

diesel::table! {
    competitors (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        credit_code -> Nullable<Text>,
        added_by -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    whereabouts (id) {
        id -> Text,
        employee_id -> Text,
        employer -> Text,
        employer_key -> Text,
        post -> Text,
        credit_code -> Nullable<Text>,
        kind -> Text,
        kind_by_hand -> Bool,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
        obligation_id -> Nullable<Text>,
        breach_case_id -> Nullable<Text>,
    }
}

diesel::joinable!(whereabouts -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(whereabouts, employees);
