//! The exit interview (离职保密谈话): the topics the policy says it covers, a text per language,
//! and what a record of one must hold — who held it and when, the topics covered, the
//! person's statement and whether they signed.

use chrono::NaiveDate;

use super::FieldErrors;
use super::policy::RuleText;
use super::problem::Problem;
use crate::problem;

/// The most topics the policy keeps, and the longest one, in characters.
pub const MAX_TOPICS: usize = 20;
pub const MAX_TOPIC_CHARS: usize = 300;
/// The longest statement, and the longest name of who held it, in characters.
pub const MAX_STATEMENT_CHARS: usize = 5000;
pub const MAX_HELD_BY_CHARS: usize = 200;

/// The topics every exit interview covers unless the administrator words them otherwise:
/// the duties, the restrictions of the tier, the non-compete, how to report.
pub fn default_topics() -> Vec<RuleText> {
    [
        (
            "在职期间及离职后应履行的保密义务",
            "The duties of confidentiality, while employed and after leaving",
        ),
        (
            "本人涉密等级在脱密期内的各项限制",
            "The restrictions of the tier during the declassification period",
        ),
        (
            "竞业限制的约定及经济补偿",
            "The non-compete and its compensation",
        ),
        (
            "发现泄密或可能泄密时的报告方式",
            "How to report a breach, or a suspected one",
        ),
    ]
    .into_iter()
    .map(|(zh, en)| RuleText {
        zh: zh.into(),
        en: en.into(),
    })
    .collect()
}

/// The policy's topics are checked on `interview_topics`: one at least, at most
/// `MAX_TOPICS`, each worded in both languages within `MAX_TOPIC_CHARS`.
pub fn check_topics(topics: &[RuleText], errors: &mut FieldErrors) {
    let worded = |t: &str| !t.trim().is_empty() && t.chars().count() <= MAX_TOPIC_CHARS;
    if topics.is_empty()
        || topics.len() > MAX_TOPICS
        || !topics.iter().all(|t| worded(&t.zh) && worded(&t.en))
    {
        errors.add(
            "interview_topics",
            problem!(
                "interview_topics_wording",
                min = 1,
                max = MAX_TOPICS,
                chars = MAX_TOPIC_CHARS
            ),
        );
    }
}

/// The topics as the policy form's two boxes give them, one a line, the Chinese and the
/// English of a topic on the same line of each box: the boxes have as many lines.
pub fn topics_from_lines(zh: &str, en: &str) -> Result<Vec<RuleText>, Problem> {
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    let (zh, en) = (lines(zh), lines(en));
    if zh.len() != en.len() {
        return Err(problem!(
            "interview_topics_unpaired",
            zh = zh.len(),
            en = en.len()
        ));
    }
    Ok(zh
        .into_iter()
        .zip(en)
        .map(|(zh, en)| RuleText { zh, en })
        .collect())
}

/// An exit interview as HR records it.
#[derive(Debug, Clone)]
pub struct NewInterview<'a> {
    pub held_by: &'a str,
    pub held_on: NaiveDate,
    /// The topics covered, by their place in the policy's list (from 0).
    pub topics: &'a [usize],
    pub statement: &'a str,
    pub signed: bool,
}

/// An exit interview is recorded with who held it, on a day from the notice to today (the
/// company's date), at least one of the policy's topics (each once), and a statement within
/// `MAX_STATEMENT_CHARS`. The topics covered come back worded as the policy words them now,
/// so the record keeps them as they were said.
pub fn may_record_exit_interview(
    new: &NewInterview<'_>,
    policy_topics: &[RuleText],
    notice_date: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<RuleText>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let held_by = new.held_by.trim();
    if held_by.is_empty() || held_by.chars().count() > MAX_HELD_BY_CHARS {
        errors.add(
            "held_by",
            problem!("length_between", min = 1, max = MAX_HELD_BY_CHARS),
        );
    }
    if new.held_on < notice_date {
        errors.add("held_on", problem!("held_before_notice"));
    } else if new.held_on > today {
        errors.add("held_on", problem!("held_in_the_future"));
    }
    let mut covered = Vec::new();
    if new.topics.is_empty() {
        errors.add("topics", problem!("interview_topics_required"));
    }
    for (n, &topic) in new.topics.iter().enumerate() {
        match policy_topics.get(topic) {
            Some(_) if new.topics[..n].contains(&topic) => {
                errors.add("topics", problem!("interview_topic_twice", n = topic + 1));
            }
            Some(text) => covered.push(text.clone()),
            None => {
                errors.add(
                    "topics",
                    problem!(
                        "no_such_interview_topic",
                        n = topic + 1,
                        max = policy_topics.len()
                    ),
                );
            }
        }
    }
    if new.statement.chars().count() > MAX_STATEMENT_CHARS {
        errors.add("statement", problem!("too_long", max = MAX_STATEMENT_CHARS));
    }
    errors.finish().map(|()| covered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fields(r: Result<Vec<RuleText>, FieldErrors>) -> Vec<String> {
        r.unwrap_err().0.into_keys().collect()
    }

    #[test]
    fn an_exit_interview_is_recorded_with_who_when_and_the_policys_topics() {
        let topics = default_topics();
        let (notice, today) = (d(2028, 1, 31), d(2028, 2, 10));
        let good = NewInterview {
            held_by: "李娜（人力资源部）",
            held_on: d(2028, 2, 10),
            topics: &[0, 3],
            statement: "本人已知悉。",
            signed: true,
        };
        let covered = may_record_exit_interview(&good, &topics, notice, today).unwrap();
        assert_eq!(covered, vec![topics[0].clone(), topics[3].clone()]);
        let r = |new: NewInterview<'_>| may_record_exit_interview(&new, &topics, notice, today);
        assert_eq!(
            fields(r(NewInterview {
                held_by: "  ",
                ..good.clone()
            })),
            ["held_by"]
        );
        assert_eq!(
            fields(r(NewInterview {
                held_on: d(2028, 1, 30),
                ..good.clone()
            })),
            ["held_on"]
        );
        assert_eq!(
            fields(r(NewInterview {
                held_on: d(2028, 2, 11),
                ..good.clone()
            })),
            ["held_on"]
        );
        assert_eq!(
            fields(r(NewInterview {
                topics: &[],
                ..good.clone()
            })),
            ["topics"]
        );
        assert_eq!(
            fields(r(NewInterview {
                topics: &[4],
                ..good.clone()
            })),
            ["topics"]
        );
        assert_eq!(
            fields(r(NewInterview {
                topics: &[1, 1],
                ..good.clone()
            })),
            ["topics"]
        );
        let long = "话".repeat(MAX_STATEMENT_CHARS + 1);
        assert_eq!(
            fields(r(NewInterview {
                statement: &long,
                ..good.clone()
            })),
            ["statement"]
        );
        assert!(
            r(NewInterview {
                statement: "",
                signed: false,
                ..good
            })
            .is_ok(),
            "nothing said, not signed"
        );
    }

    #[test]
    fn the_policys_interview_topics_are_worded_in_both_languages() {
        let mut errors = FieldErrors::new();
        check_topics(&default_topics(), &mut errors);
        assert!(errors.is_empty());
        let mut half = default_topics();
        half[2].en = " ".into();
        check_topics(&half, &mut errors);
        check_topics(&[], &mut errors);
        assert_eq!(errors.0.keys().collect::<Vec<_>>(), ["interview_topics"]);
        let topics = topics_from_lines("保密义务\n\n限制\n", "Duties\nRestrictions").unwrap();
        assert_eq!(topics.len(), 2);
        assert_eq!(
            (topics[1].zh.as_str(), topics[1].en.as_str()),
            ("限制", "Restrictions")
        );
        assert!(
            topics_from_lines("保密义务\n限制", "Duties").is_err(),
            "a topic in one language only"
        );
    }
}
