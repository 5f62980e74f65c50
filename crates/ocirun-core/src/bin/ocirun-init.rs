//! The re-exec init entry: the launcher spawns this from a sealed memfd copy embedded in the
//! Node addon. All logic lives in `ocirun_core::init`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    std::process::exit(ocirun_core::init::run(&args));
}
