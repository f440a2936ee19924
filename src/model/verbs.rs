//! The verbs kubectl knows (its `resourceVerbs` and `nonResourceURLVerbs` lists), and its
//! warning for a verb outside them.

/// The standard resource verbs, in kubectl's order.
pub const STANDARD_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// The verbs `kubectl auth can-i` knows for a resource (its `resourceVerbs`) beyond the
/// standard ones.
const SPECIAL_RESOURCE_VERBS: &[&str] = &[
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];

/// The verbs it knows for a non-resource URL (its `nonResourceURLVerbs`).
const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

/// kubectl's warning for a verb it does not know (`verb 'gte' is not a known verb`), with the
/// nearest known verb when one is close. The request is still asked: RBAC compares verbs as
/// strings and a `*` rule matches any.
pub fn unknown_verb_warning(verb: &str, non_resource: bool) -> Option<String> {
    let known: Vec<&str> = if non_resource {
        NON_RESOURCE_VERBS.to_vec()
    } else {
        [STANDARD_VERBS, SPECIAL_RESOURCE_VERBS].concat()
    };
    if known.contains(&verb) {
        return None;
    }
    let nearest = known
        .iter()
        .filter(|k| **k != "*")
        .map(|k| (strsim::levenshtein(k, verb), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    Some(match nearest {
        Some((_, k)) => format!("verb '{verb}' is not a known verb; did you mean '{k}'?"),
        None => format!("verb '{verb}' is not a known verb"),
    })
}
