//! HTML helpers of the reports: escaping (the templates escape by default; this is for text
//! built outside them) and the embedding of a chart's SVG inline, so that every `report.html`
//! is one self-contained file: inline CSS, inline SVG, no scripts, no external references.

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Make a plotters SVG embeddable: no XML prolog, sized by its container, labelled.
pub fn inline_svg(svg: &str, caption: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => return String::new(),
    };
    let Some(end) = body.find('>') else { return String::new() };
    let open = &body[..end];
    let view_box = open.split("viewBox=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("0 0 1200 680");
    format!(
        "<svg viewBox=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\"{}",
        escape(view_box),
        escape(caption),
        &body[end..]
    )
}
