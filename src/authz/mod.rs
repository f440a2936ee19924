//! The authorizer chain (`--authorization-mode ABAC,RBAC`), as kube-apiserver's union
//! authorizer runs it: the `system:masters` group first (always), then each mode in the
//! order given; the first that allows ends the chain, a "no opinion" passes to the next. None
//! of the modes kubesim evaluates ever denies, so a request no mode allows is denied with the
//! non-empty reasons of every mode joined by newlines, exactly as upstream.
//!
//! Modes: `RBAC` (wraps `rbac::authorize`), `ABAC` (a [`PolicyList`]), `AlwaysAllow`
//! and `AlwaysDeny`. `Node` and `Webhook` decide from data kubesim does not have and are
//! rejected with a reason. Who-can and access answer across the chain as well: ABAC's
//! subjects are the users and groups of its matching policy lines, its rules those of
//! upstream's ABAC `RulesFor`.
//!
//! This is the one way every access question is asked, by the commands and by scenarios:
//! RBAC alone is the default chain of one mode ([`Chain::default`]).

pub mod abac;

use std::sync::Arc;

use k8s_openapi::api::rbac::v1::PolicyRule;

use crate::authz::abac::{NO_POLICY_MATCHED, Policy, PolicyList};
use crate::index::RbacIndex;
use crate::index::names::{KnownNames, NameKind, UnknownName};
use crate::model::identity::{SUPERUSER_GROUP, UserInfo};
use crate::model::{Action, Request};
use crate::rbac::{self, Explanation, RulesFor, explain};

/// One authorization mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Attribute-based access control: a file of JSON policy lines (`--abac-policy`).
    Abac,
    /// Role-based access control over the Roles and bindings of the input.
    Rbac,
    /// Allows every request.
    AlwaysAllow,
    /// Has no opinion on any request (the apiserver's `AlwaysDeny`).
    AlwaysDeny,
}

impl Mode {
    /// The mode as `--authorization-mode` spells it.
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
    /// The modes in the order they are consulted.
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

    /// The modes as `--authorization-mode` would list them (`ABAC,RBAC`).
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
    /// RBAC allowed (its explanation names the binding, role and rule).
    Rbac,
    /// The ABAC policy on this line.
    Abac(Policy),
    /// AlwaysAllow allowed.
    AlwaysAllow,
}

/// What one mode said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The mode allowed the request, ending the chain.
    Allow,
    /// The mode neither allowed nor denied; the next mode is asked.
    NoOpinion,
    /// The chain stopped before this mode.
    NotConsulted,
}

/// The chain's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// Who allowed it; `None` on a deny.
    pub decider: Option<Decider>,
    /// Each mode in order with what it said.
    pub verdicts: Vec<(Mode, Verdict)>,
    /// RBAC's explanation, when RBAC is in the chain (even if it was not consulted, so a
    /// report can show what it would have said).
    pub rbac: Option<Explanation>,
    /// The ABAC policy file searched, when ABAC is in the chain.
    pub abac_file: Option<String>,
    /// How many policies the ABAC file holds (what a deny searched).
    pub abac_policies: usize,
}

impl Decision {
    /// The reason string: the decider's (`ABAC: allowed by policy on line N` for ABAC, whose
    /// upstream reason is empty), or on a deny upstream's union of the non-empty reasons.
    pub fn reason(&self, index: &RbacIndex) -> String {
        let rbac_reason = || {
            self.rbac
                .as_ref()
                .map(|e| e.decision.reason(index))
                .unwrap_or_default()
        };
        match &self.decider {
            Some(Decider::Superuser) => String::new(),
            Some(Decider::Rbac) => rbac_reason(),
            Some(Decider::Abac(p)) => format!("ABAC: allowed by policy on line {}", p.line),
            Some(Decider::AlwaysAllow) => "AlwaysAllow: allowed".into(),
            None => {
                let mut reasons = Vec::new();
                for (mode, _) in &self.verdicts {
                    let reason = match mode {
                        Mode::Abac => NO_POLICY_MATCHED.to_string(),
                        Mode::AlwaysDeny => "Everything is forbidden.".to_string(),
                        Mode::Rbac => rbac_reason(),
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

    /// RBAC's explanation when RBAC is the whole chain: the answer is RBAC's and reads as such.
    pub fn rbac_only(&self) -> Option<&Explanation> {
        match self.verdicts.as_slice() {
            [(Mode::Rbac, _)] => self.rbac.as_ref(),
            _ => None,
        }
    }
}

/// A subject an ABAC policy line allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AbacSubject {
    /// `User` or `Group`.
    pub kind: &'static str,
    /// The user or group name the policy line names.
    pub name: String,
    /// The 1-based line of the policy in its file.
    pub line: u32,
    /// A policy naming both a user and a group allows the user only while in that group.
    pub requires_group: Option<String>,
}

/// Who can do an action, across the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct WhoCan {
    /// The modes of the chain that answered, in order.
    pub chain: Vec<Mode>,
    /// RBAC's subject locator, when RBAC is in the chain (with the superuser group first).
    pub rbac: Option<rbac::WhoCan>,
    /// The subjects of ABAC policy lines that allow the action, sorted.
    pub abac: Vec<AbacSubject>,
    /// AlwaysAllow is in the chain: every request is allowed.
    pub everyone: bool,
}

impl WhoCan {
    /// RBAC's answer when RBAC is the whole chain.
    pub fn rbac_only(&self) -> Option<&rbac::WhoCan> {
        match self.chain.as_slice() {
            [Mode::Rbac] => self.rbac.as_ref(),
            _ => None,
        }
    }
}

/// What a subject may do, across the chain: upstream's union of each mode's RulesFor.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// The modes of the chain that answered, in order.
    pub chain: Vec<Mode>,
    /// RBAC's rules with the binding and role of each, when RBAC is in the chain.
    pub rbac: Option<RulesFor>,
    /// ABAC rules with the line of the policy they come from.
    pub abac: Vec<(u32, PolicyRule)>,
    /// Rules from AlwaysAllow (`*` on everything).
    pub always: Vec<PolicyRule>,
}

impl Access {
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

    /// RBAC's rules when RBAC is the whole chain.
    pub fn rbac_only(&self) -> Option<&RulesFor> {
        match self.chain.as_slice() {
            [Mode::Rbac] => self.rbac.as_ref(),
            _ => None,
        }
    }
}

impl Chain {
    /// The names of the input (`names`) and of this chain's ABAC policy that `question`'s user, groups
    /// and namespace are not among (typos, most often), each with the nearest existing name.
    /// A `group:G` question has no user; a credential's user is known by its credential.
    pub fn unknown_names(
        &self,
        names: &KnownNames,
        user: Option<&str>,
        groups: &[String],
        namespace: &str,
    ) -> Vec<UnknownName> {
        let mut unknown: Vec<UnknownName> = Vec::new();
        unknown.extend(user.filter(|u| !u.is_empty()).and_then(|u| names.user(u)));
        unknown.extend(groups.iter().filter_map(|g| names.group(g)));
        unknown.extend(names.namespace(namespace));
        unknown.retain(|u| !self.policy_names(u));
        unknown.sort();
        unknown.dedup();
        unknown
    }

    /// Whether the chain's ABAC policy names this user or group.
    pub fn policy_names(&self, name: &UnknownName) -> bool {
        let Some(abac) = &self.abac else {
            return false;
        };
        abac.policies.iter().any(|p| match name.kind {
            NameKind::User => p.user == name.name,
            NameKind::Group => p.group == name.name,
            _ => false,
        })
    }

    /// Whether the chain allows the request, without explaining why: what a gate needs.
    pub fn allows(&self, index: &RbacIndex, request: &Request) -> bool {
        request.user.is_superuser()
            || self.modes.iter().any(|mode| match mode {
                Mode::Rbac => rbac::authorize(index, request).allowed,
                Mode::Abac => self
                    .abac
                    .as_ref()
                    .is_some_and(|list| list.authorize(&request.user, &request.action).is_some()),
                Mode::AlwaysAllow => true,
                Mode::AlwaysDeny => false,
            })
    }

    /// Authorizes a request across the chain, with RBAC's explanation.
    pub fn authorize(&self, index: &RbacIndex, request: &Request) -> Decision {
        let rbac = self
            .modes
            .contains(&Mode::Rbac)
            .then(|| explain(index, request));
        let mut decision = Decision {
            allowed: false,
            decider: None,
            verdicts: self
                .modes
                .iter()
                .map(|m| (*m, Verdict::NotConsulted))
                .collect(),
            rbac,
            abac_file: self.abac.as_ref().map(|a| a.file.clone()),
            abac_policies: self.abac.as_ref().map_or(0, |a| a.policies.len()),
        };
        if request.user.is_superuser() {
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
                Mode::Abac => self
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

    /// Every subject the chain allows the action, with what allows it.
    pub fn who_can(&self, index: &RbacIndex, action: &Action, exclude_system: bool) -> WhoCan {
        let mut rbac = self
            .modes
            .contains(&Mode::Rbac)
            .then(|| rbac::who_can(index, action, exclude_system));
        if rbac.is_none() && !exclude_system {
            // The superuser group is allowed whatever the modes.
            rbac = Some(rbac::WhoCan {
                subjects: vec![rbac::who_can::AllowedSubject {
                    kind: "Group".into(),
                    name: SUPERUSER_GROUP.into(),
                    namespace: String::new(),
                    via: Vec::new(),
                }],
                errors: Vec::new(),
            });
        }
        let mut abac = Vec::new();
        if let (true, Some(list)) = (self.modes.contains(&Mode::Abac), &self.abac) {
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
        WhoCan {
            chain: self.modes.clone(),
            rbac,
            abac,
            everyone: self.modes.contains(&Mode::AlwaysAllow),
        }
    }

    /// What `user` may do in `namespace` (cluster-wide when empty), across the chain.
    pub fn access(&self, index: &RbacIndex, user: &UserInfo, namespace: &str) -> Access {
        let mut out = Access {
            chain: self.modes.clone(),
            rbac: None,
            abac: Vec::new(),
            always: Vec::new(),
        };
        for mode in &self.modes {
            match mode {
                Mode::Rbac => out.rbac = Some(rbac::rules_for(index, user, namespace)),
                Mode::Abac => {
                    if let Some(list) = &self.abac {
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
}
