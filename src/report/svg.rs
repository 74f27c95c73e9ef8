//! Small, dependency-free SVG charts for the report page: bars, histograms and lines. Every data
//! mark carries `class="mark"` (the browser test counts them); every text is XML-escaped.

use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 48.0;
const COLORS: [&str; 3] = ["#3b6ea8", "#d9822b", "#4f9a5f"];

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A short number: 1.2K, 3.4M, 5.6B.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}B", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}K", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn frame(title: &str, max: f64, out: &mut String) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" class="chart"><title>{t}</title><text x="{LEFT}" y="16" class="ct">{t}</text>"#,
        t = escape(title)
    );
    for i in 0..=4 {
        let y = TOP + (H - TOP - BOTTOM) * (1.0 - i as f64 / 4.0);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="yl">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(&short(max * i as f64 / 4.0))
        );
    }
}

fn x_labels(labels: &[String], x_of: impl Fn(usize) -> f64, out: &mut String) {
    let every = labels.len().div_ceil(12).max(1);
    for (i, l) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{}" class="xl">{}</text>"#,
            x_of(i),
            H - BOTTOM + 16.0,
            escape(l)
        );
    }
}

/// Vertical bars, one per label.
pub fn bars(title: &str, labels: &[String], values: &[f64]) -> String {
    grouped(title, labels, &[("", values.to_vec())], true)
}

/// Bars in groups. With `shared`, one scale for every series (same unit); without, each series
/// is scaled to its own maximum (the legend gives it), so quantities of different units can be
/// compared in shape.
pub fn grouped(
    title: &str,
    labels: &[String],
    series: &[(&str, Vec<f64>)],
    shared: bool,
) -> String {
    let mut out = String::new();
    let max_of = |v: &[f64]| v.iter().copied().fold(0.0f64, f64::max).max(1e-9);
    let overall = series.iter().map(|s| max_of(&s.1)).fold(1e-9f64, f64::max);
    frame(title, if shared { overall } else { 1.0 }, &mut out);
    let n = labels.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    let bar = (slot * 0.8 / series.len() as f64).max(0.5);
    let plot_h = H - TOP - BOTTOM;
    for (s, (name, values)) in series.iter().enumerate() {
        let max = if shared { overall } else { max_of(values) };
        for (i, &v) in values.iter().enumerate() {
            let h = (v / max * plot_h).max(0.0);
            let _ = write!(
                out,
                r#"<rect class="mark" x="{:.2}" y="{:.2}" width="{bar:.2}" height="{h:.2}" fill="{}"><title>{}{}: {}</title></rect>"#,
                LEFT + slot * i as f64 + slot * 0.1 + bar * s as f64,
                TOP + plot_h - h,
                COLORS[s % COLORS.len()],
                escape(name),
                escape(&labels[i]),
                escape(&short(v))
            );
        }
        if series.len() > 1 {
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" class="lg">{}{}</text>"#,
                LEFT + 200.0 * s as f64,
                H - 16.0,
                COLORS[s % COLORS.len()],
                LEFT + 14.0 + 200.0 * s as f64,
                H - 7.0,
                escape(name),
                if shared {
                    String::new()
                } else {
                    format!(" (max {})", escape(&short(max)))
                }
            );
        }
    }
    x_labels(labels, |i| LEFT + slot * i as f64 + slot * 0.1, &mut out);
    out.push_str("</svg>");
    out
}

/// One line over labelled points.
pub fn line(title: &str, labels: &[String], values: &[f64]) -> String {
    let mut out = String::new();
    let max = values.iter().copied().fold(0.0f64, f64::max).max(1e-9);
    frame(title, max, &mut out);
    let n = (values.len().max(2) - 1) as f64;
    let plot_h = H - TOP - BOTTOM;
    let x_of = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / n;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| format!("{:.2},{:.2}", x_of(i), TOP + plot_h * (1.0 - v / max)))
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="mark" fill="none" stroke="{}" stroke-width="2" points="{}"/>"#,
        COLORS[0],
        points.join(" ")
    );
    x_labels(labels, x_of, &mut out);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text_and_mark_data() {
        let s = bars("a <b>", &["x&y".into(), "z".into()], &[1.0, 2.0]);
        assert!(s.contains("a &lt;b&gt;") && s.contains("x&amp;y"));
        assert_eq!(s.matches(r#"class="mark""#).count(), 2);
        let l = line("t", &["a".into(), "b".into()], &[0.0, 3.0]);
        assert_eq!(l.matches(r#"class="mark""#).count(), 1);
    }
}
