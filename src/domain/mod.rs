//! Pure rules, no I/O. Input is parsed into domain types here; what fails comes back as
//! field-level messages.

/// Stores a type with `as_str` and `FromStr<Err = String>` as text on either backend (the type
/// derives `diesel::AsExpression` and `diesel::FromSqlRow` with `sql_type = Text`). A stored
/// text that does not parse is an error naming the type and the value, never some default.
#[macro_export]
macro_rules! text_column {
    ($name:ident) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<$name> {
                let text =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(
                        bytes,
                    )?;
                text.parse().map_err(|_| {
                    format!(
                        "a stored {} is {text:?}, which is none of its values",
                        stringify!($name)
                    )
                    .into()
                })
            }
        }
    };
}

/// A closed set of values written as fixed strings in the API and the database: serde,
/// `as_str`, `FromStr` (refusing with `problem.not_one_of`, which lists the choices) and
/// `Display` from one list. The literal after the name is what kind of value it is, in
/// English: the catalogs say it as `what.<Name>`, and a test keeps the English one equal to it.
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[schema(rename = $text)] $variant),+
        }

        $crate::text_column!($name);

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::problem::Problem;
            /// A value none of the choices is refused naming what was typed, the kind of
            /// value (the catalog's `what.<Name>`, in English the macro's own words) and the
            /// choices.
            fn from_str(s: &str) -> Result<$name, $crate::domain::problem::Problem> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s.trim())
                    .ok_or_else(|| {
                        $crate::problem!(
                            "not_one_of",
                            value = format!("{s:?}"),
                            what = $crate::domain::problem::Arg::key(
                                concat!("what.", stringify!($name))
                            ),
                            choices = [$($text),+].join(", ")
                        )
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod audit;
pub mod breaches;
pub mod calendar;
pub mod carriers;
pub mod clearance;
pub mod delivery;
pub mod departures;
pub mod extensions;
pub mod filing;
pub mod identity;
pub mod import;
pub mod interview;
pub mod money;
pub mod noncompete;
pub mod noncompete_terms;
pub mod obligations;
pub mod papers;
pub mod passwords;
pub mod people;
pub mod periods;
pub mod pledges;
pub mod policy;
pub mod problem;
pub mod reminders;
pub mod roles;
pub mod second_factor;
pub mod sessions;
pub mod spreadsheet;
pub mod travel;
pub mod travel_documents;
pub mod users;
pub mod whereabouts;

use std::collections::BTreeMap;

use problem::Problem;

/// Validation messages by field name, as the API returns them in `error.fields`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, Problem>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Records why a field is at fault; the first reason of a field is the one kept.
    pub fn add(&mut self, field: &str, problem: impl Into<Problem>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| problem.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the value of a field check, recording its problem on failure.
    pub fn check<T, P: Into<Problem>>(&mut self, field: &str, result: Result<T, P>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    /// Parses an optional value (empty counts as absent), recording its problem on failure.
    pub fn optional<T>(&mut self, field: &str, value: Option<String>) -> Option<T>
    where
        T: std::str::FromStr,
        T::Err: Into<Problem>,
    {
        value
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| self.check(field, v.parse::<T>()))
    }

    /// Ok when nothing was recorded.
    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn single(field: &str, problem: impl Into<Problem>) -> FieldErrors {
        let mut errors = FieldErrors::new();
        errors.add(field, problem);
        errors
    }
}
