//! Reading marks back out of rendered tiles, for tests that check where
//! things are drawn rather than just that they are.

// Each test binary uses the helpers it needs.
#![allow(dead_code)]

/// How often `needle` occurs in `haystack`.
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The value of attribute `name` in the tag `tag` (`<rect class=… x="1">`).
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(tag[start..start + tag[start..].find('"')?].to_owned())
}

/// A numeric attribute of `tag`.
pub fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name).unwrap_or_else(|| panic!("no {name} in {tag}")).parse().expect("a number")
}

/// One drawn mark: its series class (`s0`), its geometry and its tooltip.
#[derive(Debug, Clone)]
pub struct Mark {
    pub series: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub title: String,
}

impl Mark {
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub fn right(&self) -> f64 {
        self.x + self.width
    }
}

/// Every `<{element} class="mark …">` in `html`, in order (rects give
/// x/y/width/height, circles their centre as x/y).
pub fn marks(html: &str, element: &str) -> Vec<Mark> {
    html.split(&format!("<{element} class=\"mark "))
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            let title = &rest[rest.find("<title>").unwrap() + 7..rest.find("</title>").unwrap()];
            let (x, y) = if element == "circle" { ("cx", "cy") } else { ("x", "y") };
            Mark {
                series: tag[..tag.find('"').unwrap()].to_owned(),
                x: num(&format!(" {tag}"), x),
                y: num(&format!(" {tag}"), y),
                width: attr(&format!(" {tag}"), "width").map_or(0.0, |w| w.parse().unwrap()),
                height: attr(&format!(" {tag}"), "height").map_or(0.0, |h| h.parse().unwrap()),
                title: title.to_owned(),
            }
        })
        .collect()
}

/// The labels of the left value axis with the y of their gridlines.
pub fn y_ticks(html: &str) -> Vec<(String, f64)> {
    let start = html.find("<g class=\"y-axis\"").expect("a y axis");
    let group = &html[start..start + html[start..].find("</g>").unwrap()];
    group
        .lines()
        .filter(|l| l.starts_with("<line "))
        .map(|l| {
            let text = &l[l.find("dy=\"0.32em\">").unwrap() + 12..l.find("</text>").unwrap()];
            (text.to_owned(), num(l, "y1"))
        })
        .collect()
}

/// The labels of the bottom value axis (bars, scatter) with the x of their
/// gridlines; labels left out to avoid touching are empty.
pub fn x_ticks(html: &str) -> Vec<(String, f64)> {
    let start = html.find("<g class=\"x-axis\"").expect("an x axis");
    let group = &html[start..start + html[start..].find("</g>").unwrap()];
    group
        .lines()
        .filter(|l| l.starts_with("<line "))
        .map(|l| {
            let text =
                l.find("<text").map_or("", |t| &l[t + l[t..].find('>').unwrap() + 1..l.find("</text>").unwrap()]);
            (text.to_owned(), num(l, "x1"))
        })
        .collect()
}

/// Whether `a` and `b` are the same coordinate as written (one decimal).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.11
}
