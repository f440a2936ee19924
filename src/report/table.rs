//! Plain, deterministic tables for terminals, CI logs and snapshots, laid out like kubectl's
//! (no borders, columns separated by three spaces).

use comfy_table::{ContentArrangement, Table, presets};

/// A borderless table with a header row, never wrapped to the terminal width, so the same
/// input always renders the same text.
pub fn new_table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty();
    table.set_header(
        header
            .into_iter()
            .map(Into::into)
            .collect::<Vec<comfy_table::Cell>>(),
    );
    table
}

/// Renders a table with trailing spaces trimmed from every line.
pub fn render(table: &Table) -> String {
    let mut table = table.clone();
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
