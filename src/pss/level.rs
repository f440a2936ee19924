//! Policy levels and policy versions: the `privileged | baseline | restricted` levels, the
//! `latest | v1.N` versions and their pairing, parsed and printed exactly like upstream's
//! `api.ParseLevel`, `api.ParseVersion` and `LevelVersion.String()`.

use std::fmt;
use std::str::FromStr;

/// The newest policy version this engine knows; `latest` and anything newer evaluate as this.
pub const LATEST_MINOR: u64 = 37;

/// A Pod Security Standards level, ordered from least to most strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    /// Every level, least strict first.
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    /// Upstream `ParseLevel`: an invalid value yields `restricted` together with the error,
    /// because callers (the enforce label) fail closed.
    pub fn parse_or_restricted(value: &str) -> (Level, Option<ParseLevelError>) {
        match value.parse() {
            Ok(level) => (level, None),
            Err(err) => (Level::Restricted, Some(err)),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error upstream reports for a level that is not exactly one of the three names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of privileged, baseline, restricted")]
pub struct ParseLevelError;

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Case-sensitive, like upstream: `Baseline` is not a level.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            _ => Err(ParseLevelError),
        }
    }
}

impl serde::Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A policy version: `v1.N` or `latest`. `latest` is newer than every numbered version,
/// including ones this engine does not know yet (derived order: `V1(_) < Latest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `v1.<minor>`.
    V1(u64),
    Latest,
}

/// The error upstream reports for a version that is not `latest` or `v1.N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be \"latest\" or \"v1.x\"")]
pub struct ParseVersionError;

impl Version {
    /// Upstream `ParseVersion`: an invalid value yields `latest` together with the error.
    pub fn parse_or_latest(value: &str) -> (Version, Option<ParseVersionError>) {
        match value.parse() {
            Ok(version) => (version, None),
            Err(err) => (Version::Latest, Some(err)),
        }
    }

    /// The minor version actually evaluated when the newest known policy version is
    /// `v1.<max_minor>`: anything newer (including `latest`) is clamped down to it.
    pub const fn effective_minor(self, max_minor: u64) -> u64 {
        match self {
            Version::V1(minor) if minor < max_minor => minor,
            _ => max_minor,
        }
    }
}

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Accepts `latest` and `^v1\.([0-9]|[1-9][0-9]*)$` whose number fits Go's `int`
    /// (`strconv.Atoi` rejects larger values, so they are invalid upstream as well).
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if value == "latest" {
            return Ok(Version::Latest);
        }
        let digits = value.strip_prefix("v1.").ok_or(ParseVersionError)?;
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !well_formed {
            return Err(ParseVersionError);
        }
        match digits.parse::<i64>() {
            Ok(minor) if minor >= 0 => Ok(Version::V1(minor.unsigned_abs())),
            _ => Err(ParseVersionError),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::V1(minor) => write!(f, "v1.{minor}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A level at a version, printed `"<level>:<version>"` (e.g. `restricted:v1.25`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelVersion {
    pub level: Level,
    pub version: Version,
}

impl LevelVersion {
    pub const fn new(level: Level, version: Version) -> Self {
        LevelVersion { level, version }
    }

    /// `privileged:latest`, the policy of a namespace nobody configured.
    pub const PRIVILEGED_LATEST: LevelVersion =
        LevelVersion::new(Level::Privileged, Version::Latest);
}

impl fmt::Display for LevelVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level, self.version)
    }
}

impl serde::Serialize for LevelVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a `LEVEL[:VERSION]` string (e.g. a `--default-enforce` flag) did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseLevelVersionError {
    #[error("invalid level {value:?}: {source}")]
    Level {
        value: String,
        source: ParseLevelError,
    },
    #[error("invalid version {value:?}: {source}")]
    Version {
        value: String,
        source: ParseVersionError,
    },
}

impl FromStr for LevelVersion {
    type Err = ParseLevelVersionError;

    /// `LEVEL` or `LEVEL:VERSION`; the version defaults to `latest`. Unlike the label
    /// parsers this is strict: a flag with a typo is a usage error, not a silent fallback.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (level_text, version_text) = match value.split_once(':') {
            Some((level, version)) => (level, Some(version)),
            None => (value, None),
        };
        let level = level_text
            .parse()
            .map_err(|source| ParseLevelVersionError::Level {
                value: level_text.to_owned(),
                source,
            })?;
        let version = match version_text {
            Some(text) => text
                .parse()
                .map_err(|source| ParseLevelVersionError::Version {
                    value: text.to_owned(),
                    source,
                })?,
            None => Version::Latest,
        };
        Ok(LevelVersion { level, version })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_exactly() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
            assert_eq!(level.to_string(), level.as_str());
        }
        for bad in ["", "Baseline", "RESTRICTED", " baseline", "unknown"] {
            assert_eq!(bad.parse::<Level>(), Err(ParseLevelError));
            assert_eq!(
                Level::parse_or_restricted(bad),
                (Level::Restricted, Some(ParseLevelError))
            );
        }
        assert_eq!(
            ParseLevelError.to_string(),
            "must be one of privileged, baseline, restricted"
        );
        assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
    }

    #[test]
    fn versions_parse_like_upstream() {
        for (text, version) in [
            ("latest", Version::Latest),
            ("v1.0", Version::V1(0)),
            ("v1.25", Version::V1(25)),
            ("v1.10000", Version::V1(10000)),
            ("v1.9223372036854775807", Version::V1(i64::MAX as u64)),
        ] {
            assert_eq!(text.parse::<Version>(), Ok(version), "{text}");
            assert_eq!(version.to_string(), text);
        }
        for bad in [
            "",
            "v1.01",
            "1.25",
            "v2.0",
            "V1.2",
            "v1.",
            "v1.-1",
            "v1.+1",
            "v1.2.3",
            "Latest",
            "v1.9223372036854775808",
            "v1.٣",
        ] {
            assert_eq!(bad.parse::<Version>(), Err(ParseVersionError), "{bad}");
            assert_eq!(
                Version::parse_or_latest(bad),
                (Version::Latest, Some(ParseVersionError))
            );
        }
        assert_eq!(
            ParseVersionError.to_string(),
            "must be \"latest\" or \"v1.x\""
        );
    }

    #[test]
    fn version_order_and_clamping() {
        assert!(Version::V1(2) < Version::V1(10));
        assert!(Version::V1(u64::MAX) < Version::Latest);
        assert_eq!(Version::Latest.effective_minor(LATEST_MINOR), 37);
        assert_eq!(Version::V1(10000).effective_minor(LATEST_MINOR), 37);
        assert_eq!(Version::V1(36).effective_minor(LATEST_MINOR), 36);
        assert_eq!(Version::V1(36).effective_minor(33), 33);
    }

    #[test]
    fn level_versions_print_and_parse() {
        let lv = LevelVersion::new(Level::Restricted, Version::V1(25));
        assert_eq!(lv.to_string(), "restricted:v1.25");
        assert_eq!(
            LevelVersion::new(Level::Baseline, Version::Latest).to_string(),
            "baseline:latest"
        );
        assert_eq!("restricted:v1.25".parse::<LevelVersion>(), Ok(lv));
        assert_eq!(
            "baseline".parse::<LevelVersion>(),
            Ok(LevelVersion::new(Level::Baseline, Version::Latest))
        );
        assert!(matches!(
            "strict:v1.2".parse::<LevelVersion>(),
            Err(ParseLevelVersionError::Level { .. })
        ));
        assert!(matches!(
            "baseline:1.2".parse::<LevelVersion>(),
            Err(ParseLevelVersionError::Version { .. })
        ));
    }
}
