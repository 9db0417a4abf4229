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

/// A store with two runs of a `loss` history (one with a spike) and an `acc` metric.
fn chart_store() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let store = runlens_api::open_store(dir.path()).unwrap();
    let call = |op: &str, args: serde_json::Value| -> serde_json::Value {
        serde_json::from_str(runlens_api::call(&store, op, args).unwrap().get()).unwrap()
    };
    let mut ids = Vec::new();
    for (name, spike) in [("baseline <b>", false), ("wide & deep", true)] {
        let run =
            call("mlflow/runs/create", serde_json::json!({"experiment_id": "0", "run_name": name, "start_time": 1000}));
        let id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        let metrics: Vec<serde_json::Value> = (0..500)
            .flat_map(|s| {
                let loss = if spike && s == 250 { 50.0 } else { 1.0 / (s as f64 + 1.0) };
                [
                    serde_json::json!({"key": "loss", "value": loss, "timestamp": 1000 + s, "step": s}),
                    serde_json::json!({"key": "acc", "value": s as f64 / 500.0, "timestamp": 1000 + s, "step": s}),
                ]
            })
            .collect();
        for chunk in metrics.chunks(1000) {
            call("mlflow/runs/log-batch", serde_json::json!({"run_id": id, "metrics": chunk}));
        }
        ids.push(id);
    }
    (dir, ids)
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()))
}

#[test]
fn chart_exports_png_of_the_requested_size() {
    let (dir, ids) = chart_store();
    let out = dir.path().join("loss.png");
    let status = runlens()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["chart", "--run", &ids[0], "--run", &ids[1], "--metric", "loss", "--out"])
        .arg(&out)
        .args(["--width", "1600", "--height", "900", "--smooth", "0.6", "--log-y"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(png_size(&std::fs::read(&out).unwrap()), (1600, 900));
    // Hi-DPI doubles the pixels.
    let out2 = dir.path().join("loss@2x.png");
    let status = runlens()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["chart", "--run", &ids[0], "--metric", "loss", "--out"])
        .arg(&out2)
        .args(["--width", "800", "--height", "450", "--scale", "2", "--x", "relative"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(png_size(&std::fs::read(&out2).unwrap()), (1600, 900));
}

#[test]
fn chart_exports_an_svg_that_parses_and_names_the_runs_and_metrics() {
    let (dir, ids) = chart_store();
    let out = dir.path().join("chart.svg");
    let status = runlens()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["chart", "--run", &ids[0], "--run", &ids[1], "--metric", "loss", "--metric", "acc", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect();
    for want in ["baseline <b> · loss", "wide & deep · acc", "Step", "loss, acc"] {
        assert!(texts.iter().any(|t| t == want), "no text {want:?} in {texts:?}");
    }
}

#[test]
fn chart_refuses_bad_input_clearly() {
    let (dir, ids) = chart_store();
    let run = |args: &[&str]| {
        let out = runlens().arg("--data-dir").arg(dir.path()).arg("chart").args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let bad_ext = dir.path().join("x.jpg");
    let (code, err) = run(&["--run", &ids[0], "--metric", "loss", "--out", bad_ext.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("must end in .png or .svg"), "{err}");
    let out = dir.path().join("x.png");
    let (code, err) = run(&["--run", "nope", "--metric", "loss", "--out", out.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("Run with id=nope not found"), "{err}");
    let (code, err) = run(&["--run", &ids[0], "--metric", "loss", "--out", out.to_str().unwrap(), "--x", "bogus"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("Invalid x axis"), "{err}");
    assert!(!out.exists(), "nothing written on error");
}
