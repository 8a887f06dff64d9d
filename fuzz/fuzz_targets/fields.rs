#![no_main]
//! Fuzzes the field parsers (times, counts and sizes, key encodings) directly: no panic, and the
//! oracles of `keyplan_fuzz::fields` hold.

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: keyplan_fuzz::warm_up(), |data: &[u8]| keyplan_fuzz::fields(data));
