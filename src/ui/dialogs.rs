//! The terminate dialog and the copy menu.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{App, COPY_ITEMS, Confirm, keys};
use crate::ui::theme::Theme;

pub fn confirm(theme: &Theme, frame: &mut Frame, area: Rect, c: &Confirm) {
    let r = crate::ui::centered(area, 72, 9);
    if r.width < 3 || r.height < 3 {
        return;
    }
    frame.render_widget(Clear, r);
    let kv = |l: &'static str, v: String| {
        Line::from(vec![
            Span::styled(l, theme.label()),
            Span::styled(v, theme.bold()),
        ])
    };
    let mut hint = vec![Span::raw(" ")];
    // The dialog's own keys are never rebound.
    let defaults = keys::KeyMap::default();
    for (i, (label, desc)) in defaults.hints(keys::CONFIRM).into_iter().enumerate() {
        if i > 0 {
            hint.push(Span::raw("   "));
        }
        hint.push(Span::styled(label, theme.key()));
        hint.push(Span::styled(format!(": {desc}"), theme.label()));
    }
    let lines = vec![
        kv(" Call      ", c.id.to_string()),
        kv(" Customer  ", c.customer.clone()),
        kv(" Number    ", c.number.clone()),
        kv(" Duration  ", c.duration.clone()),
        Line::default(),
        Line::from(hint),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Span::styled(" Terminate this call? ", theme.error()));
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

pub fn copy_menu(theme: &Theme, frame: &mut Frame, area: Rect, cursor: usize) {
    let r = crate::ui::centered(area, 34, COPY_ITEMS.len() as u16 + 2);
    if r.width < 3 || r.height < 3 {
        return;
    }
    frame.render_widget(Clear, r);
    let lines: Vec<Line> = COPY_ITEMS
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let style = if i == cursor {
                theme.selected()
            } else {
                theme.plain()
            };
            Line::from(Span::styled(format!(" {item:<30}"), style))
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(" Copy ");
    frame.render_widget(Paragraph::new(lines).block(block), r);
}

/// The `C` context picker: the contexts of the config file, the current one marked.
pub fn context_picker(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, cursor: usize) {
    let names = &app.cfg.contexts;
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(20) as u16
        + 8;
    let r = crate::ui::centered(area, width, names.len() as u16 + 2);
    if r.width < 3 || r.height < 3 {
        return;
    }
    frame.render_widget(Clear, r);
    let lines: Vec<Line> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let style = if i == cursor {
                theme.selected()
            } else {
                theme.plain()
            };
            let mark = if *name == app.cfg.context { "●" } else { " " };
            Line::from(Span::styled(
                format!(" {mark} {name:<w$}", w = width as usize - 5),
                style,
            ))
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(" Context ");
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
