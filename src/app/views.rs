//! The view stack above the home list (call, record, scoped call lists), and the screen layout shared by
//! the ui (drawing) and the app (mouse clicks, page size).

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use crate::app::list::CallList;
use crate::model::{Call, Link, RecordKey, Text};

/// One level of the view stack (the home list is below all of them).
#[derive(Debug, Clone)]
pub enum View {
    /// Calls of one record.
    Calls(Box<CallList>),
    Call(Box<CallView>),
    Record(Box<RecordView>),
}

/// How a call ended, as seen from its polls.
#[derive(Debug, Clone, PartialEq)]
pub struct Ended {
    /// Local time of the last good poll (the call was alive then).
    pub last_seen: Option<DateTime<Utc>>,
    /// Local time its show answered 404.
    pub detected: DateTime<Utc>,
    /// The server time the clock stopped at.
    pub frozen_at: DateTime<Utc>,
}

/// The call view.
#[derive(Debug, Clone)]
pub struct CallView {
    pub id: Text,
    /// Last known values (from the list until the first poll answers).
    pub call: Option<Call>,
    /// Links from the poll with every relationship included (later polls carry none).
    pub links: [Link; 18],
    /// The poll with all includes has answered.
    pub full_loaded: bool,
    /// The shown duration never goes below this.
    pub floor: i64,
    pub last_seen: Option<DateTime<Utc>>,
    /// When the next poll is due (local); `None`: now.
    pub next_at: Option<DateTime<Utc>>,
    /// One-line cause of the last failed poll: the values shown are stale.
    pub error: Option<String>,
    pub ended: Option<Ended>,
    /// Cursor on the 18 relationships.
    pub cursor: usize,
}

impl CallView {
    pub fn new(id: Text, call: Option<Call>, floor: i64) -> CallView {
        let links = call.as_ref().map(|c| c.links).unwrap_or_default();
        CallView {
            id,
            call,
            links,
            full_loaded: false,
            floor,
            last_seen: None,
            next_at: None,
            error: None,
            ended: None,
            cursor: 0,
        }
    }
}

/// A record (drill-down) view.
#[derive(Debug, Clone)]
pub struct RecordView {
    pub key: RecordKey,
    /// The relationship we came through (`customer`, `contractor`, ...).
    pub via: Text,
    /// Index in the call relationships when opened from a call view.
    pub call_rel: Option<usize>,
    /// Cursor on the record's relationships.
    pub cursor: usize,
    /// A fetch is on its way.
    pub loading: bool,
    /// One-line cause of a failed fetch.
    pub error: Option<String>,
}

/// Areas of the screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Screen {
    /// Title bar: app, context, URL, marks.
    pub title: Rect,
    /// List header: counts, money, poll status (list views only; empty elsewhere).
    pub header: Rect,
    /// Breadcrumb.
    pub crumbs: Rect,
    pub body: Rect,
    /// Messages.
    pub status: Rect,
    /// Key hints.
    pub hints: Rect,
}

/// Lines of the list header.
pub const LIST_HEADER_LINES: u16 = 3;

/// Splits `area`; the body gets what is left, and on tiny terminals parts shrink to nothing, never panic.
pub fn screen(area: Rect, list: bool) -> Screen {
    let h = area.height;
    let title_h = h.min(1);
    let mut left = h - title_h;
    let header_h = if list { LIST_HEADER_LINES } else { 0 }.min(left.saturating_sub(4));
    left -= header_h;
    let crumbs_h = u16::from(left > 3);
    left -= crumbs_h;
    let body_h = left.saturating_sub(2);
    left -= body_h;
    let status_h = u16::from(left > 1);
    left -= status_h;
    let hints_h = left.min(1);
    let mut y = area.y;
    let mut take = |n: u16| -> Rect {
        let r = Rect::new(area.x, y, area.width, n);
        y = y.saturating_add(n);
        r
    };
    let title = take(title_h);
    let header = take(header_h);
    let crumbs = take(crumbs_h);
    let body = take(body_h);
    let status = take(status_h);
    let hints = take(hints_h);
    Screen {
        title,
        header,
        crumbs,
        body,
        status,
        hints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_never_overflow() {
        for (w, h) in [
            (160, 45),
            (100, 30),
            (20, 5),
            (1, 1),
            (0, 0),
            (10, 2),
            (80, 4),
        ] {
            for list in [true, false] {
                let s = screen(Rect::new(0, 0, w, h), list);
                let sum = s.title.height
                    + s.header.height
                    + s.crumbs.height
                    + s.body.height
                    + s.status.height
                    + s.hints.height;
                assert_eq!(sum, h, "{w}x{h}");
            }
        }
        let s = screen(Rect::new(0, 0, 160, 45), true);
        assert_eq!(s.header.height, 3);
        assert_eq!(s.body.height, 45 - 7);
        assert_eq!(s.hints.y, 44);
    }
}
