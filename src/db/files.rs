//! Files kept in the database (a case's evidence, the scan of a paper signed by hand): one way
//! to take one in — typed by its content (anything else refused on `file`), its name cleaned,
//! its SHA-256 computed — before the caller writes it into its own table.

use crate::domain::problem::Problem;
use crate::error::{Error, Result};

/// A file about to be written, as every table of files keeps it.
pub struct NewFile<'a> {
    pub id: String,
    /// The name it came with, without control characters or path separators, at most 200
    /// characters.
    pub file_name: String,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: String,
    pub bytes: &'a [u8],
}

/// Takes a file in: `type_of` says what its content is (refused on `file` otherwise); `write`
/// stores it where the caller keeps such files and returns what it stored.
pub fn store_file<T>(
    file_name: &str,
    bytes: &[u8],
    type_of: impl FnOnce(&[u8]) -> std::result::Result<&'static str, Problem>,
    write: impl FnOnce(&NewFile<'_>) -> Result<T>,
) -> Result<T> {
    use sha2::{Digest, Sha256};
    let content_type = type_of(bytes).map_err(|m| Error::field("file", m))?;
    let file = NewFile {
        id: uuid::Uuid::now_v7().to_string(),
        file_name: clean_name(file_name),
        content_type,
        size: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(bytes)),
        bytes,
    };
    write(&file)
}

/// A file's name as kept: no control characters or path separators, at most 200 characters.
fn clean_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_files_name_loses_control_characters_and_path_separators() {
        assert_eq!(clean_name("../scan\n.pdf"), "..scan.pdf");
        assert_eq!(clean_name(&"名".repeat(300)).chars().count(), 200);
    }
}
