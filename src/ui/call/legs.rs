//! SIP legs pane: A and B legs, call-ids, local tag, numbers in -> routing -> out, LRN, diversion.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::model::{Call, Text};
use crate::ui::kv;
use crate::ui::theme::Theme;

const W: usize = 12;

pub fn render(theme: &Theme, frame: &mut Frame, area: Rect, call: &Call) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(" SIP legs ", theme.bold()));
    let o = |t: &Option<Text>| t.as_deref().unwrap_or("-").to_owned();
    let mut lines = vec![
        kv(
            theme,
            "A leg",
            W,
            format!("{} -> {}", call.leg_a_remote, call.leg_a_local),
        ),
        kv(theme, "  call-id", W, o(&call.orig_call_id)),
    ];
    if call.leg_b_local.is_set() || call.leg_b_remote.is_set() {
        lines.push(kv(
            theme,
            "B leg",
            W,
            format!("{} -> {}", call.leg_b_local, call.leg_b_remote),
        ));
    } else {
        lines.push(kv(
            theme,
            "B leg",
            W,
            Span::styled("not set up", theme.dim()),
        ));
    }
    lines.push(kv(theme, "  call-id", W, o(&call.term_call_id)));
    lines.push(kv(theme, "Local tag", W, o(&call.local_tag)));
    lines.push(kv(
        theme,
        "Source",
        W,
        format!(
            "{} -> {} -> {}",
            o(&call.src_prefix_in),
            o(&call.src_prefix_routing),
            o(&call.src_prefix_out)
        ),
    ));
    lines.push(kv(
        theme,
        "Destination",
        W,
        format!(
            "{} -> {} -> {}",
            o(&call.dst_prefix_in),
            o(&call.dst_prefix_routing),
            o(&call.dst_prefix_out)
        ),
    ));
    lines.push(kv(theme, "LRN", W, o(&call.lrn)));
    lines.push(kv(
        theme,
        "Diversion",
        W,
        format!(
            "in {} / out {}",
            o(&call.diversion_in),
            o(&call.diversion_out)
        ),
    ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
