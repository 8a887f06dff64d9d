//! Errors and exit codes.
//!
//! Every failure a user can cause (a bad flag, a missing file, a malformed row) becomes an [`Error`]
//! that names *where* the problem is (path, line, column) and, when it can, what to do about it.
//! Nothing in keyplan panics on bad input: the binary prints the message and exits with
//! [`Exit::Error`].

use std::fmt;
use std::path::PathBuf;

/// Process exit codes, the public contract for scripts and CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// `check` found a design that breaches one of its limits.
    Breach = 1,
    /// Bad input, bad flags or an I/O failure.
    Error = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// Where in an input file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input as the user named it (`-` is standard input).
    pub path: String,
    /// 1-based line number, when known.
    pub line: Option<u64>,
    /// The column: its header name and 1-based field index, when the problem is in one field.
    pub column: Option<(String, usize)>,
}

impl Location {
    /// A location covering a whole file.
    pub fn file(path: impl Into<String>) -> Location {
        Location {
            path: path.into(),
            line: None,
            column: None,
        }
    }

    /// A location at one line of a file.
    pub fn line(path: impl Into<String>, line: u64) -> Location {
        Location {
            path: path.into(),
            line: Some(line),
            column: None,
        }
    }

    /// The same location narrowed to one column.
    pub fn with_column(mut self, name: impl Into<String>, index: usize) -> Location {
        self.column = Some((name.into(), index));
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some((_, index)) = &self.column {
                write!(f, ":{index}")?;
            }
        }
        if let Some((name, _)) = &self.column {
            write!(f, " (column '{}')", crate::terminal::field(name))?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in keyplan.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path involved, as the user named it.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An input row or field is malformed.
    #[error("{location}: {message}")]
    Input {
        /// Where the problem is.
        location: Location,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// A column named on the command line is not in the input's header.
    #[error(
        "column '{}' not found in {path} (columns: {}); {hint}",
        crate::terminal::field(column),
        crate::terminal::listing(available)
    )]
    UnknownColumn {
        /// The input file.
        path: String,
        /// The column the user asked for.
        column: String,
        /// The columns the header has, comma-separated.
        available: String,
        /// Which flag to fix.
        hint: String,
    },
    /// The input holds no events at all.
    #[error("{path}: no events to analyze ({reason})")]
    Empty {
        /// The input file (or all inputs).
        path: String,
        /// Why: no rows, or only zero weights.
        reason: String,
    },
    /// A flag value or combination is invalid.
    #[error("{0}")]
    Usage(String),
    /// The sample's facets (entities, windows, observed partitions) outgrew their bound.
    #[error(transparent)]
    Facets(#[from] crate::model::FacetError),
    /// A report chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The bundled font did not load (a broken build).
    #[error("the bundled chart font could not be loaded")]
    Font,
    /// A backend refused to draw.
    #[error("chart '{chart}': drawing failed: {message}")]
    Draw {
        /// The chart's name.
        chart: String,
        /// The backend's message.
        message: String,
    },
    /// The PNG encoder failed.
    #[error("chart '{chart}': PNG encoding failed: {message}")]
    Png {
        /// The chart's name.
        chart: String,
        /// The encoder's message.
        message: String,
    },
}

impl Error {
    /// Shorthand for an input error at a location; `message` is a typed error of the layer that
    /// found it (e.g. [`crate::ingest::field::FieldError`]) or a message.
    pub fn input(location: Location, message: impl std::fmt::Display) -> Error {
        Error::Input {
            location,
            message: message.to_string(),
        }
    }

    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether this is a closed pipe on output (e.g. `keyplan ... | head`), which exits quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The crate-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
