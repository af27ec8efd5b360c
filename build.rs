//! Gathers the page templates and message catalogs into the binary: every file under
//! `templates/web` and `templates/i18n/<language>/`, so adding a page needs no list to edit.

use std::fmt::Write as _;
use std::path::Path;

fn files(dir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort();
    found
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let web = root.join("templates/web");
    let i18n = root.join("templates/i18n");
    println!("cargo:rerun-if-changed={}", web.display());
    println!("cargo:rerun-if-changed={}", i18n.display());
    let mut out = String::from(
        "/// Page templates: (name, source).\npub const WEB_TEMPLATES: &[(&str, &str)] = &[\n",
    );
    for path in files(&web, "html") {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("templates.rs");
    std::fs::write(dest, out).unwrap();
    let mut out = String::from(
        "/// Message catalog files: (language, file name, source).\npub const CATALOG_FILES: &[(&str, &str, &str)] = &[\n",
    );
    let mut langs: Vec<_> = std::fs::read_dir(&i18n)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    langs.sort();
    for dir in langs {
        println!("cargo:rerun-if-changed={}", dir.display());
        let lang = dir.file_name().unwrap().to_string_lossy().to_string();
        for path in files(&dir, "toml") {
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path.file_name().unwrap().to_string_lossy();
            writeln!(
                out,
                "    ({lang:?}, {name:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalogs.rs");
    std::fs::write(dest, out).unwrap();
}
