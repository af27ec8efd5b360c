//! What the service writes is its own: the data directory is 0700 and every file created by
//! the process (the SQLite database with its WAL and SHM, the outbox's messages, backups,
//! the secret key) is 0600, whatever the umask it was started with.

use std::path::Path;

/// From now on, files and folders this process creates are readable by its user only.
pub fn files_private() {
    // SAFETY: umask only swaps the process's file mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates the data directory if need be, and makes it (also one that existed) 0700.
pub fn data_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    files_private();
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}
