//! Papers signed by hand (the printed exit notice, a pledge, the exit interview record): the
//! scan that proves it, and when it may be dated.

use chrono::NaiveDate;

use super::breaches::{EVIDENCE_MAX_BYTES, evidence_type};
use super::problem::Problem;
use crate::problem;

/// A scan is a PDF, JPEG or PNG within the evidence limit (a signature is not text).
pub fn scan_type(bytes: &[u8]) -> Result<&'static str, Problem> {
    match evidence_type(bytes)? {
        t @ ("application/pdf" | "image/png" | "image/jpeg") => Ok(t),
        _ => Err(problem!("scan_not_a_pdf_or_image")),
    }
}

/// The exit notice is signed at the exit interview: not before the notice was given, and
/// never on a day still to come.
pub fn may_date_signed_exit_notice(
    signed_on: NaiveDate,
    notice_date: NaiveDate,
    today: NaiveDate,
) -> Result<(), Problem> {
    if signed_on < notice_date {
        return Err(problem!("signed_before_notice"));
    }
    if signed_on > today {
        return Err(problem!("signed_in_the_future"));
    }
    Ok(())
}

/// The largest scan accepted, in bytes: the same as a case's evidence.
pub const SCAN_MAX_BYTES: usize = EVIDENCE_MAX_BYTES;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_scan_is_a_pdf_jpeg_or_png_within_the_evidence_limit() {
        assert_eq!(scan_type(b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert_eq!(scan_type(b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert_eq!(scan_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert!(scan_type("已签字".as_bytes()).is_err(), "text is no scan");
        assert!(scan_type(b"MZ\x90\x00").is_err());
        assert!(scan_type(b"").is_err());
        let mut big = b"%PDF-".to_vec();
        big.resize(SCAN_MAX_BYTES + 1, b' ');
        assert!(scan_type(&big).is_err(), "larger than evidence may be");
    }

    #[test]
    fn a_signed_exit_notice_is_dated_between_the_notice_and_today() {
        let (notice, today) = (d(2028, 1, 31), d(2028, 2, 29));
        assert!(may_date_signed_exit_notice(d(2028, 1, 31), notice, today).is_ok());
        assert!(may_date_signed_exit_notice(d(2028, 2, 29), notice, today).is_ok());
        assert!(may_date_signed_exit_notice(d(2028, 1, 30), notice, today).is_err());
        assert!(may_date_signed_exit_notice(d(2028, 3, 1), notice, today).is_err());
    }
}
