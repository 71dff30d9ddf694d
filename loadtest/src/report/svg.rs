//! Line charts as inline SVG, drawn here so that the HTML report needs no
//! script and no network: axes with round ticks, optional logarithmic y, and
//! a percentile x axis (0 %, 90 %, 99 %, 99.9 % … evenly spaced) for latency
//! spectra.

use std::fmt::Write as _;

const WIDTH: f64 = 780.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 44.0;

/// Line colours, in order (readable on white, distinguishable in grey).
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// The farthest percentile the x axis shows: 99.999 %.
const PERCENTILE_NINES: f64 = 5.0;

/// One line.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// How the x axis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Plain numbers (seconds of the run).
    Linear,
    /// Percentiles in 0..=100, spaced by their number of nines.
    Percentile,
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_axis: XAxis,
    pub y_log: bool,
    pub series: Vec<Series>,
}

/// A series ready to draw: its colour, and its points in axis units.
struct Drawable<'a> {
    colour: &'static str,
    name: &'a str,
    points: Vec<(f64, f64)>,
}

/// Text made safe for XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A percentile's position: its number of nines (90 → 1, 99 → 2, …).
fn nines(percentile: f64) -> f64 {
    let rest = 1.0 - percentile / 100.0;
    if rest <= 10f64.powf(-PERCENTILE_NINES) {
        PERCENTILE_NINES
    } else {
        -rest.log10()
    }
}

/// Round tick values covering `low..=high`.
pub fn nice_ticks(low: f64, high: f64, wanted: usize) -> Vec<f64> {
    if !(low.is_finite() && high.is_finite()) || high <= low {
        return vec![low];
    }
    let raw = (high - low) / wanted.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (low / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut value = first;
    while value <= high + step * 1e-9 {
        ticks.push(if value.abs() < step * 1e-9 {
            0.0
        } else {
            value
        });
        value += step;
    }
    ticks
}

fn tick_label(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        "0".into()
    } else if magnitude >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if magnitude >= 10_000.0 {
        format!("{:.0}k", value / 1_000.0)
    } else if magnitude >= 100.0 || (value.fract() == 0.0) {
        format!("{value:.0}")
    } else if magnitude >= 1.0 {
        format!("{value:.1}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').to_string()
    }
}

/// Draws the chart as an `<svg>` element.
pub fn render(chart: &Chart) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{title}" font-family="sans-serif" font-size="11">"#,
        title = escape(&chart.title)
    );
    let _ = write!(
        out,
        r#"<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{}</text>"#,
        escape(&chart.title)
    );
    // Points that can be drawn: finite, and positive on a log axis.
    let series: Vec<Drawable> = chart
        .series
        .iter()
        .enumerate()
        .map(|(index, series)| {
            let points = series
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite() && (!chart.y_log || *y > 0.0))
                .map(|(x, y)| {
                    let x = match chart.x_axis {
                        XAxis::Linear => *x,
                        XAxis::Percentile => nines(*x),
                    };
                    (x, if chart.y_log { y.log10() } else { *y })
                })
                .collect();
            Drawable {
                colour: PALETTE[index % PALETTE.len()],
                name: &series.name,
                points,
            }
        })
        .filter(|drawable| !drawable.points.is_empty())
        .collect();
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    if series.is_empty() {
        let _ = write!(
            out,
            r##"<rect x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height}" fill="none" stroke="#ccc"/><text x="{}" y="{}" text-anchor="middle" fill="#888">no data</text></svg>"##,
            LEFT + plot_width / 2.0,
            TOP + plot_height / 2.0
        );
        return out;
    }
    let all = series.iter().flat_map(|drawable| drawable.points.iter());
    let (mut x_low, mut x_high, mut y_low, mut y_high) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in all {
        x_low = x_low.min(*x);
        x_high = x_high.max(*x);
        y_low = y_low.min(*y);
        y_high = y_high.max(*y);
    }
    if chart.x_axis == XAxis::Percentile {
        x_low = 0.0;
        x_high = x_high.ceil().clamp(1.0, PERCENTILE_NINES);
    }
    if chart.y_log {
        y_low = y_low.floor();
        y_high = y_high.ceil().max(y_low + 1.0);
    } else {
        // Linear plots start at zero: queue lengths and latencies are read from it.
        y_low = y_low.min(0.0);
        if y_high <= y_low {
            y_high = y_low + 1.0;
        }
        y_high += (y_high - y_low) * 0.05;
    }
    if x_high <= x_low {
        x_high = x_low + 1.0;
    }
    let to_x = |x: f64| LEFT + (x - x_low) / (x_high - x_low) * plot_width;
    let to_y = |y: f64| TOP + plot_height - (y - y_low) / (y_high - y_low) * plot_height;

    // Grid and ticks.
    let y_ticks: Vec<(f64, String)> = if chart.y_log {
        (y_low as i32..=y_high as i32)
            .map(|power| (f64::from(power), tick_label(10f64.powi(power))))
            .collect()
    } else {
        nice_ticks(y_low, y_high, 5)
            .into_iter()
            .map(|value| (value, tick_label(value)))
            .collect()
    };
    for (value, label) in &y_ticks {
        let y = to_y(*value);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#444">{}</text>"##,
            LEFT + plot_width,
            LEFT - 6.0,
            y + 4.0,
            escape(label)
        );
    }
    let x_ticks: Vec<(f64, String)> = match chart.x_axis {
        XAxis::Percentile => (0..=x_high as i32)
            .map(|power| {
                // 1 → 90 %, 2 → 99 %, 3 → 99.9 %, …
                let label = match power {
                    0 => "0%".to_string(),
                    1 => "90%".to_string(),
                    power => {
                        let decimals = "9".repeat((power - 2) as usize);
                        if decimals.is_empty() {
                            "99%".to_string()
                        } else {
                            format!("99.{decimals}%")
                        }
                    }
                };
                (f64::from(power), label)
            })
            .collect(),
        XAxis::Linear => nice_ticks(x_low, x_high, 8)
            .into_iter()
            .map(|value| (value, tick_label(value)))
            .collect(),
    };
    for (value, label) in &x_ticks {
        let x = to_x(*value);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#f0f0f0"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
            TOP + plot_height,
            TOP + plot_height + 16.0,
            escape(label)
        );
    }
    let _ = write!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height}" fill="none" stroke="#999"/>"##
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#222">{}</text>"##,
        LEFT + plot_width / 2.0,
        HEIGHT - 8.0,
        escape(&chart.x_label)
    );
    let _ = write!(
        out,
        r##"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" fill="#222">{}{}</text>"##,
        TOP + plot_height / 2.0,
        escape(&chart.y_label),
        if chart.y_log { " (log)" } else { "" }
    );

    // Lines, then the legend.
    for (legend_row, line) in series.iter().enumerate() {
        let (colour, points) = (line.colour, &line.points);
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", to_x(*x), to_y(*y)))
            .collect();
        if path.len() == 1 {
            let (x, y) = points[0];
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                to_x(x),
                to_y(y)
            );
        } else {
            let _ = write!(
                out,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{}"/>"#,
                path.join(" ")
            );
        }
        let legend_y = TOP + 8.0 + legend_row as f64 * 16.0;
        let legend_x = LEFT + plot_width + 12.0;
        let _ = write!(
            out,
            r##"<line x1="{legend_x}" y1="{legend_y}" x2="{:.1}" y2="{legend_y}" stroke="{colour}" stroke-width="3"/><text x="{:.1}" y="{:.1}" fill="#222">{}</text>"##,
            legend_x + 18.0,
            legend_x + 24.0,
            legend_y + 4.0,
            escape(line.name)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let ticks = nice_ticks(0.0, 937.0, 5);
        assert_eq!(ticks.first(), Some(&0.0));
        assert!(ticks
            .last()
            .is_some_and(|last| *last <= 937.0 && *last >= 700.0));
    }

    #[test]
    fn percentiles_are_spaced_by_their_nines() {
        assert!((nines(90.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.9) - 3.0).abs() < 1e-9);
        assert_eq!(nines(100.0), PERCENTILE_NINES);
    }

    #[test]
    fn a_chart_escapes_its_text_and_draws_its_lines() {
        let svg = render(&Chart {
            title: "a <b> & c".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_axis: XAxis::Linear,
            y_log: false,
            series: vec![Series {
                name: "line".into(),
                points: vec![(0.0, 1.0), (1.0, 2.0), (2.0, 1.5)],
            }],
        });
        assert!(svg.contains("a &lt;b&gt; &amp; c"));
        assert!(svg.contains("<polyline"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = render(&Chart {
            title: "empty".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_axis: XAxis::Percentile,
            y_log: true,
            series: vec![],
        });
        assert!(svg.contains("no data"));
    }
}
