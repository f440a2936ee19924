//! The authorizer chain (`--authorization-mode ABAC,RBAC`), as kube-apiserver's union
//! authorizer runs it: the `system:masters` group first (always), then each mode in the
//! order given; the first that allows ends the chain, a "no opinion" passes to the next. None
//! of the modes kubesim evaluates ever denies, so a request no mode allows is denied with the
//! non-empty reasons of every mode joined by newlines, exactly as upstream.
//!
//! Modes: `RBAC` (wraps [`crate::rbac::authorize`]), `ABAC` (a [`PolicyList`]), `AlwaysAllow`
//! and `AlwaysDeny`. `Node` and `Webhook` decide from data kubesim does not have and are
//! rejected with a reason. Who-can and access answer across the chain as well: ABAC's
//! subjects are the users and groups of its matching policy lines, its rules those of
//! upstream's ABAC `RulesFor`.

pub mod abac;

use std::sync::Arc;

use k8s_openapi::api::rbac::v1::PolicyRule;

use crate::authz::abac::{NO_POLICY_MATCHED, Policy, PolicyList};
use crate::index::RbacIndex;
use crate::model::identity::{SUPERUSER_GROUP, UserInfo};
use crate::model::{Action, Request};
use crate::rbac::explain::{Explanation, explain};
use crate::rbac::who_can::{WhoCan, who_can};
use crate::rbac::{RulesFor, rules_for};

/// One authorization mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    Abac,
    Rbac,
    AlwaysAllow,
    AlwaysDeny,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Abac => "ABAC",
            Mode::Rbac => "RBAC",
            Mode::AlwaysAllow => "AlwaysAllow",
            Mode::AlwaysDeny => "AlwaysDeny",
        }
    }

    /// A mode as the apiserver flag spells it (case-sensitive, as upstream).
    pub fn parse(text: &str) -> Result<Mode, String> {
        match text.trim() {
            "ABAC" => Ok(Mode::Abac),
            "RBAC" => Ok(Mode::Rbac),
            "AlwaysAllow" => Ok(Mode::AlwaysAllow),
            "AlwaysDeny" => Ok(Mode::AlwaysDeny),
            "Node" | "Webhook" => Err(format!(
                "authorization mode {} decides from data kubesim does not have (node objects or a remote service); kubesim evaluates ABAC, RBAC, AlwaysAllow and AlwaysDeny",
                text.trim()
            )),
            other => Err(format!(
                "unknown authorization mode {other:?}; use ABAC, RBAC, AlwaysAllow or AlwaysDeny"
            )),
        }
    }

    /// Parses a comma-separated list (`ABAC,RBAC`); a mode may appear once.
    pub fn parse_list(text: &str) -> Result<Vec<Mode>, String> {
        let mut modes = Vec::new();
        for part in text.split(',') {
            let mode = Mode::parse(part)?;
            if modes.contains(&mode) {
                return Err(format!("authorization mode {} is given twice", mode.name()));
            }
            modes.push(mode);
        }
        if modes.is_empty() {
            return Err("no authorization mode given".into());
        }
        Ok(modes)
    }
}

/// The configured chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub modes: Vec<Mode>,
    /// The ABAC policy file, when ABAC is one of the modes.
    pub abac: Option<Arc<PolicyList>>,
}

impl Default for Chain {
    /// The chain kubesim answers with when none is configured: RBAC alone.
    fn default() -> Self {
        Chain {
            modes: vec![Mode::Rbac],
            abac: None,
        }
    }
}

impl Chain {
    /// A chain of `modes`; ABAC needs a policy list.
    pub fn new(modes: Vec<Mode>, abac: Option<Arc<PolicyList>>) -> Result<Chain, String> {
        if modes.contains(&Mode::Abac) && abac.is_none() {
            return Err("authorization mode ABAC needs a policy file (--abac-policy FILE)".into());
        }
        Ok(Chain { modes, abac })
    }

    pub fn is_rbac_only(&self) -> bool {
        self.modes == [Mode::Rbac]
    }

    pub fn describe(&self) -> String {
        self.modes
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Who decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decider {
    /// The `system:masters` group, before any mode.
    Superuser,
    Rbac,
    /// The ABAC policy on this line.
    Abac(Policy),
    AlwaysAllow,
}

/// What one mode said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    NoOpinion,
    /// The chain stopped before this mode.
    NotConsulted,
}

/// The chain's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainDecision {
    pub allowed: bool,
    pub decider: Option<Decider>,
    /// Each mode in order with what it said.
    pub verdicts: Vec<(Mode, Verdict)>,
    /// RBAC's explanation, when RBAC is in the chain (even if it was not consulted, so a
    /// report can show what it would have said).
    pub rbac: Option<Explanation>,
    /// The ABAC policy file searched, when ABAC is in the chain.
    pub abac_file: Option<String>,
    pub abac_policies: usize,
}

impl ChainDecision {
    /// The reason string: the decider's (`ABAC: allowed by policy on line N` for ABAC, whose
    /// upstream reason is empty), or on a deny upstream's union of the non-empty reasons.
    pub fn reason(&self, index: &RbacIndex) -> String {
        match &self.decider {
            Some(Decider::Superuser) => String::new(),
            Some(Decider::Rbac) => self
                .rbac
                .as_ref()
                .map(|e| e.decision.reason(index))
                .unwrap_or_default(),
            Some(Decider::Abac(p)) => format!("ABAC: allowed by policy on line {}", p.line),
            Some(Decider::AlwaysAllow) => "AlwaysAllow: allowed".into(),
            None => {
                let mut reasons = Vec::new();
                for (mode, _) in &self.verdicts {
                    let reason = match mode {
                        Mode::Abac => NO_POLICY_MATCHED.to_string(),
                        Mode::AlwaysDeny => "Everything is forbidden.".to_string(),
                        Mode::Rbac => self
                            .rbac
                            .as_ref()
                            .map(|e| e.decision.reason(index))
                            .unwrap_or_default(),
                        Mode::AlwaysAllow => String::new(),
                    };
                    if !reason.is_empty() {
                        reasons.push(reason);
                    }
                }
                reasons.join("\n")
            }
        }
    }

    /// The name of the authorizer that decided (`ABAC`, `RBAC`, ...), if any allowed.
    pub fn decider_name(&self) -> Option<&'static str> {
        self.decider.as_ref().map(|d| match d {
            Decider::Superuser => "system:masters",
            Decider::Rbac => "RBAC",
            Decider::Abac(_) => "ABAC",
            Decider::AlwaysAllow => "AlwaysAllow",
        })
    }
}

/// Authorizes a request across the chain.
pub fn authorize(index: &RbacIndex, chain: &Chain, request: &Request) -> ChainDecision {
    let rbac = chain
        .modes
        .contains(&Mode::Rbac)
        .then(|| explain(index, request));
    let mut decision = ChainDecision {
        allowed: false,
        decider: None,
        verdicts: chain
            .modes
            .iter()
            .map(|m| (*m, Verdict::NotConsulted))
            .collect(),
        rbac,
        abac_file: chain.abac.as_ref().map(|a| a.file.clone()),
        abac_policies: chain.abac.as_ref().map_or(0, |a| a.policies.len()),
    };
    if request.user.groups().iter().any(|g| g == SUPERUSER_GROUP) {
        decision.allowed = true;
        decision.decider = Some(Decider::Superuser);
        return decision;
    }
    for i in 0..decision.verdicts.len() {
        let mode = decision.verdicts[i].0;
        let allowed_by = match mode {
            Mode::Rbac => decision
                .rbac
                .as_ref()
                .filter(|e| e.decision.allowed)
                .map(|_| Decider::Rbac),
            Mode::Abac => chain
                .abac
                .as_ref()
                .and_then(|list| list.authorize(&request.user, &request.action))
                .map(|p| Decider::Abac(p.clone())),
            Mode::AlwaysAllow => Some(Decider::AlwaysAllow),
            Mode::AlwaysDeny => None,
        };
        match allowed_by {
            Some(decider) => {
                decision.verdicts[i].1 = Verdict::Allow;
                decision.allowed = true;
                decision.decider = Some(decider);
                break;
            }
            None => decision.verdicts[i].1 = Verdict::NoOpinion,
        }
    }
    decision
}

/// A subject an ABAC policy line allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AbacSubject {
    /// `User` or `Group`.
    pub kind: &'static str,
    pub name: String,
    pub line: u32,
    /// A policy naming both a user and a group allows the user only while in that group.
    pub requires_group: Option<String>,
}

/// Who can, across the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainWhoCan {
    pub chain: Vec<Mode>,
    /// RBAC's subject locator, when RBAC is in the chain (with the superuser group first).
    pub rbac: Option<WhoCan>,
    pub abac: Vec<AbacSubject>,
    /// AlwaysAllow is in the chain: every request is allowed.
    pub everyone: bool,
}

/// Every subject the chain allows the action, with what allows it.
pub fn who_can_chain(
    index: &RbacIndex,
    chain: &Chain,
    action: &Action,
    exclude_system: bool,
) -> ChainWhoCan {
    let mut rbac = chain
        .modes
        .contains(&Mode::Rbac)
        .then(|| who_can(index, action, exclude_system));
    if rbac.is_none() && !exclude_system {
        // The superuser group is allowed whatever the modes.
        rbac = Some(WhoCan {
            subjects: vec![crate::rbac::who_can::AllowedSubject {
                kind: "Group".into(),
                name: SUPERUSER_GROUP.into(),
                namespace: String::new(),
                via: Vec::new(),
            }],
            errors: Vec::new(),
        });
    }
    let mut abac = Vec::new();
    if let (true, Some(list)) = (chain.modes.contains(&Mode::Abac), &chain.abac) {
        for p in list.subjects_for(action) {
            let (kind, name, requires_group) = if p.user.is_empty() {
                ("Group", p.group.clone(), None)
            } else {
                (
                    "User",
                    p.user.clone(),
                    (!p.group.is_empty()).then(|| p.group.clone()),
                )
            };
            if exclude_system && name.starts_with("system:") {
                continue;
            }
            abac.push(AbacSubject {
                kind,
                name,
                line: p.line,
                requires_group,
            });
        }
    }
    abac.sort();
    ChainWhoCan {
        chain: chain.modes.clone(),
        rbac,
        abac,
        everyone: chain.modes.contains(&Mode::AlwaysAllow),
    }
}

/// What a subject may do, across the chain: upstream's union of each mode's RulesFor.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainRules {
    pub rbac: Option<RulesFor>,
    /// ABAC rules with the line of the policy they come from.
    pub abac: Vec<(u32, PolicyRule)>,
    /// Rules from AlwaysAllow (`*` on everything).
    pub always: Vec<PolicyRule>,
}

impl ChainRules {
    /// Every rule, RBAC's first, then ABAC's, then AlwaysAllow's.
    pub fn policy_rules<'a>(&'a self, index: &'a RbacIndex) -> Vec<&'a PolicyRule> {
        let mut rules: Vec<&PolicyRule> = Vec::new();
        if let Some(r) = &self.rbac {
            rules.extend(r.policy_rules(index));
        }
        rules.extend(self.abac.iter().map(|(_, r)| r));
        rules.extend(self.always.iter());
        rules
    }
}

pub fn rules_for_chain(
    index: &RbacIndex,
    chain: &Chain,
    user: &UserInfo,
    namespace: &str,
) -> ChainRules {
    let mut out = ChainRules {
        rbac: None,
        abac: Vec::new(),
        always: Vec::new(),
    };
    for mode in &chain.modes {
        match mode {
            Mode::Rbac => out.rbac = Some(rules_for(index, user, namespace)),
            Mode::Abac => {
                if let Some(list) = &chain.abac {
                    out.abac = list.rules_for(user, namespace);
                }
            }
            Mode::AlwaysAllow => {
                out.always = vec![
                    PolicyRule {
                        verbs: vec!["*".into()],
                        api_groups: Some(vec!["*".into()]),
                        resources: Some(vec!["*".into()]),
                        ..PolicyRule::default()
                    },
                    PolicyRule {
                        verbs: vec!["*".into()],
                        non_resource_urls: Some(vec!["*".into()]),
                        ..PolicyRule::default()
                    },
                ]
            }
            Mode::AlwaysDeny => {}
        }
    }
    out
}
