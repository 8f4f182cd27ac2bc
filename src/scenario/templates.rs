//! Starting scenarios for `downtime new`: commented RON files to copy and edit, embedded in the
//! binary. Each validates and runs as written; every field carries a comment with its meaning
//! and unit, and every number says whether it is an assumption or has a source.

use std::path::Path;

use crate::error::Error;

/// (name, one-line description, RON text).
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "hospital",
        "One hospital testing its continuity plan: the EHR vendor's portals, app and exchange go down for a week",
        include_str!("templates/hospital.ron"),
    ),
    (
        "gp-cooperative",
        "A GP cooperative of 20 practices on one vendor's cloud, referring to a hospital and prescribing to pharmacies",
        include_str!("templates/gp-cooperative.ron"),
    ),
    (
        "regional-network",
        "A region: hospitals, GP practices, pharmacies and rehabilitation on mixed vendors and hosting",
        include_str!("templates/regional-network.ron"),
    ),
    (
        "national-policy",
        "A national policy study in provider groups (a smaller sketch of nl-national)",
        include_str!("templates/national-policy.ron"),
    ),
];

/// The text of template `name`.
pub fn get(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(n, _, _)| *n == name).map(|(_, _, t)| *t)
}

/// Names of all templates.
pub fn names() -> Vec<&'static str> {
    TEMPLATES.iter().map(|(n, _, _)| *n).collect()
}

/// `downtime new TEMPLATE [-o FILE] [--force]`: the template's text (to print) when `output` is
/// `None`, else write it there and return a line saying so. An unknown template or an existing
/// file (without `force`) is a usage error (exit code 2).
pub fn command(name: &str, output: Option<&Path>, force: bool) -> Result<String, Error> {
    let Some(text) = get(name) else {
        let hint = match super::validate::closest(name, names().into_iter()) {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!("templates: {}", names().join(", ")),
        };
        return Err(Error::Usage(format!("unknown template `{name}`; {hint} (`downtime new --list` names them)")));
    };
    write_or_print(text, output, force)
}

/// `downtime new --from BUILTIN [-o FILE] [--force]`: a built-in scenario's text as an editable
/// file, with the same rules as a template's. An unknown name is a usage error (exit code 2)
/// listing the built-ins.
pub fn from_builtin(name: &str, output: Option<&Path>, force: bool) -> Result<String, Error> {
    let Some(text) = super::builtin::get(name) else {
        let names = super::builtin::names();
        let hint = match super::validate::closest(name, names.iter().copied()) {
            Some(n) => format!("did you mean `{n}`? "),
            None => String::new(),
        };
        return Err(Error::Usage(format!(
            "unknown built-in scenario `{name}`; {hint}built-ins: {} (`downtime scenarios` describes them)",
            names.join(", ")
        )));
    };
    write_or_print(text, output, force)
}

/// The text to print when `output` is `None`, else write it there (refusing an existing file
/// without `force`, and any special file) and return a line saying so.
fn write_or_print(text: &str, output: Option<&Path>, force: bool) -> Result<String, Error> {
    let Some(path) = output else { return Ok(text.to_string()) };
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "`{}` already exists; choose another file or pass --force to overwrite it",
            path.display()
        )));
    }
    crate::report::write_atomic(path, text.as_bytes())?;
    Ok(format!(
        "wrote {}; check it with `downtime validate {}` (fields: `downtime reference`)\n",
        path.display(),
        path.display()
    ))
}
