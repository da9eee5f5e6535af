//! The stylesheet the fragments use, the series palette and grid placement.

/// Series and slice colours, in order: the Okabe–Ito colour-blind-safe set
/// (yellow left out, too faint on white) followed by Paul Tol's wine, teal,
/// olive and a neutral grey, so ten series stay distinguishable for most
/// forms of colour blindness. Public so the page renderer can match them.
pub const PALETTE: [&str; 10] =
    ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#882255", "#44AA99", "#999933", "#6E6E6E"];

/// The CSS variables a theme may set, each with what it styles: a page
/// writes `.grid, .tile { --pc-…: …; }` after [`stylesheet`] to restyle
/// every tile (series colours are `--pc-s0` … `--pc-s9`).
pub const THEME_VARIABLES: [(&str, &str); 13] = [
    ("--pc-font", "font stack"),
    ("--pc-text", "text colour"),
    ("--pc-muted", "secondary text colour"),
    ("--pc-border", "tile border colour"),
    ("--pc-surface", "tile background"),
    ("--pc-stripe", "alternate table row background"),
    ("--pc-head", "table header background"),
    ("--pc-axis", "axis text colour"),
    ("--pc-value", "single value colour"),
    ("--pc-radius", "tile corner radius"),
    ("--pc-shadow", "tile shadow"),
    ("--pc-title-size", "tile title size"),
    ("--pc-value-size", "largest single value size"),
];

const STYLESHEET: &str = r#"/* ponte-charts: dashboard tiles. System fonts only. A theme sets the
   --pc-* variables again, after this sheet (see `THEME_VARIABLES`). */
.grid, .tile {
  --pc-font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  --pc-text: #1f2937;
  --pc-muted: #6b7280;
  --pc-border: #e3e6ea;
  --pc-surface: #ffffff;
  --pc-stripe: #f7f8fa;
  --pc-head: #f1f3f6;
  --pc-axis: #4b5563;
  --pc-value: #111827;
  --pc-radius: 8px;
  --pc-shadow: 0 1px 2px rgba(16, 24, 40, 0.05);
  --pc-title-size: 0.95rem;
  --pc-value-size: 3.25rem;
}
/* Series colours: the palette, unless a theme sets --pc-s0 … --pc-s9. */
.s0 { fill: var(--pc-s0, #0072B2); } .line-s0 { stroke: var(--pc-s0, #0072B2); fill: none; }
.s1 { fill: var(--pc-s1, #E69F00); } .line-s1 { stroke: var(--pc-s1, #E69F00); fill: none; }
.s2 { fill: var(--pc-s2, #009E73); } .line-s2 { stroke: var(--pc-s2, #009E73); fill: none; }
.s3 { fill: var(--pc-s3, #D55E00); } .line-s3 { stroke: var(--pc-s3, #D55E00); fill: none; }
.s4 { fill: var(--pc-s4, #56B4E9); } .line-s4 { stroke: var(--pc-s4, #56B4E9); fill: none; }
.s5 { fill: var(--pc-s5, #CC79A7); } .line-s5 { stroke: var(--pc-s5, #CC79A7); fill: none; }
.s6 { fill: var(--pc-s6, #882255); } .line-s6 { stroke: var(--pc-s6, #882255); fill: none; }
.s7 { fill: var(--pc-s7, #44AA99); } .line-s7 { stroke: var(--pc-s7, #44AA99); fill: none; }
.s8 { fill: var(--pc-s8, #999933); } .line-s8 { stroke: var(--pc-s8, #999933); fill: none; }
.s9 { fill: var(--pc-s9, #6E6E6E); } .line-s9 { stroke: var(--pc-s9, #6E6E6E); fill: none; }
.grid {
  display: grid;
  grid-template-columns: repeat(24, minmax(0, 1fr));
  grid-auto-rows: minmax(2.5rem, auto);
  grid-auto-flow: row dense;
  gap: 1rem;
  padding: 1rem;
  box-sizing: border-box;
}
.grid > * { grid-column: span 12; min-width: 0; }
.grid > :not(.tile) { display: flex; flex-direction: column; }
.grid > :not(.tile) > .tile { flex: 1 1 auto; }
.tile {
  display: flex;
  flex-direction: column;
  min-width: 0;
  box-sizing: border-box;
  padding: 0.9rem 1rem 1rem;
  background: var(--pc-surface);
  border: 1px solid var(--pc-border);
  border-radius: var(--pc-radius);
  box-shadow: var(--pc-shadow);
  color: var(--pc-text);
  font-family: var(--pc-font);
  font-size: 14px;
  line-height: 1.4;
  container-type: inline-size;
}
.tile-title {
  margin: 0 0 0.6rem;
  font-size: var(--pc-title-size);
  font-weight: 600;
  line-height: 1.3;
  color: var(--pc-text);
  overflow-wrap: anywhere;
}
.tile-body {
  flex: 1 1 auto;
  display: flex;
  flex-direction: column;
  min-height: 0;
  min-width: 0;
}
.chart {
  display: block;
  width: 100%;
  height: auto;
  overflow: visible;
  font-family: var(--pc-font);
}
.chart text { fill: var(--pc-axis); font-variant-numeric: tabular-nums; }
.chart .axis-title { fill: var(--pc-axis); font-weight: 600; }
.chart .pct { fill: #ffffff; font-weight: 600; paint-order: stroke; stroke: rgba(0, 0, 0, 0.4); stroke-width: 1.6px; }
.chart .mark:hover { opacity: 0.8; }
.chart .share { fill: var(--pc-muted); }
.legend {
  display: flex;
  flex-wrap: wrap;
  gap: 0.25rem 1rem;
  margin: 0.5rem 0 0;
  padding: 0;
  list-style: none;
  font-size: 0.8rem;
  color: var(--pc-text);
}
.legend li { display: inline-flex; align-items: center; gap: 0.4rem; min-width: 0; }
.swatch { width: 0.7rem; height: 0.7rem; flex: none; }
.pie-wrap { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 1.5rem; }
.pie-wrap .chart { width: min(100%, 220px); flex: 0 0 auto; margin: 0 auto; }
.legend-pie { flex: 1 1 12rem; flex-direction: column; flex-wrap: nowrap; margin: 0; }
.legend-pie li { display: grid; grid-template-columns: auto minmax(0, 1fr) auto auto; gap: 0.5rem; }
.legend-pie .legend-value, .legend-pie .legend-pct { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.legend-pie .legend-pct { color: var(--pc-muted); min-width: 3.2rem; }
.table-wrap { overflow: auto; max-height: 28rem; }
table.data {
  width: 100%;
  border-collapse: collapse;
  font-size: 0.85rem;
  font-variant-numeric: tabular-nums;
}
table.data th {
  position: sticky;
  top: 0;
  padding: 0.45rem 0.6rem;
  background: var(--pc-head);
  border-bottom: 1px solid var(--pc-border);
  font-weight: 600;
  text-align: left;
  vertical-align: bottom;
}
table.data td { padding: 0.35rem 0.6rem; border-bottom: 1px solid #eef0f3; }
table.data tbody tr:nth-child(even) { background: var(--pc-stripe); }
table.data .num { text-align: right; white-space: nowrap; }
table.data .null { color: #9ca3af; }
.sv {
  flex: 1 1 auto;
  display: flex;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  text-align: center;
  padding: 0.5rem 0;
}
.sv-value {
  margin: 0;
  font-size: clamp(1.6rem, 11cqi, var(--pc-value-size));
  font-weight: 600;
  line-height: 1.1;
  color: var(--pc-value);
  font-variant-numeric: tabular-nums;
  white-space: nowrap;
}
.sv-label { margin: 0.4rem 0 0; font-size: 0.9rem; color: var(--pc-muted); }
.text-body { font-size: 0.9rem; color: var(--pc-text); overflow-wrap: anywhere; }
.text-body p { margin: 0 0 0.5rem; }
.text-body a { color: var(--pc-s0, #0072B2); }
.sv-comparison { margin: 0.35rem 0 0; font-size: 0.85rem; font-weight: 600; }
.sv-good { color: #067647; }
.sv-bad { color: #b42318; }
.sv-flat { color: var(--pc-muted); }
.empty { margin: auto; padding: 2rem 0; color: var(--pc-muted); font-size: 0.9rem; text-align: center; }
@media (max-width: 700px) {
  .grid { grid-template-columns: minmax(0, 1fr); padding: 0.5rem; gap: 0.75rem; }
  .grid > * { grid-column: 1 / -1 !important; grid-row: auto !important; }
}
@media print {
  .tile { break-inside: avoid; box-shadow: none; }
}
"#;

/// The CSS every fragment relies on (typography with the system font
/// stack, no web fonts; the 24-column `.grid`, which collapses to one
/// column under 700px; charts, legends, tables). Serve it once per page,
/// inline in a `<style>` or as a file.
pub fn stylesheet() -> &'static str {
    STYLESHEET
}

/// The inline `style` that places a tile in `.grid` with Looker's dashboard
/// layout units (24 columns; `row` and `col` from 0, `height` in grid rows of
/// at least 2.5rem each), e.g. `grid-column: 1 / span 8; grid-row: 1 / span 6;`.
/// Put it on the element that holds the tile in the grid, typically
/// `<div style="…">` around the fragment (the tile fills it); below 700px
/// the stylesheet overrides it and stacks tiles in one column. Widths are
/// clamped to the grid so a bad layout cannot overflow it.
pub fn grid_placement(row: u32, col: u32, width: u32, height: u32) -> String {
    let col = col.min(23);
    let width = width.clamp(1, 24 - col);
    format!("grid-column: {} / span {width}; grid-row: {} / span {};", col + 1, row + 1, height.max(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_series_colour_is_themable_and_defaults_to_the_palette() {
        let css = super::stylesheet();
        for (i, colour) in super::PALETTE.iter().enumerate() {
            assert!(css.contains(&format!(".s{i} {{ fill: var(--pc-s{i}, {colour}); }}")), "s{i}");
        }
        for (variable, _) in super::THEME_VARIABLES {
            assert!(css.contains(&format!("{variable}:")), "{variable} has a default");
        }
    }

    use super::*;

    #[test]
    fn placement_stays_in_the_grid() {
        assert_eq!(grid_placement(0, 0, 8, 6), "grid-column: 1 / span 8; grid-row: 1 / span 6;");
        assert_eq!(grid_placement(6, 16, 12, 0), "grid-column: 17 / span 8; grid-row: 7 / span 1;");
    }

    #[test]
    fn no_web_fonts_or_remote_urls() {
        let css = stylesheet();
        assert!(!css.contains("@font-face") && !css.contains("url(") && !css.contains("@import"));
        assert!(css.contains("system-ui"));
    }
}
