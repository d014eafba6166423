//! The layering of `src/`, checked: every module may import only the layers below it
//! (docs/ARCHITECTURE.md draws them). The test reads each source file, finds every path
//! that names another top-level module of the crate (`crate::x`, `use crate::{x, …}`),
//! and fails with the file, line and `use` text of
//! each import that points up or sideways into a layer it may not see.
//!
//! It also checks that no source file pulls in a sibling with `#[path]`: modules are
//! folders named by concept.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Which top-level modules each top-level module may use (itself always allowed).
/// Anything not listed is forbidden. Ordered bottom-up.
const ALLOWED: &[(&str, &[&str])] = &[
    // The sans-IO protocol core knows nothing else of the crate.
    ("proto", &[]),
    // Private files (0600, never through a link): std and libc only.
    ("files", &[]),
    // Word wrapping in terminal columns: std and unicode-width only.
    ("wrap", &[]),
    // Standard output that ends quietly when its reader goes, and JSON escaped with the
    // one list of hostile characters in `proto::text`.
    ("output", &["proto"]),
    // The config file's profiles and secret sources: no network, no front end.
    ("config", &["proto"]),
    // Plain event and value types shared by every layer above.
    ("event", &["proto"]),
    // Transport: TCP, TLS, certificate verdicts.
    ("net", &["proto", "event"]),
    // Owns a connection and a session; emits events.
    ("driver", &["proto", "net", "event"]),
    // DNS with DNSSEC status: MX, addresses, TLSA, TXT; mail routing, and reaching an MX
    // host through `net` (`--mx`).
    ("dns", &["proto", "event", "net"]),
    // Files, explanations and diagnoses: no front end, no terminal, no command line, no
    // driver. `net` only for its plain values (targets, TLS options) and certificate
    // decoding: nothing here opens a connection.
    ("explain", &["proto", "event", "wrap"]),
    ("transcript", &["proto", "event", "explain", "net"]),
    // Lessons: lesson files, the checks over events, the progress file.
    ("learn", &["proto", "event"]),
    (
        "diagnose",
        &["proto", "event", "explain", "transcript", "net"],
    ),
    // The built-in server: the server side of the same protocol.
    ("sandbox", &["proto", "net", "event"]),
    // App state: the explorer's model, no I/O.
    (
        "app",
        &[
            "proto",
            "event",
            "explain",
            "transcript",
            "diagnose",
            "driver",
            "net",
            "learn",
            "wrap",
        ],
    ),
    // Views: draw `&App`.
    (
        "ui",
        &[
            "app",
            "proto",
            "event",
            "explain",
            "transcript",
            "diagnose",
            "net",
            "learn",
            "wrap",
        ],
    ),
    // Test and benchmark support, compiled only with the `testkit` feature.
    (
        "testkit",
        &["proto", "event", "net", "driver", "transcript", "app"],
    ),
    // Front ends: each takes its own plan; none imports `cli`. The explorer uses `check`
    // for DANE and MTA-STS (F2 in a `--mx` session), so the two never judge differently.
    (
        "probe",
        &[
            "proto",
            "dns",
            "event",
            "net",
            "driver",
            "transcript",
            "explain",
            "diagnose",
        ],
    ),
    (
        "scan",
        &[
            "proto",
            "dns",
            "event",
            "net",
            "driver",
            "transcript",
            "explain",
            "diagnose",
            "probe",
        ],
    ),
    // The domain check: DNS, connections, DANE, MTA-STS.
    ("check", &["proto", "event", "net", "dns"]),
    // The smuggling check: connections and the protocol core.
    ("smuggle", &["proto", "event", "net"]),
    // `replay --against` re-runs a session the probe's way: its printer and message builder.
    (
        "replay",
        &[
            "probe",
            "proto",
            "event",
            "net",
            "driver",
            "transcript",
            "explain",
            "diagnose",
            "app",
            "ui",
            "tui",
        ],
    ),
    (
        "tui",
        &[
            "proto",
            "dns",
            "check",
            "event",
            "net",
            "driver",
            "transcript",
            "explain",
            "diagnose",
            "app",
            "ui",
            "probe",
            "learn",
        ],
    ),
    (
        "demo",
        &[
            "proto",
            "event",
            "net",
            "driver",
            "transcript",
            "sandbox",
            "probe",
            "tui",
            "app",
            "learn",
        ],
    ),
    // Parsing the command line into each command's plan: may use everything.
    (
        "cli",
        &[
            "proto",
            "event",
            "net",
            "driver",
            "transcript",
            "explain",
            "diagnose",
            "sandbox",
            "app",
            "ui",
            "probe",
            "scan",
            "replay",
            "tui",
            "demo",
            "config",
            "learn",
            "dns",
            "check",
            "smuggle",
        ],
    ),
];

/// Leaf utilities every layer above the value types may use.
const LEAVES: &[&str] = &["files", "output"];

/// Layers that must stay pure: no file I/O either.
const PURE: &[&str] = &["proto", "event", "files", "output"];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`src/app/compose/mod.rs` → `app`,
/// `src/demo.rs` → `demo`); `None` for the crate roots.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    match first.as_str() {
        "lib.rs" | "main.rs" => None,
        name => Some(name.trim_end_matches(".rs").to_string()),
    }
}

/// Code of a line with its comment cut off (doc links may name any layer).
fn code_of(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return "";
    }
    match line.find("//") {
        // A `//` inside a string literal (a URL) is rare in imports; cutting there only
        // hides text after it, never a `crate::` before it.
        Some(at) => &line[..at],
        None => line,
    }
}

/// Every top-level module named by `crate::…` paths in `code`, including the braces form
/// `crate::{a::B, c}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = &rest[..at];
        // `smtpx_crate::`, `$crate::` are not ours.
        let prefixed = before
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        rest = &rest[at + "crate::".len()..];
        if prefixed {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's top level only: `crate::{app::{A, B}, cli}` names app and cli.
            let mut depth = 0usize;
            let mut item_start = true;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !name.is_empty() {
                            found.push(std::mem::take(&mut name));
                        }
                        item_start = true;
                        continue;
                    }
                    _ => {}
                }
                if item_start && depth == 0 {
                    if c.is_alphanumeric() || c == '_' {
                        name.push(c);
                        continue;
                    }
                    if !name.is_empty() {
                        found.push(std::mem::take(&mut name));
                        item_start = false;
                    }
                }
            }
            if !name.is_empty() {
                found.push(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

/// The import lines of `text` (joined when a `use` spans lines), each with its 1-based line.
fn statements(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let code = code_of(line);
        if let Some((start, mut acc)) = open.take() {
            acc.push(' ');
            acc.push_str(code.trim());
            if code.contains(';') {
                out.push((start, acc));
            } else {
                open = Some((start, acc));
            }
            continue;
        }
        let trimmed = code.trim_start();
        let is_use = trimmed.starts_with("use ")
            || trimmed.starts_with("pub use ")
            || trimmed.starts_with("pub(crate) use ");
        if is_use && !trimmed.contains(';') {
            open = Some((index + 1, trimmed.to_string()));
        } else if code.contains("crate::") {
            out.push((index + 1, trimmed.to_string()));
        }
    }
    out
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let known: BTreeSet<&str> = ALLOWED.iter().map(|(name, _)| *name).collect();
    let mut violations = Vec::new();
    let mut unlisted = BTreeSet::new();
    for file in &files {
        let Some(module) = top_module(&src, file) else {
            continue;
        };
        let Some((_, allowed)) = ALLOWED.iter().find(|(name, _)| *name == module) else {
            unlisted.insert(module);
            continue;
        };
        let text = fs::read_to_string(file).expect("source file is UTF-8");
        for (line, statement) in statements(&text) {
            for target in crate_paths(&statement) {
                if target == module || !known.contains(target.as_str()) {
                    continue;
                }
                let leaf = LEAVES.contains(&target.as_str()) && !PURE.contains(&module.as_str());
                if !leaf && !allowed.contains(&target.as_str()) {
                    violations.push(format!(
                        "{}:{line}: `{module}` may not use `{target}`: {statement}",
                        file.strip_prefix(&src).unwrap_or(file).display()
                    ));
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "top-level modules with no layer in tests/architecture.rs (add them to ALLOWED): {unlisted:?}"
    );
    assert!(
        violations.is_empty(),
        "imports that point up a layer (docs/ARCHITECTURE.md):\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_module_is_pulled_in_with_a_path_attribute() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("source file is UTF-8");
        for (index, line) in text.lines().enumerate() {
            if code_of(line).trim_start().starts_with("#[path") {
                found.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(root).unwrap_or(file).display(),
                    index + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "modules are folders, not #[path] siblings:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_every_import_form() {
    assert_eq!(crate_paths("use crate::cli::ConnectArgs;"), vec!["cli"]);
    assert_eq!(
        crate_paths("use crate::{app::App, proto, net::TlsInfo};"),
        vec!["app", "proto", "net"]
    );
    assert_eq!(crate_paths("let x = crate::tui::run(a);"), vec!["tui"]);
    assert_eq!(
        crate_paths("use crate::{app::{A, B}, cli};"),
        vec!["app", "cli"]
    );
    assert!(crate_paths("macro_rules! m { () => { $crate::x } }").is_empty());
    assert!(code_of("/// see [`crate::cli`]").is_empty());
    let joined = statements("use crate::{\n    app::App,\n    cli::X,\n};\n");
    assert_eq!(joined.len(), 1);
    assert_eq!(crate_paths(&joined[0].1), vec!["app", "cli"]);
}
