//! Spreadsheets in and out: the sheets planners and trainers keep (a master scenario events
//! list, providers and their services) read from CSV or XLSX into scenario files, and a
//! scenario's timeline written as an MSEL spreadsheet that imports again without loss.
//!
//! - [`msel`]: the MSEL sheet (`downtime export`, `downtime import --msel`).
//! - [`roster`]: the Providers and Services sheets (`downtime import --providers`).
//! - [`span`]: source spans of RON values, to copy and replace parts of a scenario as written.
//!
//! Reading is bounded: files of at most [`MAX_FILE_BYTES`] (XLSX: at most [`MAX_UNPACKED_BYTES`]
//! unpacked, as the archive declares), at most [`MAX_ROWS`] rows and [`MAX_COLUMNS`] columns,
//! cells of at most [`MAX_CELL_CHARS`] characters. Every bad cell is reported (up to
//! [`MAX_REPORTED`]) as `FILE:SHEET:ROW:COLUMN (Header): what is wrong`. The sheet layouts are
//! documented in docs/spreadsheets.md.

pub mod msel;
pub mod roster;
pub mod span;

use std::path::Path;

/// Largest spreadsheet file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Largest total unpacked size of an XLSX archive's parts, in bytes (as the archive declares).
pub const MAX_UNPACKED_BYTES: u64 = 128 << 20;
/// Most rows of one sheet (the header included).
pub const MAX_ROWS: usize = 100_000;
/// Most columns of one sheet.
pub const MAX_COLUMNS: usize = 64;
/// Longest cell, in characters.
pub const MAX_CELL_CHARS: usize = 10_000;
/// Most bad cells reported at once.
pub const MAX_REPORTED: usize = 50;

/// A cell's value as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date or time cell of a spreadsheet: days since 1899-12-30 (the fraction is the time).
    Serial(f64),
}

impl Cell {
    /// The cell as text (numbers written as the shortest decimal).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) | Cell::Serial(n) => format!("{n}"),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a number, if it is one (a number cell or text that parses as one).
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(n) => Some(*n),
            Cell::Text(s) => s.trim().replace('_', "").parse().ok().filter(|x: &f64| x.is_finite()),
            _ => None,
        }
    }
}

/// One sheet: its name, header row and data rows (each as long as the header).
#[derive(Debug, Clone)]
pub struct Table {
    /// The file it came from, as shown in errors.
    pub file: String,
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A bad cell: where, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub file: String,
    pub sheet: String,
    /// 1-based spreadsheet row (the header is row 1).
    pub row: usize,
    /// 0-based column.
    pub column: usize,
    pub header: String,
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let col = column_letter(self.column);
        if self.header.is_empty() {
            write!(f, "{}:{}:{}:{}: {}", self.file, self.sheet, self.row, col, self.message)
        } else {
            write!(f, "{}:{}:{}:{} ({}): {}", self.file, self.sheet, self.row, col, self.header, self.message)
        }
    }
}

/// Why a spreadsheet could not be read or imported.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The file as a whole (missing, too large, not a spreadsheet, a sheet missing).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// Bad cells, every one (up to [`MAX_REPORTED`]).
    #[error("{}", render_cells(.0))]
    Cells(Vec<CellError>),
}

fn render_cells(cells: &[CellError]) -> String {
    let mut lines: Vec<String> = cells.iter().take(MAX_REPORTED).map(|c| c.to_string()).collect();
    if cells.len() > MAX_REPORTED {
        lines.push(format!("... and {} more bad cells", cells.len() - MAX_REPORTED));
    }
    lines.join("\n")
}

impl From<SheetError> for crate::Error {
    fn from(e: SheetError) -> Self {
        crate::Error::Usage(e.to_string())
    }
}

/// `A`, `B`, ... `Z`, `AA`, ... for a 0-based column.
pub fn column_letter(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn file_error(file: &str, message: impl Into<String>) -> SheetError {
    SheetError::File { file: file.to_string(), message: message.into() }
}

/// Whether `path` names an XLSX workbook (by its extension); anything else is read as CSV.
pub fn is_xlsx(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Read sheet `sheet` of an XLSX workbook, or the whole of a CSV file (which is one sheet,
/// shown under the name `sheet`). `None` when an XLSX workbook has no such sheet.
pub fn read(path: &Path, sheet: &str) -> Result<Option<Table>, SheetError> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| file_error(&file, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(file_error(&file, "not a regular file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(file_error(
            &file,
            format!("{} bytes; spreadsheets of at most {MAX_FILE_BYTES} bytes are read", meta.len()),
        ));
    }
    let mut table = if is_xlsx(path) {
        match read_xlsx(path, &file, sheet)? {
            Some(t) => t,
            None => return Ok(None),
        }
    } else {
        read_csv(path, &file, sheet)?
    };
    // Drop empty rows at the end, pad short rows.
    while table.rows.last().is_some_and(|r| r.iter().all(Cell::is_empty)) {
        table.rows.pop();
    }
    let width = table.headers.len();
    for r in &mut table.rows {
        r.resize(width, Cell::Empty);
    }
    Ok(Some(table))
}

fn read_csv(path: &Path, file: &str, sheet: &str) -> Result<Table, SheetError> {
    let bytes = std::fs::read(path).map_err(|e| file_error(file, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| file_error(file, "not UTF-8 text; save the sheet as CSV UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // A sheet saved in a locale with a decimal comma uses `;` between fields.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| file_error(file, format!("row {}: {e}", i + 1)))?;
        if i >= MAX_ROWS {
            return Err(file_error(file, format!("more than {MAX_ROWS} rows")));
        }
        if record.len() > MAX_COLUMNS {
            return Err(file_error(file, format!("row {}: {} columns; at most {MAX_COLUMNS}", i + 1, record.len())));
        }
        let mut row = Vec::with_capacity(record.len());
        for (c, field) in record.iter().enumerate() {
            if field.chars().count() > MAX_CELL_CHARS {
                return Err(SheetError::Cells(vec![CellError {
                    file: file.to_string(),
                    sheet: sheet.to_string(),
                    row: i + 1,
                    column: c,
                    header: String::new(),
                    message: format!("more than {MAX_CELL_CHARS} characters"),
                }]));
            }
            row.push(if field.trim().is_empty() { Cell::Empty } else { Cell::Text(field.to_string()) });
        }
        rows.push(row);
    }
    table_from_rows(file, sheet, rows)
}

fn table_from_rows(file: &str, sheet: &str, mut rows: Vec<Vec<Cell>>) -> Result<Table, SheetError> {
    if rows.is_empty() {
        return Err(file_error(file, format!("sheet {sheet} is empty; its first row must name the columns")));
    }
    let headers: Vec<String> = rows.remove(0).iter().map(Cell::text).collect();
    let headers: Vec<String> = {
        let mut h = headers;
        while h.last().is_some_and(|s| s.is_empty()) {
            h.pop();
        }
        h
    };
    Ok(Table { file: file.to_string(), sheet: sheet.to_string(), headers, rows })
}

fn read_xlsx(path: &Path, file: &str, sheet: &str) -> Result<Option<Table>, SheetError> {
    use calamine::{Reader, Xlsx};
    // The archive's declared sizes first: a small file must not unpack into gigabytes.
    {
        let f = std::fs::File::open(path).map_err(|e| file_error(file, format!("cannot read: {e}")))?;
        let mut zip = zip::ZipArchive::new(f).map_err(|e| file_error(file, format!("not an XLSX workbook: {e}")))?;
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|e| file_error(file, format!("not an XLSX workbook: {e}")))?;
            total = total.saturating_add(entry.size());
        }
        if total > MAX_UNPACKED_BYTES {
            return Err(file_error(
                file,
                format!("unpacks to {total} bytes; workbooks of at most {MAX_UNPACKED_BYTES} bytes unpacked are read"),
            ));
        }
    }
    let mut book: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| file_error(file, format!("not an XLSX workbook: {e}")))?;
    let Some(name) = book.sheet_names().into_iter().find(|n| n.eq_ignore_ascii_case(sheet)) else {
        return Ok(None);
    };
    let mut reader = book.worksheet_cells_reader(&name).map_err(|e| file_error(file, format!("sheet {name}: {e}")))?;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| file_error(file, format!("sheet {name}: {e}")))? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        if r >= MAX_ROWS {
            return Err(file_error(file, format!("sheet {name}: more than {MAX_ROWS} rows")));
        }
        if c >= MAX_COLUMNS {
            return Err(file_error(file, format!("sheet {name}: more than {MAX_COLUMNS} columns")));
        }
        use calamine::DataRef;
        let value = match cell.get_value() {
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::String(s) => Cell::Text(s.clone()),
            DataRef::SharedString(s) => Cell::Text((*s).to_string()),
            DataRef::Bool(b) => Cell::Text(b.to_string()),
            DataRef::DateTime(d) => Cell::Serial(d.as_f64()),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.clone()),
            DataRef::Error(e) => Cell::Text(format!("#{e:?}")),
            DataRef::Empty => Cell::Empty,
        };
        if let Cell::Text(s) = &value
            && s.chars().count() > MAX_CELL_CHARS
        {
            return Err(SheetError::Cells(vec![CellError {
                file: file.to_string(),
                sheet: name.clone(),
                row: r + 1,
                column: c,
                header: String::new(),
                message: format!("more than {MAX_CELL_CHARS} characters"),
            }]));
        }
        while rows.len() <= r {
            rows.push(Vec::new());
        }
        let row = &mut rows[r];
        while row.len() <= c {
            row.push(Cell::Empty);
        }
        row[c] = value;
    }
    table_from_rows(file, &name, rows).map(Some)
}

impl Table {
    /// The column whose header is one of `names` (case and spaces ignored).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let norm = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        self.headers.iter().position(|h| names.iter().any(|n| norm(n) == norm(h)))
    }

    /// A bad-cell record for data row `i` (0-based) and column `c`.
    pub fn error(&self, i: usize, c: usize, message: impl Into<String>) -> CellError {
        CellError {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: i + 2,
            column: c,
            header: self.headers.get(c).cloned().unwrap_or_default(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
    }
}

/// The text of a scenario named on the command line: a built-in, a template or a file.
fn scenario_text(spec: &str) -> Result<(String, String), crate::Error> {
    if crate::scenario::builtin::get(spec).is_none()
        && !Path::new(spec).exists()
        && let Some(t) = crate::scenario::templates::get(spec)
    {
        return Ok((t.to_string(), format!("<template {spec}>")));
    }
    Ok(crate::scenario::source(spec)?)
}

fn refuse_overwrite(path: &Path, force: bool) -> Result<(), crate::Error> {
    if path.exists() && !force {
        return Err(crate::Error::Usage(format!(
            "{} exists; choose another name or add --force to replace it",
            path.display()
        )));
    }
    Ok(())
}

/// What `downtime import` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportCommand {
    /// The base scenario (built-in, template or file); default: the `hospital` template for
    /// providers, required for an MSEL alone.
    pub into: Option<String>,
    pub msel: Option<std::path::PathBuf>,
    pub providers: Option<std::path::PathBuf>,
    pub services: Option<std::path::PathBuf>,
    pub output: std::path::PathBuf,
    pub force: bool,
}

/// `downtime import`: merge the sheets into the base scenario and write the result; returns
/// what to print (the calibration warnings included).
pub fn import_command(c: &ImportCommand) -> Result<String, crate::Error> {
    if c.msel.is_none() && c.providers.is_none() {
        return Err(crate::Error::Usage("nothing to import: give --msel FILE and/or --providers FILE".into()));
    }
    let into = match (&c.into, &c.providers) {
        (Some(s), _) => s.clone(),
        (None, Some(_)) => "hospital".to_string(),
        (None, None) => {
            return Err(crate::Error::Usage(
                "--msel needs --into SCENARIO: the scenario whose timeline the sheet replaces".into(),
            ));
        }
    };
    refuse_overwrite(&c.output, c.force)?;
    let (mut text, mut file) = scenario_text(&into)?;
    if let Some(p) = &c.providers {
        let providers = read(p, "Providers")?
            .ok_or_else(|| file_error(&p.display().to_string(), "the workbook has no sheet named Providers"))?;
        let services_path = c.services.as_deref().unwrap_or(p);
        if !is_xlsx(p) && c.services.is_none() {
            return Err(crate::Error::Usage(
                "a providers CSV needs --services FILE (a CSV holds one sheet; an XLSX workbook can hold both)".into(),
            ));
        }
        let services = read(services_path, "Services")?.ok_or_else(|| {
            file_error(&services_path.display().to_string(), "the workbook has no sheet named Services")
        })?;
        text = roster::merge(&text, &file, &providers, &services)?;
        file = c.output.display().to_string();
    }
    if let Some(m) = &c.msel {
        let table = msel::read(m)?;
        // After a providers import the text is new: validate it under the output's name.
        text = msel::merge(&text, &file, &table)?;
    }
    crate::report::write_atomic(&c.output, text.as_bytes())?;
    let out = c.output.display().to_string();
    let scenario = crate::scenario::from_str(&text, &out)?;
    let warnings = crate::scenario::check::check(&scenario, &text);
    let mut s = crate::scenario::check::render(&out, &warnings, &text, false);
    s.push_str(&format!(
        "wrote {out} ({} providers, {} injects{})\n",
        scenario.providers.len(),
        scenario.timeline.len(),
        if warnings.is_empty() { String::new() } else { format!(", {} calibration warnings", warnings.len()) }
    ));
    Ok(s)
}

/// `downtime export`: the scenario's timeline as an MSEL spreadsheet. `output` ending in
/// `.xlsx` or `.csv` is that file; anything else is a folder that gets `msel.xlsx` and
/// `msel.csv`. Returns what to print.
pub fn export_command(scenario: &str, output: &Path, force: bool) -> Result<String, crate::Error> {
    let (text, file) = scenario_text(scenario)?;
    let rows = msel::rows(&text, &file)?;
    let ext = output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let targets: Vec<std::path::PathBuf> = match ext.as_deref() {
        Some("xlsx") | Some("csv") => vec![output.to_path_buf()],
        _ => {
            std::fs::create_dir_all(output)
                .map_err(|e| crate::Error::Write { path: output.display().to_string(), source: e })?;
            vec![output.join("msel.xlsx"), output.join("msel.csv")]
        }
    };
    for t in &targets {
        refuse_overwrite(t, force)?;
    }
    let mut s = String::new();
    for t in &targets {
        msel::write(t, &rows)?;
        s.push_str(&format!("wrote {} ({} injects)\n", t.display(), rows.len() - 1));
    }
    Ok(s)
}
