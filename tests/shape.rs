//! The shape of the code, checked: the top-level modules of `src/` depend on each other in one
//! direction only, and only `src/db/` names the tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each file of `src/`, by the top-level module it belongs to, without its unit tests.
fn sources() -> Vec<(String, PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter_map(|path| {
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel.components().next()?.as_os_str().to_str()?;
            let top = top.trim_end_matches(".rs").to_string();
            if top == "lib" || top == "main" {
                return None;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            Some((top, path, text))
        })
        .collect()
}

/// The top-level modules each one names as `crate::<module>`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|(top, _, _)| top.clone()).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (top, _, text) in &files {
        let entry = deps.entry(top.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name != *top && modules.contains(&name) {
                entry.insert(name);
            }
        }
    }
    deps
}

fn path_back(
    deps: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
    seen: &mut BTreeSet<String>,
) -> bool {
    deps.get(from)
        .into_iter()
        .flatten()
        .any(|next| next == to || (seen.insert(next.clone()) && path_back(deps, next, to, seen)))
}

#[test]
fn the_top_level_modules_have_no_import_cycle() {
    let deps = dependencies();
    let mut cycles = Vec::new();
    for (module, uses) in &deps {
        for used in uses {
            if path_back(&deps, used, module, &mut BTreeSet::new()) {
                cycles.push(format!("{module} → {used} → … → {module}"));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between top-level modules:\n{}",
        cycles.join("\n")
    );
    assert!(
        deps["domain"].is_empty(),
        "domain/ depends on nothing: {:?}",
        deps["domain"]
    );
}

#[test]
fn only_the_storage_layer_names_the_tables() {
    let outside: Vec<String> = sources()
        .into_iter()
        .filter(|(top, _, text)| top != "db" && text.contains("schema::"))
        .map(|(_, path, _)| path.display().to_string())
        .collect();
    assert!(outside.is_empty(), "queries outside src/db/: {outside:?}");
}
