//! The contract between the runtime (which does I/O) and the app (which decides): events come in,
//! commands go out. Time only arrives inside events, so every behaviour of the app is a plain unit test.

use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};

use crate::api::{ApiError, ListQuery};
use crate::model::call::{Call, CallBatch};
use crate::model::record::{Record, RecordKey};

/// A finished list poll, decoded and built into the model off the UI task.
#[derive(Debug, Clone)]
pub struct ListSnapshot {
    pub batch: CallBatch,
    /// Body size (after gzip).
    pub bytes: usize,
    pub latency: Duration,
    /// The server's `Date` header.
    pub server_date: Option<DateTime<Utc>>,
    /// This machine's clock when the response arrived.
    pub received_at: DateTime<Utc>,
}

/// A finished show of one call.
#[derive(Debug, Clone)]
pub struct CallSnapshot {
    pub call: Call,
    /// Records of `include=` (empty when the poll asked for none).
    pub records: Vec<Record>,
    pub server_date: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
}

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    FocusGained,
    FocusLost,
    /// The 1 s clock (and any other wake-up): this machine's time now.
    Tick(DateTime<Utc>),
    /// A list poll finished.
    ListLoaded(Box<Result<ListSnapshot, ApiError>>),
    /// A poll of one call finished. A `NotFound` error means the call ended.
    CallLoaded {
        id: String,
        result: Box<Result<CallSnapshot, ApiError>>,
    },
    /// A related record fetch finished.
    RecordLoaded {
        key: RecordKey,
        result: Box<Result<Record, ApiError>>,
    },
    /// A terminate finished. `Ok(true)`: terminated; `Ok(false)`: it had already ended (404).
    Terminated {
        id: String,
        result: Result<bool, ApiError>,
    },
    /// The runtime did something worth telling the user (copied, exported, ...), or failed to.
    Notice(Result<String, String>),
}

/// What the app asks the runtime to do. The runtime keeps at most one list poll and one call poll in flight
/// and answers every command with an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Poll the call list; answered by [`Event::ListLoaded`].
    PollList(ListQuery),
    /// Poll one call, with these `include=` paths (empty for none); answered by [`Event::CallLoaded`].
    PollCall {
        id: String,
        include: Vec<String>,
    },
    /// Fetch a record by type and id; answered by [`Event::RecordLoaded`].
    FetchRecord(RecordKey),
    /// Terminate a call (DELETE), log it to the audit log; answered by [`Event::Terminated`].
    Terminate {
        id: String,
    },
    /// Put text on the clipboard (OSC 52); answered by [`Event::Notice`].
    Copy {
        what: String,
        text: String,
    },
    /// Write a file in the current directory; answered by [`Event::Notice`].
    Export {
        file_name: String,
        contents: String,
    },
    /// Hand the mouse back to the terminal (`false`) or capture it (`true`).
    SetMouseCapture(bool),
    /// Show another context of the config file (the `C` picker); the runtime opens it, or goes back to
    /// its session when it was open before.
    SwitchContext(String),
    Quit,
}
