//! Where a setting comes from: its flag, then the environment, then a `.env` file in the current
//! directory, as the server reads its own. An empty value counts as unset at every level, so
//! `--key "$ADYEN_HMAC_KEY"` with an empty shell variable falls back to `.env`, and an empty
//! `ADYEN_HMAC_KEY=` in the environment does not hide the one in `.env`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The environment and `.env`, read once.
pub(crate) struct Settings {
    /// The variables of `.env`, or why it could not be read (reported only if a setting needs
    /// it, so that a broken `.env` does not stop a command given everything on its line).
    dotenv: Result<BTreeMap<String, String>, String>,
    env: fn(&str) -> Option<String>,
}

/// A setting's value, and where it was found (for messages: never the value itself).
pub(crate) struct Setting {
    pub(crate) value: String,
    pub(crate) source: Source,
}

/// Where a setting was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Flag(&'static str),
    Env(&'static str),
    DotEnv(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => f.write_str(flag),
            Self::Env(name) => f.write_str(name),
            Self::DotEnv(name) => write!(f, "{name} (from .env)"),
        }
    }
}

impl Settings {
    /// The process environment and `./.env` (absent is fine).
    pub(crate) fn load() -> Self {
        Self {
            dotenv: read_dotenv(Path::new(".env")),
            env: |name| std::env::var(name).ok(),
        }
    }

    /// `flag`'s value if given and not empty, else `name` from the environment, else from
    /// `.env`; `None` when all are unset or empty.
    pub(crate) fn get(
        &self,
        flag: (&'static str, Option<&str>),
        name: &'static str,
    ) -> Result<Option<Setting>, String> {
        let found = |value: &str, source| {
            (!value.trim().is_empty()).then(|| Setting {
                value: value.to_owned(),
                source,
            })
        };
        if let Some(setting) = flag.1.and_then(|value| found(value, Source::Flag(flag.0))) {
            return Ok(Some(setting));
        }
        if let Some(setting) = (self.env)(name).and_then(|value| found(&value, Source::Env(name))) {
            return Ok(Some(setting));
        }
        let dotenv = self.dotenv.as_ref().map_err(Clone::clone)?;
        Ok(dotenv
            .get(name)
            .and_then(|value| found(value, Source::DotEnv(name))))
    }
}

fn read_dotenv(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let lines = match dotenvy::from_path_iter(path) {
        Ok(lines) => lines,
        Err(dotenvy::Error::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(BTreeMap::new())
        }
        Err(error) => return Err(format!("cannot read .env: {error}")),
    };
    lines
        .map(|line| line.map_err(|error| format!("cannot read .env: {error}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dotenv: &[(&str, &str)], env: fn(&str) -> Option<String>) -> Settings {
        Settings {
            dotenv: Ok(dotenv
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()),
            env,
        }
    }

    fn source(settings: &Settings, flag: Option<&str>) -> Option<Source> {
        settings
            .get(("--key", flag), "ADYEN_HMAC_KEY")
            .unwrap()
            .map(|setting| setting.source)
    }

    #[test]
    fn the_flag_then_the_environment_then_dotenv_and_empty_is_unset() {
        let empty_env = settings(&[("ADYEN_HMAC_KEY", "FROM_FILE")], |_| Some(String::new()));
        assert_eq!(
            source(&empty_env, Some("")),
            Some(Source::DotEnv("ADYEN_HMAC_KEY"))
        );
        assert_eq!(source(&empty_env, Some("KEY")), Some(Source::Flag("--key")));
        let env = settings(&[("ADYEN_HMAC_KEY", "FROM_FILE")], |_| Some("ENV".into()));
        assert_eq!(source(&env, Some(" ")), Some(Source::Env("ADYEN_HMAC_KEY")));
        let nothing = settings(&[("ADYEN_HMAC_KEY", "")], |_| None);
        assert!(source(&nothing, None).is_none());
    }

    #[test]
    fn a_broken_dotenv_matters_only_when_it_is_needed() {
        let broken = Settings {
            dotenv: Err("cannot read .env: bad line".into()),
            env: |_| None,
        };
        assert_eq!(source(&broken, Some("KEY")), Some(Source::Flag("--key")));
        assert!(broken.get(("--key", None), "ADYEN_HMAC_KEY").is_err());
    }
}
