//! The call table. Rows are built only for the visible window of the list's index.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::app::App;
use crate::app::list::{CallList, window_offset};
use crate::app::rows::{self, Column, Mark};
use crate::ui::theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, list: &CallList) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let cols = Column::fitting_from(&app.cfg.columns, area.width);
    let header = Row::new(cols.iter().map(|c| {
        let mut title = c.title().to_owned();
        if *c == list.sort {
            title.push_str(if list.descending { " ▼" } else { " ▲" });
        }
        let line = Line::from(title);
        Cell::from(if c.numeric() {
            line.alignment(Alignment::Right)
        } else {
            line
        })
    }))
    .style(theme.table_header());
    let body_rows = usize::from(area.height.saturating_sub(1));
    let len = list.index.len();
    let offset = window_offset(list.offset, list.sel, body_rows, len);
    let lk = app.lookup();
    let end = offset.saturating_add(body_rows).min(len);
    let rows: Vec<Row> = list.index[offset.min(end)..end]
        .iter()
        .filter_map(|i| list.entries.get(*i))
        .map(|e| {
            let shown = e.shown(lk.server_now);
            let mark = if e.ended_at.is_some() {
                Mark::Ended
            } else {
                rows::mark(&e.call, &lk, shown)
            };
            let cells = cols.iter().map(|c| {
                let mut text = rows::cell(*c, &e.call, &lk, shown);
                if *c == Column::Duration && e.ended_at.is_some() {
                    text = format!("ended {text}");
                }
                let line = Line::from(text);
                Cell::from(if c.numeric() {
                    line.alignment(Alignment::Right)
                } else {
                    line
                })
            });
            let style = match mark {
                Mark::Normal => theme.plain(),
                Mark::Losing => theme.losing(),
                Mark::NearLimit => theme.near_limit(),
                Mark::Ended => theme.dim(),
            };
            Row::new(cells).style(style)
        })
        .collect();
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| {
            let (w, _) = c.width();
            if c.numeric() || *c == Column::Node {
                Constraint::Length(w)
            } else {
                Constraint::Min(w)
            }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default();
    if len > 0 {
        state.select(Some(list.sel.saturating_sub(offset)));
    }
    frame.render_stateful_widget(table, area, &mut state);
    if len == 0 && area.height > 1 {
        let msg = if !list.loaded {
            "loading…"
        } else if !list.entries.is_empty() {
            "no calls match the filter (Esc clears it)"
        } else if list.poll.error.is_some() {
            "no data"
        } else {
            "no active calls"
        };
        let r = Rect::new(area.x, area.y + 1, area.width, 1);
        frame.render_widget(
            Paragraph::new(Text::from(Span::styled(msg, theme.dim()))).alignment(Alignment::Center),
            r,
        );
    }
}
