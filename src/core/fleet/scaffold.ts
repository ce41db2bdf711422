/**
 * `konf init`: a new, valid fleet repository with one host, commented examples of every
 * part of the format, and nothing that would write to a host until the admin edits it.
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { hostNameProblem } from './inventory.js';

const FILES: Record<string, string> = {
  'etc/serverconfig/default': `# Default switches for every host. Parsed as data, never executed:
#   name="value"   name='value'   name=value   export name=value   \${earlier_switch}
# A host's own file (etc/serverconfig/<host>) overrides any of these.
domain="example.org"
admin_email="root@\${domain}"

# sshd settings that etc/files/etc/ssh/sshd_config.d/50-konf.conf.tmpl writes once you set
# them (until then it writes none, so a first deploy does not change how anyone logs in):
# ssh_permit_root_login="prohibit-password"
# ssh_password_authentication="no"

# Reserved switches steer konf itself:
# konf_root="/"            # target root on the host (default /)
# konf_become="sudo"       # log in as an ordinary user, write through sudo -n
# konf_watch="/etc/passwd" # extra paths recorded in snapshots
# konf_secret="api_user"   # more switch names to mask (names with password/secret/key/token are masked anyway)
# konf_confirm_within=60   # deploys revert themselves unless konf proves access over a new SSH connection in time
`,
  'etc/serverconfig/exclude/.keep': '',
  'etc/files/etc/motd.tmpl': `{{ konf_host }}.{{ domain }} is managed by konf: local edits of konf's files are overwritten.
Questions: {{ admin_email }}
`,
  'etc/files/etc/ssh/sshd_config.d/50-konf.conf.tmpl': `# Managed by konf: sshd settings from the switches ssh_* (etc/serverconfig/default).
{% if konf.defined("ssh_permit_root_login") %}PermitRootLogin {{ ssh_permit_root_login }}
{% endif %}{% if konf.defined("ssh_password_authentication") %}PasswordAuthentication {{ ssh_password_authentication }}
{% endif %}`,
  'etc/permissions': `# GLOB MODE [OWNER [GROUP]]   (last matching line wins; - leaves a field as it is)
/etc/ssh/sshd_config.d/*.conf 0644 root root
`,
  'etc/validate': `# Checks a deploy must pass on the host before anything goes live: GLOB COMMAND…
# With %s: a file check on the staged copy, before any rename. Without: a set check after
# the swap, before the post-deploy hooks. \${KONF_ROOT%/} keeps a rule right under any konf_root.
# /etc/sudoers.d/*              visudo -cf %s
# /etc/ssh/sshd_config.d/*.conf  sshd -t -f %s -h "\${KONF_ROOT%/}/etc/ssh/ssh_host_ed25519_key"
`,
  'etc/ssh_config': `# OpenSSH client settings for this fleet; ~/.ssh/config applies after this file.
# Host @HOST@
#   HostName @HOST@.example.org
#   User root
#   Port 22
`,
  'etc/konf.conf': `# Settings the team shares (parsed as data: name = value, # comments).
# Share snapshots and the audit log between jump hosts through a bare git repository:
# store_remote = git.example.org:/srv/git/konf-store.git
# store_timeout = 10   # seconds a fetch or push may take
`,
  'hooks/post-deploy/10-sshd-check': `#!/bin/sh
# Runs on the host after konf wrote files. Switches, KONF_HOST, KONF_PHASE, KONF_ROOT and
# KONF_CHANGED (changed paths, one a line) are in the environment. Non-zero exit = failure:
# konf restores the pre-deploy snapshot.
set -e
case "$KONF_CHANGED" in
  */etc/ssh/*)
    if [ "$KONF_ROOT" = / ] && command -v sshd >/dev/null 2>&1; then sshd -t; fi ;;
esac
`,
  'hooks/pre-deploy/.keep': '',
  'hooks/pre-rollback/.keep': '',
  'hooks/post-rollback/.keep': '',
  '.gitignore': 'var/\n',
};

export async function scaffoldFleet(dir: string, firstHost: string): Promise<string[]> {
  const problem = hostNameProblem(firstHost);
  if (problem) throw new ConfigError(`bad host name ${JSON.stringify(firstHost)}: ${problem}`);
  if (existsSync(dir) && (await readdir(dir)).some((n) => n === 'etc' || n === 'hooks')) {
    throw new ConfigError(`${dir} already holds etc/ or hooks/: konf init only fills a new or empty folder`);
  }
  const written: string[] = [];
  const files = { ...FILES, [`etc/serverconfig/${firstHost}`]: `# ${firstHost}: overrides of etc/serverconfig/default for this host.\n` };
  for (const [rel, template] of Object.entries(files)) {
    const text = template.replaceAll('@HOST@', firstHost);
    const abs = path.join(dir, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
    if (rel.startsWith('hooks/') && !rel.endsWith('.keep')) await chmod(abs, 0o755);
    written.push(rel);
  }
  return written;
}
