//! Keyed table rows written as HTML text: the rows a change brings are written into one text
//! and made by the browser's parser in one call, then put in place: all at once for a new view,
//! one call a row that moves or comes otherwise.
//!
//! A table row is plain markup (text and links; no signal or effect of its own). Made by the
//! framework, an element, an attribute and a text at a time, it costs a call from the wasm into
//! the browser for each (about 100 for a row of the events table): for a 50-row view that was
//! 7.9 ms of the 12–13 ms of script between its answer and its rows (docs/PERFORMANCE.md).
//!
//! Event fields are untrusted. `Markup` takes unescaped text only as `&'static str` (the
//! program's own markup); every other value goes through `text` or `attr`, escaped by
//! html-escape (the crate Leptos' own server rendering escapes with), so an event's text is
//! always shown as text (tests/e2e/hostile.rs).

use std::collections::HashMap;
use std::hash::Hash;

use leptos::html::Tbody;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlTemplateElement};

/// HTML text being written.
#[derive(Default)]
pub struct Markup(String);

impl Markup {
    /// The program's own markup, never a value from outside.
    pub fn tag(&mut self, markup: &'static str) -> &mut Self {
        self.0.push_str(markup);
        self
    }

    /// A value shown as text.
    pub fn text(&mut self, value: &str) -> &mut Self {
        html_escape::encode_text_to_string(value, &mut self.0);
        self
    }

    /// ` name="value"`, the value escaped.
    pub fn attr(&mut self, name: &'static str, value: &str) -> &mut Self {
        self.0.push(' ');
        self.0.push_str(name);
        self.0.push_str("=\"");
        html_escape::encode_double_quoted_attribute_to_string(value, &mut self.0);
        self.0.push('"');
        self
    }

    /// A table row's start: its id (the detail panel opens it), in the tab order, and its place
    /// `index` among all rows (from 0) as `aria-rowindex`, where the header row is 1.
    pub fn row_start(&mut self, id: &str, index: usize) -> &mut Self {
        self.tag("<tr")
            .attr("data-id", id)
            .tag(" tabindex=\"0\"")
            .attr("aria-rowindex", &(index + 2).to_string())
            .tag(">")
    }

    #[cfg(test)]
    fn as_str(&self) -> &str {
        &self.0
    }

    /// The written text.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// What a table draws: its rows in order, each with its key, and the height in pixels of the
/// spacer rows that stand for the rows left out above and below (0: none).
pub struct Drawn<K, T> {
    pub rows: Vec<(K, T)>,
    pub above_px: f64,
    pub below_px: f64,
}

/// The rows in the table now.
struct InTable<K> {
    rows: Vec<(K, Element)>,
    above: Option<Element>,
    below: Option<Element>,
    parser: HtmlTemplateElement,
}

/// Keeps `body`'s rows those of `drawn()`: a row whose key stays is left as it is, a new key's
/// row is written by `row` (which must write one `<tr>`), a gone key's row is removed.
pub fn keyed_html_rows<K, T>(
    body: NodeRef<Tbody>,
    drawn: impl Fn() -> Drawn<K, T> + 'static,
    row: impl Fn(&T, &mut Markup) + 'static,
) where
    K: Eq + Hash + Clone + 'static,
    T: 'static,
{
    Effect::new(move |was: Option<Option<InTable<K>>>| {
        let drawn = drawn();
        let body: Element = body.get()?.into();
        let table = match was.flatten() {
            Some(table) => table,
            None => InTable { rows: Vec::new(), above: None, below: None, parser: parser()? },
        };
        Some(update(&body, table, drawn, &row))
    });
}

fn parser() -> Option<HtmlTemplateElement> {
    web_sys::window()?.document()?.create_element("template").ok()?.dyn_into().ok()
}

fn update<K: Eq + Hash + Clone, T>(
    body: &Element,
    mut table: InTable<K>,
    drawn: Drawn<K, T>,
    row: &impl Fn(&T, &mut Markup),
) -> InTable<K> {
    let (old_keys, old_rows): (Vec<K>, Vec<Element>) = table.rows.drain(..).unzip();
    let new_keys: Vec<&K> = drawn.rows.iter().map(|(key, _)| key).collect();
    let plan = plan(&old_keys, &new_keys);
    let mut markup = Markup::default();
    let mut new_rows = 0;
    for ((_, item), step) in drawn.rows.iter().zip(&plan.steps) {
        if let Step::New(..) = step {
            row(item, &mut markup);
            new_rows += 1;
        }
    }
    let made = parse(&table.parser, markup, new_rows);
    let keys = drawn.rows.into_iter().map(|(key, _)| key);

    if plan.gone.len() == old_rows.len() {
        // Nothing stays (a new view): everything is replaced in one go, one call for the old
        // rows and one for the new instead of one a row.
        let above = spacer_row(table.above.take(), drawn.above_px);
        let below = spacer_row(table.below.take(), drawn.below_px);
        body.replace_children_with_node_0();
        if let Some(above) = &above {
            let _ = body.append_child(above);
        }
        let _ = body.append_child(&table.parser.content());
        if let Some(below) = &below {
            let _ = body.append_child(below);
        }
        table.rows = keys.zip(made).collect();
        table.above = above;
        table.below = below;
        return table;
    }

    for row in plan.gone.iter().filter_map(|&at| old_rows.get(at)) {
        row.remove();
    }
    // The spacers first: what moves is then put before the spacer below, or at the end.
    table.above = place_spacer(body, table.above.take(), drawn.above_px, true);
    table.below = place_spacer(body, table.below.take(), drawn.below_px, false);
    let mut rows = Vec::with_capacity(plan.steps.len());
    for (key, step) in keys.zip(plan.steps) {
        let (el, before) = match step {
            Step::Stays(at) => (old_rows.get(at), None),
            Step::Moves(at, before) => (old_rows.get(at), Some(before)),
            Step::New(i, before) => (made.get(i), Some(before)),
        };
        let Some(el) = el else { continue };
        if let Some(before) = before {
            let before = match before {
                Anchor::Before(at) => old_rows.get(at),
                Anchor::End => table.below.as_ref(),
            };
            let _ = body.insert_before(el, before.map(|b| b.as_ref()));
        }
        rows.push((key, el.clone()));
    }
    table.rows = rows;
    table
}

/// How a table's rows keyed `old` become rows keyed `new`: the old rows to remove, then for
/// each new row, whether it stays where it is, moves, or is new. What moves or is new goes
/// before the next old row that has not moved (or at the end), so rows that keep their order
/// (a scroll step, Load more, a filter) are never touched.
struct Plan {
    gone: Vec<usize>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// The old row at this index, left where it is.
    Stays(usize),
    /// The old row at this index, put before the anchor.
    Moves(usize, Anchor),
    /// The n-th row made by this change, put before the anchor.
    New(usize, Anchor),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Anchor {
    /// Before the old row at this index.
    Before(usize),
    /// After every row.
    End,
}

fn plan<K: Eq + Hash>(old: &[K], new: &[&K]) -> Plan {
    let mut was_at: HashMap<&K, usize> = old.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let from: Vec<Option<usize>> = new.iter().map(|k| was_at.remove(*k)).collect();
    let mut gone: Vec<usize> = was_at.into_values().collect();
    gone.sort_unstable();
    // The old rows that stay, in the table's order, and whether each has been dealt with.
    let mut staying: Vec<usize> = from.iter().flatten().copied().collect();
    staying.sort_unstable();
    let mut done = vec![false; old.len()];
    let mut next = 0;
    let mut made = 0;
    let mut steps = Vec::with_capacity(new.len());
    for from in from {
        while staying.get(next).is_some_and(|&at| done[at]) {
            next += 1;
        }
        let anchor = staying.get(next).map_or(Anchor::End, |&at| Anchor::Before(at));
        steps.push(match from {
            Some(at) => {
                done[at] = true;
                if staying.get(next) == Some(&at) {
                    next += 1;
                    Step::Stays(at)
                } else {
                    Step::Moves(at, anchor)
                }
            }
            None => {
                made += 1;
                Step::New(made - 1, anchor)
            }
        });
    }
    Plan { gone, steps }
}

/// The rows `markup` holds, made by the browser's parser (a template's content is parsed as a
/// table's rows may be); they stay in the template's content until put in the table.
fn parse(parser: &HtmlTemplateElement, markup: Markup, count: usize) -> Vec<Element> {
    parser.set_inner_html(if count == 0 { "" } else { &markup.0 });
    let children = parser.content().children();
    (0..children.length()).filter_map(|i| children.item(i)).collect()
}

/// A spacer row `px` high, or none when `px` is 0: `was` reused, or one made.
fn spacer_row(was: Option<Element>, px: f64) -> Option<Element> {
    if px <= 0.0 {
        return None;
    }
    let el = match was {
        Some(el) => el,
        None => {
            let document = web_sys::window()?.document()?;
            let row = document.create_element("tr").ok()?;
            row.set_class_name("spacer");
            let _ = row.set_attribute("aria-hidden", "true");
            let cell = document.create_element("td").ok()?;
            let _ = row.append_child(&cell);
            row
        }
    };
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') refuses a style attribute.
    if let Some(cell) = el.first_element_child().and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = cell.style().set_property("height", &format!("{px}px"));
    }
    Some(el)
}

/// The spacer row above or below the rows of a table whose rows stay, put in or taken out.
fn place_spacer(body: &Element, was: Option<Element>, px: f64, above: bool) -> Option<Element> {
    if px <= 0.0 {
        if let Some(was) = was {
            was.remove();
        }
        return None;
    }
    let existed = was.is_some();
    let el = spacer_row(was, px)?;
    if !existed {
        if above {
            let _ = body.insert_before(&el, body.first_child().as_ref());
        } else {
            let _ = body.append_child(&el);
        }
    }
    Some(el)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The keys in the order the plan leaves the table in.
    fn apply(old: &[u32], new: &[u32]) -> (Vec<u32>, usize) {
        let plan = plan(old, &new.iter().collect::<Vec<_>>());
        let mut table: Vec<u32> =
            old.iter().enumerate().filter(|(i, _)| !plan.gone.contains(i)).map(|(_, k)| *k).collect();
        let mut touched = 0;
        for (key, step) in new.iter().zip(plan.steps) {
            let anchor = match step {
                Step::Stays(_) => continue,
                Step::Moves(at, anchor) => {
                    table.retain(|k| *k != old[at]);
                    anchor
                }
                Step::New(_, anchor) => anchor,
            };
            touched += 1;
            let place = match anchor {
                Anchor::Before(at) => table.iter().position(|k| *k == old[at]).expect("the anchor is in the table"),
                Anchor::End => table.len(),
            };
            table.insert(place, *key);
        }
        (table, touched)
    }

    #[test]
    fn rows_that_keep_their_order_are_not_touched() {
        // A scroll step: one row gone above, one new below.
        assert_eq!(apply(&[1, 2, 3, 4], &[2, 3, 4, 5]), (vec![2, 3, 4, 5], 1));
        // Load more, and a filter.
        assert_eq!(apply(&[1, 2], &[1, 2, 3, 4]), (vec![1, 2, 3, 4], 2));
        assert_eq!(apply(&[1, 2, 3, 4], &[1, 3]), (vec![1, 3], 0));
        // A sort the other way.
        assert_eq!(apply(&[1, 2, 3], &[3, 2, 1]).0, vec![3, 2, 1]);
    }

    proptest! {
        #[test]
        fn any_change_leaves_the_rows_in_the_new_order(
            old in proptest::sample::subsequence((0u32..40).collect::<Vec<_>>(), 0..40).prop_shuffle(),
            new in proptest::sample::subsequence((0u32..40).collect::<Vec<_>>(), 0..40).prop_shuffle(),
        ) {
            prop_assert_eq!(apply(&old, &new).0, new);
        }
    }

    #[test]
    fn values_are_escaped_and_the_programs_markup_is_not() {
        let mut m = Markup::default();
        m.tag("<td").attr("title", r#"a"b<c>&'"#).tag(">").text("<img src=x onerror=alert(1)>&amp;").tag("</td>");
        assert_eq!(
            m.as_str(),
            r#"<td title="a&quot;b&lt;c&gt;&amp;'">&lt;img src=x onerror=alert(1)&gt;&amp;amp;</td>"#
        );
    }
}
