//! TLS: verified by default (rustls), `--ca-cert` trusts a self-signed certificate made here, `--insecure`
//! works and shows a warning mark for the whole session.
//!
//! The switch is the simulator behind a small TLS-terminating proxy (tokio-rustls) that forwards bytes to
//! its plain HTTP port.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use common::{BIN, Tui, scratch_dir};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A simulator behind an HTTPS proxy, with the proxy's certificate (PEM) in a file.
struct HttpsSim {
    rt: tokio::runtime::Runtime,
    url: String,
    cert_pem: std::path::PathBuf,
    _sim: yetitop::sim::SimHandle,
}

fn self_signed() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("certificate");
    let der = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    (ck.cert.pem(), der, key)
}

fn https_sim() -> HttpsSim {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cfg = yetitop::sim::SimConfig {
        calls: 20,
        churn: false,
        seed: 9,
        ..yetitop::sim::SimConfig::default()
    };
    let sim = rt
        .block_on(yetitop::sim::start(([127, 0, 0, 1], 0).into(), cfg))
        .expect("sim");
    let (pem, der, key) = self_signed();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(proxy(listener, acceptor, sim.addr));
    let dir = scratch_dir("tls");
    let cert_pem = dir.join("switch.pem");
    std::fs::write(&cert_pem, pem).expect("write pem");
    HttpsSim {
        rt,
        url: format!("https://{addr}"),
        cert_pem,
        _sim: sim,
    }
}

async fn proxy(listener: tokio::net::TcpListener, acceptor: TlsAcceptor, upstream: SocketAddr) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            // A client that refuses the certificate ends the handshake: nothing to forward.
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        });
    }
}

fn calls_list(url: &str, extra: &[&str]) -> Output {
    let dir = scratch_dir("tls-run");
    Command::new(BIN)
        .args([
            "calls", "list", "-o", "json", "--url", url, "--user", "admin",
        ])
        .args(extra)
        .env("YETI_PASSWORD", "admin")
        .env("XDG_STATE_HOME", &dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("YETI_URL")
        .env_remove("YETI_USER")
        .env_remove("YETI_TOKEN")
        .output()
        .expect("run yetitop")
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn certificates_are_verified_by_default_and_ca_cert_trusts_one() {
    let _g = serial();
    let s = https_sim();

    // Default: the self-signed certificate is refused, in one line, exit 5.
    let out = calls_list(&s.url, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.to_lowercase().contains("certificate"),
        "the cause names the certificate: {stderr}"
    );
    assert!(out.stdout.is_empty());

    // --ca-cert with the switch's certificate: it works.
    let out = calls_list(&s.url, &["--ca-cert", &path_arg(&s.cert_pem)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let calls: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(calls.as_array().map(Vec::len), Some(20), "{calls}");

    // --ca-cert with another certificate: still refused (the file is used, not just any trust).
    let (other, _, _) = self_signed();
    let other_path = scratch_dir("tls-other").join("other.pem");
    std::fs::write(&other_path, other).expect("write");
    let out = calls_list(&s.url, &["--ca-cert", &path_arg(&other_path)]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A file that holds no certificate is a config error (exit 2).
    let junk = scratch_dir("tls-junk").join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    let out = calls_list(&s.url, &["--ca-cert", &path_arg(&junk)]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // --insecure: it works.
    let out = calls_list(&s.url, &["--insecure"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(s.rt);
}

#[test]
fn insecure_shows_a_warning_mark_for_the_whole_session() {
    let _g = serial();
    let s = https_sim();
    let mut tui = Tui::spawn(
        &[
            "--url",
            &s.url,
            "--user",
            "admin",
            "--interval",
            "1",
            "--insecure",
        ],
        &[("YETI_PASSWORD", "admin")],
        160,
        45,
    );
    let screen = tui.wait_text("Calls 20");
    let title = screen.lines().next().unwrap_or_default();
    assert!(title.contains("INSECURE TLS"), "{screen}");
    // Still there after more polls, and in another view.
    std::thread::sleep(Duration::from_secs(3));
    tui.send("\r");
    let screen = tui.wait_text("Timing");
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .contains("INSECURE TLS"),
        "{screen}"
    );
    tui.send("\x03");
    tui.wait_exit(Duration::from_secs(15));

    // Without --insecure (and with the CA) there is no such mark.
    let mut tui = Tui::spawn(
        &[
            "--url",
            &s.url,
            "--user",
            "admin",
            "--ca-cert",
            &path_arg(&s.cert_pem),
        ],
        &[("YETI_PASSWORD", "admin")],
        160,
        45,
    );
    let screen = tui.wait_text("Calls 20");
    assert!(!screen.contains("INSECURE"), "{screen}");
    tui.send("\x03");
    tui.wait_exit(Duration::from_secs(15));
    drop(s.rt);
}
