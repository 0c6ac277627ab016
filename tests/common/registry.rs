//! A real OCI registry for the tests: Debian's `docker-registry` (the CNCF
//! distribution registry, 2.8), unpacked with `dpkg -x` into the tests'
//! tool directory and started on a free loopback port with a generated
//! config file and a scratch storage directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::deb::deb_tool;
use crate::common::server::{free_port, wait_for_port, ChildGuard};

/// What the registry demands.
#[derive(Default, Clone)]
pub struct Setup {
    /// An htpasswd file (bcrypt): basic auth on every request.
    pub htpasswd: Option<PathBuf>,
    /// A certificate and key (PEM): HTTPS only.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// A running registry, killed when dropped.
pub struct Registry {
    /// Its loopback port.
    pub port: u16,
    /// Its storage root.
    pub storage: PathBuf,
    log: PathBuf,
    guard: Option<ChildGuard>,
}

impl Registry {
    /// Start one in `dir` (storage, config and log go there); `None` when
    /// the package cannot be had (skipped, or failed under CI).
    pub fn start(dir: &Path, setup: &Setup) -> Option<Registry> {
        let bin = deb_tool(
            "docker-registry",
            &["docker-registry"],
            "usr/bin/docker-registry",
        )?;
        fs::create_dir_all(dir).unwrap();
        let storage = dir.join("storage");
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: fetter-tests\n",
            storage.display()
        );
        if let Some((cert, key)) = &setup.tls {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        if let Some(h) = &setup.htpasswd {
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: fetter-tests\n    path: {}\n",
                h.display()
            ));
        }
        let config_path = dir.join("config.yml");
        fs::write(&config_path, config).unwrap();
        let log = dir.join("registry.log");
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&log).unwrap())
            .stderr(fs::File::create(dir.join("registry.err")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let guard = ChildGuard(child);
        if !wait_for_port(port, Duration::from_secs(20)) {
            panic!(
                "the registry did not listen on 127.0.0.1:{port}:\n{}",
                fs::read_to_string(dir.join("registry.err")).unwrap_or_default()
            );
        }
        Some(Registry {
            port,
            storage,
            log,
            guard: Some(guard),
        })
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `oci://127.0.0.1:PORT/REPO_AND_TAG`.
    pub fn oci(&self, repo_and_tag: &str) -> String {
        format!("oci://{}/{repo_and_tag}", self.host())
    }

    /// Stop it (the storage stays).
    pub fn stop(&mut self) {
        self.guard.take();
    }

    /// Where the registry keeps blob `digest`'s bytes.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// Its log, for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}
