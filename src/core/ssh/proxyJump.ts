/** ProxyJump values: parsing `[ssh://][user@]host[:port]` lists and formatting a hop back. */
import { cfgError, parsePort } from './sshValues.js';

/** One hop of a ProxyJump list: `[user@]host[:port]`. */
export interface JumpSpec {
  host: string;
  user?: string;
  port?: number;
}

/** Parses a ProxyJump value: `none`, or comma-separated `[ssh://][user@]host[:port]`. */
export function parseProxyJump(value: string, where?: string): JumpSpec[] {
  const v = value.trim();
  if (v.toLowerCase() === 'none') return [];
  const bad = (why: string) => cfgError(`invalid ProxyJump "${value}": ${why}`, where);
  return v.split(',').map((raw) => {
    let s = raw.trim();
    if (!s) throw bad('empty hop');
    if (s.startsWith('ssh://')) s = s.slice('ssh://'.length).replace(/\/$/, '');
    const spec: JumpSpec = { host: '' };
    const at = s.lastIndexOf('@');
    if (at >= 0) {
      spec.user = s.slice(0, at);
      s = s.slice(at + 1);
      if (!spec.user) throw bad(`empty user in "${raw.trim()}"`);
    }
    let portText: string | undefined;
    if (s.startsWith('[')) {
      const close = s.indexOf(']');
      if (close < 0) throw bad(`unclosed [ in "${raw.trim()}"`);
      const rest = s.slice(close + 1);
      spec.host = s.slice(1, close);
      if (rest) {
        if (!rest.startsWith(':')) throw bad(`unexpected "${rest}" in "${raw.trim()}"`);
        portText = rest.slice(1);
      }
    } else {
      const colon = s.indexOf(':');
      if (colon >= 0 && s.indexOf(':', colon + 1) < 0) {
        spec.host = s.slice(0, colon);
        portText = s.slice(colon + 1);
      } else {
        spec.host = s;
      }
    }
    if (!spec.host) throw bad(`empty host in "${raw.trim()}"`);
    if (portText !== undefined) spec.port = parsePort(portText, where, 'ProxyJump');
    return spec;
  });
}

export function formatJump(j: JumpSpec): string {
  const host = j.host.includes(':') ? `[${j.host}]` : j.host;
  return `${j.user !== undefined ? `${j.user}@` : ''}${host}${j.port !== undefined ? `:${j.port}` : ''}`;
}