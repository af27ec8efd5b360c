//! Table definitions, written by hand: they must hold for both backends, so only the types the
//! two share appear here (text, integers, booleans, naive UTC timestamps).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        language -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        employee_no -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        started_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    setup_tokens (token_hash) {
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_type -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        details -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, user_roles, api_tokens);
diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions);

diesel::table! {
    second_factors (user_id) {
        user_id -> Text,
        sealed_secret -> Text,
        started_at -> Timestamp,
        enrolled_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(second_factors -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, second_factors, recovery_codes);

diesel::table! {
    employees (id) {
        id -> Text,
        employee_no -> Text,
        name -> Text,
        work_email -> Nullable<Text>,
        private_email -> Nullable<Text>,
        language -> Text,
        department -> Text,
        title -> Text,
        manager_id -> Nullable<Text>,
        hire_date -> Nullable<Date>,
        status -> Text,
        clearance_tier -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clearance_changes (id) {
        id -> Text,
        employee_id -> Text,
        from_tier -> Text,
        to_tier -> Text,
        status -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        proposal_reason -> Text,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        effective_on -> Nullable<Date>,
    }
}

diesel::table! {
    post_exits (id) {
        id -> Text,
        employee_id -> Text,
        left_on -> Date,
        tier_held -> Text,
        new_tier -> Text,
        cause -> Text,
        clearance_change_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(clearance_changes -> employees (employee_id));
diesel::joinable!(post_exits -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(employees, clearance_changes, post_exits);

diesel::table! {
    carriers (id) {
        id -> Text,
        tag -> Text,
        kind -> Text,
        description -> Text,
        classification -> Text,
        copies -> Integer,
        custodian_id -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    carrier_events (id) {
        id -> Text,
        carrier_id -> Text,
        event -> Text,
        from_custodian_id -> Nullable<Text>,
        to_custodian_id -> Nullable<Text>,
        at -> Timestamp,
        actor_id -> Text,
        note -> Text,
        approver_id -> Nullable<Text>,
        witness_1_id -> Nullable<Text>,
        witness_2_id -> Nullable<Text>,
    }
}

diesel::table! {
    pledge_texts (id) {
        id -> Text,
        kind -> Text,
        version -> Integer,
        title_zh -> Text,
        body_zh -> Text,
        title_en -> Text,
        body_en -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    pledges (id) {
        id -> Text,
        employee_id -> Text,
        pledge_text_id -> Text,
        kind -> Text,
        method -> Text,
        signed_on -> Date,
        typed_name -> Nullable<Text>,
        scan_ref -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        scan_id -> Nullable<Text>,
    }
}

diesel::joinable!(carriers -> employees (custodian_id));
diesel::joinable!(pledges -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(carriers, employees);
diesel::allow_tables_to_appear_in_same_query!(pledges, employees);

diesel::table! {
    departures (id) {
        id -> Text,
        employee_id -> Text,
        notice_date -> Date,
        last_working_day -> Date,
        left_post_on -> Date,
        left_post_approved_by -> Nullable<Text>,
        reason -> Text,
        successor_id -> Nullable<Text>,
        status -> Text,
        started_by -> Text,
        started_at -> Timestamp,
        completed_by -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
        override_reason -> Nullable<Text>,
        no_trade_secret_reason -> Nullable<Text>,
        takes_effect_at -> Nullable<Timestamp>,
        in_effect -> Bool,
        register_year -> Integer,
        register_seq -> Integer,
        non_compete_waived_at -> Nullable<Timestamp>,
        non_compete_waived_by -> Nullable<Text>,
        non_compete_waiver_reason -> Nullable<Text>,
        exit_notice_signed_on -> Nullable<Date>,
        exit_notice_scan_id -> Nullable<Text>,
        exit_notice_recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    departure_lines (id) {
        id -> Text,
        departure_id -> Text,
        position -> Integer,
        kind -> Text,
        carrier_id -> Nullable<Text>,
        title -> Text,
        title_en -> Text,
        expected_count -> Integer,
        status -> Text,
        counted -> Nullable<Integer>,
        note -> Text,
        handed_to_id -> Nullable<Text>,
        confirmed_by -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        received_by -> Nullable<Text>,
        received_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    obligations (id) {
        id -> Text,
        employee_id -> Text,
        kind -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        status -> Text,
        tier -> Nullable<Text>,
        departure_id -> Nullable<Text>,
        post_exit_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(departure_lines -> departures (departure_id));
diesel::joinable!(departures -> employees (employee_id));
diesel::joinable!(obligations -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(departures, departure_lines, employees, obligations);

diesel::table! {
    policy_versions (version) {
        version -> Integer,
        body -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    non_compete_agreements (employee_id) {
        employee_id -> Text,
        months -> Integer,
        monthly_compensation -> Nullable<BigInt>,
        currency -> Text,
        scope -> Text,
        region -> Text,
        warning -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Text,
        bound_as -> Text,
        liquidated_damages -> Nullable<BigInt>,
        contract_region -> Nullable<Text>,
        average_monthly_wage -> Nullable<BigInt>,
    }
}

diesel::table! {
    non_compete_payments (id) {
        id -> Text,
        obligation_id -> Text,
        amount -> BigInt,
        paid_on -> Date,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        term_month -> Integer,
        reversed_at -> Nullable<Timestamp>,
        reversed_by -> Nullable<Text>,
        reversal_reason -> Nullable<Text>,
    }
}

diesel::table! {
    non_compete_ledgers (obligation_id) {
        obligation_id -> Text,
        monthly_compensation -> BigInt,
        currency -> Text,
        due_after_days -> Integer,
        ended_on -> Nullable<Date>,
        extra_months -> Integer,
    }
}

diesel::table! {
    obligation_extensions (id) {
        id -> Text,
        obligation_id -> Text,
        new_end -> Date,
        reason -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        unique_key -> Text,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        due_at -> Timestamp,
    }
}

diesel::table! {
    schedule_marks (name) {
        name -> Text,
        checked_until -> Timestamp,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        unique_key -> Text,
        employee_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        kind -> Text,
        period -> Text,
        due_at -> Timestamp,
        status -> Text,
        to_address -> Nullable<Text>,
        message_id -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        server_reply -> Nullable<Text>,
        message -> Nullable<Binary>,
        message_sha256 -> Nullable<Text>,
        last_error -> Nullable<Text>,
        acknowledged_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(reminders -> employees (employee_id));
diesel::allow_tables_to_appear_in_same_query!(reminders, employees);
diesel::allow_tables_to_appear_in_same_query!(reminders, users);
// The job list leaves out the sends of breach notifications by their reminders.
diesel::allow_tables_to_appear_in_same_query!(jobs, reminders);

diesel::table! {
    breach_cases (id) {
        id -> Text,
        code -> Text,
        secret_hash -> Text,
        source -> Text,
        reporter_user_id -> Nullable<Text>,
        reporter_contact -> Text,
        person -> Text,
        employee_id -> Nullable<Text>,
        obligation_id -> Nullable<Text>,
        departure_line_id -> Nullable<Text>,
        what -> Text,
        discovered_on -> Nullable<Date>,
        carriers -> Text,
        status -> Text,
        severity -> Nullable<Text>,
        fault -> Nullable<Text>,
        gravity -> Nullable<Text>,
        caused_loss -> Nullable<Bool>,
        suggested -> Nullable<Text>,
        decision -> Nullable<Text>,
        state_secret -> Bool,
        authority_report_due -> Nullable<Date>,
        reward -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    breach_steps (id) {
        id -> Text,
        case_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
    }
}

diesel::table! {
    breach_additions (id) {
        id -> Text,
        case_id -> Text,
        at -> Timestamp,
        text -> Text,
    }
}

diesel::table! {
    paper_scans (id) {
        id -> Text,
        employee_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
        added_by -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    breach_evidence (id) {
        id -> Text,
        case_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        bytes -> Binary,
        added_at -> Timestamp,
    }
}

diesel::table! {
    breach_penalties (case_id) {
        case_id -> Text,
        claimed -> Bool,
        claimed_amount -> Nullable<BigInt>,
        claimed_on -> Nullable<Date>,
        paid_amount -> Nullable<BigInt>,
        paid_on -> Nullable<Date>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    remedial_tasks (id) {
        id -> Text,
        case_id -> Text,
        title -> Text,
        owner_id -> Text,
        due_on -> Date,
        done_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(breach_steps -> breach_cases (case_id));
diesel::joinable!(remedial_tasks -> breach_cases (case_id));
diesel::allow_tables_to_appear_in_same_query!(breach_cases, breach_steps, remedial_tasks);

diesel::table! {
    flashes (id) {
        id -> Text,
        created_at -> Timestamp,
        data -> Text,
    }
}

diesel::table! {
    throttles (scope, subject) {
        scope -> Text,
        subject -> Text,
        failures -> Integer,
        last_at -> Timestamp,
    }
}

diesel::table! {
    person_terms (term, employee_id) {
        term -> Text,
        employee_id -> Text,
    }
}
diesel::allow_tables_to_appear_in_same_query!(employees, person_terms);

mod after_leaving;
mod calendar;
mod papers;
mod period;
pub use after_leaving::*;
pub use calendar::*;
pub use papers::*;
pub use period::*;
