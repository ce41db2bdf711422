/**
 * etc/validate end to end through the built CLI, on the example fleet (its etc/validate
 * checks sudoers with visudo and sshd's files with `sshd -t`) against real sshd hosts:
 * `konf show` lists the rules per file, a malformed line is exit 2 naming file:line,
 * `konf diff --validate` shows a validator's complaint without renaming anything, a
 * failing file check refuses the host before any rename, a failing set check swaps every
 * file back before any post-deploy hook, and `--json` carries the `validate` phase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt } from '../helpers/konfBin.js';
import { startExampleFleet, type ExampleFleet } from '../helpers/exampleFleet.js';
import { filesOf, readTree } from '../helpers/tree.js';
import type { OpEvent } from '../../src/core/ops/events.js';
import type { ShowReport } from '../../src/cli/showReport.js';

const SUDOERS = 'etc/files/etc/sudoers.d/konf-admins';
const SSHD = 'etc/files/etc/ssh/sshd_config.tmpl';
const events = (stdout: string): OpEvent[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OpEvent);

async function leftovers(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.konf-tmp-')) out.push(path.join(dir, e.name));
      if (e.isDirectory()) await walk(path.join(dir, e.name));
    }
  };
  await walk(root);
  return out;
}

describe('etc/validate on the example fleet', () => {
  let ex: ExampleFleet;
  let sudoers: string;
  let sshd: string;
  beforeAll(async () => {
    await ensureBuilt();
    ex = await startExampleFleet(['web1']);
    sudoers = await readFile(path.join(ex.repo, SUDOERS), 'utf8');
    sshd = await readFile(path.join(ex.repo, SSHD), 'utf8');
  });
  afterAll(async () => {
    await ex?.stop();
  });
  const restoreRepo = async () => {
    await writeFile(path.join(ex.repo, SUDOERS), sudoers);
    await writeFile(path.join(ex.repo, SSHD), sshd);
  };

  it('konf show lists the rules that apply to each planned file', async () => {
    const r = await ex.konf(['show', 'web1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const show = JSON.parse(r.stdout) as ShowReport;
    const rules = Object.fromEntries(show.files.filter((f) => f.validate).map((f) => [f.path, f.validate?.map((v) => `${v.kind} ${v.file}:${v.line} ${v.command.split(' ')[0]}`)]));
    expect(rules).toEqual({
      '/etc/ssh/sshd_config': ['set etc/validate:20 sshd'],
      '/etc/ssh/sshd_config.d/10-konf-hardening.conf': ['file etc/validate:17 sshd', 'set etc/validate:20 sshd'],
      '/etc/sudoers.d/konf-admins': ['file etc/validate:14 visudo'],
    });
    const human = await ex.konf(['show', 'web1']);
    expect(human.stdout).toMatch(/Checks from etc\/validate\n\s+\/etc\/ssh\/sshd_config\s+set check\s+validate:20\s+sshd -t -f "\$\{KONF_ROOT%\/\}\/etc\/ssh\/sshd_config"/);
    expect(human.stdout).toMatch(/\/etc\/sudoers\.d\/konf-admins\s+file check\s+validate:14\s+visudo -cf %s/);
  });

  it('a malformed line is exit 2 naming file:line, and no host is contacted', async () => {
    const file = path.join(ex.repo, 'etc/validate');
    const before = await readFile(file, 'utf8');
    try {
      await appendFile(file, '/etc/motd\n');
      const show = await ex.konf(['show', 'web1']);
      expect(show.code).toBe(2);
      expect(show.stderr).toMatch(/etc\/validate:21:\d+: expected `GLOB COMMAND…`: the command is missing/);
      await writeFile(file, `${before}/etc/motd grep -q x "%s"\n`);
      const deploy = await ex.konf(['deploy', 'web1', '--yes']);
      expect(deploy.code).toBe(2);
      expect(deploy.stderr).toMatch(/etc\/validate:21:\d+: write %s without quotes/);
      await writeFile(file, `${before}etc/motd true\n`);
      expect((await ex.konf(['diff', 'web1'])).stderr).toMatch(/etc\/validate:21:1: path `etc\/motd` is not absolute/);
    } finally {
      await writeFile(file, before);
    }
  });

  it('konf diff --validate shows visudo’s complaint about the staged copy, renames nothing, exit 3', async () => {
    await writeFile(path.join(ex.repo, SUDOERS), `${sudoers}konf ALL=(root NOPASSWD ALL\n`);
    try {
      const before = filesOf(await readTree(ex.root('web1')));
      const r = await ex.konf(['diff', 'web1', '--validate']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stdout).toContain('+konf ALL=(root NOPASSWD ALL');
      expect(r.stdout).toMatch(/web1: ✗ \/etc\/sudoers\.d\/konf-admins: etc\/validate:14 visudo -cf %s on the staged copy: exit 1/);
      expect(r.stdout).toMatch(/syntax error/);
      expect(r.stdout).toMatch(/1 of 1 file check\(s\) failed: a deploy would be refused there \(nothing was renamed\)/);
      expect(filesOf(await readTree(ex.root('web1')))).toEqual(before);
      expect(await leftovers(ex.root('web1'))).toEqual([]);
      const json = await ex.konf(['diff', 'web1', '--validate', '--json']);
      expect(json.code).toBe(3);
      const doc = JSON.parse(json.stdout) as { validation: { host: string; file: string; rule: string; ok: boolean; output: string[] }[] };
      expect(doc.validation).toMatchObject([{ host: 'web1', file: '/etc/sudoers.d/konf-admins', rule: 'etc/validate:14', ok: false }]);
      expect(doc.validation[0]?.output.join('\n')).toMatch(/syntax error/);
    } finally {
      await restoreRepo();
    }
  });

  it('a failing file check refuses the host before any rename: byte-identical, exit 3, the validator’s words in the log', async () => {
    await writeFile(path.join(ex.repo, SUDOERS), `${sudoers}konf ALL=(root NOPASSWD ALL\n`);
    await appendFile(path.join(ex.repo, 'etc/files/etc/motd.tmpl'), 'one more line\n');
    try {
      const before = filesOf(await readTree(ex.root('web1')));
      const marker = await readFile(path.join(ex.root('web1'), 'var/lib/konf/last-deploy'), 'utf8').catch(() => '');
      const r = await ex.konf(['deploy', 'web1', '--yes', '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      const ev = events(r.stdout);
      const validate = ev.filter((e) => e.type === 'log' && e.phase === 'validate');
      expect(validate.map((e) => (e as { text: string }).text).join('\n')).toMatch(/file check etc\/validate:14 \(visudo -cf %s\) on \/etc\/sudoers\.d\/konf-admins: failed \(exit 1\)\netc\/validate:14 \| .*syntax error/);
      const result = ev.find((e) => e.type === 'host-result');
      expect(result).toMatchObject({ outcome: 'failed', error: 'check-failed' });
      expect((result as { text: string }).text).toMatch(/refused by etc\/validate: etc\/validate:14 \(visudo -cf %s\) on \/etc\/sudoers\.d\/konf-admins: exit 1: .*syntax error.*; nothing was renamed/);
      expect(filesOf(await readTree(ex.root('web1')))).toEqual(before);
      expect(await leftovers(ex.root('web1'))).toEqual([]);
      expect(existsSync(path.join(ex.root('web1'), 'var/lib/konf/journal'))).toBe(false);
      expect(existsSync(path.join(ex.root('web1'), 'var/lib/konf/lock'))).toBe(false);
      // No post-deploy hook ran.
      expect(await readFile(path.join(ex.root('web1'), 'var/lib/konf/last-deploy'), 'utf8').catch(() => '')).toBe(marker);
    } finally {
      await restoreRepo();
      await writeFile(path.join(ex.repo, 'etc/files/etc/motd.tmpl'), (await readFile(path.join(ex.repo, 'etc/files/etc/motd.tmpl'), 'utf8')).replace('one more line\n', ''));
    }
  });

  it('a failing set check swaps every file back at once before any post-deploy hook runs; exit 3', async () => {
    // sshd_config alone is not file-checked: only the set check (sshd -t on the live set) sees it.
    await writeFile(path.join(ex.repo, SSHD), `${sshd}NoSuchOption yes\n`);
    await appendFile(path.join(ex.repo, 'etc/files/etc/issue.net'), 'authorised use only\n');
    try {
      const before = filesOf(await readTree(ex.root('web1')));
      const r = await ex.konf(['deploy', 'web1', '--yes', '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      const ev = events(r.stdout);
      const texts = ev.filter((e) => e.type === 'log').map((e) => `${(e as { phase: string }).phase}: ${(e as { text: string }).text}`);
      expect(texts.join('\n')).toMatch(/validate: set check etc\/validate:20 \(sshd -t -f .*\): failed \(exit 255\)\nvalidate: etc\/validate:20 \| .*sshd_config: line \d+: Bad configuration option: NoSuchOption/);
      // Both files were renamed before the check, and swapped back; no post-deploy hook ran.
      expect(ev.some((e) => e.type === 'file' && e.file === '/etc/issue.net')).toBe(false);
      expect(ev.some((e) => e.type === 'log' && e.phase === 'post-deploy')).toBe(false);
      expect(ev.some((e) => e.type === 'log' && e.phase === 'post-rollback')).toBe(false);
      const result = ev.find((e) => e.type === 'host-result') as { outcome: string; text: string };
      expect(result.outcome).toBe('restored');
      expect(result.text).toMatch(/refused by etc\/validate: etc\/validate:20 .*Bad configuration option: NoSuchOption.*every file was swapped back from the journal before any post-deploy hook/);
      expect(filesOf(await readTree(ex.root('web1')))).toEqual(before);
      expect(await leftovers(ex.root('web1'))).toEqual([]);
      expect(existsSync(path.join(ex.root('web1'), 'var/lib/konf/journal'))).toBe(false);
    } finally {
      await restoreRepo();
    }
  });

  it('a deploy whose checks pass goes live and says which checks it passed', async () => {
    await writeFile(path.join(ex.repo, SUDOERS), `${sudoers}%ops ALL=(root) /usr/bin/systemctl reload nginx\n`);
    try {
      const r = await ex.konf(['deploy', 'web1', '--yes', '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const texts = events(r.stdout)
        .filter((e) => e.type === 'log' && e.phase === 'validate')
        .map((e) => (e as { text: string }).text);
      expect(texts).toContain('file check etc/validate:14 (visudo -cf %s) on /etc/sudoers.d/konf-admins: passed');
      expect(await readFile(path.join(ex.root('web1'), 'etc/sudoers.d/konf-admins'), 'utf8')).toContain('%ops ALL=(root)');
      expect((await ex.konf(['diff', 'web1', '--validate'])).code).toBe(0);
    } finally {
      await restoreRepo();
    }
  });
});
