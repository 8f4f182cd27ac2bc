//! CSV for spreadsheets that expect `;` (locales with a decimal comma, such as Dutch Excel):
//! the writers produce RFC 4180 CSV with `,`; [`apply`] rewrites the CSV files of an output
//! folder with another delimiter, re-quoting fields as needed. Numbers keep their decimal point
//! and full precision.

use std::path::Path;

use super::write_atomic;
use crate::error::Error;

/// The delimiters offered by `--csv-delimiter`.
pub const DELIMITERS: [char; 2] = [',', ';'];

/// Parse a `--csv-delimiter` value.
pub fn parse_delimiter(s: &str) -> Result<char, String> {
    match s {
        "," | "comma" => Ok(','),
        ";" | "semicolon" => Ok(';'),
        _ => Err(format!("`{s}` is not a CSV delimiter; use `,` (the default) or `;`")),
    }
}

/// Split RFC 4180 CSV text (delimiter `,`) into records of fields (by the `csv` crate; records
/// may differ in length).
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().filter_map(Result::ok).map(|r| r.iter().map(str::to_string).collect()).collect()
}

/// The same CSV with `delimiter` between fields (by the `csv` crate); a field holding the
/// delimiter, a quote or a line break is quoted, and a record of one empty field is written `""`.
pub fn with_delimiter(text: &str, delimiter: char) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::with_capacity(text.len()));
    for record in parse(text) {
        // Writing to memory cannot fail.
        let _ = writer.write_record(&record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Rewrite every `*.csv` file directly in `dir` with `delimiter` when it is `;` (anything
/// else leaves the files as written, with `,`).
pub fn apply(dir: &Path, delimiter: char) -> Result<(), Error> {
    if delimiter != ';' {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Write { path: dir.display().to_string(), source })?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv") && p.is_file())
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|source| Error::Write { path: path.display().to_string(), source })?;
        write_atomic(&path, with_delimiter(&text, delimiter).as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_keep_every_field() {
        let text = "a,b,c\n1.5,\"x, y\",\"say \"\"hi\"\"\"\n2,has;semi,\n";
        let out = with_delimiter(text, ';');
        assert_eq!(out, "a;b;c\n1.5;x, y;\"say \"\"hi\"\"\"\n2;\"has;semi\";\n");
        assert_eq!(parse(&with_delimiter(text, ',')), parse(text));
    }
}
