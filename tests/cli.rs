//! The `runlens` binary itself: `serve` on an empty data dir, `--help`, bad data dirs.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

fn runlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_runlens"))
}

#[test]
fn help_lists_every_subcommand() {
    let out = runlens().arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for cmd in ["import", "serve", "sync", "chart"] {
        assert!(text.contains(cmd), "--help lacks {cmd}: {text}");
    }
}

#[test]
fn serve_on_an_empty_data_dir_answers_health_and_keeps_the_store_there() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let mut child = runlens()
        .args(["--data-dir"])
        .arg(&data)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "binds loopback by default: {addr}");
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(&mut stream, b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.ends_with("OK"), "{resp}");
    assert!(data.join("runlens.db").exists(), "the store is created on first use");
}

#[test]
fn runlens_data_dir_env_sets_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = runlens()
        .env("RUNLENS_DATA_DIR", dir.path())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.contains(&dir.path().display().to_string()), "{line}");
    assert!(dir.path().join("runlens.db").exists());
}

#[test]
fn a_store_from_a_newer_runlens_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    drop(runlens_store::Store::open(dir.path()).unwrap());
    set_user_version(&dir.path().join("runlens.db"), 999);
    let out = runlens().arg("--data-dir").arg(dir.path()).args(["serve", "--port", "0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schema version 999") && err.contains("update Runlens"), "{err}");
}

fn set_user_version(db: &std::path::Path, v: i64) {
    let conn = runlens_store::Read::open(db).unwrap();
    conn.pragma_update(None, "user_version", v).unwrap();
}
