//! Metric line charts drawn to PNG or SVG for slides and reports, with `plotters` and a font
//! compiled in (DejaVu Sans), so an export looks the same from the window, the browser and
//! the `runlens chart` CLI, on any machine.
//!
//! Invariant: this crate knows nothing of the store or MLflow; it draws the lines it is given.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor};

const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// One line of the chart.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend text (the run's name, and the metric when a chart shows several).
    pub label: String,
    /// `#rrggbb`.
    pub color: String,
    /// Dashed (a second metric of the same run).
    pub dashed: bool,
    /// Drawn faint and left out of the legend (the raw line under a smoothed one).
    pub faint: bool,
    /// x values, sorted.
    pub x: Vec<f64>,
    /// y values; NaN and ±inf break the line.
    pub y: Vec<f64>,
}

/// How x values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XKind {
    /// Plain numbers (steps, another metric).
    #[default]
    Number,
    /// Epoch milliseconds, shown as UTC date and time.
    EpochMs,
    /// Seconds (time since the run started), shown as a duration.
    Seconds,
}

/// A chart.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// Title above the plot.
    pub title: Option<String>,
    /// x axis title.
    pub x_label: String,
    /// y axis title.
    pub y_label: String,
    /// How x values read.
    pub x_kind: XKind,
    /// The lines.
    pub lines: Vec<Line>,
    /// Logarithmic x (non-positive values are left out).
    pub log_x: bool,
    /// Logarithmic y (non-positive values are left out).
    pub log_y: bool,
    /// Fixed x range.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (e.g. outliers clipped).
    pub y_range: Option<(f64, f64)>,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG (RGB).
    Png,
    /// SVG (text as `<text>` elements).
    Svg,
}

fn register_font() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| "the bundled font could not be loaded".to_string())
    })
    .clone()
}

fn parse_color(hex: &str) -> RGBColor {
    let h = hex.trim_start_matches('#');
    let byte = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok()).unwrap_or(80);
    if h.len() >= 6 {
        RGBColor(byte(0), byte(2), byte(4))
    } else {
        RGBColor(59, 91, 219)
    }
}

/// A number for an axis tick: short, no trailing zeros.
pub fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM` (UTC), without a date library.
pub fn format_epoch_ms(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, (rem % 3600) / 60, rem % 60)
}

fn format_seconds(s: f64) -> String {
    let a = s.abs();
    if a < 120.0 {
        format!("{} s", format_number(s))
    } else if a < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo <= hi).then_some((lo, hi))
}

fn padded(r: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    match r {
        None => (0.0, 1.0),
        Some((lo, hi)) if lo == hi => {
            let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - d, hi + d)
        }
        Some((lo, hi)) => {
            let d = (hi - lo) * pad;
            (lo - d, hi + d)
        }
    }
}

/// Draws `chart` as PNG or SVG of `width` × `height` CSS pixels; `scale` (1–4) multiplies the
/// PNG's pixels for hi-DPI slides (SVG is resolution-free).
pub fn render(chart: &Chart, format: Format, width: u32, height: u32, scale: f64) -> Result<Vec<u8>, String> {
    if !(100..=8000).contains(&width) || !(100..=8000).contains(&height) {
        return Err(format!("chart size {width}×{height} is out of range (100–8000 pixels each way)"));
    }
    register_font()?;
    match format {
        Format::Svg => {
            let mut out = String::new();
            {
                let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
                draw(chart, &root, 1.0)?;
                root.present().map_err(|e| e.to_string())?;
            }
            Ok(out.into_bytes())
        }
        Format::Png => {
            let scale = scale.clamp(1.0, 4.0);
            let (w, h) = ((width as f64 * scale) as u32, (height as f64 * scale) as u32);
            let mut buf = vec![255u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                draw(chart, &root, scale)?;
                root.present().map_err(|e| e.to_string())?;
            }
            let mut png_bytes = Vec::new();
            {
                let mut enc = png::Encoder::new(&mut png_bytes, w, h);
                enc.set_color(png::ColorType::Rgb);
                enc.set_depth(png::BitDepth::Eight);
                let mut writer = enc.write_header().map_err(|e| e.to_string())?;
                writer.write_image_data(&buf).map_err(|e| e.to_string())?;
            }
            Ok(png_bytes)
        }
    }
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>, s: f64) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let px = |v: f64| (v * s).round() as i32;
    let font = |size: f64| (FAMILY, size * s).into_font();

    // Log axes: draw log10 of the values and label the ticks with the values.
    let tx = |v: f64| {
        if chart.log_x {
            if v > 0.0 {
                v.log10()
            } else {
                f64::NAN
            }
        } else {
            v
        }
    };
    let ty = |v: f64| {
        if chart.log_y {
            if v > 0.0 {
                v.log10()
            } else {
                f64::NAN
            }
        } else {
            v
        }
    };
    let x_range = match chart.x_range {
        Some((a, b)) => (tx(a), tx(b)),
        None => padded(finite_range(chart.lines.iter().flat_map(|l| l.x.iter().map(|&v| tx(v)))), 0.0),
    };
    let y_range = match chart.y_range {
        Some((a, b)) => (ty(a), ty(b)),
        None => padded(finite_range(chart.lines.iter().flat_map(|l| l.y.iter().map(|&v| ty(v)))), 0.05),
    };
    let (x0, x1) =
        if x_range.0.is_finite() && x_range.1.is_finite() && x_range.0 < x_range.1 { x_range } else { (0.0, 1.0) };
    let (y0, y1) =
        if y_range.0.is_finite() && y_range.1.is_finite() && y_range.0 < y_range.1 { y_range } else { (0.0, 1.0) };

    let mut builder = ChartBuilder::on(root);
    builder.margin(px(18.0)).x_label_area_size(px(52.0)).y_label_area_size(px(78.0));
    if let Some(t) = &chart.title {
        builder.caption(t, font(22.0));
    }
    let mut ctx = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
    let x_fmt = |v: &f64| {
        let v = if chart.log_x { 10f64.powf(*v) } else { *v };
        match chart.x_kind {
            XKind::Number => format_number(v),
            XKind::EpochMs => format_epoch_ms(v),
            XKind::Seconds => format_seconds(v),
        }
    };
    let y_fmt = |v: &f64| format_number(if chart.log_y { 10f64.powf(*v) } else { *v });
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_labels(if chart.x_kind == XKind::EpochMs { 5 } else { 8 })
        .y_labels(8)
        .label_style(font(13.0))
        .axis_desc_style(font(15.0))
        .light_line_style(RGBColor(238, 240, 244))
        .bold_line_style(RGBColor(222, 226, 232))
        .axis_style(RGBColor(150, 156, 168))
        .draw()
        .map_err(err)?;

    let mut legend = false;
    for line in &chart.lines {
        let base = parse_color(&line.color);
        let style = if line.faint {
            ShapeStyle { color: base.mix(0.25), filled: false, stroke_width: px(1.0).max(1) as u32 }
        } else {
            ShapeStyle { color: base.to_rgba(), filled: false, stroke_width: px(2.0).max(1) as u32 }
        };
        // Split at NaN/±inf (gaps) and at values a log axis cannot show.
        let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (&x, &y) in line.x.iter().zip(&line.y) {
            let (x, y) = (tx(x), ty(y));
            if x.is_finite() && y.is_finite() {
                if let Some(seg) = segments.last_mut() {
                    seg.push((x, y));
                }
            } else if segments.last().is_some_and(|seg| !seg.is_empty()) {
                segments.push(Vec::new());
            }
        }
        let mut labelled = line.faint;
        for seg in segments.into_iter().filter(|s| !s.is_empty()) {
            let drawn = if line.dashed {
                ctx.draw_series(DashedLineSeries::new(seg, px(7.0), px(5.0), style)).map_err(err)?
            } else if seg.len() == 1 {
                ctx.draw_series(std::iter::once(Circle::new(seg[0], px(3.0), style.filled()))).map_err(err)?
            } else {
                ctx.draw_series(LineSeries::new(seg, style)).map_err(err)?
            };
            if !labelled {
                labelled = true;
                legend = true;
                let c = base;
                let dashed = line.dashed;
                let w = px(2.0).max(1) as u32;
                let l = px(22.0);
                drawn.label(line.label.clone()).legend(move |(x, y)| {
                    if dashed {
                        PathElement::new(vec![(x, y), (x + l / 2 - 2, y)], c.stroke_width(w))
                    } else {
                        PathElement::new(vec![(x, y), (x + l, y)], c.stroke_width(w))
                    }
                });
            }
        }
    }
    if legend {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(font(13.0))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(210, 214, 222))
            .margin(px(8.0))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: Some("loss".into()),
            x_label: "Step".into(),
            y_label: "loss".into(),
            lines: vec![
                Line {
                    label: "run <one> & co".into(),
                    color: "#3b5bdb".into(),
                    dashed: false,
                    faint: false,
                    x: vec![0.0, 1.0, 2.0, 3.0],
                    y: vec![1.0, f64::NAN, 0.5, 0.25],
                },
                Line {
                    label: "run-two".into(),
                    color: "#e8590c".into(),
                    dashed: true,
                    faint: false,
                    x: vec![0.0, 1.0, 2.0],
                    y: vec![2.0, 1.0, f64::INFINITY],
                },
            ],
            ..Chart::default()
        }
    }

    #[test]
    fn png_has_the_requested_size() {
        let png = render(&chart(), Format::Png, 400, 300, 2.0).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, after the signature and chunk header.
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (800, 600));
    }

    #[test]
    fn svg_names_the_runs_and_escapes_them() {
        let svg = String::from_utf8(render(&chart(), Format::Svg, 640, 360, 1.0).unwrap()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("run &lt;one&gt; &amp; co"), "the legend names the first run, escaped");
        assert!(svg.contains("run-two"));
        assert!(svg.contains(">\nStep\n</text>"), "the x axis is named");
    }

    #[test]
    fn odd_input_is_an_error_or_a_plain_chart() {
        assert!(render(&chart(), Format::Png, 10, 10, 1.0).is_err());
        let empty = Chart::default();
        assert!(render(&empty, Format::Svg, 300, 200, 1.0).is_ok());
        let mut log = chart();
        log.log_y = true;
        log.lines[0].y = vec![-1.0, 0.0, 1e-3, 10.0];
        assert!(render(&log, Format::Png, 300, 200, 1.0).is_ok());
        assert_eq!(format_epoch_ms(0.0), "1970-01-01 00:00:00");
        assert_eq!(format_epoch_ms(1_700_000_000_000.0), "2023-11-14 22:13:20");
        assert_eq!(format_number(0.12345678), "0.1235");
        assert_eq!(format_number(2.0), "2");
    }
}
