#![no_main]
//! Fuzzes the `csv` reader: it must never panic, whatever the bytes.

use keyplan::ingest::InputFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: keyplan_fuzz::warm_up(), |data: &[u8]| keyplan_fuzz::run(InputFormat::Csv, data));
