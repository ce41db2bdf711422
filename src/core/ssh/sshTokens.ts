/** The local facts ssh config values depend on, `~`/`${ENV}` paths and `%` tokens. */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { cfgError } from './sshValues.js';

/** The local facts that tokens and defaults depend on (overridable for tests). */
export interface LocalEnv {
  home: string;
  localUser: string;
  localHostname: string;
  uid: number;
  env: Record<string, string | undefined>;
}

export function localEnv(overrides: Partial<LocalEnv> = {}): LocalEnv {
  let user = process.env.USER ?? process.env.LOGNAME ?? '';
  let home = process.env.HOME ?? '';
  try {
    const info = os.userInfo();
    user = info.username || user;
    home = home || info.homedir;
  } catch {
    // no passwd entry: keep the environment's idea
  }
  return {
    home: overrides.home ?? home,
    localUser: overrides.localUser ?? user,
    localHostname: overrides.localHostname ?? os.hostname(),
    uid: overrides.uid ?? process.getuid?.() ?? 0,
    env: overrides.env ?? process.env,
  };
}

/**
 * The config files `ssh <host>` would read, with the fleet's file first:
 * `[fleetConfig, ~/.ssh/config, /etc/ssh/ssh_config]`. Missing files are skipped at load.
 */
export function defaultConfigFiles(fleetConfig?: string, env: LocalEnv = localEnv()): string[] {
  return [...(fleetConfig ? [fleetConfig] : []), path.join(env.home, '.ssh', 'config'), '/etc/ssh/ssh_config'];
}

/** `~` → home and `${VAR}` → environment, as OpenSSH does for file options. */
export function expandPath(value: string, env: LocalEnv, where?: string): string {
  let v = value;
  if (v === '~') v = env.home;
  else if (v.startsWith('~/')) v = path.join(env.home, v.slice(2));
  v = v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const val = env.env[name];
    if (val === undefined) throw cfgError(`environment variable \${${name}} is not set`, where);
    return val;
  });
  return v;
}

export interface TokenValues {
  h?: string;
  p?: string;
  r?: string;
  n?: string;
  k?: string;
}

/**
 * Expands OpenSSH `%` tokens: `%%`, `%d` home, `%u` local user, `%i` uid, `%l`/`%L`
 * local host name (full/short), `%h` remote host, `%p` port, `%r` remote user, `%n`
 * original alias, `%k` host key alias, `%C` hash of `%l%h%p%r`. An unknown or unavailable
 * token is an error naming the option and place.
 */
export function expandTokens(value: string, tokens: TokenValues, env: LocalEnv, option: string, where?: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const t = value[++i];
    let rep: string | undefined;
    switch (t) {
      case '%':
        rep = '%';
        break;
      case 'd':
        rep = env.home;
        break;
      case 'u':
        rep = env.localUser;
        break;
      case 'i':
        rep = String(env.uid);
        break;
      case 'L':
        rep = env.localHostname.split('.')[0];
        break;
      case 'l':
        rep = env.localHostname;
        break;
      case 'h':
      case 'p':
      case 'r':
      case 'n':
      case 'k':
        rep = tokens[t];
        break;
      case 'C':
        if (tokens.h !== undefined && tokens.p !== undefined && tokens.r !== undefined)
          rep = createHash('sha1').update(`${env.localHostname}${tokens.h}${tokens.p}${tokens.r}`).digest('hex');
        break;
      default:
        break;
    }
    if (rep === undefined) throw cfgError(`${option}: unknown or unavailable token %${t ?? ''} in "${value}"`, where);
    out += rep;
  }
  return out;
}
