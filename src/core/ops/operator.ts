/** Who is running konf: the admin behind sudo if any, else the login user. */
import os from 'node:os';

export function operator(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = [env.SUDO_USER, env.USER].find((v) => v !== undefined && v.trim() !== '');
  if (fromEnv !== undefined) return fromEnv.trim();
  try {
    return os.userInfo().username;
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
