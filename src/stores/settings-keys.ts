/** Log positions live in the settings table (workspace '') under one key per log, on every engine. */
export function logPositionKey(log: string): string {
  return `log_position:${log}`;
}
