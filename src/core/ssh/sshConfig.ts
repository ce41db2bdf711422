/**
 * Resolves a host the way `ssh <host>` does: from a list of OpenSSH client config files
 * (the fleet's `etc/ssh_config`, then `~/.ssh/config`, then `/etc/ssh/ssh_config`), the
 * first obtained value of each option winning, `Host` sections matched against the name
 * given on the command line, `Include` followed.
 *
 * Parsing uses the `ssh-config` package; evaluation is our own so that we know which
 * file and line every value came from, never run `Match exec` commands, and apply the
 * same rules as OpenSSH's readconf.c for the options konf honours.
 *
 * Not supported (documented choices):
 * - `Match` blocks are skipped, with a warning naming file:line in `ResolvedHost.warnings`
 *   (`SshConfig.resolve(…, { matchBlocks: 'error' })` turns that into a ConfigError).
 * - `ProxyCommand` other than `none` is a ConfigError (use ProxyJump).
 * - Canonicalisation (`CanonicalizeHostname`), certificates, `KnownHostsCommand`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LineType, type Line } from 'ssh-config';
import { ConfigError } from '../errors.js';
import { formatJump, parseProxyJump, type JumpSpec } from './proxyJump.js';
import { parseText, valueArgs, type ParsedFile } from './sshConfigParse.js';
import { globMatch, patternListMatch } from './sshPatterns.js';
import { expandPath, expandTokens, localEnv, type LocalEnv, type TokenValues } from './sshTokens.js';
import { cfgError, parsePort, parseSeconds, parseYesNo } from './sshValues.js';

export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

/** Where a value came from: `file:line`, or `default`/`override`. */
export type ValueSource = string;

export interface ResolvedHost {
  /** The name konf was asked to connect to (the `ssh <host>` argument). */
  alias: string;
  /** Address to dial (HostName with tokens expanded; the alias when unset). */
  hostName: string;
  port: number;
  user: string;
  /** Identity files in order, `~`, tokens and `${ENV}` expanded. */
  identityFiles: string[];
  /** True when IdentityFile was set in a config file (false: OpenSSH's default list). */
  identityFilesExplicit: boolean;
  identitiesOnly: boolean;
  /** IdentityAgent: undefined (use SSH_AUTH_SOCK), 'none', or a socket path. */
  identityAgent?: string;
  /** ProxyJump hops, first dialled first; empty when none. */
  proxyJump: JumpSpec[];
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  /** HostKeyAlias: the name used in known_hosts instead of `[host]:port`. */
  hostKeyAlias?: string;
  /** HashKnownHosts: write hashed names when accept-new records a key. */
  hashKnownHosts: boolean;
  /** ConnectTimeout in ms, undefined when not set. */
  connectTimeoutMs?: number;
  /** ServerAliveInterval in ms; 0 disables keepalive. */
  serverAliveIntervalMs: number;
  serverAliveCountMax: number;
  /** Things a person should know (Match blocks skipped, …); one line each, naming file:line. */
  warnings: string[];
  /** Where each resolved option came from, keyed by lower-case option name. */
  sources: Record<string, ValueSource>;
}

export interface ResolveOverrides {
  /** Like `ssh -l user` / `user@` in ProxyJump: beats the config. */
  user?: string;
  /** Like `ssh -p port`: beats the config. */
  port?: number;
  /** Like `ssh -J a,b`: replaces the ProxyJump of the config ([] = none). */
  proxyJump?: JumpSpec[];
  /** What to do with Match blocks that could apply: warn (default) or error. */
  matchBlocks?: 'warn' | 'error';
}

/** Default ServerAliveInterval when the config sets none (OpenSSH's default is off). */
export const DEFAULT_SERVER_ALIVE_INTERVAL_MS = 15_000;
const MAX_INCLUDE_DEPTH = 16;
const MAX_JUMP_DEPTH = 8;

interface Setting {
  args: string[];
  where: ValueSource;
}

/** A set of parsed ssh config files, resolving hosts as OpenSSH would. */
export class SshConfig {
  private readonly cache = new Map<string, ParsedFile | null>();

  private constructor(
    /** Top-level config files in reading order. */
    readonly files: readonly string[],
    readonly env: LocalEnv,
    texts: Map<string, string>,
  ) {
    for (const [file, text] of texts) this.cache.set(file, parseText(file, text));
  }

  /** Config files read from disk (missing ones are skipped, as OpenSSH does). */
  static fromFiles(files: string[], env: LocalEnv = localEnv()): SshConfig {
    return new SshConfig(files, env, new Map());
  }

  /** Config given as text (tests, or a config held in memory); `file` names are for messages. */
  static fromText(sources: { file: string; text: string }[], env: LocalEnv = localEnv()): SshConfig {
    return new SshConfig(
      sources.map((s) => s.file),
      env,
      new Map(sources.map((s) => [s.file, s.text])),
    );
  }

  private load(file: string): ParsedFile | null {
    if (this.cache.has(file)) return this.cache.get(file) ?? null;
    let parsed: ParsedFile | null = null;
    try {
      parsed = parseText(file, readFileSync(file, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof ConfigError) throw err;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ConfigError(`cannot read ssh config: ${(err as Error).message}`, file);
    }
    this.cache.set(file, parsed);
    return parsed;
  }

  /** Files named by an Include argument (glob in the last component, sorted). */
  private includeTargets(arg: string, baseDir: string, where: string): string[] {
    const expanded = expandPath(arg, this.env, where);
    const full = path.isAbsolute(expanded) ? expanded : path.join(baseDir, expanded);
    const dir = path.dirname(full);
    const name = path.basename(full);
    if (/[*?[]/.test(dir)) throw cfgError(`Include "${arg}": wildcards are only supported in the file name`, where);
    if (!/[*?]/.test(name)) return [full];
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return [];
    }
    return entries
      .filter((e) => !e.startsWith('.') || name.startsWith('.'))
      .filter((e) => globMatch(name, e))
      .sort()
      .map((e) => path.join(dir, e));
  }

  /**
   * Resolves one host alias. Throws ConfigError (naming file:line) for values konf cannot
   * honour or does not understand.
   */
  resolve(alias: string, overrides: ResolveOverrides = {}): ResolvedHost {
    const settings = new Map<string, Setting>();
    const identityFiles: Setting[] = [];
    const warnings: string[] = [];
    const matchMode = overrides.matchBlocks ?? 'warn';
    const set = (key: string, args: string[], where: string) => {
      if (key === 'identityfile') {
        identityFiles.push({ args, where });
        return;
      }
      // ProxyJump and ProxyCommand compete: whichever comes first wins.
      if ((key === 'proxyjump' || key === 'proxycommand') && (settings.has('proxyjump') || settings.has('proxycommand'))) return;
      if (!settings.has(key)) settings.set(key, { args, where });
    };
    if (overrides.user !== undefined) set('user', [overrides.user], 'override');
    if (overrides.port !== undefined) set('port', [String(overrides.port)], 'override');
    if (overrides.proxyJump !== undefined) settings.set('proxyjump', { args: [overrides.proxyJump.map(formatJump).join(',') || 'none'], where: 'override' });

    const processLines = (pf: ParsedFile, lines: Line[], baseDir: string, depth: number, initiallyActive: boolean) => {
      let active = initiallyActive;
      for (const node of lines) {
        if (node.type !== LineType.DIRECTIVE) continue;
        const where = `${pf.file}:${pf.lineNo.get(node) ?? 0}`;
        const key = node.param.toLowerCase();
        if (key === 'host') {
          active = patternListMatch(valueArgs(node), alias);
          // Lines after a section belong to it in the file; the parser nests them. A section
          // that does not match is skipped whole (a 1,000-host config is walked per host).
          if (active && 'config' in node) processLines(pf, node.config, baseDir, depth, active);
          continue;
        }
        if (key === 'match') {
          const text = `Match ${valueArgs(node).join(' ')}`;
          const msg = `${where}: "${text}" is not supported by konf; the block is ignored`;
          if (matchMode === 'error') throw cfgError(`"${text}" is not supported by konf (use Host patterns)`, where);
          if (!warnings.includes(msg)) warnings.push(msg);
          active = false;
          continue;
        }
        if (!active) continue;
        if (key === 'include') {
          if (depth >= MAX_INCLUDE_DEPTH) throw cfgError('Include nested too deeply', where);
          for (const arg of valueArgs(node)) {
            for (const target of this.includeTargets(arg, baseDir, where)) {
              const inc = this.load(target);
              if (inc) processLines(inc, inc.lines, baseDir, depth + 1, true);
            }
          }
          continue;
        }
        set(key, valueArgs(node), where);
      }
    };

    for (const file of this.files) {
      const pf = this.load(file);
      if (pf) processLines(pf, pf.lines, path.dirname(file), 0, true);
    }
    return this.finish(alias, settings, identityFiles, warnings);
  }

  private finish(alias: string, settings: Map<string, Setting>, identitySettings: Setting[], warnings: string[]): ResolvedHost {
    const env = this.env;
    const sources: Record<string, ValueSource> = {};
    const get = (key: string): Setting | undefined => {
      const s = settings.get(key);
      if (s) sources[key] = s.where;
      return s;
    };
    const one = (s: Setting, option: string): string => {
      const v = s.args[0];
      if (v === undefined) throw cfgError(`${option} needs a value`, s.where);
      return v;
    };

    const hostNameSetting = get('hostname');
    const hostName = hostNameSetting
      ? expandTokens(one(hostNameSetting, 'HostName'), { h: alias, n: alias }, env, 'HostName', hostNameSetting.where)
      : alias;
    const portSetting = get('port');
    const port = portSetting ? parsePort(one(portSetting, 'Port'), portSetting.where, 'Port') : 22;
    const userSetting = get('user');
    const user = userSetting ? one(userSetting, 'User') : env.localUser;

    const pc = get('proxycommand');
    if (pc && one(pc, 'ProxyCommand').toLowerCase() !== 'none') {
      throw cfgError('ProxyCommand is not supported by konf; use ProxyJump', pc.where);
    }
    const pj = get('proxyjump');
    const proxyJump = pj ? parseProxyJump(pj.args.join(' '), pj.where) : [];

    const aliasSetting = get('hostkeyalias');
    const hostKeyAlias = aliasSetting ? one(aliasSetting, 'HostKeyAlias').toLowerCase() : undefined;
    const tokens: TokenValues = { h: hostName, p: String(port), r: user, n: alias, k: hostKeyAlias ?? hostName };

    const fileArg = (v: string, option: string, where: string) => path.resolve(expandTokens(expandPath(v, env, where), tokens, env, option, where));

    let identityFiles: string[];
    const identityFilesExplicit = identitySettings.length > 0;
    if (identityFilesExplicit) {
      identityFiles = [];
      for (const s of identitySettings) {
        const f = fileArg(one(s, 'IdentityFile'), 'IdentityFile', s.where);
        if (!identityFiles.includes(f)) identityFiles.push(f);
      }
      sources.identityfile = identitySettings.map((s) => s.where).join(', ');
    } else {
      identityFiles = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(env.home, '.ssh', f));
    }

    const io = get('identitiesonly');
    const identitiesOnly = io ? parseYesNo(io.args, 'IdentitiesOnly', io.where) : false;
    const ia = get('identityagent');
    let identityAgent: string | undefined;
    if (ia) {
      const v = one(ia, 'IdentityAgent');
      if (v.toLowerCase() === 'none') identityAgent = 'none';
      else if (v === 'SSH_AUTH_SOCK') identityAgent = undefined;
      else if (v.startsWith('$')) identityAgent = env.env[v.slice(1)];
      else identityAgent = fileArg(v, 'IdentityAgent', ia.where);
    }

    const fileList = (key: string, option: string, defaults: string[]) => {
      const s = get(key);
      if (!s) return defaults;
      if (s.args.length === 1 && s.args[0]?.toLowerCase() === 'none') return [];
      return s.args.map((a) => fileArg(a, option, s.where));
    };
    const userKnownHostsFiles = fileList('userknownhostsfile', 'UserKnownHostsFile', [
      path.join(env.home, '.ssh', 'known_hosts'),
      path.join(env.home, '.ssh', 'known_hosts2'),
    ]);
    const globalKnownHostsFiles = fileList('globalknownhostsfile', 'GlobalKnownHostsFile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);

    let strictHostKeyChecking: StrictHostKeyChecking = 'yes';
    const shk = get('stricthostkeychecking');
    if (shk) {
      const v = one(shk, 'StrictHostKeyChecking').toLowerCase();
      if (v === 'yes' || v === 'ask' || v === 'true') strictHostKeyChecking = 'yes';
      else if (v === 'accept-new') strictHostKeyChecking = 'accept-new';
      else if (v === 'no' || v === 'off' || v === 'false') strictHostKeyChecking = 'no';
      else throw cfgError(`invalid StrictHostKeyChecking value "${v}"`, shk.where);
      if (v === 'ask') warnings.push(`${shk.where}: StrictHostKeyChecking ask is treated as yes (konf never prompts for host keys)`);
    }
    const hkh = get('hashknownhosts');
    const hashKnownHosts = hkh ? parseYesNo(hkh.args, 'HashKnownHosts', hkh.where) : false;

    const ct = get('connecttimeout');
    const connectTimeoutSec = ct ? parseSeconds(ct.args, 'ConnectTimeout', ct.where) : undefined;
    const sai = get('serveraliveinterval');
    const serverAliveIntervalMs = sai ? parseSeconds(sai.args, 'ServerAliveInterval', sai.where) * 1000 : DEFAULT_SERVER_ALIVE_INTERVAL_MS;
    const sacm = get('serveralivecountmax');
    const serverAliveCountMax = sacm ? parseSeconds(sacm.args, 'ServerAliveCountMax', sacm.where) : 3;

    return {
      alias,
      hostName,
      port,
      user,
      identityFiles,
      identityFilesExplicit,
      identitiesOnly,
      ...(ia ? { identityAgent } : {}),
      proxyJump,
      userKnownHostsFiles,
      globalKnownHostsFiles,
      strictHostKeyChecking,
      ...(hostKeyAlias !== undefined ? { hostKeyAlias } : {}),
      hashKnownHosts,
      ...(connectTimeoutSec !== undefined && connectTimeoutSec > 0 ? { connectTimeoutMs: connectTimeoutSec * 1000 } : {}),
      serverAliveIntervalMs,
      serverAliveCountMax,
      warnings,
      sources,
    };
  }

  /**
   * The hops to dial for a host, first dialled first, the host itself last. Follows
   * OpenSSH: for `ProxyJump a,b` the last hop `b` is reached through `a`; for a single
   * hop, that hop's own ProxyJump applies (recursively).
   */
  resolveChain(alias: string, overrides: ResolveOverrides = {}): ResolvedHost[] {
    const chainOf = (host: ResolvedHost, depth: number): ResolvedHost[] => {
      if (host.proxyJump.length === 0) return [host];
      if (depth >= MAX_JUMP_DEPTH) {
        throw cfgError(`ProxyJump chain for ${alias} is longer than ${MAX_JUMP_DEPTH} hops (a loop?)`, host.sources.proxyjump);
      }
      const hops = host.proxyJump;
      const last = hops[hops.length - 1] as JumpSpec;
      const lastResolved = this.resolve(last.host, {
        ...(last.user !== undefined ? { user: last.user } : {}),
        ...(last.port !== undefined ? { port: last.port } : {}),
        ...(hops.length > 1 ? { proxyJump: hops.slice(0, -1) } : {}),
        ...(overrides.matchBlocks ? { matchBlocks: overrides.matchBlocks } : {}),
      });
      return [...chainOf(lastResolved, depth + 1), host];
    };
    return chainOf(this.resolve(alias, overrides), 0);
  }
}
