//! Text to syntax tree: the pest grammar binding and the lowering of pest's pairs into the
//! [`ast`](crate::dsl::ast) types.
//!
//! pest stops at the first syntax error; that error is turned into a [`Diagnostic`] whose
//! "expected ..." list names grammar rules in plain English (see [`describe_rule`]). Problems
//! found while building the tree (such as an unknown escape in a string) are all collected.
//! The number of parser steps is bounded by pest's process-global call limit, which the binary
//! sets once through [`crate::dsl::install_parser_limits`].

use crate::source::code::Code;
use std::sync::Arc;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::dsl::ast::*;
use crate::source::Diagnostic;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/kubesim.pest"]
struct KsimParser;

/// Files larger than this are refused before parsing, so memory and time stay bounded even
/// when the binary did not install the call limit.
pub const MAX_SOURCE_BYTES: usize = 8 * 1024 * 1024;

/// Parses one `.ksim` file. Returns every problem found, or the tree.
pub fn parse(source: Arc<SourceText>) -> Result<File, Vec<Diagnostic>> {
    let file_span = Span::new(source.id, 0, source.text.len());
    if source.text.len() > MAX_SOURCE_BYTES {
        return Err(vec![
            Diagnostic::error_in(
                &source,
                Span::new(source.id, 0, 0),
                Code::TooLarge,
                format!(
                    "the file is larger than {} MiB",
                    MAX_SOURCE_BYTES / (1024 * 1024)
                ),
            )
            .with_help("split it into several .ksim files"),
        ]);
    }
    let text = Arc::clone(&source.text);
    let mut pairs = match KsimParser::parse(Rule::file, &text) {
        Ok(pairs) => pairs,
        Err(error) => return Err(vec![syntax_error(&source, &error)]),
    };
    let mut lowerer = Lowerer {
        source: Arc::clone(&source),
        errors: Vec::new(),
    };
    let mut items = Vec::new();
    // The grammar's `file` rule always produces exactly one pair on success.
    if let Some(file_pair) = pairs.next() {
        for pair in file_pair.into_inner() {
            let span = lowerer.span(&pair);
            let item = match pair.as_rule() {
                Rule::identity_decl => lowerer.identity(pair).map(Item::Identity),
                Rule::scenario_block => lowerer.scenario(pair).map(Item::Scenario),
                Rule::policy_block => lowerer.policy(pair).map(Item::Policy),
                _ => continue, // EOI
            };
            match item {
                Ok(item) => items.push(Node::new(item, span)),
                Err(Unexpected) => lowerer.internal_error(span),
            }
        }
    } else {
        lowerer.internal_error(file_span);
    }
    if lowerer.errors.is_empty() {
        Ok(File { source, items })
    } else {
        Err(lowerer.errors)
    }
}

/// The plain-English name of a grammar rule, used in "expected ..." messages.
pub fn describe_rule(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::file => "an `identity`, `scenario` or `policy` block",
        Rule::identity_decl => "an `identity` declaration",
        Rule::scenario_block => "a `scenario` block",
        Rule::policy_block => "a `policy` block",
        Rule::whatif_block => "a `whatif` block",
        Rule::load_stmt => "`load \"PATH\"`",
        Rule::authorization_stmt => "`authorization MODES [abac \"FILE\"]`",
        Rule::authz_mode => "an authorization mode such as RBAC or ABAC",
        Rule::abac_policy => "`abac \"FILE\"`",
        Rule::credential
        | Rule::kubeconfig_credential
        | Rule::cert_credential
        | Rule::token_credential => {
            "a credential such as kubeconfig \"FILE\" [context \"NAME\"], cert \"FILE\" or token \"FILE\""
        }
        Rule::defaults_stmt => "`defaults VERSION`",
        Rule::expect_stmt => "an `expect` statement",
        Rule::show_stmt => "a `show` statement",
        Rule::bind_stmt => "`bind SUBJECT to ROLE`",
        Rule::apply_stmt => "`apply \"PATH\"`",
        Rule::remove_stmt => "`remove KIND NAME`",
        Rule::label_stmt => "`label namespace NS KEY=VALUE`",
        Rule::policy_rule => "a `forbid` or `require` rule",
        Rule::rule_mode => "`forbid` or `require`",
        Rule::block_name | Rule::string => "a quoted string such as \"name\"",
        Rule::string_body => "the text of a string",
        Rule::name | Rule::bare_name => "a name",
        Rule::ident | Rule::identity_name => "a name such as alice",
        Rule::identity_ref => "an identity name",
        Rule::subject | Rule::prefixed | Rule::subject_prefix => {
            "a subject such as user:alice, group:dev or sa:ns/name"
        }
        Rule::any_subject => "`any subject`, `any user`, `any group` or `any sa`",
        Rule::any_kind => "`subject`, `user`, `group` or `sa`",
        Rule::subject_list => "a list of subjects such as [user:alice, group:dev]",
        Rule::group_list => "a list of groups such as [dev, oncall]",
        Rule::access | Rule::resource_access | Rule::url_access => {
            "an access such as `get pods in payments`"
        }
        Rule::verb => "a verb such as get, list or create",
        Rule::resource | Rule::resource_name => {
            "a resource such as pods, deployments.apps or pods/exec"
        }
        Rule::api_group => "an API group such as apps",
        Rule::subresource => "a subresource such as exec or scale",
        Rule::url_path => "a URL path such as /healthz",
        Rule::scope => "`in NAMESPACE` or `cluster-wide`",
        Rule::namespace => "a namespace",
        Rule::workload | Rule::workload_kind => "a workload such as deployment payments/api",
        Rule::object_path => "NAMESPACE/NAME",
        Rule::workload_set | Rule::pods_in | Rule::workloads_in | Rule::any_workload => {
            "`pods in NS`, `workloads in NS` or `any workload`"
        }
        Rule::level => "a level (privileged, baseline or restricted)",
        Rule::version => "a version such as v1.30 or latest",
        Rule::at_version => "`at VERSION`",
        Rule::severity => "a severity (low, medium, high or critical)",
        Rule::can_or_cannot => "`can` or `cannot`",
        Rule::level_outcome => "`meets` or `fails`",
        Rule::admission => "`admits` or `rejects`",
        Rule::set_relation => "`is`, `includes` or `excludes`",
        Rule::who_can_expect | Rule::show_who_can => "`who can ACCESS`",
        Rule::admission_expect => "`namespace NS admits WORKLOAD`",
        Rule::namespace_enforces => "`namespace NS enforces LEVEL`",
        Rule::set_level_expect | Rule::workload_level_expect => "`WORKLOAD meets LEVEL`",
        Rule::escalate_expect => "`SUBJECT can escalate to TARGET`",
        Rule::access_expect => "`SUBJECT can ACCESS`",
        Rule::diff_expect => "`against \"REVISION\": ...`",
        Rule::gain_expect => "`SUBJECT gains ACCESS` or `no subject gains ACCESS`",
        Rule::drop_expect => "`no workload drops below LEVEL`",
        Rule::no_subjects => "`no subject`, `no user`, `no group` or `no sa`",
        Rule::gain_polarity => "`gains` or `does not gain`",
        Rule::gain_target => "an access such as get secrets in kube-system, or clusterrole:NAME",
        Rule::kw_against => "`against`",
        Rule::kw_below => "`below`",
        Rule::kw_does => "`does`",
        Rule::kw_drops => "`drops`",
        Rule::kw_gain => "`gain`",
        Rule::kw_gains => "`gains`",
        Rule::kw_no => "`no`",
        Rule::kw_not => "`not`",
        Rule::show_diff => "`diff`",
        Rule::show_access => "`access SUBJECT`",
        Rule::show_pss => "`pss`",
        Rule::show_escalations => "`escalations`",
        Rule::object_kind => "a kind such as rolebinding",
        Rule::object_name => "a name or NAMESPACE/NAME",
        Rule::label_change | Rule::label_key => "a label such as KEY=VALUE",
        Rule::label_value => "a label value",
        Rule::namespace_exception => "`namespace NS`",
        Rule::exception => "a subject, workload or `namespace NS`",
        Rule::except_clause => "`except [..]`",
        Rule::kw_abac => "`abac`",
        Rule::kw_access => "`access`",
        Rule::kw_authorization => "`authorization`",
        Rule::kw_cert => "`cert`",
        Rule::kw_context => "`context`",
        Rule::kw_kubeconfig => "`kubeconfig`",
        Rule::kw_token => "`token`",
        Rule::kw_any => "`any`",
        Rule::kw_apply => "`apply`",
        Rule::kw_as => "`as`",
        Rule::kw_at => "`at`",
        Rule::kw_bind => "`bind`",
        Rule::kw_can => "`can`",
        Rule::kw_cluster_wide => "`cluster-wide`",
        Rule::kw_defaults => "`defaults`",
        Rule::kw_diff => "`diff`",
        Rule::kw_enforces => "`enforces`",
        Rule::kw_escalate => "`escalate`",
        Rule::kw_escalations => "`escalations`",
        Rule::kw_except => "`except`",
        Rule::kw_expect => "`expect`",
        Rule::kw_for => "`for`",
        Rule::kw_groups => "`groups`",
        Rule::kw_identity => "`identity`",
        Rule::kw_in => "`in`",
        Rule::kw_label => "`label`",
        Rule::kw_load => "`load`",
        Rule::kw_named => "`named`",
        Rule::kw_namespace => "`namespace`",
        Rule::kw_pods => "`pods`",
        Rule::kw_policy => "`policy`",
        Rule::kw_pss => "`pss`",
        Rule::kw_remove => "`remove`",
        Rule::kw_scenario => "`scenario`",
        Rule::kw_severity => "`severity`",
        Rule::kw_show => "`show`",
        Rule::kw_to => "`to`",
        Rule::kw_url => "`url`",
        Rule::kw_whatif => "`whatif`",
        Rule::kw_who => "`who`",
        Rule::kw_workload => "`workload`",
        Rule::kw_workloads => "`workloads`",
        // Silent rules never appear in errors, but the match must be total.
        Rule::WHITESPACE | Rule::COMMENT | Rule::name_char | Rule::path_part => "a token",
    }
}

/// Turns pest's first error into our diagnostic with a plain-English "expected" list.
fn syntax_error(source: &Arc<SourceText>, error: &pest::error::Error<Rule>) -> Diagnostic {
    let at = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let found = found_token(&source.text, at);
    let span = Span::new(source.id, at, at + found.len());
    let found_words = if found.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{found}`")
    };
    match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            if found.starts_with('"') && !found.get(1..).is_some_and(|rest| rest.contains('"')) {
                return Diagnostic::error_in(
                    source,
                    Span::new(source.id, at, at + 1),
                    Code::UnterminatedString,
                    "unterminated string",
                )
                .with_help("close the string with `\"` on the same line");
            }
            // A workload's NS/NAME is tried for any word; it only helps when nothing else fits.
            let useful: Vec<Rule> = positives
                .iter()
                .copied()
                .filter(|r| *r != Rule::object_path)
                .collect();
            let positives = if useful.is_empty() {
                positives
            } else {
                &useful
            };
            let mut expected: Vec<&str> = positives.iter().map(|r| describe_rule(*r)).collect();
            expected.dedup();
            let mut seen = std::collections::BTreeSet::new();
            expected.retain(|e| seen.insert(*e));
            let message = if expected.is_empty() {
                let unexpected: Vec<&str> = negatives.iter().map(|r| describe_rule(*r)).collect();
                if unexpected.is_empty() {
                    format!("unexpected {found_words}")
                } else {
                    format!("unexpected {}", join_or(&unexpected))
                }
            } else {
                format!("expected {}, found {found_words}", join_or(&expected))
            };
            Diagnostic::error_in(source, span, Code::Syntax, message)
        }
        ErrorVariant::CustomError { message } => {
            // pest reports its step and stack budgets as custom errors.
            if message.contains("limit") {
                Diagnostic::error_in(
                    source,
                    span,
                    Code::TooComplex,
                    "the file is too complex to parse (parser step limit reached)",
                )
                .with_help("split the file or shorten its longest statements")
            } else {
                Diagnostic::error_in(source, span, Code::Syntax, message.clone())
            }
        }
    }
}

/// `a`, `a or b`, `a, b or c`
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The word at `at` (up to whitespace, at most 30 characters), for "found `...`".
/// The length of `text` up to the end of its last token: trailing whitespace and `#` comments
/// are dropped, while a `#` inside a quoted string is part of the string.
fn token_text_len(text: &str) -> usize {
    let mut end = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            end = i + c.len_utf8();
            continue;
        }
        match c {
            '#' => in_comment = true,
            c if c.is_whitespace() => {}
            c => {
                in_string = c == '"';
                end = i + c.len_utf8();
            }
        }
    }
    end
}

fn found_token(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or("");
    let end = rest
        .char_indices()
        .take(30)
        .find(|(_, c)| c.is_whitespace())
        .map_or_else(
            || {
                rest.char_indices()
                    .nth(30)
                    .map_or(rest.len(), |(index, _)| index)
            },
            |(index, _)| index,
        );
    // A token that starts with punctuation is shown alone, not glued to what follows.
    match rest.chars().next() {
        Some(c) if !c.is_alphanumeric() && !"\"/*:-_.@".contains(c) => {
            rest.get(..c.len_utf8()).unwrap_or("")
        }
        _ => rest.get(..end).unwrap_or(""),
    }
}

/// A pair did not have the shape the grammar promises; reported as an internal error instead
/// of panicking.
struct Unexpected;

type Lowered<T> = Result<T, Unexpected>;

struct Lowerer {
    source: Arc<SourceText>,
    errors: Vec<Diagnostic>,
}

impl Lowerer {
    /// The pair's span without the whitespace and comments pest skips after its last token
    /// (a rule ending in an optional part that is absent keeps them), so a statement's text
    /// never carries the comment on the next line.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        let end = span.start() + token_text_len(span.as_str());
        Span::new(self.source.id, span.start(), end)
    }

    fn internal_error(&mut self, span: Span) {
        self.errors.push(Diagnostic::error_in(
            &self.source,
            span,
            Code::Internal,
            "internal error: the parser produced an unexpected tree here",
        ));
    }

    fn text(&self, pair: &Pair<'_, Rule>) -> Node<String> {
        Node::new(pair.as_str().to_string(), self.span(pair))
    }

    /// `string`, `bare_name`, `name` or any atomic token: its value, unescaped if quoted.
    fn value(&mut self, pair: Pair<'_, Rule>) -> Node<String> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::string => {
                let body = pair.into_inner().next();
                let value = match body {
                    Some(body) => self.unescape(&body),
                    None => String::new(),
                };
                Node::new(value, span)
            }
            Rule::name | Rule::block_name => match pair.into_inner().next() {
                Some(inner) => {
                    let mut node = self.value(inner);
                    node.span = span;
                    node
                }
                None => Node::new(String::new(), span),
            },
            _ => Node::new(pair.as_str().to_string(), span),
        }
    }

    fn unescape(&mut self, body: &Pair<'_, Rule>) -> String {
        let raw = body.as_str();
        let base = body.as_span().start();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((index, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, escaped @ ('"' | '\\'))) => out.push(escaped),
                Some((next_index, other)) => {
                    let span = Span::new(
                        self.source.id,
                        base + index,
                        base + next_index + other.len_utf8(),
                    );
                    self.errors.push(
                        Diagnostic::error_in(
                            &self.source,
                            span,
                            Code::BadEscape,
                            format!("unknown escape `\\{other}` in a string"),
                        )
                        .with_help(
                            "only \\\" and \\\\ are escapes; write other characters as they are",
                        ),
                    );
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        out
    }

    fn identity(&mut self, pair: Pair<'_, Rule>) -> Lowered<IdentityDecl> {
        let mut name = None;
        let mut subject = None;
        let mut groups = None;
        let mut credential = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::identity_name => name = Some(self.text(&inner)),
                Rule::subject => subject = Some(self.subject(inner)?),
                Rule::credential => credential = Some(self.credential(inner)?),
                Rule::group_list => {
                    let list = inner.into_inner().map(|g| self.value(g)).collect();
                    groups = Some(list);
                }
                _ => {}
            }
        }
        if subject.is_none() && credential.is_none() {
            return Err(Unexpected);
        }
        Ok(IdentityDecl {
            name: name.ok_or(Unexpected)?,
            subject,
            groups,
            credential,
        })
    }

    fn credential(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<CredentialExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or(Unexpected)?;
        let kind = match inner.as_rule() {
            Rule::kubeconfig_credential => CredentialKind::Kubeconfig,
            Rule::cert_credential => CredentialKind::Certificate,
            Rule::token_credential => CredentialKind::Token,
            _ => return Err(Unexpected),
        };
        let mut strings = inner
            .into_inner()
            .filter(|p| p.as_rule() == Rule::string)
            .map(|p| self.value(p))
            .collect::<Vec<_>>()
            .into_iter();
        let path = strings.next().ok_or(Unexpected)?;
        let context = strings.next();
        Ok(Node::new(
            CredentialExpr {
                kind,
                path,
                context,
            },
            span,
        ))
    }

    fn subject(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<SubjectExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or(Unexpected)?;
        let expr = match inner.as_rule() {
            Rule::prefixed => SubjectExpr::Prefixed(self.prefixed(inner)?.node),
            Rule::identity_ref => SubjectExpr::Identity(inner.as_str().to_string()),
            Rule::any_subject => {
                let kind = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::any_kind)
                    .ok_or(Unexpected)?;
                SubjectExpr::Any(match kind.as_str() {
                    "subject" => AnyKind::Subject,
                    "user" => AnyKind::User,
                    "group" => AnyKind::Group,
                    "sa" => AnyKind::ServiceAccount,
                    _ => return Err(Unexpected),
                })
            }
            _ => return Err(Unexpected),
        };
        Ok(Node::new(expr, span))
    }

    fn prefixed(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<PrefixedName>> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let prefix = inner.next().ok_or(Unexpected)?;
        let name = inner.next().ok_or(Unexpected)?;
        Ok(Node::new(
            PrefixedName {
                prefix: self.text(&prefix),
                name: self.value(name),
            },
            span,
        ))
    }

    fn subject_list(&mut self, pair: Pair<'_, Rule>) -> Lowered<Vec<Node<SubjectExpr>>> {
        pair.into_inner().map(|s| self.subject(s)).collect()
    }

    fn access(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<AccessExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or(Unexpected)?;
        let is_url = inner.as_rule() == Rule::url_access;
        let mut verb = None;
        let mut resource = None;
        let mut name = None;
        let mut scope = None;
        let mut path = None;
        for part in inner.into_inner() {
            match part.as_rule() {
                Rule::verb => verb = Some(self.text(&part)),
                Rule::string | Rule::url_path => path = Some(self.value(part)),
                Rule::resource => resource = Some(self.resource(part)?),
                Rule::name => name = Some(self.value(part)),
                Rule::scope => scope = Some(self.scope(part)?),
                _ => {}
            }
        }
        let verb = verb.ok_or(Unexpected)?;
        let expr = if is_url {
            AccessExpr::Url {
                verb,
                path: path.ok_or(Unexpected)?,
            }
        } else {
            AccessExpr::Resource {
                verb,
                resource: resource.ok_or(Unexpected)?,
                name,
                scope,
            }
        };
        Ok(Node::new(expr, span))
    }

    fn resource(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<ResourceExpr>> {
        let span = self.span(&pair);
        let mut resource = None;
        let mut group = None;
        let mut subresource = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::resource_name => resource = Some(self.text(&part)),
                Rule::api_group => group = Some(self.text(&part)),
                Rule::subresource => subresource = Some(self.text(&part)),
                _ => {}
            }
        }
        Ok(Node::new(
            ResourceExpr {
                resource: resource.ok_or(Unexpected)?,
                group,
                subresource,
            },
            span,
        ))
    }

    fn scope(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<ScopeExpr>> {
        let span = self.span(&pair);
        let namespace = pair.into_inner().find(|p| p.as_rule() == Rule::namespace);
        let scope = match namespace {
            Some(ns) => ScopeExpr::Namespace(self.text(&ns)),
            None => ScopeExpr::ClusterWide,
        };
        Ok(Node::new(scope, span))
    }

    fn workload(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<WorkloadExpr>> {
        let span = self.span(&pair);
        let mut kind = None;
        let mut path = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::workload_kind => kind = Some(self.text(&part)),
                Rule::object_path => path = Some(part),
                _ => {}
            }
        }
        let path = path.ok_or(Unexpected)?;
        let (namespace, name) = self.split_path(&path).ok_or(Unexpected)?;
        Ok(Node::new(
            WorkloadExpr {
                kind: kind.ok_or(Unexpected)?,
                namespace,
                name: name.ok_or(Unexpected)?,
            },
            span,
        ))
    }

    /// Splits `NS/NAME` (or `NAME`) into spanned parts: (first, rest after the slash).
    fn split_path(&self, pair: &Pair<'_, Rule>) -> Option<(Node<String>, Option<Node<String>>)> {
        let text = pair.as_str();
        let start = pair.as_span().start();
        let id = self.source.id;
        match text.split_once('/') {
            Some((first, rest)) => {
                let slash = start + first.len();
                Some((
                    Node::new(first.to_string(), Span::new(id, start, slash)),
                    Some(Node::new(
                        rest.to_string(),
                        Span::new(id, slash + 1, slash + 1 + rest.len()),
                    )),
                ))
            }
            None => Some((
                Node::new(text.to_string(), Span::new(id, start, start + text.len())),
                None,
            )),
        }
    }

    fn workload_set(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<WorkloadSetExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or(Unexpected)?;
        let rule = inner.as_rule();
        let namespace = inner
            .into_inner()
            .find(|p| p.as_rule() == Rule::namespace)
            .map(|ns| self.text(&ns));
        let set = match rule {
            Rule::pods_in => WorkloadSetExpr::Pods(namespace.ok_or(Unexpected)?),
            Rule::workloads_in => WorkloadSetExpr::Workloads(namespace.ok_or(Unexpected)?),
            Rule::any_workload => WorkloadSetExpr::Any,
            _ => return Err(Unexpected),
        };
        Ok(Node::new(set, span))
    }

    fn at_version(&self, pair: Pair<'_, Rule>) -> Option<Node<String>> {
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::version)
            .map(|v| self.text(&v))
    }

    /// Any of the condition rules shared by `expect` and policy rules.
    fn condition(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Condition>> {
        if pair.as_rule() == Rule::diff_expect {
            return self.diff_condition(pair);
        }
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut subjects = Vec::new();
        let mut access = None;
        let mut polarity = None;
        let mut relation = None;
        let mut list = None;
        let mut workload = None;
        let mut set = None;
        let mut outcome = None;
        let mut level = None;
        let mut version = None;
        let mut namespace = None;
        let mut admission = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::subject => subjects.push(self.subject(part)?),
                Rule::access => access = Some(self.access(part)?),
                Rule::can_or_cannot => polarity = Some(part.as_str() == "can"),
                Rule::set_relation => {
                    relation = Some(match part.as_str() {
                        "is" => SetRelation::Is,
                        "includes" => SetRelation::Includes,
                        _ => SetRelation::Excludes,
                    })
                }
                Rule::subject_list => list = Some(self.subject_list(part)?),
                Rule::workload => workload = Some(self.workload(part)?),
                Rule::workload_set => set = Some(self.workload_set(part)?),
                Rule::level_outcome => {
                    outcome = Some(if part.as_str().starts_with("meet") {
                        LevelOutcome::Meets
                    } else {
                        LevelOutcome::Fails
                    })
                }
                Rule::level => level = Some(self.text(&part)),
                Rule::at_version => version = self.at_version(part),
                Rule::namespace => namespace = Some(self.text(&part)),
                Rule::admission => {
                    admission = Some(if part.as_str() == "admits" {
                        Admission::Admits
                    } else {
                        Admission::Rejects
                    })
                }
                _ => {}
            }
        }
        let mut subjects = subjects.into_iter();
        let condition = match rule {
            Rule::access_expect => Condition::Access {
                subject: subjects.next().ok_or(Unexpected)?,
                allowed: polarity.ok_or(Unexpected)?,
                access: access.ok_or(Unexpected)?,
            },
            Rule::escalate_expect => Condition::Escalation {
                subject: subjects.next().ok_or(Unexpected)?,
                reachable: polarity.ok_or(Unexpected)?,
                target: subjects.next().ok_or(Unexpected)?,
            },
            Rule::who_can_expect => Condition::WhoCan {
                access: access.ok_or(Unexpected)?,
                relation: relation.ok_or(Unexpected)?,
                subjects: list.ok_or(Unexpected)?,
            },
            Rule::workload_level_expect => Condition::WorkloadLevel {
                workload: workload.ok_or(Unexpected)?,
                outcome: outcome.ok_or(Unexpected)?,
                level: level.ok_or(Unexpected)?,
                version,
            },
            Rule::set_level_expect => Condition::SetLevel {
                set: set.ok_or(Unexpected)?,
                outcome: outcome.ok_or(Unexpected)?,
                level: level.ok_or(Unexpected)?,
                version,
            },
            Rule::admission_expect => Condition::Admission {
                namespace: namespace.ok_or(Unexpected)?,
                admission: admission.ok_or(Unexpected)?,
                workload: workload.ok_or(Unexpected)?,
            },
            Rule::namespace_enforces => Condition::NamespaceEnforces {
                namespace: namespace.ok_or(Unexpected)?,
                level: level.ok_or(Unexpected)?,
                version,
            },
            _ => return Err(Unexpected),
        };
        Ok(Node::new(condition, span))
    }

    /// `against "BASE": ...`
    fn diff_condition(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<Condition>> {
        let span = self.span(&pair);
        let mut base = None;
        let mut body = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string => base = Some(self.value(part)),
                Rule::drop_expect | Rule::gain_expect => body = Some(part),
                _ => {}
            }
        }
        let base = base.ok_or(Unexpected)?;
        let body = body.ok_or(Unexpected)?;
        let condition = if body.as_rule() == Rule::drop_expect {
            let mut level = None;
            let mut version = None;
            for part in body.into_inner() {
                match part.as_rule() {
                    Rule::level => level = Some(self.text(&part)),
                    Rule::at_version => version = self.at_version(part),
                    _ => {}
                }
            }
            Condition::DropBelow {
                base,
                level: level.ok_or(Unexpected)?,
                version,
            }
        } else {
            let mut holders = None;
            // `gains` unless `does not gain`.
            let mut gains = true;
            let mut target = None;
            for part in body.into_inner() {
                let part_span = self.span(&part);
                match part.as_rule() {
                    Rule::no_subjects => {
                        let kind = part
                            .into_inner()
                            .find(|p| p.as_rule() == Rule::any_kind)
                            .ok_or(Unexpected)?;
                        let kind = match kind.as_str() {
                            "subject" => AnyKind::Subject,
                            "user" => AnyKind::User,
                            "group" => AnyKind::Group,
                            "sa" => AnyKind::ServiceAccount,
                            _ => return Err(Unexpected),
                        };
                        holders = Some(Node::new(GainHolders::NoneOf(kind), part_span));
                    }
                    Rule::subject => {
                        holders = Some(Node::new(GainHolders::One(self.subject(part)?), part_span))
                    }
                    Rule::gain_polarity => {
                        gains = part.into_inner().all(|p| p.as_rule() != Rule::kw_not)
                    }
                    Rule::gain_target => {
                        let inner = part.into_inner().next().ok_or(Unexpected)?;
                        let target_expr = match inner.as_rule() {
                            Rule::prefixed => GainTarget::Role(self.prefixed(inner)?.node),
                            Rule::access => GainTarget::Access(self.access(inner)?),
                            _ => return Err(Unexpected),
                        };
                        target = Some(Node::new(target_expr, part_span));
                    }
                    _ => {}
                }
            }
            Condition::Gain {
                base,
                holders: holders.ok_or(Unexpected)?,
                gains,
                target: target.ok_or(Unexpected)?,
            }
        };
        Ok(Node::new(condition, span))
    }

    fn expect(&mut self, pair: Pair<'_, Rule>) -> Lowered<Condition> {
        let body = pair
            .into_inner()
            .find(|p| p.as_rule() != Rule::kw_expect)
            .ok_or(Unexpected)?;
        Ok(self.condition(body)?.node)
    }

    /// A `show` statement: what it shows, and its snapshot label (`as "NAME"`) if it has one.
    fn show(&mut self, pair: Pair<'_, Rule>) -> Lowered<(ShowExpr, Option<Node<String>>)> {
        let mut parts = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_show);
        let body = parts.next().ok_or(Unexpected)?;
        let label = parts
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.value(p));
        Ok((self.show_expr(body)?, label))
    }

    fn show_expr(&mut self, body: Pair<'_, Rule>) -> Lowered<ShowExpr> {
        let rule = body.as_rule();
        let mut subjects = Vec::new();
        let mut access = None;
        let mut namespace = None;
        let mut after_to = false;
        let mut from = None;
        let mut to = None;
        for part in body.into_inner() {
            match part.as_rule() {
                Rule::kw_to => after_to = true,
                Rule::subject => {
                    let subject = self.subject(part)?;
                    if after_to {
                        to = Some(subject.clone());
                    } else {
                        from = Some(subject.clone());
                    }
                    subjects.push(subject);
                }
                Rule::access => access = Some(self.access(part)?),
                Rule::namespace => namespace = Some(self.text(&part)),
                _ => {}
            }
        }
        Ok(match rule {
            Rule::show_diff => ShowExpr::Diff,
            Rule::show_who_can => ShowExpr::WhoCan(access.ok_or(Unexpected)?),
            Rule::show_access => ShowExpr::Access {
                subject: subjects.into_iter().next().ok_or(Unexpected)?,
                namespace,
            },
            Rule::show_pss => ShowExpr::Pss { namespace },
            Rule::show_escalations => ShowExpr::Escalations { from, to },
            _ => return Err(Unexpected),
        })
    }

    fn mutation(&mut self, pair: Pair<'_, Rule>) -> Lowered<Mutation> {
        let rule = pair.as_rule();
        let mut subject = None;
        let mut role = None;
        let mut namespace = None;
        let mut path = None;
        let mut kind = None;
        let mut object = None;
        let mut changes = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::subject => subject = Some(self.subject(part)?),
                Rule::prefixed => role = Some(self.prefixed(part)?),
                Rule::namespace => namespace = Some(self.text(&part)),
                Rule::string => path = Some(self.value(part)),
                Rule::object_kind => kind = Some(self.text(&part)),
                Rule::object_name => object = self.split_path(&part),
                Rule::label_change => changes.push(self.label_change(part)?),
                _ => {}
            }
        }
        Ok(match rule {
            Rule::bind_stmt => Mutation::Bind {
                subject: subject.ok_or(Unexpected)?,
                role: role.ok_or(Unexpected)?,
                namespace,
            },
            Rule::apply_stmt => Mutation::Apply(path.ok_or(Unexpected)?),
            Rule::remove_stmt => {
                let (first, rest) = object.ok_or(Unexpected)?;
                let (namespace, name) = match rest {
                    Some(name) => (Some(first), name),
                    None => (None, first),
                };
                Mutation::Remove {
                    kind: kind.ok_or(Unexpected)?,
                    namespace,
                    name,
                }
            }
            Rule::label_stmt => Mutation::Label {
                namespace: namespace.ok_or(Unexpected)?,
                changes,
            },
            _ => return Err(Unexpected),
        })
    }

    fn label_change(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<LabelChange>> {
        let span = self.span(&pair);
        let mut key = None;
        let mut value = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::label_key => key = Some(self.text(&part)),
                _ => value = Some(self.value(part)),
            }
        }
        let key = key.ok_or(Unexpected)?;
        // `KEY=` (empty value) leaves no value pair behind.
        let value = value
            .unwrap_or_else(|| Node::new(String::new(), Span::new(span.file, span.end, span.end)));
        Ok(Node::new(LabelChange { key, value }, span))
    }

    fn scenario(&mut self, pair: Pair<'_, Rule>) -> Lowered<ScenarioBlock> {
        let mut name = None;
        let mut body = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            let statement = match part.as_rule() {
                Rule::block_name => {
                    name = Some(self.value(part));
                    continue;
                }
                Rule::load_stmt => {
                    let path = part
                        .into_inner()
                        .find(|p| p.as_rule() == Rule::string)
                        .map(|p| self.value(p));
                    path.map(ScenarioStmt::Load).ok_or(Unexpected)
                }
                Rule::authorization_stmt => {
                    let mut modes = Vec::new();
                    let mut policy = None;
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::authz_mode => modes.push(p.as_str().to_string()),
                            Rule::abac_policy => {
                                policy = p
                                    .into_inner()
                                    .find(|s| s.as_rule() == Rule::string)
                                    .map(|s| self.value(s));
                            }
                            _ => {}
                        }
                    }
                    Ok(ScenarioStmt::Authorization { modes, policy })
                }
                Rule::defaults_stmt => part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::version)
                    .map(|v| ScenarioStmt::Defaults(self.text(&v)))
                    .ok_or(Unexpected),
                Rule::expect_stmt => self.expect(part).map(ScenarioStmt::Expect),
                Rule::show_stmt => self.show(part).map(|(s, l)| ScenarioStmt::Show(s, l)),
                Rule::whatif_block => self.whatif(part).map(ScenarioStmt::WhatIf),
                _ => continue,
            };
            match statement {
                Ok(statement) => body.push(Node::new(statement, span)),
                Err(Unexpected) => self.internal_error(span),
            }
        }
        Ok(ScenarioBlock {
            name: name.ok_or(Unexpected)?,
            body,
        })
    }

    fn whatif(&mut self, pair: Pair<'_, Rule>) -> Lowered<WhatIfBlock> {
        let mut name = None;
        let mut body = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            let statement = match part.as_rule() {
                Rule::block_name => {
                    name = Some(self.value(part));
                    continue;
                }
                Rule::expect_stmt => self.expect(part).map(WhatIfStmt::Expect),
                Rule::show_stmt => self.show(part).map(|(s, l)| WhatIfStmt::Show(s, l)),
                Rule::bind_stmt | Rule::apply_stmt | Rule::remove_stmt | Rule::label_stmt => {
                    self.mutation(part).map(WhatIfStmt::Mutate)
                }
                _ => continue,
            };
            match statement {
                Ok(statement) => body.push(Node::new(statement, span)),
                Err(Unexpected) => self.internal_error(span),
            }
        }
        Ok(WhatIfBlock {
            name: name.ok_or(Unexpected)?,
            body,
        })
    }

    fn policy(&mut self, pair: Pair<'_, Rule>) -> Lowered<PolicyBlock> {
        let mut name = None;
        let mut severity = None;
        let mut rules = Vec::new();
        for part in pair.into_inner() {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::block_name => name = Some(self.value(part)),
                Rule::severity => severity = Some(self.text(&part)),
                Rule::policy_rule => match self.policy_rule(part) {
                    Ok(rule) => rules.push(Node::new(rule, span)),
                    Err(Unexpected) => self.internal_error(span),
                },
                _ => {}
            }
        }
        Ok(PolicyBlock {
            name: name.ok_or(Unexpected)?,
            severity,
            rules,
        })
    }

    fn policy_rule(&mut self, pair: Pair<'_, Rule>) -> Lowered<PolicyRule> {
        let mut mode = None;
        let mut condition = None;
        let mut exceptions = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::rule_mode => {
                    mode = Some(if part.as_str() == "forbid" {
                        RuleMode::Forbid
                    } else {
                        RuleMode::Require
                    })
                }
                Rule::except_clause => {
                    let mut list = Vec::new();
                    for item in part.into_inner() {
                        if item.as_rule() == Rule::exception {
                            list.push(self.exception(item)?);
                        }
                    }
                    exceptions = Some(list);
                }
                _ => condition = Some(self.condition(part)?),
            }
        }
        Ok(PolicyRule {
            mode: mode.ok_or(Unexpected)?,
            condition: condition.ok_or(Unexpected)?,
            exceptions,
        })
    }

    fn exception(&mut self, pair: Pair<'_, Rule>) -> Lowered<Node<ExceptionExpr>> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().ok_or(Unexpected)?;
        let expr = match inner.as_rule() {
            Rule::namespace_exception => {
                let ns = inner
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::namespace)
                    .ok_or(Unexpected)?;
                ExceptionExpr::Namespace(self.text(&ns))
            }
            Rule::workload_set => ExceptionExpr::WorkloadSet(self.workload_set(inner)?.node),
            Rule::workload => ExceptionExpr::Workload(self.workload(inner)?.node),
            Rule::subject => ExceptionExpr::Subject(self.subject(inner)?.node),
            _ => return Err(Unexpected),
        };
        Ok(Node::new(expr, span))
    }
}
