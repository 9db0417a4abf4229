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
    /// Export a metric chart as PNG or SVG for slides and reports (drawn with a bundled font;
    /// the legend names the runs, the axes the metrics)
    Chart {
        /// A run to draw (repeatable)
        #[arg(long = "run", value_name = "ID", required = true)]
        runs: Vec<String>,
        /// A metric to draw (repeatable; several metrics share the chart, dashed after the first)
        #[arg(long = "metric", value_name = "KEY", required = true)]
        metrics: Vec<String>,
        /// The file to write: .png or .svg
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Width in pixels
        #[arg(long, default_value_t = 1600)]
        width: u32,
        /// Height in pixels
        #[arg(long, default_value_t = 900)]
        height: u32,
        /// The x axis: step, time, relative (seconds since the run started) or metric:<key>
        #[arg(long, default_value = "step")]
        x: String,
        /// Smoothing: an exponential moving average weight in [0, 1) (the raw line stays faint)
        #[arg(long, default_value_t = 0.0)]
        smooth: f64,
        /// Logarithmic y axis
        #[arg(long)]
        log_y: bool,
        /// Pixel density of a PNG (2 for hi-DPI slides)
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// A title (default: the metric names)
        #[arg(long)]
        title: Option<String>,
    },
}

#[derive(Subcommand)]
enum SyncDirection {
    /// Copy experiments, runs (full histories), logged models, the registry and artifacts from
    /// a tracking server into the local store, keeping ids. A second pull fetches only what
    /// changed; an interrupted pull resumes. Signs in as the MLflow client does
    /// (MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_INSECURE_TLS).
    /// Exits 0 when all was pulled, 3 when something was skipped or in conflict (listed on stderr)
    Pull {
        /// The tracking server, e.g. https://mlflow.example.com
        #[arg(long)]
        from: String,
        /// Only this experiment, by name or id on the server (repeatable)
        #[arg(long = "experiment", value_name = "NAME_OR_ID")]
        experiments: Vec<String>,
    },
    /// Send runs made on this machine (logged or imported, not pulled) to a tracking server:
    /// the experiment (created by name if missing), params, tags, full metric histories and
    /// artifacts. Pushing again sends only what is new. Exits 3 when something was skipped or
    /// in conflict
    Push {
        /// The tracking server, e.g. https://mlflow.example.com
        #[arg(long)]
        to: String,
        /// Only this experiment, by name or id here (repeatable)
        #[arg(long = "experiment", value_name = "NAME_OR_ID")]
        experiments: Vec<String>,
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
        Command::Chart { runs, metrics, out, width, height, x, smooth, log_y, scale, title } => {
            chart(data_dir, runs, metrics, &out, (width, height, scale), x, smooth, log_y, title)
        }
        Command::Sync { direction } => sync(data_dir, direction),
    }
}

fn sync(data_dir: PathBuf, direction: SyncDirection) -> anyhow::Result<ExitCode> {
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    let (pulling, url, experiments) = match direction {
        SyncDirection::Pull { from, experiments } => (true, from, experiments),
        SyncDirection::Push { to, experiments } => (false, to, experiments),
    };
    let store =
        runlens_api::open_store(&data_dir).with_context(|| format!("opening the store in {}", data_dir.display()))?;
    // The MLflow client's variables; else a remote saved in the app (its secret in the keyring).
    let credentials = runlens_api::sync::credentials_for(&store, url.trim().trim_end_matches('/'));
    let remote = runlens_sync::Remote::new(&url, &credentials)?;
    let verb = if pulling { "pull" } else { "push" };
    // A line at most every half second, and one when an experiment is done.
    let last = Mutex::new((Instant::now() - Duration::from_secs(1), String::new()));
    let progress = |p: &runlens_sync::Progress| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let finished = p.total > 0 && p.done == p.total;
        if last.0.elapsed() < Duration::from_millis(500) && !finished && p.experiment == last.1 {
            return;
        }
        if p.experiment.is_empty() {
            eprintln!("{verb}: {}…", p.phase);
        } else {
            eprintln!(
                "{verb}: {}: {} {}/{} runs, {} metric points, {} files",
                p.experiment, p.phase, p.done, p.total, p.metric_points, p.artifacts
            );
        }
        *last = (Instant::now(), p.experiment.clone());
    };
    let cancel = AtomicBool::new(false);
    let options = runlens_sync::Options { experiments, progress: &progress, cancel: &cancel };
    let result = if pulling {
        runlens_sync::pull(&store, &remote, &options)
    } else {
        runlens_sync::push(&store, &remote, &options)
    };
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runlens: sync {verb} {url}: {e}");
            eprintln!("runlens: what was synced before this stays; running the same command again continues");
            return Ok(ExitCode::FAILURE);
        }
    };
    let what = if pulling { format!("Pulled from {url}") } else { format!("Pushed to {url}") };
    let mut line = format!(
        "{what}: {} experiments, {} new runs, {} updated, {} unchanged, {} metric points, {} artifact files",
        r.experiments, r.runs_new, r.runs_updated, r.runs_unchanged, r.metric_points, r.artifacts
    );
    if pulling {
        line.push_str(&format!(
            ", {} logged models, {} registered models ({} versions)",
            r.logged_models, r.registered_models, r.model_versions
        ));
    }
    println!("{line}, {} conflicts, {} skipped.", r.conflicts.len(), r.skipped.len());
    for c in &r.conflicts {
        eprintln!("conflict: {c}");
    }
    for s in &r.skipped {
        eprintln!("skipped: {s}");
    }
    Ok(if r.conflicts.is_empty() && r.skipped.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

#[allow(clippy::too_many_arguments)]
fn chart(
    data_dir: PathBuf,
    runs: Vec<String>,
    metrics: Vec<String>,
    out: &std::path::Path,
    (width, height, scale): (u32, u32, f64),
    x: String,
    smooth: f64,
    log_y: bool,
    title: Option<String>,
) -> anyhow::Result<ExitCode> {
    let format = match out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "png",
        Some("svg") => "svg",
        _ => anyhow::bail!("--out must end in .png or .svg: {}", out.display()),
    };
    let store =
        runlens_api::open_store(&data_dir).with_context(|| format!("opening the store in {}", data_dir.display()))?;
    let series = runs
        .iter()
        .flat_map(|r| metrics.iter().map(move |m| runlens_api::charts::SeriesRef { run_id: r.clone(), key: m.clone() }))
        .collect();
    let spec =
        runlens_api::charts::ChartSpec { title, series, x: Some(x), smooth: Some(smooth), log_y, ..Default::default() };
    let request = runlens_api::charts::RenderRequest {
        spec,
        format: Some(format.into()),
        width: Some(width),
        height: Some(height),
        scale: Some(scale),
    };
    let started = std::time::Instant::now();
    let (bytes, _) =
        runlens_api::charts::render_bytes(&store, &request).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("Wrote {} ({} bytes) in {:.0} ms.", out.display(), bytes.len(), started.elapsed().as_secs_f64() * 1000.0);
    Ok(ExitCode::SUCCESS)
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
