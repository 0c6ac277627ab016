// {{name}}: deny anything installed from a git URL, unless allowed.
import { configure, deny, rule } from './fetter-policy.js';

configure((settings) => {
  settings.only('allow'); // a typo in a key is an error, not ignored
  settings.names('allow'); // must be a list of strings
});

rule((inventory, settings) => {
  const allowed = new Set(settings.names('allow'));
  const verdicts = [];
  for (const dist of inventory) {
    if (dist.vcs === 'git' && !allowed.has(dist.normalizedName)) {
      verdicts.push(deny(dist, '{{name}}/git-url',
        `${dist.name} ${dist.version} was installed from a git URL, not a package index`,
        { suggestion: 'install a released version from the index' }));
    }
  }
  return verdicts;
});
