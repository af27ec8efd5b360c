//! Why something was refused, as a message-catalog key with typed arguments: the page renders
//! it in the reader's language, the API in English, and the key stays a stable code for
//! integrators. Write one with [`problem!`](crate::problem): `problem!("too_long", max = 300)`
//! is the catalog entry `problem.too_long`, whose text names `{max}`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A refusal or field message: its catalog key (`problem.…`) and the values its text names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// The catalog key, stable across releases: `problem.too_long`.
    pub code: Cow<'static, str>,
    /// The values the message names, by the name its text uses.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = Object)]
    pub args: BTreeMap<Cow<'static, str>, Arg>,
}

/// One value a message names: text as it was typed, a number, or a catalog key whose text is
/// put in (a state or a kind, said in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Number(i64),
    Text(String),
    Key {
        key: String,
    },
    /// A message within a message: why a field named in the outer one is at fault.
    Problem(Box<Problem>),
}

impl Problem {
    pub fn new(code: &'static str) -> Problem {
        Problem {
            code: Cow::Borrowed(code),
            args: BTreeMap::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Problem {
        self.args.insert(Cow::Borrowed(name), value.into());
        self
    }
}

impl Arg {
    /// The catalog text at `key`, in the reader's language.
    pub fn key(key: impl Into<String>) -> Arg {
        Arg::Key { key: key.into() }
    }

    /// A value of a closed set, said as the catalog's label `prefix.value`
    /// (`Arg::label("value.line_status", "returned")`).
    pub fn label(prefix: &str, value: &str) -> Arg {
        Arg::key(format!("{prefix}.{value}"))
    }
}

impl From<Problem> for Arg {
    fn from(problem: Problem) -> Arg {
        Arg::Problem(Box::new(problem))
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_string())
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(i32, i64, u32, u64, usize);

/// `problem!("key", name = value, …)`: the [`Problem`] at catalog key `problem.key`.
#[macro_export]
macro_rules! problem {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::domain::problem::Problem::new(concat!("problem.", $key))
            $(.arg(stringify!($name), $value))*
    };
}

/// Puts the arguments into a catalog text: `{name}` becomes the argument of that name, a key
/// argument becomes what `lookup` finds for it. A name with no argument stays as written, so
/// a slip shows rather than vanishing.
pub fn fill(
    text: &str,
    problem: &Problem,
    lookup: &dyn Fn(&str) -> Option<String>,
    inner: &dyn Fn(&Problem) -> String,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let Some(close) = tail.find('}') else {
            break;
        };
        let name = &tail[1..close];
        match problem.args.get(name) {
            Some(Arg::Number(n)) => out.push_str(&n.to_string()),
            Some(Arg::Text(t)) => out.push_str(t),
            Some(Arg::Key { key }) => out.push_str(&lookup(key).unwrap_or_else(|| key.clone())),
            Some(Arg::Problem(p)) => out.push_str(&inner(p)),
            None => out.push_str(&tail[..=close]),
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_its_values_and_says_a_state_in_the_readers_words() {
        let p = crate::problem!(
            "x",
            value = "\"2026-13-01\"",
            max = 300,
            status = Arg::label("value.line_status", "returned")
        );
        assert_eq!(p.code, "problem.x");
        let lookup = |k: &str| (k == "value.line_status.returned").then(|| "已归还".to_string());
        let inner = |_: &Problem| String::new();
        assert_eq!(
            fill(
                "{value}：{status}，最多 {max} 字，{unknown}",
                &p,
                &lookup,
                &inner
            ),
            "\"2026-13-01\"：已归还，最多 300 字，{unknown}"
        );
    }

    #[test]
    fn a_problem_goes_to_json_and_back_unchanged() {
        let p = crate::problem!("x", n = 3, text = "a", label = Arg::key("k"));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["args"]["n"], 3);
        assert_eq!(json["args"]["label"]["key"], "k");
        assert_eq!(serde_json::from_value::<Problem>(json).unwrap(), p);
    }
}
