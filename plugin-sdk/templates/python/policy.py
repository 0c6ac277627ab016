"""{{name}}: deny anything installed from a git URL, unless allowed."""

from fetter_policy import configure, deny, rule


@configure
def check_settings(settings):
    settings.only("allow")  # a typo in a key is an error, not ignored
    settings.names("allow")  # must be a list of strings


@rule
def evaluate(inventory, settings):
    allowed = set(settings.names("allow"))
    for dist in inventory:
        if dist.vcs == "git" and dist.normalized_name not in allowed:
            yield deny(
                dist,
                "{{name}}/git-url",
                f"{dist.name} {dist.version} was installed from a git URL, not a package index",
                suggestion="install a released version from the index",
            )
