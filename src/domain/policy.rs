//! The confidentiality policy: periods and limits as settings, not constants (002 第十一条).
//! Obligations keep the dates computed under the policy of their day; a later change applies
//! to new obligations only.

use serde::{Deserialize, Serialize};

use super::FieldErrors;
use super::departures::{LineKind, TemplateLine, default_template};
use super::obligations::ObligationKind;
use super::people::ClearanceTier;
use super::reminders::ReminderPolicy;
use super::users::Language;
use crate::problem;

/// What the anchor of a declassification period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodAnchor {
    LastWorkingDay,
    NoticeDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Policy {
    /// Declassification period of each tier, in months (002: core 3 years, important 2, general 1).
    pub core_months: u32,
    pub important_months: u32,
    pub general_months: u32,
    /// No longer used: a declassification period counts from the day the person left the
    /// classified post, which each departure records (002 第十一条). Kept so stored policies
    /// read as they were written; departures made under `notice_date` kept that day on upgrade.
    pub anchor: PeriodAnchor,
    /// Post-departure confidentiality duty, in months (000 篇7 第八条(二): two years).
    pub confidentiality_months: u32,
    /// The longest non-compete (PRC Labor Contract Law art. 24: 24 months).
    pub non_compete_cap_months: u32,
    /// Unpaid months after which the former employee may rescind the non-compete.
    pub non_compete_grace_months: u32,
    /// Days after a non-compete month ends before its compensation is late (companies pay
    /// month N in month N+1; policies saved before it existed get 15).
    #[serde(default = "default_due_after_days")]
    pub non_compete_due_after_days: u32,
    /// Compensation below this share of the last 12 months' average wage is warned about.
    pub non_compete_floor_percent: u32,
    /// The minimum monthly wage of each region where contracts are performed, with the day
    /// each took effect (SPC Interpretation (I) art. 36: compensation never below it).
    #[serde(default)]
    pub minimum_wages: Vec<super::noncompete_terms::MinimumWage>,
    /// What a person in their declassification period must not do, by tier, in both languages.
    pub restrictions: Vec<TierRestriction>,
    /// The standard lines of every departure's checklist, after its carrier lines.
    pub checklist: Vec<TemplateLine>,
    /// When reminders go out (policies saved before reminders existed get the defaults).
    #[serde(default)]
    pub reminders: ReminderPolicy,
    /// The longest a declassification period may run with its extensions, by tier (policies
    /// saved before the ceilings existed get the defaults).
    #[serde(default)]
    pub extension_ceilings: ExtensionCeilings,
    /// The company's own rules each duty rests on, as former employees read them named, in
    /// both languages (policies saved before they existed get the defaults).
    #[serde(default)]
    pub rule_references: RuleReferences,
    /// The company's name, the emails' sender and reply-to, whom to contact (unset until the
    /// administrator sets it; policies saved before it existed have it unset).
    #[serde(default)]
    pub identity: super::identity::Identity,
    /// Travel abroad: which tiers need a second approval, and the days to report back
    /// (policies saved before it existed get the defaults).
    #[serde(default)]
    pub travel: super::travel::TravelPolicy,
    /// What every exit interview covers (离职保密谈话), each topic in both languages (policies
    /// saved before it existed get the defaults).
    #[serde(default = "super::interview::default_topics")]
    pub interview_topics: Vec<RuleText>,
    /// Where former employees work now: the tiers whose declassification period forbids a
    /// foreign employer (policies saved before it existed get the default: core, important).
    #[serde(default)]
    pub whereabouts: super::whereabouts::WhereaboutsPolicy,
}

/// Where a duty is written in the company's rules, in each language (also any other text of
/// the policy kept in both languages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleText {
    pub zh: String,
    pub en: String,
}

/// The company rules the declassification period and the confidentiality after leaving rest
/// on (002 第十一条; 000's confidentiality duty after leaving), named as the company names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleReferences {
    pub declassification: RuleText,
    pub confidentiality: RuleText,
}

impl Default for RuleReferences {
    fn default() -> RuleReferences {
        let text = |zh: &str, en: &str| RuleText {
            zh: zh.into(),
            en: en.into(),
        };
        RuleReferences {
            declassification: text(
                "《涉密人员管理制度》第十一条",
                "Rules on Classified Personnel, art. 11",
            ),
            confidentiality: text(
                "《员工保密制度》第八条",
                "Staff Confidentiality Rules, art. 8",
            ),
        }
    }
}

impl RuleReferences {
    /// The rule a duty of `kind` rests on, in `lang`; none for a duty the law alone sets.
    pub fn of(&self, kind: ObligationKind, lang: Language) -> Option<String> {
        let text = match kind {
            ObligationKind::Declassification => &self.declassification,
            ObligationKind::Confidentiality => &self.confidentiality,
            ObligationKind::NonCompete | ObligationKind::TradeSecret => return None,
        };
        Some(match lang {
            Language::ZhCn => text.zh.clone(),
            Language::En => text.en.clone(),
        })
    }
}

/// How long a declassification period may run with all its extensions, in months from the
/// day the person left the post (002 第十一条 lets the unit extend it "when necessary").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtensionCeilings {
    pub core_months: u32,
    pub important_months: u32,
    pub general_months: u32,
}

impl Default for ExtensionCeilings {
    fn default() -> ExtensionCeilings {
        ExtensionCeilings {
            core_months: 60,
            important_months: 36,
            general_months: 24,
        }
    }
}

impl ExtensionCeilings {
    /// The ceiling of a tier's period; none for no tier.
    pub fn months(&self, tier: ClearanceTier) -> Option<u32> {
        match tier {
            ClearanceTier::None => None,
            ClearanceTier::General => Some(self.general_months),
            ClearanceTier::Important => Some(self.important_months),
            ClearanceTier::Core => Some(self.core_months),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TierRestriction {
    pub tier: ClearanceTier,
    pub zh: String,
    pub en: String,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            core_months: 36,
            important_months: 24,
            general_months: 12,
            anchor: PeriodAnchor::LastWorkingDay,
            confidentiality_months: 24,
            non_compete_cap_months: 24,
            non_compete_grace_months: 3,
            non_compete_due_after_days: super::noncompete::DEFAULT_DUE_AFTER_DAYS,
            non_compete_floor_percent: 30,
            minimum_wages: Vec::new(),
            restrictions: default_restrictions(),
            checklist: default_template(),
            reminders: ReminderPolicy::default(),
            extension_ceilings: ExtensionCeilings::default(),
            rule_references: RuleReferences::default(),
            identity: super::identity::Identity::default(),
            travel: super::travel::TravelPolicy::default(),
            interview_topics: super::interview::default_topics(),
            whereabouts: super::whereabouts::WhereaboutsPolicy::default(),
        }
    }
}

fn default_due_after_days() -> u32 {
    super::noncompete::DEFAULT_DUE_AFTER_DAYS
}

fn default_restrictions() -> Vec<TierRestriction> {
    let text = |tier, zh: &str, en: &str| TierRestriction {
        tier,
        zh: zh.into(),
        en: en.into(),
    };
    vec![
        text(
            ClearanceTier::Core,
            "不得以任何方式泄露所知悉的国家秘密和商业秘密；不得到境外驻华机构、组织或外资企业工作；\
             未经审批不得出境；不得为境外组织或人员提供劳务、咨询或其他服务。",
            "Do not disclose any secret you know; do not work for foreign bodies or \
             foreign-funded firms; do not travel abroad without approval; do not serve foreign \
             organisations or persons.",
        ),
        text(
            ClearanceTier::Important,
            "不得以任何方式泄露所知悉的秘密；未经审批不得出境；不得到竞争对手或境外机构任职。",
            "Do not disclose any secret you know; do not travel abroad without approval; do not \
             take a post with a competitor or a foreign body.",
        ),
        text(
            ClearanceTier::General,
            "不得以任何方式泄露所知悉的秘密；出境前须报告。",
            "Do not disclose any secret you know; report before travelling abroad.",
        ),
    ]
}

impl Policy {
    /// The declassification period of a tier, in months; none for no tier.
    pub fn declassification_months(&self, tier: ClearanceTier) -> Option<u32> {
        match tier {
            ClearanceTier::None => None,
            ClearanceTier::General => Some(self.general_months),
            ClearanceTier::Important => Some(self.important_months),
            ClearanceTier::Core => Some(self.core_months),
        }
    }

    /// What a person in a declassification period of `tier` must not do, in `lang`.
    pub fn restrictions_of(&self, tier: ClearanceTier, lang: Language) -> Option<String> {
        self.restrictions
            .iter()
            .find(|r| r.tier == tier)
            .map(|r| match lang {
                Language::ZhCn => r.zh.clone(),
                Language::En => r.en.clone(),
            })
    }

    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        for (field, months) in [
            ("core_months", self.core_months),
            ("important_months", self.important_months),
            ("general_months", self.general_months),
            ("confidentiality_months", self.confidentiality_months),
            ("non_compete_cap_months", self.non_compete_cap_months),
        ] {
            if !(1..=600).contains(&months) {
                errors.add(field, problem!("months_out_of_range", min = 1, max = 600));
            }
        }
        if self.non_compete_cap_months > super::noncompete::LAW_CAP_MONTHS {
            errors.add(
                "non_compete_cap_months",
                problem!(
                    "non_compete_cap_above_law",
                    max = super::noncompete::LAW_CAP_MONTHS
                ),
            );
        }
        if !(self.core_months >= self.important_months
            && self.important_months >= self.general_months)
        {
            errors.add("core_months", problem!("higher_tier_period_shorter"));
        }
        if !(1..=12).contains(&self.non_compete_grace_months) {
            errors.add(
                "non_compete_grace_months",
                problem!("between", min = 1, max = 12),
            );
        }
        if self.non_compete_due_after_days > super::noncompete::MAX_DUE_AFTER_DAYS {
            errors.add(
                "non_compete_due_after_days",
                problem!(
                    "between",
                    min = 0,
                    max = super::noncompete::MAX_DUE_AFTER_DAYS
                ),
            );
        }
        if self.non_compete_floor_percent > 100 {
            errors.add(
                "non_compete_floor_percent",
                problem!("between", min = 0, max = 100),
            );
        }
        super::noncompete_terms::check_minimum_wages(&self.minimum_wages, &mut errors);
        for (n, line) in self.checklist.iter().enumerate() {
            if line.kind == LineKind::Carrier {
                errors.add(
                    &format!("checklist.{n}.kind"),
                    problem!("checklist_carrier_line"),
                );
            }
            for (field, title, fault) in [
                (
                    "title",
                    &line.title,
                    problem!("checklist_title_zh", min = 1, max = 300),
                ),
                (
                    "title_en",
                    &line.title_en,
                    problem!("checklist_title_en", min = 1, max = 300),
                ),
            ] {
                if title.trim().is_empty() || title.chars().count() > 300 {
                    errors.add(&format!("checklist.{n}.{field}"), fault);
                }
            }
        }
        for r in &self.restrictions {
            if r.zh.chars().count() > 5000 || r.en.chars().count() > 5000 {
                errors.add("restrictions", problem!("restriction_too_long", max = 5000));
            }
        }
        self.reminders.check(&mut errors);
        self.identity.check(&mut errors);
        self.travel.check(&mut errors);
        self.whereabouts.check(&mut errors);
        super::interview::check_topics(&self.interview_topics, &mut errors);
        let refs = &self.rule_references;
        for (kind, text) in [
            ("declassification", &refs.declassification),
            ("confidentiality", &refs.confidentiality),
        ] {
            for (lang, value) in [("zh", &text.zh), ("en", &text.en)] {
                if value.trim().is_empty() || value.chars().count() > 200 {
                    errors.add(
                        &format!("rule_references.{kind}.{lang}"),
                        problem!("rule_reference_length", min = 1, max = 200),
                    );
                }
            }
        }
        for tier in [
            ClearanceTier::Core,
            ClearanceTier::Important,
            ClearanceTier::General,
        ] {
            let (Some(period), Some(ceiling)) = (
                self.declassification_months(tier),
                self.extension_ceilings.months(tier),
            ) else {
                continue;
            };
            if !(period..=600).contains(&ceiling) {
                errors.add(
                    &format!("extension_ceilings.{tier}_months"),
                    problem!("ceiling_out_of_range", min = period, max = 600),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_defaults_are_three_two_and_one_years_by_tier() {
        let p = Policy::default();
        assert_eq!(p.declassification_months(ClearanceTier::Core), Some(36));
        assert_eq!(
            p.declassification_months(ClearanceTier::Important),
            Some(24)
        );
        assert_eq!(p.declassification_months(ClearanceTier::General), Some(12));
        assert_eq!(p.declassification_months(ClearanceTier::None), None);
        assert_eq!(p.confidentiality_months, 24);
        assert!(p.check().is_ok());
    }

    #[test]
    fn an_extension_ceiling_is_never_shorter_than_the_period_itself() {
        let p = Policy::default();
        assert_eq!(p.extension_ceilings.months(ClearanceTier::Core), Some(60));
        assert_eq!(p.extension_ceilings.months(ClearanceTier::None), None);
        let short = Policy {
            extension_ceilings: ExtensionCeilings {
                important_months: 20,
                ..ExtensionCeilings::default()
            },
            ..Policy::default()
        };
        let errors = short.check().unwrap_err().0;
        assert!(errors.contains_key("extension_ceilings.important_months"));
    }

    #[test]
    fn rule_references_name_the_companys_own_rules_never_placeholders() {
        let refs = RuleReferences::default();
        for kind in [
            ObligationKind::Declassification,
            ObligationKind::Confidentiality,
        ] {
            for lang in [Language::ZhCn, Language::En] {
                let text = refs.of(kind, lang).unwrap();
                for placeholder in ["第七篇", "rule 000", "part 7", "000", "002"] {
                    assert!(!text.contains(placeholder), "{kind} {lang:?}: {text}");
                }
            }
        }
        assert_eq!(refs.of(ObligationKind::TradeSecret, Language::En), None);
        let mut p = Policy::default();
        p.rule_references.confidentiality.en = " ".into();
        let errors = p.check().unwrap_err().0;
        assert!(errors.contains_key("rule_references.confidentiality.en"));
    }

    #[test]
    fn a_higher_tier_never_gets_a_shorter_period() {
        let p = Policy {
            general_months: 48,
            ..Policy::default()
        };
        assert!(p.check().unwrap_err().0.contains_key("core_months"));
    }

    #[test]
    fn the_non_compete_cap_may_be_lowered_never_raised_above_the_law() {
        let p = |cap| Policy {
            non_compete_cap_months: cap,
            ..Policy::default()
        };
        assert!(p(12).check().is_ok());
        assert!(p(24).check().is_ok());
        let errors = p(25).check().unwrap_err().0;
        assert!(errors.contains_key("non_compete_cap_months"));
    }

    #[test]
    fn a_non_compete_month_is_due_a_policy_set_number_of_days_after_it_ends() {
        assert_eq!(Policy::default().non_compete_due_after_days, 15);
        let p = |days| Policy {
            non_compete_due_after_days: days,
            ..Policy::default()
        };
        assert!(p(0).check().is_ok());
        assert!(p(60).check().is_ok());
        let errors = p(61).check().unwrap_err().0;
        assert!(errors.contains_key("non_compete_due_after_days"));
        let mut saved = serde_json::to_value(Policy::default()).unwrap();
        saved
            .as_object_mut()
            .unwrap()
            .remove("non_compete_due_after_days");
        let old: Policy = serde_json::from_value(saved).unwrap();
        assert_eq!(
            old.non_compete_due_after_days, 15,
            "a policy saved before it"
        );
    }

    #[test]
    fn each_checklist_title_is_checked_in_its_own_language() {
        let mut p = Policy::default();
        p.checklist[1].title_en = " ".into();
        p.checklist[2].title = "长".repeat(301);
        let errors = p.check().unwrap_err().0;
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["checklist.1.title_en", "checklist.2.title"]);
    }
}
