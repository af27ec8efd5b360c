//! What every listing query shares: the window of rows a page asks for, the order it asks
//! them in, and the page found (rows and how many match in all). Listing queries build a
//! boxed query (the one form both backends accept for order, offset and limit chosen at run
//! time) and hand it to [`page`].

use crate::domain::problem::Problem;
use diesel::dsl::{CountStar, Select};
use diesel::prelude::*;
use diesel::query_dsl::LoadQuery;
use diesel::query_dsl::methods::{LimitDsl, OffsetDsl, SelectDsl};

use super::DbConnection;

/// The rows a page asks for: a 1-based page of `per_page` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub page: u32,
    pub per_page: u32,
    pub offset: i64,
    pub limit: i64,
}

impl Window {
    /// The most rows a page may ask for.
    pub const MAX_PER_PAGE: u32 = 200;
    /// Rows a page when it does not say.
    pub const DEFAULT_PER_PAGE: u32 = 50;

    /// Page `page` of `per_page` rows; None when either is out of bounds (page from 1 to
    /// i32::MAX, as the API's document has 32-bit integers; per_page from 1 to 200).
    pub fn new(page: u32, per_page: u32) -> Option<Window> {
        if page == 0 || page > i32::MAX as u32 {
            return None;
        }
        if !(1..=Window::MAX_PER_PAGE).contains(&per_page) {
            return None;
        }
        Some(Window {
            page,
            per_page,
            offset: i64::from(page - 1) * i64::from(per_page),
            limit: i64::from(per_page),
        })
    }

    /// The first page of the default size.
    pub fn first() -> Window {
        Window::new(1, Window::DEFAULT_PER_PAGE).expect("the default window is in bounds")
    }

    /// The first `limit` rows, for a page that shows the top of a list (a dashboard, a
    /// person's page) rather than a paged list.
    pub fn top(limit: i64) -> Window {
        Window {
            page: 1,
            per_page: u32::try_from(limit).unwrap_or(u32::MAX),
            offset: 0,
            limit,
        }
    }

    /// Every row at once (a CSV export of the whole list), still counted as page 1.
    pub fn everything(self) -> Window {
        Window {
            offset: 0,
            limit: i64::MAX,
            ..self
        }
    }
}

/// The rows of one window and how many rows match in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

impl<T> Page<T> {
    /// The same page with each row changed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}

/// A list's order: a column key from a closed set `K` (a `string_enum!`), ascending, or
/// descending when written `-key`. Read from and written back to the `sort` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<K> {
    pub key: K,
    pub descending: bool,
}

impl<K> Sort<K> {
    pub fn asc(key: K) -> Sort<K> {
        Sort {
            key,
            descending: false,
        }
    }

    pub fn desc(key: K) -> Sort<K> {
        Sort {
            key,
            descending: true,
        }
    }
}

impl<K: std::str::FromStr<Err = Problem>> std::str::FromStr for Sort<K> {
    type Err = Problem;
    fn from_str(text: &str) -> Result<Sort<K>, Problem> {
        let text = text.trim();
        let (descending, key) = match text.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, text),
        };
        Ok(Sort {
            key: key.parse()?,
            descending,
        })
    }
}

impl<K: std::fmt::Display> std::fmt::Display for Sort<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        self.key.fmt(f)
    }
}

/// Orders a boxed query by one expression in the sort's direction; later keys (ties) go on
/// with `then_order_by`.
#[macro_export]
macro_rules! order_by {
    ($query:expr, $descending:expr, $column:expr) => {
        if $descending {
            $query.order_by($column.desc())
        } else {
            $query.order_by($column.asc())
        }
    };
}
pub use order_by;

/// One window of a listing: counts what `query` matches, then hands the window of it to
/// `load` (which orders, selects and loads). `query` is called twice, once a statement.
pub fn page<Q, T>(
    conn: &mut DbConnection,
    window: Window,
    query: impl Fn() -> Q,
    load: impl FnOnce(&mut DbConnection, Q) -> QueryResult<Vec<T>>,
) -> QueryResult<Page<T>>
where
    Q: SelectDsl<CountStar> + OffsetDsl<Output = Q> + LimitDsl<Output = Q>,
    Select<Q, CountStar>: LoadQuery<'static, DbConnection, i64>,
{
    let total = SelectDsl::select(query(), diesel::dsl::count_star()).get_result(conn)?;
    let windowed = LimitDsl::limit(OffsetDsl::offset(query(), window.offset), window.limit);
    Ok(Page {
        rows: load(conn, windowed)?,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::string_enum! {
        pub enum Key ("a sort key") {
            Name = "name",
            DueAt = "due_at",
        }
    }

    #[test]
    fn a_sort_is_written_back_as_it_was_read() {
        let sort: Sort<Key> = "-due_at".parse().unwrap();
        assert_eq!(sort, Sort::desc(Key::DueAt));
        assert_eq!(sort.to_string(), "-due_at");
        assert_eq!(" name ".parse::<Sort<Key>>().unwrap(), Sort::asc(Key::Name));
    }

    #[test]
    fn a_sort_by_a_column_not_offered_is_refused_naming_the_choices() {
        let refused = crate::catalog::english(&"-salary".parse::<Sort<Key>>().unwrap_err());
        assert!(refused.contains("name, due_at"), "{refused}");
    }

    #[test]
    fn a_sort_is_a_known_key_with_an_optional_minus() {
        use crate::domain::departures::DepartureSortKey;
        type DepartureSort = Sort<DepartureSortKey>;
        assert_eq!(
            "-notice_date".parse::<DepartureSort>().unwrap(),
            DepartureSort {
                key: DepartureSortKey::NoticeDate,
                descending: true
            }
        );
        assert_eq!(
            "name".parse::<DepartureSort>().unwrap().key,
            DepartureSortKey::Name
        );
        assert!("salary".parse::<DepartureSort>().is_err());
        assert!("--name".parse::<DepartureSort>().is_err());
    }

    #[test]
    fn a_window_is_bounded() {
        assert_eq!(
            Window::new(3, 20).map(|w| (w.offset, w.limit)),
            Some((40, 20))
        );
        assert!(Window::new(0, 20).is_none());
        assert!(Window::new(1, 0).is_none());
        assert!(Window::new(1, 201).is_none());
        assert!(Window::new(i32::MAX as u32 + 1, 1).is_none());
        assert_eq!(Window::first().everything().limit, i64::MAX);
    }
}
