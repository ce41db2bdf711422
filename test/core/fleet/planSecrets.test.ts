/**
 * Secrets never reach a message (issue 11, item 8): a template that puts a secret switch
 * into `konf.fail("…")`, `konf.skip("…")` or any error text gets it masked, like diffs and
 * logs, before the error leaves the plan (so the CLI, the console and the audit log all
 * print the masked text).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { SECRET_MASK } from '../../../src/core/diff/secrets.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const TOKEN = 'tok-9f8e7d6c5b4a';
const PASS = 'hunter2-correct-horse';

async function plan(template: string) {
  fixture = await makeRepo({
    'etc/serverconfig/default': `api_token="${TOKEN}"\ndb_pass="${PASS}"\nkonf_secret="db_pass"\nrole="web"\n`,
    'etc/serverconfig/web1': '',
    'etc/files/etc/app.conf.tmpl': template,
  });
  return (await loadFleet(fixture.root)).plan('web1');
}

async function planError(template: string): Promise<ConfigError> {
  const err = await plan(template).catch((e: unknown) => e);
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err;
}

describe('secrets in template messages are masked', () => {
  it('konf.fail with a secret (named like one, or listed in konf_secret)', async () => {
    const e = await planError('line 1\n{{ konf.fail("bad token " + api_token + " for " + db_pass + " on " + role) }}\n');
    expect(e.message).toBe(`template error: bad token ${SECRET_MASK} for ${SECRET_MASK} on web`);
    expect(e.format()).not.toContain(TOKEN);
    expect([e.file, e.line]).toEqual(['etc/files/etc/app.conf.tmpl', 2]);
  });

  it('an error message that quotes a secret value', async () => {
    const e = await planError('{{ role[api_token] }}');
    expect(e.message).not.toContain(TOKEN);
  });

  it('konf.skip with a secret in its reason', async () => {
    const p = await plan(`{{ konf.skip("no " + db_pass) }}`);
    expect(p.skipped).toEqual([{ path: '/etc/app.conf', source: 'etc/files/etc/app.conf.tmpl', reason: `no ${SECRET_MASK}` }]);
  });
});
