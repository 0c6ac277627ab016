"""Run the rule over a small inventory, in plain Python (no build needed):
`python -m unittest` in this directory."""

import unittest

import fetter_policy
import policy  # noqa: F401  (registers the rule)
from fetter_policy import Inventory, SettingsError

INVENTORY = Inventory.of([
    {"name": "requests", "version": "2.32.3"},
    {"name": "Acme_Tool", "version": "0.1", "direct_url": {"url": "git+https://example.com/acme", "vcs": "git"}},
    {"name": "local-lib", "version": "1.0", "direct_url": {"url": "file:///src/local-lib", "editable": True}},
])


class PolicyTest(unittest.TestCase):
    def test_denies_only_the_git_install(self):
        verdicts = fetter_policy.run(INVENTORY)
        self.assertEqual([(v.distribution, v.action, v.rule) for v in verdicts],
                         [(1, "deny", "{{name}}/git-url")])

    def test_allow_takes_any_spelling(self):
        self.assertEqual(fetter_policy.run(INVENTORY, {"allow": ["acme.tool"]}), [])

    def test_rejects_unknown_settings(self):
        with self.assertRaises(SettingsError):
            fetter_policy.run(INVENTORY, {"alow": []})


if __name__ == "__main__":
    unittest.main()
