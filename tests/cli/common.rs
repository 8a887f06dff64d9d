//! Test fixtures: a temporary working directory that holds small input files, and a way to run the
//! `keyplan` binary in it (after xsv's `Workdir` and ripgrep's `Dir`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary directory with input files and the keyplan binary.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// A fresh, empty directory.
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("create temp dir"),
        }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The path of `name` inside the directory (which need not exist yet).
    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The names of the files in the directory, sorted (to check that nothing half-written is left).
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("read temp dir")
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// Writes `contents` gzip-compressed.
    pub fn write_gz(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(contents.as_ref()).unwrap();
        self.write(name, enc.finish().unwrap())
    }

    /// A `keyplan` command running in this directory.
    pub fn keyplan(&self) -> Command {
        let mut cmd = keyplan();
        cmd.current_dir(self.dir.path());
        cmd
    }

    /// `keyplan ARGS...` running in this directory.
    pub fn run(&self, args: &[&str]) -> Command {
        let mut cmd = self.keyplan();
        cmd.args(args);
        cmd
    }
}

/// A `keyplan` command in the current directory.
pub fn keyplan() -> Command {
    Command::cargo_bin("keyplan").expect("binary built")
}

/// The exact bytes (hex) of every top key of a report, for checks on odd keys.
pub fn key_hexes(report: &keyplan::report::AnalysisReport) -> Vec<String> {
    report
        .top_keys
        .iter()
        .filter_map(|k| k.key_hex.clone())
        .collect()
}

/// The repository root (where samples/ lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `contents` in BGZF, as `bgzip` writes it (SAM/BAM format specification, section 4.1): gzip
/// members of `chunk` input bytes, each with FLG=FEXTRA and a `BC` subfield holding the member's
/// size minus one, then the empty end-of-file member. Written here so the tests need no `bgzip`.
pub fn bgzf(contents: &[u8], chunk: usize) -> Vec<u8> {
    use std::io::Write;
    let member = |text: &[u8]| {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text).unwrap();
        let deflate = enc.finish().unwrap();
        let size = u16::try_from(18 + deflate.len() + 8 - 1).expect("a member under 64 KiB");
        let mut out = vec![
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ];
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&deflate);
        out.extend_from_slice(&crc32fast::hash(text).to_le_bytes());
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out
    };
    let mut out: Vec<u8> = contents.chunks(chunk.max(1)).flat_map(member).collect();
    out.extend(member(b""));
    out
}
