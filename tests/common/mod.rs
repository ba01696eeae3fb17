//! Test harness: the simulator as a child process, and the real binary on a pseudo-terminal whose screen
//! is read back through a vt100 parser.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};

pub const BIN: &str = env!("CARGO_BIN_EXE_yetitop");

/// A simulator started as `yetitop sim` on a free loopback port. Killed on drop.
pub struct SimProcess {
    child: Child,
    pub url: String,
}

impl SimProcess {
    pub fn start(args: &[&str]) -> SimProcess {
        SimProcess::start_on("127.0.0.1:0", args)
    }

    /// Starts the simulator on `listen` (e.g. the port of one that was stopped).
    pub fn start_on(listen: &str, args: &[&str]) -> SimProcess {
        let mut child = Command::new(BIN)
            .arg("sim")
            .args(["--listen", listen])
            .args(args)
            .env("XDG_STATE_HOME", scratch_dir("sim-state"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn yetitop sim");
        let stdout = child.stdout.take().expect("sim stdout");
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader
            .read_line(&mut first)
            .expect("read the sim's first line");
        // Keep draining its stdout: a closed pipe must not be what stops it.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        SimProcess { child, url }
    }
}

impl SimProcess {
    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// Stops the simulator now (the port becomes free).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh scratch directory under the target dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "yetitop-test-{}-{}-{:?}",
        name,
        std::process::id(),
        Instant::now()
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The real binary on a pseudo-terminal.
pub struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    master: Arc<Mutex<Box<dyn MasterPty + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    pub state_dir: PathBuf,
    exited: Arc<Mutex<bool>>,
}

impl Tui {
    pub fn spawn(args: &[&str], envs: &[(&str, &str)], cols: u16, rows: u16) -> Tui {
        Tui::spawn_program(BIN, args, envs, cols, rows)
    }

    /// Like [`Tui::spawn`], for another program (e.g. a shell that runs the binary as a job).
    pub fn spawn_program(
        program: &str,
        args: &[&str],
        envs: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Tui {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let state_dir = scratch_dir("tui-state");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env("RUST_BACKTRACE", "0");
        cmd.env("XDG_STATE_HOME", &state_dir);
        cmd.env("XDG_CONFIG_HOME", state_dir.join("config"));
        cmd.env_remove("YETI_URL");
        cmd.env_remove("YETI_USER");
        cmd.env_remove("YETI_TOKEN");
        cmd.env_remove("YETI_PASSWORD");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.cwd(&state_dir);
        let child = pair.slave.spawn_command(cmd).expect("spawn on the pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let master = Arc::new(Mutex::new(pair.master));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(rows).expect("rows"),
            NonZeroU16::new(cols).expect("cols"),
            0,
        )));
        let exited = Arc::new(Mutex::new(false));
        {
            let parser = parser.clone();
            let exited = exited.clone();
            // Keep the master alive as long as the reader runs.
            let master = master.clone();
            std::thread::spawn(move || {
                let _master = master;
                let mut buf = [0u8; 65536];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => parser.lock().unwrap().process(&buf[..n]),
                    }
                }
                *exited.lock().unwrap() = true;
            });
        }
        Tui {
            parser,
            writer,
            master,
            child,
            state_dir,
            exited,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    /// Waits until the screen satisfies `pred`, or panics with the last screen.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `text` is on screen.
    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), Duration::from_secs(20), |s| {
            s.contains(text)
        })
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer
            .write_all(bytes.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Waits for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader drain what was written last.
                let drain = Instant::now();
                while !*self.exited.lock().unwrap() && drain.elapsed() < Duration::from_secs(2) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return status.exit_code();
            }
            if start.elapsed() > timeout {
                panic!("the process did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Resizes the terminal (the program gets SIGWINCH) and the parser that mirrors it.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.parser.lock().unwrap().set_size(
            NonZeroU16::new(rows).expect("rows"),
            NonZeroU16::new(cols).expect("cols"),
        );
        self.master
            .lock()
            .unwrap()
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// The screen's rows as text (trailing blanks kept out).
    pub fn rows(&self) -> Vec<String> {
        let p = self.parser.lock().unwrap();
        let (_, cols) = p.screen().size();
        p.screen().rows(0, cols.get()).collect()
    }
}

/// CPU time (user + system) of a process so far, in seconds, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc stat");
    // The command name is in parentheses and may hold spaces: count fields after the last `)`.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: f64 = f[11].parse().expect("utime");
    let stime: f64 = f[12].parse().expect("stime");
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (utime + stime) / hz
}

/// The state letter of a process (`R`, `S`, `T` stopped, ...), `None` when it is gone.
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..].chars().next()
}

/// Resident set size of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Pids of the children of `pid`.
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(child) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
                continue;
            };
            let ppid = stat
                .rfind(')')
                .and_then(|i| stat[i + 2..].split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(pid) {
                out.push(child);
            }
        }
    }
    out
}

/// Sends a signal with `kill -<sig> <pid>`.
pub fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{sig} {pid}");
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP call to the simulator's control endpoint (outside `/api`), on raw TCP to keep the tests
/// free of an async runtime.
pub fn http(url: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the sim");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).expect("send");
    let mut resp = Vec::new();
    let _ = stream.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A blocking `GET` of the simulated API with a token (from `POST /_sim/token`); returns status and body
/// (chunked bodies decoded).
pub fn api_get(url: &str, path: &str, token: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the sim");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/vnd.api+json\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).expect("send");
    let mut resp = Vec::new();
    let _ = stream.read_to_end(&mut resp);
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(resp.len());
    let head = String::from_utf8_lossy(&resp[..split]).to_ascii_lowercase();
    let mut body = resp.get(split + 4..).unwrap_or_default().to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..eol]).trim().to_owned();
            let size =
                usize::from_str_radix(size_text.split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if size == 0 || rest.len() < eol + 2 + size {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[(eol + 4 + size).min(rest.len())..];
        }
        body = out;
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// A token issued by the simulator without credentials.
pub fn sim_token(url: &str) -> String {
    let (status, body) = http(url, "POST", "/_sim/token", "");
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["jwt"].as_str().expect("jwt").to_owned()
}

/// The binary with a clean environment: no YETI_* variables, XDG dirs and HOME in a scratch dir.
pub fn yt(home: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::null())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"));
    for v in [
        "YETI_URL",
        "YETI_USER",
        "YETI_PASSWORD",
        "YETI_TOKEN",
        "YETITOP_CONFIG",
        "YETITOP_LOG",
        "COLORTERM",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run yetitop")
}
