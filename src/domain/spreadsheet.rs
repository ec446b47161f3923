//! Cells for files that people open in a spreadsheet (CSV exports).
//!
//! Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a
//! formula (and strip a leading tab or CR before looking), so a contact named
//! `=HYPERLINK("http://evil.example")` would become a live link, or worse, in the operator's
//! spreadsheet ("CSV injection", OWASP). Such cells get a leading `'`, which spreadsheets read
//! as "this is text" and do not show.

use std::borrow::Cow;

/// The characters that make a spreadsheet treat a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet should show it: unchanged, or with a `'` in front when its first
/// character would start a formula. Only the first character matters.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_would_start_a_formula_is_prefixed() {
        for cell in [
            "=HYPERLINK(\"http://evil.example\")",
            "+1-555",
            "-2+3",
            "@SUM(A1)",
            "\t=1+1",
            "\r=1+1",
            "=",
        ] {
            assert_eq!(spreadsheet_safe(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn other_cells_are_borrowed_unchanged() {
        for cell in [
            "",
            "Ada",
            "a=b",
            " =1",
            "'=already text",
            "{\"plan\":\"+1\"}",
            "\n=1",
            "1-2",
        ] {
            assert!(
                matches!(spreadsheet_safe(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }
}
