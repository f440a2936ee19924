//! SARIF 2.1.0 for GitHub code scanning, shared by the reports that produce it (`check`,
//! `diff`): one run of the kubesim tool, its rules, and results located at manifest lines.

use serde_json::{Value, json};

/// A SARIF rule (`reportingDescriptor`) with GitHub's `security-severity` score.
pub fn sarif_rule(id: &str, name: &str, description: &str, level: &str, score: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "shortDescription": {"text": name},
        "fullDescription": {"text": description},
        "defaultConfiguration": {"level": level},
        "properties": {"security-severity": score, "tags": ["security", "kubernetes"]},
    })
}

/// A SARIF result, located at a file line when it has one.
pub fn sarif_result(
    rule_id: &str,
    level: &str,
    text: String,
    location: Option<(&str, u32)>,
) -> Value {
    let mut result = json!({"ruleId": rule_id, "level": level, "message": {"text": text}});
    // Built-in default objects (`<defaults:…>`) are not files of the repository.
    if let Some((file, line)) = location.filter(|(file, _)| !file.starts_with('<')) {
        result["locations"] = json!([{"physicalLocation": {
            "artifactLocation": {"uri": file},
            "region": {"startLine": line.max(1)}
        }}]);
    }
    result
}

/// A SARIF 2.1.0 log of one kubesim run.
pub fn sarif_log(rules: Vec<Value>, results: Vec<Value>) -> String {
    let sarif = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "kubesim", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}
