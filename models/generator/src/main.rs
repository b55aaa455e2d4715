//! `adyen-models-gen SPEC_DIR OUT_DIR`: generates the models from the spec files in SPEC_DIR
//! (every `*.json` there, plus its `SOURCE`) into OUT_DIR, formatted with rustfmt.
//!
//! OUT_DIR is emptied of `.rs` files first, so a family removed from SPEC_DIR disappears.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec_dir, out_dir] = args.as_slice() else {
        eprintln!("usage: adyen-models-gen SPEC_DIR OUT_DIR");
        return ExitCode::from(2);
    };
    match run(Path::new(spec_dir), Path::new(out_dir)) {
        Ok(n) => {
            eprintln!("adyen-models-gen: {n} files written to {out_dir}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("adyen-models-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(spec_dir: &Path, out_dir: &Path) -> Result<usize, String> {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let source = adyen_models_gen::Source::parse(&read(&spec_dir.join("SOURCE"))?)?;
    let mut names: Vec<PathBuf> = std::fs::read_dir(spec_dir)
        .map_err(|e| format!("{}: {e}", spec_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut specs = Vec::new();
    for path in &names {
        let json =
            serde_json::from_str(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .ok_or_else(|| format!("{}: not UTF-8", path.display()))?
            .to_owned();
        specs.push(adyen_models_gen::Spec { file, json });
    }
    if specs.is_empty() {
        return Err(format!("no spec files in {}", spec_dir.display()));
    }
    let files = adyen_models_gen::generate(&specs, &source)?;

    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    for entry in std::fs::read_dir(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "rs") {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let mut written = Vec::new();
    for (name, text) in &files {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    // The same rustfmt `cargo fmt` runs, with its defaults (the repository has no rustfmt.toml),
    // so that the output passes `cargo fmt --check` as generated.
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let status = Command::new(&rustfmt)
        .args(["--edition", "2021"])
        .args(&written)
        .status()
        .map_err(|e| format!("{rustfmt}: {e}"))?;
    if !status.success() {
        return Err(format!("{rustfmt} failed: {status}"));
    }
    Ok(written.len())
}
