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

thread_local! {
    /// Set while [`tab_separated`] runs.
    static TAB_SEPARATED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `render` with every table laid out tab-separated instead of aligned: what snapshots
/// store, so that one cell growing changes only its own row of a stored snapshot.
pub fn tab_separated<T>(render: impl FnOnce() -> T) -> T {
    let before = TAB_SEPARATED.replace(true);
    let out = render();
    TAB_SEPARATED.set(before);
    out
}

/// Renders a table with trailing spaces trimmed from every line (or tab-separated, inside
/// [`tab_separated`]).
pub fn render(table: &Table) -> String {
    if TAB_SEPARATED.get() {
        return render_tab_separated(table);
    }
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

/// One line per row, the cells joined by tabs (a line break inside a cell becomes a space).
fn render_tab_separated(table: &Table) -> String {
    let mut out = String::new();
    for row in table.header().into_iter().chain(table.row_iter()) {
        let cells: Vec<String> = row
            .cell_iter()
            .map(|c| c.content().replace('\n', " "))
            .collect();
        out.push_str(cells.join("\t").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_longer_cell_moves_only_its_own_row_when_tab_separated() {
        let table = |name: &str| {
            let mut t = new_table(["KIND", "NAME"]);
            t.add_row(["User", name]);
            t.add_row(["Group", "dev"]);
            t
        };
        assert_eq!(
            render(&table("a")),
            "KIND    NAME\nUser    a\nGroup   dev\n"
        );
        let short = tab_separated(|| render(&table("a")));
        let long = tab_separated(|| render(&table("a-much-longer-name")));
        assert_eq!(short, "KIND\tNAME\nUser\ta\nGroup\tdev\n");
        assert_eq!(short.lines().nth(2), long.lines().nth(2));
        // Outside, tables are aligned again.
        assert_eq!(
            render(&table("a")),
            "KIND    NAME\nUser    a\nGroup   dev\n"
        );
    }
}
