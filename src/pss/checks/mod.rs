//! The check registry, shaped like upstream's `policy` package: one module per check, each a
//! [`Check`] with versioned entries (minimum policy version → check function, plus the IDs of
//! baseline checks that a restricted entry replaces). [`CHECKS`] lists them in evaluation
//! order: baseline IDs byte-wise ascending, then restricted IDs byte-wise ascending.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::forbidden::Forbidden;
use super::level::Level;

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes_and_host_lifecycle;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod se_linux_options;
mod seccomp_profile_baseline;
mod seccomp_profile_restricted;
mod sysctls;
mod windows_host_process;

/// Evaluates one pod; `None` means allowed.
pub type CheckPodFn = fn(&ObjectMeta, &PodSpec) -> Option<Forbidden>;

/// One versioned behaviour of a check.
pub struct VersionedCheck {
    /// The entry applies from policy version `v1.<minimum_minor>` until the next entry.
    pub minimum_minor: u64,
    pub check_pod: CheckPodFn,
    /// Baseline checks this (restricted) entry replaces when evaluating level restricted.
    pub override_check_ids: &'static [CheckId],
}

/// A Pod Security Standards check with its versioned entries (strictly increasing versions).
pub struct Check {
    pub id: CheckId,
    pub level: Level,
    pub versions: &'static [VersionedCheck],
}

impl Check {
    /// The entry active at `v1.<minor>`: the one with the largest minimum version ≤ minor.
    pub fn active_at(&self, minor: u64) -> Option<&'static VersionedCheck> {
        self.versions
            .iter()
            .rev()
            .find(|entry| entry.minimum_minor <= minor)
    }
}

/// Every check, in upstream's evaluation order.
pub static CHECKS: [&Check; 19] = [
    &app_armor_profile::CHECK,
    &capabilities_baseline::CHECK,
    &host_namespaces::CHECK,
    &host_path_volumes::CHECK,
    &host_ports::CHECK,
    &host_probes_and_host_lifecycle::CHECK,
    &privileged::CHECK,
    &proc_mount::CHECK,
    &se_linux_options::CHECK,
    &seccomp_profile_baseline::CHECK,
    &sysctls::CHECK,
    &windows_host_process::CHECK,
    &allow_privilege_escalation::CHECK,
    &capabilities_restricted::CHECK,
    &proc_mount_restricted::CHECK,
    &restricted_volumes::CHECK,
    &run_as_non_root::CHECK,
    &run_as_user::CHECK,
    &seccomp_profile_restricted::CHECK,
];

macro_rules! check_ids {
    ($($variant:ident => $text:literal,)*) => {
        /// The upstream check IDs (`CheckID`), printed exactly as upstream spells them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId {
            $($variant,)*
        }

        impl CheckId {
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $text,)*
                }
            }
        }

        impl FromStr for CheckId {
            type Err = UnknownCheckId;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok(CheckId::$variant),)*
                    _ => Err(UnknownCheckId(value.to_owned())),
                }
            }
        }
    };
}

check_ids! {
    AppArmorProfile => "appArmorProfile",
    CapabilitiesBaseline => "capabilities_baseline",
    HostNamespaces => "hostNamespaces",
    HostPathVolumes => "hostPathVolumes",
    HostPorts => "hostPorts",
    HostProbesAndHostLifecycle => "hostProbesAndHostLifecycle",
    Privileged => "privileged",
    ProcMount => "procMount",
    SeLinuxOptions => "seLinuxOptions",
    SeccompProfileBaseline => "seccompProfile_baseline",
    Sysctls => "sysctls",
    WindowsHostProcess => "windowsHostProcess",
    AllowPrivilegeEscalation => "allowPrivilegeEscalation",
    CapabilitiesRestricted => "capabilities_restricted",
    ProcMountRestricted => "procMount_restricted",
    RestrictedVolumes => "restrictedVolumes",
    RunAsNonRoot => "runAsNonRoot",
    RunAsUser => "runAsUser",
    SeccompProfileRestricted => "seccompProfile_restricted",
}

/// A string that is not one of the check IDs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown check id {0:?}")]
pub struct UnknownCheckId(pub String);

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// `spec.os.name == "windows"` (exact match of the API constant).
fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// `spec.hostUsers` explicitly `false`: the pod runs in its own user namespace.
fn in_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_order_is_upstream_order() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id.as_str()).collect();
        let (baseline, restricted): (Vec<_>, Vec<_>) =
            CHECKS.iter().partition(|c| c.level == Level::Baseline);
        let sorted = |checks: &[&&Check]| {
            let mut ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
            ids.sort_unstable();
            ids
        };
        let mut expected = sorted(&baseline);
        expected.extend(sorted(&restricted));
        assert_eq!(ids, expected);
        assert_eq!(baseline.len(), 12);
        assert_eq!(restricted.len(), 7);
    }

    #[test]
    fn versions_strictly_increase_and_ids_match_enum() {
        for (check, id) in CHECKS.iter().zip(CheckId::ALL) {
            assert_eq!(check.id, *id);
            assert!(!check.versions.is_empty());
            assert!(
                check
                    .versions
                    .windows(2)
                    .all(|w| w[0].minimum_minor < w[1].minimum_minor)
            );
            assert_eq!(id.as_str().parse::<CheckId>(), Ok(*id));
        }
    }

    #[test]
    fn only_restricted_checks_override() {
        for check in CHECKS {
            for entry in check.versions {
                for overridden in entry.override_check_ids {
                    assert_eq!(check.level, Level::Restricted);
                    let target = CHECKS.iter().find(|c| c.id == *overridden);
                    assert_eq!(target.map(|c| c.level), Some(Level::Baseline));
                }
            }
        }
    }
}
