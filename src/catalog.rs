//! The message catalogs of `templates/i18n/<language>/*.toml`, compiled into the binary: every
//! text a page, a CSV, an email or the API writes for people, by key and language. A
//! [`Problem`] is rendered here, so a refusal reads the same on a page, in a flash and (in
//! English) in the API's `message`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::domain::problem::{Problem, fill};
use crate::domain::users::Language;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

pub type Catalog = HashMap<String, String>;

static CATALOGS: OnceLock<HashMap<&'static str, Catalog>> = OnceLock::new();

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn parse() -> anyhow::Result<HashMap<&'static str, Catalog>> {
    let mut catalogs: HashMap<&'static str, Catalog> = HashMap::new();
    for (lang, file, text) in embedded::CATALOG_FILES {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("message catalog {lang}/{file}: {e}"))?;
        let mut part = Catalog::new();
        flatten("", &table, &mut part);
        let catalog = catalogs.entry(*lang).or_default();
        for (key, value) in part {
            if catalog.insert(key.clone(), value).is_some() {
                anyhow::bail!("message catalog {lang}/{file}: {key:?} is defined twice");
            }
        }
    }
    Ok(catalogs)
}

/// Reads the catalogs once; a catalog that does not parse stops the start with its file named.
pub fn load() -> anyhow::Result<&'static HashMap<&'static str, Catalog>> {
    if let Some(loaded) = CATALOGS.get() {
        return Ok(loaded);
    }
    let parsed = parse()?;
    Ok(CATALOGS.get_or_init(|| parsed))
}

fn catalogs() -> &'static HashMap<&'static str, Catalog> {
    // The catalogs are compiled in and parsed by every test run, so failing here is a build
    // that never passed its tests.
    load().expect("the compiled-in message catalogs parse")
}

/// The catalog of a language.
pub fn of(lang: Language) -> &'static Catalog {
    static EMPTY: OnceLock<Catalog> = OnceLock::new();
    catalogs()
        .get(lang.as_str())
        .unwrap_or_else(|| EMPTY.get_or_init(Catalog::new))
}

/// The text at `key` in `lang`, if the catalog has it.
pub fn text(lang: Language, key: &str) -> Option<&'static str> {
    of(lang).get(key).map(String::as_str)
}

/// A problem in the reader's language; a key the catalog lacks shows as the key (a test keeps
/// every key used in `src/` in both catalogs).
pub fn render(lang: Language, problem: &Problem) -> String {
    let lookup = |key: &str| text(lang, key).map(str::to_string);
    let inner = |p: &Problem| render(lang, p);
    match text(lang, &problem.code) {
        Some(template) => fill(template, problem, &lookup, &inner),
        None => problem.code.to_string(),
    }
}

/// A problem as the API's `message` says it.
pub fn english(problem: &Problem) -> String {
    render(Language::En, problem)
}

// ---------------------------------------------------------------------------------------------
// The catalogs in templates: pages and emails register the same `t` and `has_t`, so a text
// reads the same wherever it is written.

/// The language a template is rendered in: its `lang` variable.
pub fn lang_of(state: &minijinja::State) -> Language {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(|s| s.parse::<Language>().ok()))
        .unwrap_or_default()
}

/// Adds `t` and `has_t` to a template environment.
///
/// `t("key")` is the text at `key` in the template's language; a missing key is an error, so
/// nothing shows a raw key. `t("key", name=value, …)` also puts each value in for `{name}`;
/// with `count=n`, a key the catalog holds as `one`/`other` forms takes the form for `n`
/// (English says "1 line", "2 lines"; Chinese has one form, a plain string). Values are
/// escaped as the template escapes them, unless already safe (markup the template built, such
/// as a link), so a sentence can hold a link without the catalog holding HTML.
pub fn add_functions(env: &mut minijinja::Environment<'_>) {
    env.add_function("t", translate);
    // has_t("key"): whether a message exists (for values that may have no label).
    env.add_function("has_t", |state: &minijinja::State, key: &str| {
        text(lang_of(state), key).is_some()
    });
}

fn translate(
    state: &minijinja::State,
    key: &str,
    args: minijinja::value::Kwargs,
) -> Result<minijinja::Value, minijinja::Error> {
    let lang = lang_of(state);
    let count = args
        .get::<Option<i64>>("count")
        .ok()
        .flatten()
        .filter(|_| text(lang, key).is_none());
    let found = match count {
        Some(1) => {
            text(lang, &format!("{key}.one")).or_else(|| text(lang, &format!("{key}.other")))
        }
        Some(_) => text(lang, &format!("{key}.other")),
        None => text(lang, key),
    };
    let Some(found) = found else {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            format!("no message {key:?} in the {} catalog", lang.as_str()),
        ));
    };
    if args.args().next().is_none() {
        // A plain string: the template's formatter escapes it as it escapes any value.
        return Ok(minijinja::Value::from(found));
    }
    let mut out = String::with_capacity(found.len());
    let mut rest = found;
    while let Some(open) = rest.find('{') {
        out.push_str(&state.format(minijinja::Value::from(&rest[..open]))?);
        let tail = &rest[open..];
        let Some(close) = tail.find('}') else {
            rest = tail;
            break;
        };
        let name = &tail[1..close];
        let value: minijinja::Value = args.get(name).map_err(|_| {
            minijinja::Error::new(
                minijinja::ErrorKind::UndefinedError,
                format!(
                    "the message {key:?} ({}) names {{{name}}}, which the template does not give",
                    lang.as_str()
                ),
            )
        })?;
        out.push_str(&state.format(value)?);
        rest = &tail[close + 1..];
    }
    out.push_str(&state.format(minijinja::Value::from(rest))?);
    Ok(minijinja::Value::from_safe_string(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_the_error_answers_reads_in_both_languages() {
        for code in ["problem.forbidden", "problem.throttled", "problem.internal"] {
            for lang in [Language::ZhCn, Language::En] {
                assert!(text(lang, code).is_some(), "{code} missing in {lang:?}");
            }
        }
        let p = crate::problem!("throttled", seconds = 30u64);
        assert_eq!(english(&p), "too many attempts; try again in 30 seconds");
        assert_eq!(render(Language::ZhCn, &p), "尝试次数过多，请 30 秒后再试");
    }

    /// Texts that show what to type, where the ASCII comma is the syntax being shown.
    const TYPED_FORMATS: [&str; 2] = [
        "admin.policy.hint.minimum_wages",
        "problem.minimum_wage_line",
    ];

    #[test]
    fn chinese_text_uses_chinese_punctuation_and_one_term_for_each_tier() {
        let is_han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        let mut faults = Vec::new();
        for (key, value) in of(Language::ZhCn) {
            let chars: Vec<char> = value.chars().collect();
            let ascii_by_han = chars.windows(2).any(|w| {
                let punct = |c: char| ",:;?!()".contains(c);
                (is_han(w[0]) && punct(w[1])) || (punct(w[0]) && is_han(w[1]))
            });
            if ascii_by_han && !TYPED_FORMATS.contains(&key.as_str()) {
                faults.push(format!("{key}: ASCII punctuation in Chinese text: {value}"));
            }
            // 核心涉密人员, 重要涉密人员, 一般涉密人员: never a shortened form as a label.
            if ["核心", "重要", "一般", "核心涉密", "重要涉密", "一般涉密"]
                .contains(&value.as_str())
            {
                faults.push(format!(
                    "{key}: a tier is named {value}, not by its one term"
                ));
            }
        }
        faults.sort();
        assert!(faults.is_empty(), "{}", faults.join("\n"));
    }

    /// Each file of `src/` with its code before its unit tests (which use keys of their own).
    fn source_code() -> Vec<(std::path::PathBuf, String)> {
        let mut files = Vec::new();
        let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let file = std::fs::read_to_string(&path).unwrap();
                    let code = file.split("#[cfg(test)]").next().unwrap_or("").to_string();
                    files.push((path, code));
                }
            }
        }
        files
    }

    /// Every `problem!("key", …)` written in `src/` has its text in every language.
    #[test]
    fn every_problem_key_used_in_the_code_is_in_every_catalog() {
        let mut missing = Vec::new();
        for (path, code) in source_code() {
            // Without comments, where keys are only spoken of.
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (at, _) in code.match_indices("problem!(\"") {
                let rest = &code[at + "problem!(\"".len()..];
                let key = &rest[..rest.find('"').unwrap()];
                for lang in [Language::ZhCn, Language::En] {
                    if text(lang, &format!("problem.{key}")).is_none() {
                        missing.push(format!("{key} ({lang:?}, {})", path.display()));
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "keys missing from a catalog:\n{}",
            missing.join("\n")
        );
    }

    /// Every `string_enum!` in `src/` says what kind of value it is in every catalog
    /// (`what.<Name>`), the English in the very words its call gives.
    #[test]
    fn every_closed_set_is_named_in_every_catalog() {
        let mut faults = Vec::new();
        let mut seen = 0;
        for (path, code) in source_code() {
            for (at, _) in code.match_indices("string_enum! {") {
                let rest = &code[at..];
                let rest = &rest[rest.find("pub enum ").unwrap() + "pub enum ".len()..];
                let name = &rest[..rest.find([' ', '(']).unwrap()];
                let what = rest.split('"').nth(1).unwrap();
                seen += 1;
                let key = format!("what.{name}");
                for lang in [Language::ZhCn, Language::En] {
                    if text(lang, &key).is_none() {
                        faults.push(format!("{key} missing ({lang:?}, {})", path.display()));
                    }
                }
                if text(Language::En, &key).is_some_and(|en| en != what) {
                    faults.push(format!("{key} is not {what:?} in English"));
                }
            }
        }
        assert!(seen > 30, "only {seen} string_enum! calls found");
        faults.sort();
        assert!(faults.is_empty(), "{}", faults.join("\n"));
        let refused = "x"
            .parse::<crate::domain::people::ClearanceTier>()
            .unwrap_err();
        assert_eq!(
            english(&refused),
            "\"x\" is not a tier: use none, general, important, core"
        );
        assert_eq!(
            render(Language::ZhCn, &refused),
            "\"x\" 不是有效的涉密等级，可选：none, general, important, core"
        );
    }

    /// Both catalogs name the same arguments in each problem's text, so no language drops a
    /// value the other shows.
    #[test]
    fn each_problem_text_names_the_same_values_in_every_language() {
        let names = |t: &str| -> std::collections::BTreeSet<String> {
            t.split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect()
        };
        let mut differing = Vec::new();
        for (key, en) in of(Language::En) {
            if !key.starts_with("problem.") {
                continue;
            }
            match text(Language::ZhCn, key) {
                Some(zh) if names(zh) != names(en) => differing.push(key.clone()),
                Some(_) => {}
                None => differing.push(format!("{key} (no zh-CN text)")),
            }
        }
        differing.sort();
        assert!(differing.is_empty(), "{}", differing.join("\n"));
    }
}
