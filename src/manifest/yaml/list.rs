//! Lists read item by item. A `kind: List` document (what `kubectl get -o yaml` writes) whose
//! items are a block sequence under a top-level `items:` key is cut at its item lines, and
//! the items are parsed in parallel batches with their positions, so a List of 20,000 objects
//! costs about what 20,000 documents cost, and each item's fields are later found in its own
//! text. The cut is taken only where it cannot change what is read: on any doubt (anchors or
//! aliases, tabs or carriage returns, directives, mixed-case booleans, a flow List, a batch
//! that does not parse, an item count that differs from the cut) the document is parsed whole.

use std::fmt;

use rayon::prelude::*;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::{Options, Spanned};

use super::{JsonNode, RawDocument, has_mixed_case_boolean, options, parse_documents, to_u32};

/// Where one item of a List is written in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemText {
    /// 1-based position of the item's node.
    pub line: u32,
    pub column: u32,
    /// Byte range of the item's lines in the file, from its `-` to the next item.
    pub start: usize,
    pub end: usize,
    /// How many lines of the file come before `start`.
    pub offset_line: u32,
}

/// Items parsed together: enough text that a batch outweighs its overhead, little enough that
/// two cores share even a List of a few megabytes evenly.
const BATCH_BYTES: usize = 1 << 16;

/// A cheap first test: could `text` hold a List document worth cutting? Directives (`%YAML`)
/// apply across documents, so a stream with any is read as before.
pub(super) fn may_hold_list(text: &str) -> bool {
    (text.starts_with("items:") || text.contains("\nitems:"))
        && !text.starts_with('%')
        && !text.contains("\n%")
}

/// How a List document's text is laid out, found from its lines alone.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Byte range, in the document, of the lines of the block sequence under `items:`.
    seq_start: usize,
    seq_end: usize,
    /// Where each item's lines start in the document, with its 0-based line there.
    entries: Vec<(usize, usize)>,
}

impl Layout {
    /// The layout of `doc` (the text of one document, from its `---` line if it has one), or
    /// `None` when its items cannot be told apart with certainty.
    pub(crate) fn find(doc: &str) -> Option<Layout> {
        if !may_hold_list(doc)
            || doc.contains('\r')
            || has_mixed_case_boolean(doc)
            || may_hold_anchor_or_alias(doc)
        {
            return None;
        }
        let mut lines = Vec::new();
        let mut offset = 0;
        for line in doc.split_inclusive('\n') {
            lines.push((offset, line));
            offset += line.len();
        }
        // The root must be a block mapping whose keys start at column 0, after a bare `---`.
        if let Some((_, marker)) = lines.first()
            && let Some(rest) = marker.strip_prefix("---")
            && !is_blank_or_comment(rest)
        {
            return None;
        }
        let first = lines
            .iter()
            .map(|(_, l)| *l)
            .find(|l| !is_blank_or_comment(l) && !l.starts_with("---"))?;
        if !first.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let mut items_lines = lines
            .iter()
            .enumerate()
            .filter(|(_, (_, l))| is_items_key(l));
        let (items_at, _) = items_lines.next()?;
        if items_lines.next().is_some() {
            return None;
        }
        let (first_entry, indent) = lines[items_at + 1..]
            .iter()
            .enumerate()
            .find(|(_, (_, l))| !is_blank_or_comment(l))
            .and_then(|(i, (_, l))| {
                let indent = l.len() - l.trim_start_matches(' ').len();
                is_entry(&l[indent..]).then_some((items_at + 1 + i, indent))
            })?;
        let mut entries = vec![(lines[first_entry].0, first_entry)];
        let mut seq_end = doc.len();
        for (i, &(at, line)) in lines.iter().enumerate().skip(first_entry + 1) {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            let rest = &line[spaces..];
            if spaces > indent || is_blank_or_comment(line) {
                continue;
            }
            if rest.starts_with('\t') {
                return None;
            }
            if spaces == indent && is_entry(rest) {
                entries.push((at, i));
                continue;
            }
            if spaces > 0 {
                return None;
            }
            // A key of the root mapping: the sequence is over.
            seq_end = at;
            break;
        }
        Some(Layout {
            seq_start: lines[first_entry].0,
            seq_end,
            entries,
        })
    }
}

/// Parses the List document `doc` (starting at byte `base` of its file; lines relative to
/// `doc`) by its `layout`: the document without its items, then the items in parallel
/// batches. The parser's budgets are those of a text of `budget_len` bytes, the stream the
/// document was found in. `None` when any part does not parse or the items found are not
/// those cut, and the document must be parsed whole.
pub(crate) fn parse(
    doc: &str,
    layout: &Layout,
    base: usize,
    budget_len: usize,
) -> Option<RawDocument> {
    let head_options = options(budget_len);
    let head = format!(
        "{}{}",
        doc.get(..layout.seq_start)?,
        doc.get(layout.seq_end..)?
    );
    let mut heads = parse_documents(&head, base, 0, &head_options).ok()?;
    if heads.len() != 1 {
        return None;
    }
    let mut list = heads.pop()?;
    let Value::Object(map) = &mut list.value else {
        return None;
    };
    if map.get("items") != Some(&Value::Null) {
        return None;
    }
    let ends = layout
        .entries
        .iter()
        .skip(1)
        .map(|&(at, _)| at)
        .chain([layout.seq_end]);
    let entries: Vec<(usize, usize, usize)> = layout
        .entries
        .iter()
        .zip(ends)
        .map(|(&(start, line), end)| (start, end, line))
        .collect();
    let mut batches = Vec::new();
    let mut from = 0;
    while from < entries.len() {
        let mut to = from + 1;
        while to < entries.len() && entries[to].1 - entries[from].0 < BATCH_BYTES {
            to += 1;
        }
        batches.push(&entries[from..to]);
        from = to;
    }
    let parsed: Option<Vec<Vec<(Value, ItemText)>>> = batches
        .into_par_iter()
        .map(|batch| parse_batch(doc, batch, base, &options(budget_len)))
        .collect();
    let (values, texts): (Vec<Value>, Vec<ItemText>) = parsed?.into_iter().flatten().unzip();
    map.insert("items".to_string(), Value::Array(values));
    list.items = Some(texts);
    Some(list)
}

/// Parses the items `batch` (start, end, 0-based line of each in `doc`) as the sequence of an
/// `items:` key, the nesting they have in the List.
fn parse_batch(
    doc: &str,
    batch: &[(usize, usize, usize)],
    base: usize,
    options: &Options,
) -> Option<Vec<(Value, ItemText)>> {
    let (first, last) = (batch.first()?, batch.last()?);
    let text = format!("items:\n{}", doc.get(first.0..last.1)?);
    let Batch(items) = serde_saphyr::from_str_with_options(&text, options.clone()).ok()?;
    if items.len() != batch.len() {
        return None;
    }
    // Batch line 2 is the document's line `first.2 + 1` (1-based).
    let shift = first.2 as u32;
    items
        .into_iter()
        .zip(batch)
        .map(|((value, line, column), &(start, end, entry_line))| {
            let line = (line + shift).checked_sub(1)?;
            let next_line = batch_line_after(doc, end, entry_line, start);
            // An empty item has no text of its own to be placed at.
            if value.is_null() || (line as usize) <= entry_line || line as usize > next_line {
                return None;
            }
            Some((
                value,
                ItemText {
                    line,
                    column,
                    start: base + start,
                    end: base + end,
                    offset_line: to_u32(entry_line),
                },
            ))
        })
        .collect()
}

/// The 1-based number of the last line of the item that spans `start..end` of `doc` and starts
/// on 0-based line `entry_line`.
fn batch_line_after(doc: &str, end: usize, entry_line: usize, start: usize) -> usize {
    let text = doc.get(start..end).unwrap_or("");
    entry_line + text.matches('\n').count() + usize::from(!text.ends_with('\n'))
}

/// `items:` at column 0, alone on its line (a comment may follow).
fn is_items_key(line: &str) -> bool {
    line.strip_prefix("items:").is_some_and(|rest| {
        let rest = rest.trim_start_matches([' ', '\t']);
        rest.is_empty() || rest.starts_with('#') || rest == "\n"
    })
}

/// A sequence entry: `-` then a space or the end of the line.
fn is_entry(rest: &str) -> bool {
    rest.strip_prefix('-')
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\n']))
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim_start_matches([' ', '\t']);
    trimmed.is_empty() || trimmed == "\n" || trimmed.starts_with('#')
}

/// Whether `text` may hold an anchor (`&a`) or an alias (`*a`): aliases replay text across
/// items, and the parser's alias budgets count the whole document, so such a List is parsed
/// whole. Errs towards yes (`a && b` in a plain string counts).
fn may_hold_anchor_or_alias(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &c)| {
        (c == b'&' || c == b'*')
            && (i == 0
                || matches!(
                    bytes[i - 1],
                    b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b'-' | b':' | b'?'
                ))
            && bytes
                .get(i + 1)
                .is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\n' | b',' | b']' | b'}'))
    })
}

/// The items of a batch with the position of each item's node.
struct Batch(Vec<(Value, u32, u32)>);

impl<'de> Deserialize<'de> for Batch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BatchVisitor)
    }
}

struct BatchVisitor;

impl<'de> Visitor<'de> for BatchVisitor {
    type Value = Batch;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of `items` to a sequence")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Batch, A::Error> {
        let mut items = None;
        while let Some(JsonNode::<false>(key)) = map.next_key()? {
            if key != Value::String("items".into()) || items.is_some() {
                return Err(de::Error::custom("not a batch of List items"));
            }
            items = Some(map.next_value::<Items>()?.0);
        }
        items
            .map(Batch)
            .ok_or_else(|| de::Error::custom("not a batch of List items"))
    }
}

struct Items(Vec<(Value, u32, u32)>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ItemsVisitor)
    }
}

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = Items;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of List items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<JsonNode>>()? {
            items.push((
                item.value.0,
                to_u32(item.referenced.line()),
                to_u32(item.referenced.column()),
            ));
        }
        Ok(Items(items))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SpanTree, parse_whole};
    use super::*;
    use crate::source::PathSegment;

    /// Every path to a node of `value`.
    fn paths(value: &Value, path: &mut Vec<PathSegment>, out: &mut Vec<Vec<PathSegment>>) {
        out.push(path.clone());
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathSegment::Index(i));
                    paths(item, path, out);
                    path.pop();
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    path.push(PathSegment::Key(key.clone()));
                    paths(item, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// Parses `text` both ways; returns whether the List was cut. Values, document positions
    /// and every node's position inside each item are the same either way.
    fn same_as_whole(text: &str) -> bool {
        let whole = parse_documents(text, 0, 0, &options(text.len()));
        let cut = parse_whole(text, 0, 0);
        let (whole, cut) = match (whole, cut) {
            (Ok(whole), Ok(cut)) => (whole, cut),
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "{text}");
                return false;
            }
            (whole, cut) => panic!("{text}\nwhole: {whole:?}\ncut: {cut:?}"),
        };
        assert_eq!(whole.len(), cut.len(), "{text}");
        let mut was_cut = false;
        for (w, c) in whole.iter().zip(&cut) {
            assert_eq!(w.value, c.value, "{text}");
            assert_eq!(
                (w.line, w.column, w.offset, w.offset_line),
                (c.line, c.column, c.offset, c.offset_line),
                "{text}"
            );
            let Some(items) = &c.items else { continue };
            was_cut = true;
            let tree = SpanTree::parse(text, w.offset, w.offset_line).unwrap();
            let values = w.value["items"].as_array().unwrap();
            assert_eq!(values.len(), items.len());
            for (i, (value, at)) in values.iter().zip(items).enumerate() {
                let prefix = [PathSegment::Key("items".into()), PathSegment::Index(i)];
                assert_eq!(tree.locate(&prefix), (at.line, at.column), "{text}");
                let own = SpanTree::parse_item(text, at).unwrap();
                let mut all = Vec::new();
                paths(value, &mut Vec::new(), &mut all);
                for path in all {
                    let full: Vec<_> = prefix.iter().cloned().chain(path.clone()).collect();
                    let inside: Vec<_> = [PathSegment::Index(0)].into_iter().chain(path).collect();
                    assert_eq!(tree.locate(&full), own.locate(&inside), "{text} {full:?}");
                    assert_eq!(tree.locate_key(&full), own.locate_key(&inside), "{text}");
                }
            }
        }
        was_cut
    }

    #[test]
    fn lists_cut_at_their_items_read_as_the_whole() {
        let cut = [
            "apiVersion: v1\nkind: List\nitems:\n- a: 1\n  b: [1, 2]\n- c: {d: e}\n",
            "kind: List\nitems:\n  - a: 1\n  - b:\n    - x\n    - y\nmetadata: {}\n",
            "---\nkind: List\nitems: # the objects\n\n# first\n- a: |\n    text\n\n- b: >\n    folded\n    on\n\n  c: 'x'\n",
            "a: 1\n---\nitems:\n- items:\n  - x: 1\n  - y: 2\n- z: 3\n---\nb: 2\n",
            "items:\n- a: \"multi\n    line\"\n- b: plain\n    continued\n",
            "items:\n-\n  a: 1\n- - nested\n  - seq\n",
        ];
        for text in cut {
            assert!(same_as_whole(text), "not cut: {text}");
        }
        // Big enough for several batches.
        let many: String = (0..3000)
            .map(|i| format!("- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n"))
            .collect();
        assert!(same_as_whole(&format!("kind: List\nitems:\n{many}")));
    }

    /// Where the cut could change what is read, the List is read whole.
    #[test]
    fn doubtful_lists_are_read_whole() {
        let whole = [
            // An item-like line inside a quoted string.
            "items:\n- a: \"x\n- y\"\n- b\n",
            // Anchors and aliases.
            "items:\n- &a {x: 1}\n- *a\n",
            // A flow List, and a List whose items are not a sequence.
            "items: [{a: 1}, {b: 2}]\n",
            "items:\n  a: 1\n",
            // Tabs and carriage returns.
            "items:\n- a: 1\n\t- b\n",
            "items:\r\n- a: 1\r\n",
            // An empty item, and a root that is not a block mapping at column 0.
            "items:\n- a: 1\n-\n- b: 2\n",
            "{items:\n- a}\n",
            // The key twice, and a broken item.
            "items:\n- a: 1\nitems:\n- b\n",
            "kind: List\nitems:\n- a: [1\n- b: 2\n",
            // Mixed-case booleans need the positions of the whole document.
            "items:\n- a: yEs\n",
            "%YAML 1.1\n---\nitems:\n- a: 1\n",
        ];
        for text in whole {
            assert!(!same_as_whole(text), "cut: {text}");
        }
    }
}
