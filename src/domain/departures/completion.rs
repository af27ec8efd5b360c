//! What completing a departure decides besides its checklist: the trade-secret duty everyone
//! owes unless HR says in writing why not.

use super::{LineKind, LineStatus, is_resolved};

/// A secret not handed over is treated as a leak (视同泄密, 000 篇7 第八条(二)): the lines a
/// completion leaves unresolved that are carriers or the handover of secret files, each of
/// which opens a loss case. A line already confirmed missing opened its case then.
/// `lines`: each line's key, kind, status and whether the successor signed for it.
pub fn treated_as_leaked<T>(
    lines: impl IntoIterator<Item = (T, LineKind, LineStatus, bool)>,
) -> Vec<T> {
    lines
        .into_iter()
        .filter(|(_, kind, _, _)| matches!(kind, LineKind::Carrier | LineKind::SecretsHandover))
        .filter(|(_, _, status, received)| {
            *status != LineStatus::Missing && !is_resolved(*status, *received)
        })
        .map(|(key, ..)| key)
        .collect()
}

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
    fn a_secret_not_handed_over_is_treated_as_a_leak() {
        use LineKind::*;
        use LineStatus::*;
        let lines = [
            (1, Carrier, Open, false),
            (2, Carrier, Returned, false),
            (3, SecretsHandover, HandedOver, false),
            (4, SecretsHandover, HandedOver, true),
            (5, Carrier, Missing, false),
            (6, ExitInterview, Open, false),
            (7, SecretsHandover, Open, false),
            (8, Custom, Open, false),
        ];
        assert_eq!(
            treated_as_leaked(lines),
            [1, 3, 7],
            "open carriers and handovers not signed for; a missing one has its case already"
        );
    }

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
