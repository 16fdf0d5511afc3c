//! Project files as users write them: any text must parse or fail with a field error, never panic,
//! and whatever validates must survive a round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studio::input::{spec_from_yaml, SpecFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(file) = SpecFile::from_yaml(text) else { return };
    if let Ok(spec) = file.validate(1_764_000_000) {
        let again = spec_from_yaml(&spec.to_file().to_yaml(), 1_764_000_000).expect("a valid spec round-trips");
        assert_eq!(again, spec);
    }
});
