//! Builds the init executable for the same target as this addon and exposes its path to
//! `include_bytes!`, so that the .node file carries the init inside it.
//!
//! The init is built by a nested cargo with its own target directory (the outer build holds a
//! lock on the main one), with the "init" profile (abort on panic, size-optimised) and glibc
//! linked statically, so that exec from the memfd needs no dynamic loader.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    napi_build::setup();

    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.join("../..");
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let target_dir = workspace.join("target").join("init-build");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());

    let status = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "--quiet",
            "--profile",
            "init",
            "-p",
            "ocirun-core",
            "--bin",
            "ocirun-init",
            "--target",
            &target,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags are for a cdylib; the init wants its own.
        .env_remove("RUSTFLAGS")
        .env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+crt-static")
        .status()
        .expect("run cargo for the init executable");
    assert!(status.success(), "building the init executable failed");

    let bin = target_dir.join(&target).join("init").join("ocirun-init");
    println!("cargo:rustc-env=OCIRUN_INIT_PATH={}", bin.display());
    println!("cargo:rerun-if-changed=../ocirun-core/src");
    println!("cargo:rerun-if-changed=../ocirun-core/Cargo.toml");
    println!("cargo:rerun-if-changed=../../Cargo.toml");
    println!("cargo:rerun-if-changed=../../Cargo.lock");
}
