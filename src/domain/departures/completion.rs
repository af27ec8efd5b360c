//! What completing a departure decides besides its checklist: the trade-secret duty everyone
//! owes unless HR says in writing why not.

/// Why a completion is refused on one of its own fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionRefusal {
    /// The trade-secret duty was unticked without a written reason.
    NoTradeSecretReason,
}

/// Trade secrets bind everyone (002 保密守则 三(八); Anti-Unfair Competition Law art. 9): the
/// duty is created at every completion unless HR unticks it with a written reason. `Ok(None)`:
/// the duty is created; `Ok(Some(reason))`: it is not, for that (trimmed) reason.
pub fn trade_secret_opt_out(
    create: bool,
    no_trade_secret_reason: Option<&str>,
) -> Result<Option<&str>, CompletionRefusal> {
    if create {
        return Ok(None);
    }
    match no_trade_secret_reason.map(str::trim) {
        Some(reason) if !reason.is_empty() => Ok(Some(reason)),
        _ => Err(CompletionRefusal::NoTradeSecretReason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trade_secrets_bind_everyone_unless_hr_unticks_them_with_a_written_reason() {
        assert_eq!(trade_secret_opt_out(true, None), Ok(None));
        assert_eq!(
            trade_secret_opt_out(true, Some("ignored")),
            Ok(None),
            "a reason without unticking changes nothing"
        );
        assert_eq!(
            trade_secret_opt_out(false, None),
            Err(CompletionRefusal::NoTradeSecretReason)
        );
        assert_eq!(
            trade_secret_opt_out(false, Some("  ")),
            Err(CompletionRefusal::NoTradeSecretReason)
        );
        assert_eq!(
            trade_secret_opt_out(false, Some(" 实习生，未接触商业秘密 ")),
            Ok(Some("实习生，未接触商业秘密"))
        );
    }
}
