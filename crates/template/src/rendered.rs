//! A rendered template and where its output came from: each run of output remembers the
//! template offset it was written from (literal text maps character by character, an
//! action's output maps to the action), so a later error in the output (a YAML syntax
//! error, a key that does not decode) can name the template line the user wrote.

use std::sync::Arc;

use crate::error::{line_col, offset_of};

/// The output of [`Template::render_mapped`](crate::Template::render_mapped).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    src: Arc<str>,
    segments: Vec<Segment>,
}

/// Output from byte `out` on was written from template byte `src`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    pub(crate) out: usize,
    pub(crate) src: usize,
    /// Literal text: the output is the template text itself.
    pub(crate) literal: bool,
}

// === impl Rendered ===

impl Rendered {
    pub(crate) fn new(text: String, src: Arc<str>, segments: Vec<Segment>) -> Self {
        Self {
            text,
            src,
            segments,
        }
    }

    /// The template line and column (1-based, columns in characters) that produced the
    /// output at `line`:`col`.
    pub fn source_position(&self, line: u32, col: u32) -> (u32, u32) {
        let at = offset_of(&self.text, line, col);
        let i = self.segments.partition_point(|s| s.out <= at);
        let Some(seg) = i.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return (1, 1);
        };
        let src = if seg.literal {
            seg.src + (at - seg.out)
        } else {
            seg.src
        };
        line_col(&self.src, src)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Funcs, Template, Value};

    #[test]
    fn output_positions_map_back_to_the_template() {
        let src = "a: 1\n{{ range $i := until 2 }}r{{ $i }}: x\n{{ end }}z: {{ \"v\" }}\n";
        let t = Template::parse(src, &Funcs::sprig()).expect("parse");
        let r = t.render_mapped(&Value::Nil).expect("render");
        assert_eq!(r.text, "a: 1\nr0: x\nr1: x\nz: v\n");
        // Line 1 is literal; lines 2 and 3 come from the loop body on template line 2.
        assert_eq!(r.source_position(1, 4), (1, 4));
        assert_eq!(r.source_position(2, 1), (2, 26));
        // Printed values map to the action's pipeline.
        assert_eq!(r.source_position(3, 2), (2, 30));
        assert_eq!(r.source_position(3, 5), (2, 37));
        // The line break after the printed `v` is literal.
        assert_eq!(r.source_position(4, 1), (3, 10));
        assert_eq!(r.source_position(4, 4), (3, 16));
        assert_eq!(r.source_position(4, 5), (3, 22));
    }
}
