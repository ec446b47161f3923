//! Sizes for people: "512 B", "1.5 KiB", "25 MiB" (binary units, as the upload limit is set).

const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];

/// A byte count in the largest binary unit that keeps the number below 1024; one decimal
/// below 10 ("1.5 KiB"), none above ("12 KiB").
pub fn human(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // 1023.6 KiB would print as "1024 KiB": move on once rounding would reach 1024.
    while value >= 1023.5 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let number = if value < 9.95 {
        let text = format!("{value:.1}");
        text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
    } else {
        format!("{value:.0}")
    };
    format!("{number} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(1023), "1023 B");
        assert_eq!(human(1024), "1 KiB");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(12 * 1024 + 100), "12 KiB");
        assert_eq!(human(1024 * 1024 - 1), "1 MiB");
        assert_eq!(human(25 * 1024 * 1024), "25 MiB");
        assert_eq!(human(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
        assert_eq!(human(u64::MAX), "16777216 TiB");
    }
}
