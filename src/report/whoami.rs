//! The `whoami` report: the identity a credential authenticates as, laid out like `kubectl
//! auth whoami` (Username, UID, Groups, Extra) plus where it came from, the credential's
//! facts, whether the apiserver would accept it, and warnings. Table and JSON.

use serde_json::{Value, json};

use super::access::pretty;
use super::table::{new_table, render};
use crate::authn::Identity;
use crate::rbac::access::go_list;

/// One identity as a table.
pub fn whoami_text(identity: &Identity) -> String {
    let mut table = new_table(["ATTRIBUTE", "VALUE"]);
    table.add_row(["Username".to_string(), identity.user.clone()]);
    if !identity.uid.is_empty() {
        table.add_row(["UID".to_string(), identity.uid.clone()]);
    }
    table.add_row(["Groups".to_string(), go_list(&identity.groups)]);
    for (key, values) in &identity.extra {
        table.add_row([format!("Extra: {key}"), go_list(values)]);
    }
    table.add_row([
        "Authenticated by".to_string(),
        identity.method.describe().to_string(),
    ]);
    table.add_row(["Source".to_string(), identity.source.clone()]);
    for (name, value) in &identity.details {
        table.add_row([capitalise(name), value.clone()]);
    }
    table.add_row([
        "Accepted".to_string(),
        match &identity.rejected {
            None => "yes".to_string(),
            Some(reason) => format!("no: {reason}"),
        },
    ]);
    let mut out = render(&table);
    for w in &identity.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One identity as JSON: `{"user", "uid"?, "groups", "extra"?, "method", "source",
/// "details": {...}, "authenticated", "rejected", "warnings"}`; `access`, when given, is the
/// `kubesim access -o json` value of the identity.
pub fn whoami_json_value(identity: &Identity, access: Option<Value>) -> Value {
    let mut v = json!({
        "user": identity.user,
        "groups": identity.groups,
        "method": identity.method,
        "source": identity.source,
        "details": identity
            .details
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<serde_json::Map<String, Value>>(),
        "authenticated": identity.authenticates(),
        "rejected": identity.rejected,
        "warnings": identity.warnings,
    });
    if !identity.uid.is_empty() {
        v["uid"] = json!(identity.uid);
    }
    if !identity.extra.is_empty() {
        v["extra"] = json!(identity.extra);
    }
    if let Some(access) = access {
        v["access"] = access;
    }
    v
}

pub fn whoami_json(identity: &Identity, access: Option<Value>) -> String {
    pretty(&whoami_json_value(identity, access))
}
