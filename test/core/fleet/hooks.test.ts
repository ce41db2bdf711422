import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { readHooks } from '../../../src/core/fleet/hooks.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const script = (text: string) => ({ content: `#!/bin/sh\n${text}\n`, mode: 0o755 });

describe('hooks', () => {
  it('lists executable hooks per phase in byte order of their names', async () => {
    fixture = await makeRepo({
      'hooks/pre-deploy/20-b': script('echo b'),
      'hooks/pre-deploy/10-a': script('echo a'),
      'hooks/pre-deploy/B-upper': script('echo B'),
      'hooks/pre-deploy/a-lower': script('echo a'),
      'hooks/post-rollback/99-last': script('echo z'),
      'hooks/post-deploy/.gitkeep': '',
    });
    const { hooks, warnings } = await readHooks(fixture.root);
    expect(hooks['pre-deploy'].map((h) => h.name)).toEqual(['10-a', '20-b', 'B-upper', 'a-lower']);
    expect(hooks['post-deploy']).toEqual([]);
    expect(hooks['pre-rollback']).toEqual([]);
    expect(hooks['post-rollback']).toEqual([
      { phase: 'post-rollback', name: '99-last', source: 'hooks/post-rollback/99-last', content: Buffer.from('#!/bin/sh\necho z\n') },
    ]);
    expect(warnings).toEqual([]);
  });

  it('reports a non-executable hook as a warning and does not list it to run', async () => {
    fixture = await makeRepo({
      'hooks/post-deploy/10-ok': script('true'),
      'hooks/post-deploy/20-forgot-chmod': { content: '#!/bin/sh\ntrue\n', mode: 0o644 },
      'hooks/post-deploy/30-folder/x': script('true'),
    });
    const { hooks, warnings } = await readHooks(fixture.root);
    expect(hooks['post-deploy'].map((h) => h.name)).toEqual(['10-ok']);
    expect(warnings).toEqual([
      'hooks/post-deploy/20-forgot-chmod: not executable, not run (chmod +x hooks/post-deploy/20-forgot-chmod to enable it)',
      'hooks/post-deploy/30-folder: not a regular file, not run (hooks are files directly in hooks/post-deploy/)',
    ]);
  });

  it('puts hook warnings into every host plan', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'hooks/pre-deploy/10-x': { content: 'x', mode: 0o600 } });
    const plan = await (await loadFleet(fixture.root)).plan('web1');
    expect(plan.warnings).toEqual(['hooks/pre-deploy/10-x: not executable, not run (chmod +x hooks/pre-deploy/10-x to enable it)']);
    expect(plan.hooks['pre-deploy']).toEqual([]);
  });

  it('refuses a folder that is not a phase (a misspelt phase would never run)', async () => {
    fixture = await makeRepo({ 'hooks/post-deply/10-x': script('true') });
    const err = await readHooks(fixture.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe('hooks/post-deply');
    expect((err as ConfigError).message).toMatch(/not a hook phase \(phases: pre-deploy, post-deploy, pre-rollback, post-rollback, health\)/);
  });

  it('is empty without a hooks folder', async () => {
    fixture = await makeRepo();
    const { hooks, warnings } = await readHooks(fixture.root);
    expect(Object.values(hooks).flat()).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
