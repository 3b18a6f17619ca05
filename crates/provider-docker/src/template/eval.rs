//! Evaluating a parsed pipeline against one container's [`Data`].

use std::collections::BTreeMap;

use crate::suggest::suggest as did_you_mean;

use super::{Command, Data, Operand, Pipeline, TemplateError};
use crate::normalize::normalize;

/// The functions templates may call.
const FUNCTIONS: &[&str] = &[
    "normalize",
    "index",
    "lower",
    "upper",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "replace",
    "default",
];

/// A template value: text, or the label map.
#[derive(Debug, Clone)]
pub(super) enum Val<'a> {
    Text(String),
    Labels(&'a BTreeMap<String, String>),
}

// === impl Val ===

impl Val<'_> {
    pub(super) fn into_text(self) -> Result<String, TemplateError> {
        match self {
            Val::Text(s) => Ok(s),
            Val::Labels(_) => Err(err("`.Labels` is a map; use `index .Labels \"key\"`")),
        }
    }
}

pub(super) fn pipeline<'a>(p: &Pipeline, data: &Data<'a>) -> Result<Val<'a>, TemplateError> {
    let mut prev: Option<Val<'a>> = None;
    for command in &p.commands {
        prev = Some(match command {
            Command::Operand(op) => {
                if prev.is_some() {
                    return Err(err("only a function can follow `|`"));
                }
                operand(op, data)?
            }
            Command::Call(name, args) => {
                let mut values = args
                    .iter()
                    .map(|a| operand(a, data))
                    .collect::<Result<Vec<_>, _>>()?;
                values.extend(prev.take());
                call(name, values)?
            }
        });
    }
    prev.ok_or_else(|| err("empty pipeline"))
}

fn operand<'a>(op: &Operand, data: &Data<'a>) -> Result<Val<'a>, TemplateError> {
    match op {
        Operand::Str(s) => Ok(Val::Text(s.clone())),
        Operand::Paren(p) => pipeline(p, data),
        Operand::Field(names) => field(names, data),
    }
}

fn field<'a>(names: &[String], data: &Data<'a>) -> Result<Val<'a>, TemplateError> {
    match names {
        [] => Err(err("`.` alone is the whole data; use `.Name`")),
        [n] if n == "Name" => Ok(Val::Text(data.name.to_string())),
        [n] if n == "ContainerName" => Ok(Val::Text(data.container_name.to_string())),
        [n] if n == "Labels" => Ok(Val::Labels(data.labels)),
        [n, key] if n == "Labels" => {
            Ok(Val::Text(data.labels.get(key).cloned().unwrap_or_default()))
        }
        [n, ..] => {
            let fields = ["Name", "ContainerName", "Labels"];
            let hint = did_you_mean(n, fields)
                .map(|s| format!(" (did you mean `.{s}`?)"))
                .unwrap_or_default();
            Err(err(format!(
                "can't evaluate field `.{}`: the data has .Name, .ContainerName and .Labels{hint}",
                names.join(".")
            )))
        }
    }
}

fn call<'a>(name: &str, args: Vec<Val<'a>>) -> Result<Val<'a>, TemplateError> {
    if name == "index" {
        return index(args);
    }
    let texts = args
        .into_iter()
        .map(Val::into_text)
        .collect::<Result<Vec<_>, _>>()?;
    let text = match (name, texts.as_slice()) {
        ("normalize", [s]) => normalize(s),
        ("lower", [s]) => s.to_lowercase(),
        ("upper", [s]) => s.to_uppercase(),
        ("trim", [s]) => s.trim().to_string(),
        ("trimPrefix", [p, s]) => s.strip_prefix(p.as_str()).unwrap_or(s).to_string(),
        ("trimSuffix", [p, s]) => s.strip_suffix(p.as_str()).unwrap_or(s).to_string(),
        ("replace", [old, new, s]) => s.replace(old.as_str(), new),
        ("default", [d, s]) => if s.is_empty() { d } else { s }.clone(),
        _ if FUNCTIONS.contains(&name) => {
            return Err(err(format!(
                "wrong number of arguments for `{name}`: got {}",
                texts.len()
            )));
        }
        _ => {
            let hint = did_you_mean(name, FUNCTIONS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(err(format!("function `{name}` not defined{hint}")));
        }
    };
    Ok(Val::Text(text))
}

/// `index MAP KEY`: a missing key gives the empty string, as in Go.
fn index(args: Vec<Val<'_>>) -> Result<Val<'_>, TemplateError> {
    let mut args = args.into_iter();
    match (args.next(), args.next(), args.next()) {
        (Some(Val::Labels(map)), Some(Val::Text(key)), None) => {
            Ok(Val::Text(map.get(&key).cloned().unwrap_or_default()))
        }
        _ => Err(err(
            "`index` takes a map and a key: `index .Labels \"key\"`",
        )),
    }
}

fn err(msg: impl Into<String>) -> TemplateError {
    TemplateError(msg.into())
}
