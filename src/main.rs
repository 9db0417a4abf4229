//! `runlens`: the headless Runlens CLI. It needs no GTK: import, serve, sync, chart.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Runlens: open, compare and present ML experiments. Speaks MLflow's REST API.
#[derive(Parser)]
#[command(name = "runlens", version, about)]
struct Cli {
    /// The store's directory [default: $RUNLENS_DATA_DIR, else the platform data dir]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import an MLflow `mlruns` folder, an `mlflow.db`, or a project folder holding either.
    /// Exits 0 when everything was imported, 3 when something was skipped (listed on stderr)
    Import {
        /// The folder or file to import
        path: PathBuf,
        /// Copy artifact files into the store instead of referencing them in place
        #[arg(long)]
        copy: bool,
        /// Keep following the folder after the import, importing new runs and metric lines as
        /// a training script writes them (until Ctrl-C)
        #[arg(long)]
        watch: bool,
    },
    /// Serve MLflow's REST API and the Runlens UI
    Serve {
        /// Address to bind (loopback by default)
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// Port to bind
        #[arg(long, default_value_t = runlens_api::DEFAULT_PORT)]
        port: u16,
        /// Also answer requests addressed to this host name (repeatable); loopback names and
        /// the bound address are always allowed
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_hosts: Vec<String>,
    },
    /// Sync with a team's MLflow tracking server
    Sync {
        #[command(subcommand)]
        direction: SyncDirection,
    },
    /// Export metric charts as PNG or SVG for slides and reports
    Chart {
        /// Everything after `chart`
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum SyncDirection {
    /// Copy experiments and runs from a tracking server into the local store
    Pull {
        /// The tracking server, e.g. https://mlflow.example.com
        #[arg(long)]
        from: String,
    },
    /// Send runs made on this machine to a tracking server
    Push {
        /// The tracking server, e.g. https://mlflow.example.com
        #[arg(long)]
        to: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("runlens: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = cli.data_dir.unwrap_or_else(runlens_api::default_data_dir);
    match cli.command {
        Command::Serve { host, port, allow_hosts } => serve(data_dir, SocketAddr::new(host, port), allow_hosts),
        Command::Import { path, copy, watch } => import(data_dir, &path, copy, watch),
        Command::Sync { .. } | Command::Chart { .. } => {
            eprintln!("runlens: this command is not available in this build yet (see the README's roadmap)");
            Ok(ExitCode::from(2))
        }
    }
}

/// Exit code of an import that skipped something.
const EXIT_SKIPPED: u8 = 3;

fn import(data_dir: PathBuf, path: &std::path::Path, copy: bool, watch: bool) -> anyhow::Result<ExitCode> {
    let store =
        runlens_api::open_store(&data_dir).with_context(|| format!("opening the store in {}", data_dir.display()))?;
    let started = std::time::Instant::now();
    let options = runlens_import::Options { copy, ..Default::default() };
    let summary = runlens_import::import(&store, path, &options)?;
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "Imported {} in {:.1} s: {} experiments, {} runs, {} new metric points, {} artifact files {}, {} logged models, {} registered models ({} versions), {} skipped.",
        path.display(),
        started.elapsed().as_secs_f64(),
        summary.experiments,
        summary.runs,
        summary.metric_points,
        summary.artifacts,
        if copy { "copied" } else { "referenced in place" },
        summary.logged_models,
        summary.registered_models,
        summary.model_versions,
        summary.skipped.len()
    );
    report_skips(&summary);
    if watch {
        let _ = writeln!(out, "Watching {} for changes (Ctrl-C to stop)…", path.display());
        let _ = out.flush();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        ctrlc_flag(flag);
        runlens_import::watch::watch(&store, path, &options, &stop, |update| {
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "Updated: {} runs, {} new metric points, {} experiments, {} skipped.",
                update.runs,
                update.metric_points,
                update.experiments,
                update.skipped.len()
            );
            let _ = out.flush();
            report_skips(&update);
        })?;
    }
    Ok(if summary.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_SKIPPED) })
}

fn report_skips(summary: &runlens_import::Summary) {
    if summary.skipped.is_empty() {
        return;
    }
    let mut err = std::io::stderr();
    let _ = writeln!(err, "Skipped:");
    for s in &summary.skipped {
        let _ = writeln!(err, "  {}: {}: {}", s.what, s.path.display(), s.reason);
    }
}

/// Sets `flag` on Ctrl-C or SIGTERM, so a watch ends cleanly between two batches.
fn ctrlc_flag(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async {
            #[cfg(unix)]
            {
                let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
                    return;
                };
                tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        });
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

fn serve(data_dir: PathBuf, addr: SocketAddr, allowed_hosts: Vec<String>) -> anyhow::Result<ExitCode> {
    let store =
        runlens_api::open_store(&data_dir).with_context(|| format!("opening the store in {}", data_dir.display()))?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let store = Arc::new(store);
    runlens_import::watch::spawn_manager(store.clone());
    runtime.block_on(async move {
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("installing the SIGTERM handler");
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            {
                let _ = ctrl_c.await;
            }
        };
        runlens_server::serve(
            store,
            addr,
            runlens_server::Config { allowed_hosts },
            |bound| {
                // Not println!: a closed stdout must not take the server down.
                let mut out = std::io::stdout();
                let _ = writeln!(out, "Runlens is serving http://{bound} (store: {})", data_dir.display());
                let _ = writeln!(out, "Log from Python: mlflow.set_tracking_uri(\"http://{bound}\")");
                let _ = out.flush();
            },
            shutdown,
        )
        .await
        .with_context(|| format!("serving on {addr}"))
    })?;
    Ok(ExitCode::SUCCESS)
}
