//! The config file through the real binary: valid files, invalid ones with their exact errors, the
//! precedence flag > environment > context > defaults, masking of secrets, the permission warning and
//! `password_command` failures.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{SimProcess, scratch_dir, yt};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn data_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// Writes `text` as the default config file of `home` with `mode`; returns its path.
fn write_config(home: &Path, text: &str, mode: u32) -> PathBuf {
    let dir = home.join("config/yetitop");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_configs_pass_check() {
    let h = scratch_dir("cfg-valid");
    let mut files = sorted_files(&data_dir("valid_configs"), "toml");
    assert!(files.len() >= 3);
    files.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/config.example.toml"));
    for f in files {
        let o = yt(
            &h,
            &["--config", f.to_str().unwrap(), "config", "check"],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}: {}", f.display(), stderr(&o));
        assert!(
            stdout(&o).starts_with(&format!("{}: ok (", f.display())),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn invalid_configs_fail_check_with_the_exact_errors() {
    let h = scratch_dir("cfg-invalid");
    let files = sorted_files(&data_dir("invalid_configs"), "toml");
    assert!(files.len() >= 5);
    for f in files {
        let want = std::fs::read_to_string(f.with_extension("err"))
            .unwrap_or_else(|_| panic!("{} has no .err", f.display()))
            .replace("{path}", f.to_str().unwrap());
        let o = yt(
            &h,
            &["--config", f.to_str().unwrap(), "config", "check"],
            &[],
        );
        assert_eq!(o.status.code(), Some(2), "{}", f.display());
        assert_eq!(stderr(&o), want, "{}", f.display());
        assert!(o.stdout.is_empty());
        // Every other command refuses the file too, with its first error on one line.
        let o = yt(
            &h,
            &[
                "--config",
                f.to_str().unwrap(),
                "calls",
                "list",
                "--token",
                "t",
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(2), "{}", f.display());
        let first = want.lines().next().unwrap();
        let (_, rest) = first.split_once(&format!("{}:", f.display())).unwrap();
        let (line, msg) = rest.split_once(": ").unwrap();
        assert_eq!(
            stderr(&o),
            format!("yetitop: config {}: line {line}: {msg}\n", f.display())
        );
    }
}

#[test]
fn a_missing_config_file() {
    let h = scratch_dir("cfg-missing");
    // The default path may be missing: the defaults apply.
    let o = yt(&h, &["config", "check"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("no such file; the defaults apply"));
    // A file named explicitly must exist.
    let gone = h.join("gone.toml");
    let o = yt(
        &h,
        &["config", "check", "--config", gone.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("gone.toml"), "{}", stderr(&o));
    let o = yt(
        &h,
        &["config", "show"],
        &[("YETITOP_CONFIG", gone.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

#[test]
fn keys_are_validated() {
    let h = scratch_dir("cfg-keys");
    write_config(&h, "[keys]\nquit = \"x\"\nterminate = \"X\"\n", 0o600);
    let o = yt(&h, &["config", "check"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    write_config(&h, "[keys]\nquit = \"x\"\nterminate = \"x\"\n", 0o600);
    let o = yt(&h, &["config", "check"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already bound"), "{}", stderr(&o));
}

const CONTEXTS: &str = r#"
default_context = "lab"

[contexts.lab]
url = "https://lab.example.net"
user = "ctx-user"
password_command = "pass show yeti/lab"
readonly = true
interval = 7
columns = ["node", "margin"]

[contexts.prod]
url = "https://prod.example.net"
password = "hunter2"
"#;

/// The `key = value  # origin` line of `config show`.
fn show_line(out: &str, key: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("{key} missing in\n{out}"))
        .to_owned()
}

#[test]
fn precedence_flag_env_context_default() {
    let h = scratch_dir("cfg-prec");
    write_config(&h, CONTEXTS, 0o600);
    // The default context.
    let o = yt(&h, &["config", "show"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        show_line(&out, "context"),
        "context = \"lab\"  # default_context"
    );
    assert_eq!(
        show_line(&out, "url"),
        "url = \"https://lab.example.net\"  # context lab"
    );
    assert_eq!(
        show_line(&out, "user"),
        "user = \"ctx-user\"  # context lab"
    );
    assert_eq!(
        show_line(&out, "readonly"),
        "readonly = true  # context lab"
    );
    assert_eq!(show_line(&out, "interval"), "interval = 7  # context lab");
    assert_eq!(show_line(&out, "insecure"), "insecure = false  # default");
    assert_eq!(
        show_line(&out, "password"),
        "password = \"from password_command \\\"pass show yeti/lab\\\"\"  # context lab"
    );
    assert_eq!(
        show_line(&out, "columns"),
        "columns = [\"node\", \"margin\"]  # context lab"
    );
    // The environment beats the context.
    let env = [
        ("YETI_URL", "https://env.example.net"),
        ("YETI_USER", "env-user"),
        ("YETI_PASSWORD", "from-env"),
    ];
    let out = stdout(&yt(&h, &["config", "show"], &env));
    assert_eq!(
        show_line(&out, "url"),
        "url = \"https://env.example.net\"  # environment YETI_URL"
    );
    assert_eq!(
        show_line(&out, "user"),
        "user = \"env-user\"  # environment YETI_USER"
    );
    assert_eq!(
        show_line(&out, "password"),
        "password = \"******** (YETI_PASSWORD)\"  # environment YETI_PASSWORD"
    );
    // Flags beat the environment; --context picks another context.
    let out = stdout(&yt(
        &h,
        &[
            "config",
            "show",
            "--url",
            "https://flag.example.net",
            "--user",
            "flag-user",
            "--interval",
            "9",
            "--context",
            "prod",
        ],
        &env,
    ));
    assert_eq!(
        show_line(&out, "url"),
        "url = \"https://flag.example.net\"  # flag --url"
    );
    assert_eq!(
        show_line(&out, "user"),
        "user = \"flag-user\"  # flag --user"
    );
    assert_eq!(
        show_line(&out, "interval"),
        "interval = 9  # flag --interval"
    );
    assert_eq!(
        show_line(&out, "context"),
        "context = \"prod\"  # flag --context"
    );
    assert_eq!(show_line(&out, "readonly"), "readonly = false  # default");
    // No context, no environment: defaults.
    let h2 = scratch_dir("cfg-prec-empty");
    let out = stdout(&yt(&h2, &["config", "show"], &[]));
    assert_eq!(show_line(&out, "interval"), "interval = 5  # default");
    assert!(show_line(&out, "url").contains("unset"), "{out}");
    // An unknown context is a config error.
    let o = yt(&h, &["config", "show", "--context", "nope"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "yetitop: no context named \"nope\" in the config file\n"
    );
}

#[test]
fn show_masks_secrets() {
    let h = scratch_dir("cfg-mask");
    write_config(&h, CONTEXTS, 0o600);
    let o = yt(
        &h,
        &["config", "show", "--context", "prod"],
        &[("YETI_TOKEN", "eyJ.secret-token.sig")],
    );
    let out = stdout(&o);
    assert!(!out.contains("hunter2"), "{out}");
    assert!(!out.contains("secret-token"), "{out}");
    assert_eq!(
        show_line(&out, "token"),
        "token = \"********\"  # environment YETI_TOKEN"
    );
    let out = stdout(&yt(&h, &["config", "show", "--context", "prod"], &[]));
    assert!(!out.contains("hunter2"), "{out}");
    assert_eq!(
        show_line(&out, "password"),
        "password = \"******** (in the config file)\"  # context prod"
    );
}

#[cfg(unix)]
#[test]
fn a_readable_password_in_the_file_is_warned_about() {
    let sim = SimProcess::start(&["--calls", "3", "--no-churn"]);
    let h = scratch_dir("cfg-perm");
    let text = format!(
        "[contexts.sim]\nurl = \"{}\"\nuser = \"admin\"\npassword = \"admin\"\n",
        sim.url
    );
    let path = write_config(&h, &text, 0o644);
    let warning = format!(
        "yetitop: warning: {} holds a password and others can read it (mode 644); run chmod 600\n",
        path.display()
    );
    let o = yt(
        &h,
        &["calls", "list", "--context", "sim", "-o", "json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), warning);
    let calls: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 3);
    let o = yt(&h, &["config", "check"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), warning);
    // 0600: no warning.
    write_config(&h, &text, 0o600);
    let o = yt(
        &h,
        &["calls", "list", "--context", "sim", "-o", "json"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    // 0644 without a password: no warning.
    write_config(&h, &text.replace("password = \"admin\"\n", ""), 0o644);
    let o = yt(&h, &["config", "check"], &[]);
    assert_eq!(stderr(&o), "");
}

#[test]
fn password_command_works_and_its_failures_are_clear() {
    let sim = SimProcess::start(&["--calls", "2", "--no-churn"]);
    let h = scratch_dir("cfg-pwcmd");
    let ctx = |cmd: &str| {
        format!(
            "[contexts.sim]\nurl = \"{}\"\nuser = \"admin\"\npassword_command = '{cmd}'\n",
            sim.url
        )
    };
    write_config(&h, &ctx("echo admin"), 0o600);
    let o = yt(
        &h,
        &["calls", "list", "--context", "sim", "-o", "ndjson"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2);

    for (cmd, want) in [
        (
            "echo no such entry >&2; exit 7",
            "yetitop: context sim: password_command \"echo no such entry >&2; exit 7\" failed (exit status 7): no such entry\n",
        ),
        (
            "true",
            "yetitop: context sim: password_command \"true\" printed nothing\n",
        ),
        (
            "exit 1",
            "yetitop: context sim: password_command \"exit 1\" failed (exit status 1)\n",
        ),
    ] {
        write_config(&h, &ctx(cmd), 0o600);
        let o = yt(&h, &["calls", "list", "--context", "sim"], &[]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        assert_eq!(stderr(&o), want, "{cmd}");
        assert!(o.stdout.is_empty());
    }
    // A password that runs but is wrong is an authentication failure.
    write_config(&h, &ctx("echo wrong"), 0o600);
    let o = yt(&h, &["calls", "list", "--context", "sim"], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    // YETI_PASSWORD wins over the command.
    write_config(&h, &ctx("exit 1"), 0o600);
    let o = yt(
        &h,
        &["calls", "list", "--context", "sim"],
        &[("YETI_PASSWORD", "admin")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A port nobody listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn precedence_holds_on_a_real_connection() {
    let sim = SimProcess::start(&["--calls", "2", "--no-churn"]);
    let dead = dead_url();
    let h = scratch_dir("cfg-prec-conn");
    write_config(
        &h,
        &format!("default_context = \"d\"\n[contexts.d]\nurl = \"{dead}\"\nuser = \"admin\"\n"),
        0o600,
    );
    let pw = ("YETI_PASSWORD", "admin");
    // The context alone points at a dead port.
    let o = yt(&h, &["calls", "list"], &[pw]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    // The environment beats the context.
    let o = yt(&h, &["calls", "list"], &[pw, ("YETI_URL", &sim.url)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The flag beats the environment.
    let o = yt(
        &h,
        &["calls", "list", "--url", &sim.url],
        &[pw, ("YETI_URL", &dead)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = yt(
        &h,
        &["calls", "list", "--url", &dead],
        &[pw, ("YETI_URL", &sim.url)],
    );
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    // The user: the flag beats the environment.
    let o = yt(
        &h,
        &["calls", "list", "--url", &sim.url, "--user", "nobody"],
        &[pw, ("YETI_USER", "admin")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}
