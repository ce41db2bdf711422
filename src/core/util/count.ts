/** A count with its noun, singular for one: `count(1, 'host')` is "1 host", `count(3, 'file')` "3 files". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
