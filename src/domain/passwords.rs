//! Whether a password is good enough to keep: long enough, hard to guess by the estimate of
//! zxcvbn (score 3 or more), and not made of its owner's own address or name. Each refusal is
//! one catalog key, so the reason reads in the reader's language (zxcvbn's own feedback is
//! English, so its warning kinds are mapped to our keys).

use zxcvbn::Score;
use zxcvbn::feedback::Warning;

use super::problem::Problem;
use crate::problem;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Hashing cost grows with the length; nobody types more.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Whose password it is: what a guesser tries first.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub email: &'a str,
    pub name: &'a str,
}

/// The pieces of the owner a password must not contain: the local part of the address, the
/// whole name, and each longer word of it (all lower-cased, spaces removed from the name).
fn personal_pieces(owner: Owner<'_>) -> Vec<String> {
    let email = owner.email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_string();
    let name = owner.name.trim().to_lowercase();
    let mut pieces = vec![local, name.split_whitespace().collect::<String>()];
    pieces.extend(name.split_whitespace().map(String::from));
    // A few Latin letters are in too many passwords to mean the person; two Chinese
    // characters are a whole given name.
    pieces.retain(|p| match p.is_ascii() {
        true => p.len() >= 4,
        false => p.chars().count() >= 2,
    });
    pieces.dedup();
    pieces
}

/// The reason for a guessable password, from zxcvbn's warning kind.
fn guessable(warning: Option<Warning>) -> Problem {
    match warning {
        Some(
            Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password
            | Warning::ThisIsACommonPassword
            | Warning::ThisIsSimilarToACommonlyUsedPassword,
        ) => problem!("password_common"),
        Some(
            Warning::RepeatsLikeAaaAreEasyToGuess
            | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
        ) => problem!("password_repeats"),
        Some(
            Warning::StraightRowsOfKeysAreEasyToGuess
            | Warning::ShortKeyboardPatternsAreEasyToGuess
            | Warning::SequencesLikeAbcAreEasyToGuess,
        ) => problem!("password_pattern"),
        Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => {
            problem!("password_dates")
        }
        Some(
            Warning::AWordByItselfIsEasyToGuess
            | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
            | Warning::CommonNamesAndSurnamesAreEasyToGuess,
        ) => problem!("password_words"),
        // A kind added by a later zxcvbn, or none given: the general advice.
        _ => problem!("password_weak"),
    }
}

/// A password strong enough to keep, for this owner; the refusal names one reason.
pub fn check_password(password: &str, owner: Owner<'_>) -> Result<(), Problem> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(problem!("password_too_short", min = MIN_PASSWORD_CHARS));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(problem!("password_too_long", max = MAX_PASSWORD_BYTES));
    }
    if password.trim().is_empty() {
        return Err(problem!("password_blank"));
    }
    let lower = password.to_lowercase();
    let pieces = personal_pieces(owner);
    if pieces.iter().any(|p| lower.contains(p.as_str())) {
        return Err(problem!("password_personal"));
    }
    let inputs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() < Score::Three {
        return Err(guessable(estimate.feedback().and_then(|f| f.warning())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANG: Owner<'static> = Owner {
        email: "wang.li@example.com",
        name: "Wang Li 王力",
    };

    #[test]
    fn a_password_must_be_hard_to_guess_and_not_its_owners_own() {
        assert_eq!(
            check_password("short", WANG),
            Err(problem!("password_too_short", min = 12))
        );
        assert_eq!(
            check_password(&" ".repeat(12), WANG),
            Err(problem!("password_blank"))
        );
        assert_eq!(
            check_password("password1234", WANG),
            Err(problem!("password_common"))
        );
        assert_eq!(
            check_password("aaaaaaaaaaaaaaaa", WANG),
            Err(problem!("password_repeats"))
        );
        assert_eq!(
            check_password("abcdefghijklmn", WANG),
            Err(problem!("password_pattern"))
        );
        for own in [
            "wang.li@example.com",
            "Wang.Li.is.my.name.2029",
            "my name is wangli, ok?",
            "王力的密码很长很长很长啊",
        ] {
            assert_eq!(
                check_password(own, WANG),
                Err(problem!("password_personal")),
                "{own}"
            );
        }
        assert_eq!(check_password("correct horse battery staple", WANG), Ok(()));
        assert_eq!(check_password("紫色的大象在月光下跳舞了", WANG), Ok(()));
        assert_eq!(
            check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1), WANG),
            Err(problem!("password_too_long", max = MAX_PASSWORD_BYTES))
        );
    }
}
