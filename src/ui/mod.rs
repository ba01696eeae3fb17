//! Drawing. `render` is pure: it reads the app's state and draws; it decides and fetches nothing.

pub mod call;
pub mod dialogs;
pub mod header;
pub mod help;
pub mod hints;
pub mod list;
pub mod record;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::views::{self, View};
use crate::app::{App, Mode};
use theme::Theme;

/// Draws the whole screen.
pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let theme = Theme::new(app.no_color);
    let is_list = app.view_is_list();
    let s = views::screen(area, is_list);
    header::title(app, &theme, frame, s.title);
    if is_list {
        header::list_header(app, &theme, frame, s.header, app.active_list());
    }
    header::crumbs(app, &theme, frame, s.crumbs);
    match app.views.last() {
        None | Some(View::Calls(_)) => list::render(app, &theme, frame, s.body, app.active_list()),
        Some(View::Call(v)) => call::render(app, &theme, frame, s.body, v),
        Some(View::Record(r)) => record::render(app, &theme, frame, s.body, r),
    }
    hints::status(app, &theme, frame, s.status);
    hints::hints(app, &theme, frame, s.hints);
    match &app.mode {
        Mode::Confirm(c) => dialogs::confirm(&theme, frame, area, c),
        Mode::CopyMenu(i) => dialogs::copy_menu(&theme, frame, area, *i),
        Mode::ContextPicker(i) => dialogs::context_picker(app, &theme, frame, area, *i),
        Mode::Help => help::render(app, &theme, frame, area),
        Mode::Normal | Mode::Filter => {}
    }
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `label  value` with the label padded to `width`.
pub(crate) fn kv<'a>(
    theme: &Theme,
    label: &'a str,
    width: usize,
    value: impl Into<Span<'a>>,
) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<width$}"), theme.label()),
        value.into(),
    ])
}
