//! One function per YAML parser available as a crate, each reading a whole multi-document
//! stream the way that parser is normally used (events only, a tree, or serde into
//! `serde_json::Value`) and returning how many documents it read. The bench in
//! `benches/parsers.rs` times them on one generated cluster; the test below checks that they
//! all read the same documents, so no parser is timed doing less work than the others.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

/// granit-parser (the event parser under serde-saphyr): events only.
pub fn granit_events(text: &str) -> usize {
    let mut documents = 0;
    for event in granit_parser::Parser::new_from_str(text) {
        let (event, _span) = event.expect("granit-parser reads the stream");
        if matches!(event, granit_parser::Event::DocumentStart { .. }) {
            documents += 1;
        }
    }
    documents
}

/// saphyr-parser (granit-parser's upstream): events only.
pub fn saphyr_events(text: &str) -> usize {
    let mut documents = 0;
    for event in saphyr_parser::Parser::new_from_str(text) {
        let (event, _span) = event.expect("saphyr-parser reads the stream");
        if matches!(event, saphyr_parser::Event::DocumentStart { .. }) {
            documents += 1;
        }
    }
    documents
}

/// yaml-rust2: its document tree.
pub fn yaml_rust2_tree(text: &str) -> usize {
    yaml_rust2::YamlLoader::load_from_str(text)
        .expect("yaml-rust2 reads the stream")
        .len()
}

/// serde-saphyr (kubesim's parser) into `serde_json::Value`, budgets raised for a large
/// stream as kubesim raises them.
pub fn serde_saphyr_value(text: &str) -> usize {
    let mut options = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = text.len();
    budget.max_nodes = text.len();
    budget.max_events = text.len() * 2;
    budget.max_total_scalar_bytes = text.len() * 2;
    options.budget = Some(budget);
    serde_saphyr::from_multiple_with_options::<Value>(text, options)
        .expect("serde-saphyr reads the stream")
        .len()
}

/// serde_yaml (libyaml translated to Rust, `unsafe-libyaml`) into `serde_json::Value`.
pub fn serde_yaml_value(text: &str) -> usize {
    each_document(serde_yaml::Deserializer::from_str(text), |document| {
        Value::deserialize(document).expect("serde_yaml reads the document");
    })
}

/// serde_yaml with every value ignored: libyaml's event parse and serde_yaml's event buffer,
/// the floor of a libyaml-based reader.
pub fn serde_yaml_ignored(text: &str) -> usize {
    each_document(serde_yaml::Deserializer::from_str(text), |document| {
        IgnoredAny::deserialize(document).expect("serde_yaml reads the document");
    })
}

/// yaml_serde (the YAML organization's serde_yaml fork over `libyaml-rs`) into
/// `serde_json::Value`.
pub fn yaml_serde_value(text: &str) -> usize {
    each_document(yaml_serde::Deserializer::from_str(text), |document| {
        Value::deserialize(document).expect("yaml_serde reads the document");
    })
}

/// Reads every document a serde YAML stream yields; how many there were.
fn each_document<D>(documents: impl IntoIterator<Item = D>, read: impl Fn(D)) -> usize {
    let mut count = 0;
    for document in documents {
        read(document);
        count += 1;
    }
    count
}

/// kubesim's own YAML reader: serde-saphyr with Kubernetes' YAML 1.1 rules, duplicate keys
/// refused, positions of every document, cut at `---` and parsed in parallel on the current
/// rayon pool.
pub fn kubesim_parse_stream(text: &str) -> usize {
    let stream = kubesim::manifest::yaml::parse_stream(text);
    assert!(stream.errors.is_empty(), "{:?}", stream.errors);
    stream.documents.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parser_reads_every_document_of_a_generated_cluster() {
        let shape = kubesim::generate::Shape::scaled(2_000);
        let text = kubesim::generate::cluster_text(&shape, 1, kubesim::generate::Format::Yaml);
        let expected = shape.total();
        let counts = [
            ("granit", granit_events(&text)),
            ("saphyr", saphyr_events(&text)),
            ("yaml-rust2", yaml_rust2_tree(&text)),
            ("serde-saphyr", serde_saphyr_value(&text)),
            ("serde_yaml", serde_yaml_value(&text)),
            ("serde_yaml ignored", serde_yaml_ignored(&text)),
            ("yaml_serde", yaml_serde_value(&text)),
            ("kubesim", kubesim_parse_stream(&text)),
        ];
        for (parser, count) in counts {
            assert_eq!(count, expected, "{parser}");
        }
    }
}
